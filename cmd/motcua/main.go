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

	"github.com/motcua/motcua/server"
	"github.com/motcua/motcua/store"
	"github.com/motcua/motcua/writer"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.LookupEnv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "motcua:", err)
		os.Exit(1)
	}
}

// options are the hub's settings from flags, environment and defaults.
type options struct {
	addr string
	cfg  server.Config
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
	fs.StringVar(&o.cfg.DB, "db", env("MOTCUA_DB", "motcua.db"), "SQLite file, or a postgres:// URL [MOTCUA_DB]")
	fs.StringVar(&o.cfg.Config, "config", env("MOTCUA_CONFIG", ""), "hall description (YAML) loaded into an empty database [MOTCUA_CONFIG]")
	fs.StringVar(&o.cfg.Trusted, "trusted", env("MOTCUA_TRUSTED", "127.0.0.0/8,::1/128"), "CIDRs exempt from per-client limits [MOTCUA_TRUSTED]")
	fs.StringVar(&o.cfg.BaseURL, "base-url", env("MOTCUA_BASE_URL", ""), "scheme and host for track_url and QR codes [MOTCUA_BASE_URL]")
	fs.StringVar(&o.cfg.Webhook.URL, "webhook-url", env("MOTCUA_WEBHOOK_URL", ""), "URL that receives signed dossier notifications (SMS/Zalo gateway) [MOTCUA_WEBHOOK_URL]")
	// For measuring only (docs/PERFORMANCE.md): 1 makes every write request
	// its own commit and fsync, the baseline group commit is compared with.
	fs.IntVar(&o.cfg.MaxBatch, "max-batch", writer.DefaultMaxBatch, "write requests that may share one commit (group commit); 1 for one commit per request")
	// The city (issue 14): join a registry; the password is a secret, not a flag.
	var registryURL, cityDir string
	fs.StringVar(&registryURL, "registry", env("MOTCUA_REGISTRY", ""), "city registry to join, e.g. nats://registry.example:7422 (none: the hall runs alone) [MOTCUA_REGISTRY]")
	fs.StringVar(&cityDir, "city-dir", env("MOTCUA_CITY_DIR", ""), "the hall's NATS JetStream files when joined (default: next to the SQLite file) [MOTCUA_CITY_DIR]")
	if err := fs.Parse(args[1:]); err != nil {
		return o, err
	}
	if registryURL != "" {
		if cityDir == "" {
			cityDir = "motcua-city"
			if !store.IsPostgres(o.cfg.DB) {
				cityDir = o.cfg.DB + ".city"
			}
		}
		o.cfg.City = &server.CityConfig{Registry: registryURL, Password: env("MOTCUA_REGISTRY_PASSWORD", ""), Dir: cityDir}
		if o.cfg.City.Password == "" {
			return o, fmt.Errorf("-registry needs MOTCUA_REGISTRY_PASSWORD, the branch's password from `motcua registry branch add`")
		}
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	o.cfg.AdminPassword = env("MOTCUA_ADMIN_PASSWORD", "")
	// A secret is not a flag: flags show in the process list.
	o.cfg.Webhook.Secret = env("MOTCUA_WEBHOOK_SECRET", "")
	if o.cfg.Webhook.URL != "" && o.cfg.Webhook.Secret == "" {
		return o, fmt.Errorf("-webhook-url needs MOTCUA_WEBHOOK_SECRET to sign the notifications")
	}
	return o, nil
}

// run starts the hub and serves until ctx ends, or runs a subcommand
// ("motcua user …", see user.go). Tests call it directly.
func run(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 1 && args[1] == "user" {
		return runUser(ctx, args, lookupEnv, stdin, stdout, stderr)
	}
	if len(args) > 1 && args[1] == "registry" { // the city registry (registry.go)
		return runRegistry(ctx, args, lookupEnv, stdout, stderr)
	}
	start := time.Now()
	o, err := parseOptions(args, lookupEnv, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	o.cfg.Logger = log
	srv, err := server.New(ctx, o.cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return errors.Join(err, srv.Close())
	}
	httpSrv := &http.Server{Handler: srv.Handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(ln) }()
	log.Info("motcua hub ready", "url", "http://"+ln.Addr().String(), "db", srv.Store.Dialect,
		"branch", srv.Hub.Site.Branch().Name, "startup", time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(stdout, "motcua listening on http://%s\n", ln.Addr())

	select {
	case err := <-errc:
		return errors.Join(err, srv.Close())
	case <-ctx.Done():
	}
	log.Info("shutting down")
	srv.Live.Close() // websockets first: Shutdown does not wait for hijacked connections
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = httpSrv.Shutdown(shutdownCtx)
	if cerr := srv.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
