// Command sparkmonitor is the SparkMonitor server, started by jupyter-server-proxy. It receives Spark listener
// streams on --ingest and serves the monitor under {base_url}sparkmonitor/ on --listen.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/sparkmonitor/sparkmonitor-go/proxy"
	"github.com/sparkmonitor/sparkmonitor-go/spark/api"
	"github.com/sparkmonitor/sparkmonitor-go/spark/ingest"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

var version = "0.1.0"

type config struct {
	listen, baseURL, ingest, logLevel string
	showVersion, readOnly             bool
}

func main() {
	var c config
	flag.StringVar(&c.listen, "listen", "127.0.0.1:0", "HTTP address (host:port) jupyter-server-proxy forwards to")
	flag.StringVar(&c.baseURL, "base-url", "/", "Jupyter server base URL; the monitor is served under {base-url}sparkmonitor/")
	flag.StringVar(&c.ingest, "ingest", "", "listener address: unix:/path/to/socket or host:port (required)")
	flag.StringVar(&c.logLevel, "log-level", "info", "debug, info, warn or error")
	flag.BoolVar(&c.showVersion, "version", false, "print the version and exit")
	flag.BoolVar(&c.readOnly, "read-only", os.Getenv("SPARKMONITOR_READ_ONLY") == "1",
		"refuse to cancel jobs and stages (default from SPARKMONITOR_READ_ONLY=1)")
	flag.Parse()
	if c.showVersion {
		fmt.Println(version)
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, c, os.Getenv("SPARKMONITOR_SECRET"), os.Getenv("SPARKMONITOR_PROXY_SECRET")); err != nil {
		fmt.Fprintln(os.Stderr, "sparkmonitor:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, c config, ingestSecret, proxySecret string) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
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

	store := state.New(state.Options{Logger: log, ReadOnly: c.readOnly})
	in, err := ingest.New(ingest.Options{Addr: c.ingest, Secret: ingestSecret, Sink: store, Logger: log})
	if err != nil {
		return err
	}
	resolver := uiResolver{store}
	sparkUI := proxy.New(resolver, proxy.Options{
		Prefix: prefix, WriteError: api.WriteError, Logger: log, CancelEnabled: resolver.CancelEnabled,
	})
	handler, err := api.Handler(api.Options{
		Prefix: prefix, ProxySecret: proxySecret, Source: store, Version: version, IngestAddr: c.ingest,
		SparkUI: sparkUI, Logger: log, ReadOnly: c.readOnly, Targets: store, Controller: in,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.listen, err)
	}
	// DisableGeneralOptionsHandler: net/http answers "OPTIONS *" itself otherwise, before the proxy-secret check.
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, DisableGeneralOptionsHandler: true}
	log.Info("sparkmonitor serving", "http", ln.Addr().String(), "prefix", prefix, "ingest", c.ingest, "version", version,
		"readOnly", c.readOnly)

	g, gctx := errgroup.WithContext(ctx)
	storeCtx, stopStore := context.WithCancel(context.Background())
	defer stopStore()
	g.Go(func() error { return store.Run(storeCtx) })
	g.Go(func() error { return in.Run(gctx) })
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
