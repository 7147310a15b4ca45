package main

import (
	"os"

	"github.com/sparkmonitor/sparkmonitor-go/config"
	"github.com/sparkmonitor/sparkmonitor-go/spark/api"
)

// explainConfig converts the config file's explain section in use for the API; nil when it is off.
func explainConfig(w *config.Watcher) func() *api.ExplainConfig {
	return func() *api.ExplainConfig {
		e := w.Settings().Explain
		if !e.Enabled {
			return nil
		}
		return &api.ExplainConfig{URL: e.URL, Model: e.Model, Timeout: e.Timeout, MaxCardBytes: e.MaxCardBytes,
			MaxAnswerBytes: e.MaxAnswerBytes, APIKey: func() (string, error) { return e.APIKey(os.Getenv) }}
	}
}
