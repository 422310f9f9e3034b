// Command motcua runs the branch hub of a one-stop public service hall.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // the branch time zone must load even on a host without zoneinfo

	"github.com/motcua/motcua/city"
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
	addr       string
	cfg        server.Config
	bookingKey string // MOTCUA_BOOKING_KEY; see bookingKey
	backup     backupSchedule
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
	var bad []error // environment values that do not parse
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
	fs.BoolVar(&o.cfg.SecureCookies, "secure-cookies", envBool(lookupEnv, "MOTCUA_SECURE_COOKIES", &bad), "mark the login cookie Secure: the hub is reached over HTTPS (a base URL on https implies it) [MOTCUA_SECURE_COOKIES]")
	fs.IntVar(&o.cfg.MaxConnsPerAddr, "max-conns-per-addr", envInt(lookupEnv, "MOTCUA_MAX_CONNS_PER_ADDR", server.DefaultMaxConnsPerAddr, &bad), "open HTTP connections one untrusted address may hold [MOTCUA_MAX_CONNS_PER_ADDR]")
	fs.StringVar(&o.backup.dir, "backup-dir", env("MOTCUA_BACKUP_DIR", ""), "folder for scheduled backups of the SQLite database; empty makes none [MOTCUA_BACKUP_DIR]")
	fs.DurationVar(&o.backup.every, "backup-every", envDuration(lookupEnv, "MOTCUA_BACKUP_EVERY", 24*time.Hour, &bad), "time between scheduled backups [MOTCUA_BACKUP_EVERY]")
	fs.IntVar(&o.backup.keep, "backup-keep", envInt(lookupEnv, "MOTCUA_BACKUP_KEEP", 14, &bad), "scheduled backups kept; older ones are removed [MOTCUA_BACKUP_KEEP]")
	fs.IntVar(&o.cfg.MaxBatch, "max-batch", writer.DefaultMaxBatch, "write requests that may share one commit (group commit); 1 for one commit per request")
	// The city (issue 14): join a registry; the password is a secret, not a flag.
	var registryURL, cityDir, registryCA string
	fs.StringVar(&registryURL, "registry", env("MOTCUA_REGISTRY", ""), "city registry to join, e.g. nats://registry.example:7422 (none: the hall runs alone) [MOTCUA_REGISTRY]")
	fs.StringVar(&cityDir, "city-dir", env("MOTCUA_CITY_DIR", ""), "the hall's NATS JetStream files when joined (default: next to the SQLite file) [MOTCUA_CITY_DIR]")
	fs.StringVar(&registryCA, "registry-ca", env("MOTCUA_REGISTRY_CA", ""), "CA certificate (PEM) that signed the registry's; the link then runs over TLS (tls:// URL) [MOTCUA_REGISTRY_CA]")
	if err := fs.Parse(args[1:]); err != nil {
		return o, err
	}
	if len(bad) > 0 {
		return o, errors.Join(bad...)
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
		if registryCA != "" {
			tlsCfg, err := city.RegistryTLS(registryCA)
			if err != nil {
				return o, fmt.Errorf("-registry-ca: %w", err)
			}
			o.cfg.City.TLS = tlsCfg
		}
	} else if registryCA != "" {
		return o, fmt.Errorf("-registry-ca needs -registry, the registry's tls:// URL")
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
	o.bookingKey = env("MOTCUA_BOOKING_KEY", "")
	return o, nil
}

// bookingKey is the key of the hash online bookings keep instead of the ID
// number: MOTCUA_BOOKING_KEY (a secret, so not a flag), or the file
// booking.key in the data folder (next to the SQLite file), made at the
// first start. With PostgreSQL and no variable there is no data folder:
// nil, and the hub uses a key for this run only (and says so).
func bookingKey(db, fromEnv string) ([]byte, error) {
	if fromEnv != "" {
		if len(fromEnv) < 16 {
			return nil, fmt.Errorf("MOTCUA_BOOKING_KEY must have at least 16 characters")
		}
		return []byte(fromEnv), nil
	}
	if store.IsPostgres(db) {
		return nil, nil
	}
	path := filepath.Join(filepath.Dir(db), "booking.key")
	if key, err := os.ReadFile(path); err == nil {
		if len(key) < 16 {
			return nil, fmt.Errorf("%s: the booking key is too short", path)
		}
		return key, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("booking key: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	key := []byte(hex.EncodeToString(raw))
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("booking key: %w", err)
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		return nil, fmt.Errorf("booking key: %w", err)
	}
	return key, f.Close()
}

// envInt, envBool and envDuration read a typed variable; a value that does
// not parse is noted in bad and the default used meanwhile.
func envInt(lookupEnv func(string) (string, bool), key string, def int, bad *[]error) int {
	v, ok := lookupEnv(key)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		*bad = append(*bad, fmt.Errorf("%s=%q is not a whole number", key, v))
		return def
	}
	return n
}

func envBool(lookupEnv func(string) (string, bool), key string, bad *[]error) bool {
	v, ok := lookupEnv(key)
	if !ok || strings.TrimSpace(v) == "" {
		return false
	}
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		*bad = append(*bad, fmt.Errorf("%s=%q is not true or false", key, v))
	}
	return b
}

func envDuration(lookupEnv func(string) (string, bool), key string, def time.Duration, bad *[]error) time.Duration {
	v, ok := lookupEnv(key)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil {
		*bad = append(*bad, fmt.Errorf("%s=%q is not a duration such as 24h or 30m", key, v))
		return def
	}
	return d
}

// run starts the hub and serves until ctx ends, or runs a subcommand
// ("motcua user …", see user.go). Tests call it directly.
func run(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 1 && args[1] == "user" {
		return runUser(ctx, args, lookupEnv, stdin, stdout, stderr)
	}
	if len(args) > 1 && args[1] == "backup" {
		return runBackup(ctx, args, lookupEnv, stdout, stderr)
	}
	if len(args) > 1 && args[1] == "restore" {
		return runRestore(ctx, args, lookupEnv, stdout, stderr)
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
	if !store.IsPostgres(o.cfg.DB) {
		// One hub per database file; "motcua restore" waits for none.
		unlock, err := lockDatabase(o.cfg.DB)
		if err != nil {
			return err
		}
		defer unlock()
	}
	if o.cfg.BookingKey, err = bookingKey(o.cfg.DB, o.bookingKey); err != nil {
		return err
	}
	if o.cfg.BaseURL == "" {
		log.Warn("-base-url (MOTCUA_BASE_URL) is not set: QR codes and tracking links use the address each client connected to; " +
			"set it to the address citizens' phones reach, e.g. http://192.168.1.10:8080 or https://motcua.example.gov.vn")
	}
	srv, err := server.New(ctx, o.cfg)
	if err != nil {
		return err
	}
	o.backup.db, o.backup.log = o.cfg.DB, log
	stopBackups, err := startBackups(ctx, o.backup)
	if err != nil {
		return errors.Join(err, srv.Close())
	}
	defer stopBackups()
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return errors.Join(err, srv.Close())
	}
	httpSrv := srv.HTTP()
	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(srv.Listener(ln)) }()
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
