package api

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/metrics"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

func TestMetricsAreServedBehindTheProxySecret(t *testing.T) {
	store := state.New(state.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = store.Run(ctx) }()
	srv, _ := serve(t, state.Options{}, Options{Metrics: metrics.Handler(metrics.Options{Store: store, Version: "test"})})
	if code, body := get(t, srv.URL+prefix+"metrics", false); code != http.StatusUnauthorized || body["status"] != "error" {
		t.Fatalf("without the secret: %d %v", code, body)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+prefix+"metrics", nil)
	req.Header.Set(SecretHeader, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `sparkmonitor_build_info{version="test"} 1`) {
		t.Fatalf("%d\n%s", resp.StatusCode, b)
	}
}
