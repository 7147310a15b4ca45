// Command sparkmonitor is the SparkMonitor server, started by jupyter-server-proxy. It receives Spark listener
// streams on --ingest and serves the monitor under {base_url}sparkmonitor/ on --listen.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/sparkmonitor/sparkmonitor-go/config"
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
	if c.ingest == "" {
		return errors.New("--ingest is required (unix:/path or host:port)")
	}
	if ingestSecret == "" || proxySecret == "" {
		return errors.New("SPARKMONITOR_SECRET and SPARKMONITOR_PROXY_SECRET must be set (jupyter-server-proxy sets them)")
	}
	level := new(slog.LevelVar)
	level.Set(flagLevel)
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	live := &settings{flagLevel: flagLevel, flagReadOnly: c.readOnly, level: level, log: log}
	p, err := build(ctx, c, live, ingestSecret, proxySecret)
	if err != nil {
		return err
	}
	return p.run(ctx)
}
