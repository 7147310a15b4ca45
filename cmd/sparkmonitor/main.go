// Command sparkmonitor is the SparkMonitor server, started by jupyter-server-proxy. It receives Spark listener
// streams on --ingest and serves the monitor under {base_url}sparkmonitor/ on --listen.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
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

var version = "0.1.0"

type flags struct {
	listen, baseURL, ingest, logLevel, config string
	showVersion, readOnly, checkConfig        bool
}

func main() {
	tuneRuntime()
	var c flags
	flag.StringVar(&c.listen, "listen", "127.0.0.1:0",
		"HTTP address jupyter-server-proxy forwards to: unix:/path/to/socket (in a folder only you can enter) or host:port")
	flag.StringVar(&c.baseURL, "base-url", "/", "Jupyter server base URL; the monitor is served under {base-url}sparkmonitor/")
	flag.StringVar(&c.ingest, "ingest", "", "listener address: unix:/path/to/socket or host:port (required)")
	flag.StringVar(&c.logLevel, "log-level", "info", "debug, info, warn or error")
	flag.BoolVar(&c.showVersion, "version", false, "print the version and exit")
	flag.BoolVar(&c.readOnly, "read-only", os.Getenv("SPARKMONITOR_READ_ONLY") == "1",
		"refuse to cancel jobs and stages (default from SPARKMONITOR_READ_ONLY=1)")
	flag.StringVar(&c.config, "config", os.Getenv("SPARKMONITOR_CONFIG"),
		"the monitor's YAML config file, reloaded when it changes; a missing file means the defaults (default from SPARKMONITOR_CONFIG)")
	flag.BoolVar(&c.checkConfig, "check-config", false, "check the --config file, print its problems and exit (1 if broken or a profile is invalid)")
	flag.Parse()
	if c.showVersion {
		fmt.Println(version)
		return
	}
	if c.checkConfig {
		os.Exit(checkConfig(c.config))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, c, os.Getenv("SPARKMONITOR_SECRET"), os.Getenv("SPARKMONITOR_PROXY_SECRET")); err != nil {
		fmt.Fprintln(os.Stderr, "sparkmonitor:", err)
		os.Exit(1)
	}
}

// checkConfig is --check-config: 0 when the file is good or missing, 1 with its problems on stderr otherwise.
func checkConfig(path string) int {
	if path == "" {
		fmt.Fprintln(os.Stderr, "sparkmonitor: --check-config needs --config PATH (or SPARKMONITOR_CONFIG)")
		return 2
	}
	f, exists, err := config.Load(path)
	switch {
	case err != nil:
		fmt.Fprintln(os.Stderr, err)
		return 1
	case len(f.Settings().Profiles.Invalid()) > 0: // the monitor runs with them, but they cannot be applied
		fmt.Fprintln(os.Stderr, strings.Join(f.Settings().Profiles.Invalid(), "\n"))
		return 1
	case !exists:
		fmt.Printf("%s: no such file; the defaults apply\n", path)
	default:
		fmt.Printf("%s: OK\n", path)
	}
	return 0
}

func run(ctx context.Context, c flags, ingestSecret, proxySecret string) error {
	var flagLevel slog.Level
	if err := flagLevel.UnmarshalText([]byte(c.logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	level := new(slog.LevelVar)
	level.Set(flagLevel)
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if c.ingest == "" {
		return errors.New("--ingest is required (unix:/path or host:port)")
	}
	if ingestSecret == "" || proxySecret == "" {
		return errors.New("SPARKMONITOR_SECRET and SPARKMONITOR_PROXY_SECRET must be set (jupyter-server-proxy sets them)")
	}
	prefix := strings.TrimSuffix(c.baseURL, "/") + "/sparkmonitor/"
	if !strings.HasPrefix(prefix, "/") {
		prefix = "/" + prefix
	}

	// The config file never stops the monitor: broken, it is the defaults plus an error in api/health.
	live := &settings{flagLevel: flagLevel, flagReadOnly: c.readOnly, level: level, log: log}
	var watcher *config.Watcher
	var configFn func() api.ConfigStatus
	var profilesFn func() api.ProfileList
	var metricsConfigFn func() metrics.ConfigState
	tun := live.effective(config.Defaults())
	if c.config != "" {
		watcher = config.Open(config.Options{Path: c.config, Logger: log, Apply: live.apply(ctx)})
		tun = live.effective(watcher.Settings())
		configFn = configStatus(watcher)
		profilesFn = profileList(watcher)
		metricsConfigFn = metricsConfig(watcher)
	}
	store := state.New(state.Options{Logger: log, ReadOnly: tun.ReadOnly, MaxJobsPerApp: tun.MaxJobsPerApp, MaxApps: tun.MaxApps})
	live.store = store
	hist := newHistory(live.historySettings(), live, store, log)
	var sink ingest.Sink = store
	if hist != nil {
		sink = history.Tee(store, hist.rec)
	}
	in, err := ingest.New(ingest.Options{Addr: c.ingest, Secret: ingestSecret, Sink: sink, Logger: log})
	if err != nil {
		return err
	}
	resolver := uiResolver{store}
	sparkUI := proxy.New(resolver, proxy.Options{
		Prefix: prefix, WriteError: api.WriteError, Logger: log, CancelEnabled: resolver.CancelEnabled,
	})
	apiOpts := api.Options{
		Prefix: prefix, ProxySecret: proxySecret, Source: store, Version: version, IngestAddr: c.ingest,
		SparkUI: sparkUI, Logger: log, ReadOnly: live.readOnly.Load, Targets: store, CellRuns: store, Controller: in, Config: configFn,
		Profiles: profilesFn,
		Metrics: metrics.Handler(metrics.Options{
			Store: store, Ingest: in, Config: metricsConfigFn, Version: version, Logger: log,
		}),
	}
	if hist != nil {
		apiOpts.EventLogs, apiOpts.History = hist, hist.status
	}
	handler, err := api.Handler(apiOpts)
	if err != nil {
		return err
	}
	ln, err := socket.Listen(c.listen)
	if err != nil {
		return fmt.Errorf("--listen: %w", err)
	}
	srv := api.NewServer(handler, api.ServerLimits{}, log)
	log.Info("sparkmonitor serving", "http", ln.Addr().String(), "prefix", prefix, "ingest", c.ingest, "version", version,
		"readOnly", tun.ReadOnly, "config", c.config)

	g, gctx := errgroup.WithContext(ctx)
	storeCtx, stopStore := context.WithCancel(context.Background())
	defer stopStore()
	g.Go(func() error { return store.Run(storeCtx) })
	if hist != nil {
		g.Go(func() error { return hist.rec.Run(gctx) })
	}
	g.Go(func() error {
		if hist != nil { // past applications first, so that a listener that reconnects finds its application
			hist.restore(gctx)
			hist.expectListeners(gctx, in)
		}
		return in.Run(gctx)
	})
	if watcher != nil {
		g.Go(func() error { return watcher.Run(gctx) })
	}
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		// Stop HTTP first (with a deadline), then the state store.
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := srv.Shutdown(shutdownCtx)
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
