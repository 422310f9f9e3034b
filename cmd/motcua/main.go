// Command motcua runs the branch hub of a one-stop public service hall.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
	_ "time/tzdata" // the branch time zone must load even on a host without zoneinfo

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/hall"
	"github.com/motcua/motcua/hub"
	"github.com/motcua/motcua/hub/store"
	"github.com/motcua/motcua/live"
	"github.com/motcua/motcua/web"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.LookupEnv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "motcua:", err)
		os.Exit(1)
	}
}

// options are the hub's settings: each flag may also come from the environment.
type options struct {
	addr, db, config, trusted, baseURL string
	adminPassword                      string
	bcryptCost                         int
	clock                              motcua.Clock
}

// parseOptions reads flags over environment variables over defaults. A
// variable set to "" counts as set: MOTCUA_TRUSTED="" trusts nobody.
func parseOptions(args []string, lookupEnv func(string) (string, bool), stderr io.Writer) (options, error) {
	env := func(key, def string) string {
		if v, ok := lookupEnv(key); ok {
			return v
		}
		return def
	}
	var o options
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", env("MOTCUA_ADDR", ":8080"), "listen address [MOTCUA_ADDR]")
	fs.StringVar(&o.db, "db", env("MOTCUA_DB", "motcua.db"), "SQLite file, or a postgres:// URL [MOTCUA_DB]")
	fs.StringVar(&o.config, "config", env("MOTCUA_CONFIG", ""), "hall description (YAML) loaded into an empty database [MOTCUA_CONFIG]")
	fs.StringVar(&o.trusted, "trusted", env("MOTCUA_TRUSTED", "127.0.0.0/8,::1/128"), "CIDRs exempt from per-client limits [MOTCUA_TRUSTED]")
	fs.StringVar(&o.baseURL, "base-url", env("MOTCUA_BASE_URL", ""), "scheme and host for track_url and QR codes [MOTCUA_BASE_URL]")
	if err := fs.Parse(args[1:]); err != nil {
		return o, err
	}
	o.adminPassword = env("MOTCUA_ADMIN_PASSWORD", "")
	return o, nil
}

// run starts the hub and serves until ctx ends. Tests call it directly.
func run(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stdout, stderr io.Writer) error {
	o, err := parseOptions(args, lookupEnv, stderr)
	if err != nil {
		return err
	}
	return serve(ctx, o, stdout, stderr)
}

func serve(ctx context.Context, o options, stdout, stderr io.Writer) error {
	start := time.Now()
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	web.Logger = log

	trusted, err := web.ParseTrusted(o.trusted)
	if err != nil {
		return fmt.Errorf("-trusted: %w", err)
	}
	var h motcua.Hall
	if o.config != "" {
		if h, err = hall.Load(o.config); err != nil {
			return err
		}
	} else {
		h = hall.Sample()
	}

	st, err := store.Open(ctx, o.db)
	if err != nil {
		return err
	}
	defer st.Close()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	broadcaster := live.New(live.Options{Trusted: trusted})
	clock := o.clock
	if clock == nil {
		clock = motcua.SystemClock{}
	}
	hb, err := hub.New(ctx, hub.Config{Store: st, Clock: clock, Publisher: broadcaster, Logger: log, Hall: h,
		AdminPassword: o.adminPassword, BcryptCost: o.bcryptCost, Registerer: reg})
	if err != nil {
		return err
	}
	defer hb.Close()

	handler := routes(deps{hub: hb, live: broadcaster, clients: web.Clients{Trusted: trusted, BaseURL: o.baseURL}, registry: reg})
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("motcua hub ready", "url", "http://"+ln.Addr().String(), "db", st.Dialect, "branch", hb.Branch().Name,
		"startup", time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(stdout, "motcua listening on http://%s\n", ln.Addr())

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	broadcaster.Close()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
