// Package metrics serves the monitor's numbers in the Prometheus text format (README § Metrics): Spark applications,
// jobs, stages, tasks and executors, and the monitor itself. Everything is read from the state store at scrape time
// (a prometheus.Collector), so the ingest path does no work for it.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// Defaults of Options.
const (
	// DefaultMaxApps bounds the per-application series: every running application, then the most recent others up
	// to this many in all (the store keeps every application of the server's life).
	DefaultMaxApps = 100
	// DefaultTimeout bounds a scrape's wait for the state store.
	DefaultTimeout = 5 * time.Second
)

// Store is what the collector reads; *state.Store implements it. Safe for concurrent use.
type Store interface {
	Counts(ctx context.Context) (state.Counts, error)
	QueueLen() (int, int)
	DroppedSubscribers() int64
}

// Ingest is the listener endpoint's numbers; *ingest.Server implements it. Safe for concurrent use.
type Ingest interface {
	Connected() int
	Malformed() int64
	Rejected() int64
}

// ConfigState is the monitor's config file for the metrics.
type ConfigState struct {
	// Good: the file on disk is the configuration in use (or there is no file).
	Good bool
	// LoadedAt: when the configuration in use was loaded; zero when none was (broken since start).
	LoadedAt time.Time
	// ValidProfiles and InvalidProfiles count the file's Spark configuration profiles.
	ValidProfiles, InvalidProfiles int
}

// Options configure the metrics.
type Options struct {
	Store   Store
	Ingest  Ingest             // optional
	Config  func() ConfigState // optional: nil when the monitor runs without a config file
	Version string
	MaxApps int
	Timeout time.Duration
	Logger  *slog.Logger
}

// Handler returns the HTTP handler of the metrics: ours, plus the Go runtime's and the process's. It has its own
// registry (nothing global).
func Handler(opts Options) http.Handler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		NewCollector(opts),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorHandling: promhttp.ContinueOnError, // a store that does not answer loses its series, not the Go ones
		ErrorLog:      slog.NewLogLogger(opts.Logger.Handler(), slog.LevelWarn),
	})
}
