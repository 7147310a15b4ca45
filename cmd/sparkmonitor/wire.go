package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/sparkmonitor/sparkmonitor-go/config"
	"github.com/sparkmonitor/sparkmonitor-go/proxy"
	"github.com/sparkmonitor/sparkmonitor-go/socket"
	"github.com/sparkmonitor/sparkmonitor-go/spark/api"
	"github.com/sparkmonitor/sparkmonitor-go/spark/history"
	"github.com/sparkmonitor/sparkmonitor-go/spark/ingest"
	"github.com/sparkmonitor/sparkmonitor-go/spark/metrics"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// parts are the monitor's components, built by build and run together by parts.run.
type parts struct {
	log     *slog.Logger
	store   *state.Store
	hist    *historySetup // nil: the history is off
	in      *ingest.Server
	watcher *config.Watcher // nil: no --config
	srv     *api.Server
	ln      net.Listener
}

// build makes the monitor's components and opens its HTTP listener.
func build(ctx context.Context, c flags, live *settings, ingestSecret, proxySecret string) (*parts, error) {
	p := &parts{log: live.log}
	// The config file never stops the monitor: broken, it is the defaults plus an error in api/health.
	tun := live.effective(config.Defaults())
	if c.config != "" {
		p.watcher = config.Open(config.Options{Path: c.config, Logger: p.log, Apply: live.apply(ctx)})
		tun = live.effective(p.watcher.Settings())
	}
	p.store = state.New(state.Options{Logger: p.log, ReadOnly: tun.ReadOnly, MaxJobsPerApp: tun.MaxJobsPerApp, MaxApps: tun.MaxApps})
	live.store = p.store
	p.hist = newHistory(live.historySettings(), live, p.store, p.log)
	var sink ingest.Sink = p.store
	if p.hist != nil {
		sink = history.Tee(p.store, p.hist.rec)
	}
	var err error
	if p.in, err = ingest.New(ingest.Options{Addr: c.ingest, Secret: ingestSecret, Sink: sink, Logger: p.log}); err != nil {
		return nil, err
	}
	handler, err := api.Handler(p.apiOptions(c, live, proxySecret))
	if err != nil {
		return nil, err
	}
	if p.ln, err = socket.Listen(c.listen); err != nil {
		return nil, fmt.Errorf("--listen: %w", err)
	}
	p.srv = api.NewServer(handler, api.ServerLimits{}, p.log)
	p.log.Info("sparkmonitor serving", "http", p.ln.Addr().String(), "prefix", prefix(c.baseURL), "ingest", c.ingest,
		"version", version, "readOnly", tun.ReadOnly, "config", c.config)
	return p, nil
}

// prefix is the path the monitor is served under: {base-url}sparkmonitor/, with both slashes.
func prefix(baseURL string) string {
	p := strings.TrimSuffix(baseURL, "/") + "/sparkmonitor/"
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return p
}

// apiOptions wires the API to the other parts: the store it reads, the Spark UI proxy, the cancel path through
// ingest, the config file's and the history's status, the metrics.
func (p *parts) apiOptions(c flags, live *settings, proxySecret string) api.Options {
	resolver := uiResolver{p.store}
	sparkUI := proxy.New(resolver, proxy.Options{
		Prefix: prefix(c.baseURL), WriteError: api.WriteError, Logger: p.log, CancelEnabled: resolver.CancelEnabled,
	})
	opts := api.Options{
		Prefix: prefix(c.baseURL), ProxySecret: proxySecret, Source: p.store, Version: version, IngestAddr: c.ingest,
		SparkUI: sparkUI, Logger: p.log, ReadOnly: live.readOnly.Load, Targets: p.store, CellRuns: p.store, Controller: p.in,
		Plans: p.store, Waits: p.store, Streams: p.store,
	}
	var configState func() metrics.ConfigState
	if p.watcher != nil {
		opts.Config, opts.Profiles, configState = configStatus(p.watcher), profileList(p.watcher), metricsConfig(p.watcher)
		opts.Explain = explainConfig(p.watcher)
	}
	opts.Metrics = metrics.Handler(metrics.Options{
		Store: p.store, Ingest: p.in, Config: configState, Version: version, Logger: p.log,
	})
	if p.hist != nil {
		opts.EventLogs, opts.History = p.hist.uploads, p.hist.status
	}
	return opts
}

// run runs the parts until ctx ends or one fails; then it stops HTTP (with a deadline), then the state store.
func (p *parts) run(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	storeCtx, stopStore := context.WithCancel(context.Background())
	defer stopStore()
	g.Go(func() error { return p.store.Run(storeCtx) })
	if p.hist != nil {
		g.Go(func() error { return p.hist.rec.Run(gctx) })
	}
	g.Go(func() error {
		if p.hist != nil { // past applications first, so that a listener that reconnects finds its application
			p.hist.restore(gctx)
			p.hist.expectListeners(gctx, p.in)
		}
		return p.in.Run(gctx)
	})
	if p.watcher != nil {
		g.Go(func() error { return p.watcher.Run(gctx) })
	}
	g.Go(func() error {
		if err := p.srv.Serve(p.ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := p.srv.Shutdown(shutdownCtx)
		stopStore()
		return err
	})
	if err := g.Wait(); err != nil {
		return err
	}
	if ctx.Err() == nil {
		return errors.New("stopped unexpectedly")
	}
	return nil
}
