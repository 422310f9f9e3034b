// Package server assembles a branch hub: store, hub, websocket fan-out and
// the HTTP surface. cmd/motcua runs it; tests start it in-process.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/city"
	"github.com/motcua/motcua/hall"
	"github.com/motcua/motcua/hub"
	"github.com/motcua/motcua/live"
	"github.com/motcua/motcua/notify"
	"github.com/motcua/motcua/store"
	"github.com/motcua/motcua/web"
	"github.com/motcua/motcua/writer"
)

// publishers hands each committed event to several publishers in turn.
type publishers []writer.Publisher

func (ps publishers) Publish(ev motcua.Event) {
	for _, p := range ps {
		p.Publish(ev)
	}
}

// Config is what a hub needs to start.
type Config struct {
	DB string // SQLite path or PostgreSQL URL
	// Config is the hall description file: loaded into an empty database,
	// applied as a change set (logged, audited) to one that holds a hall.
	// Empty loads the embedded sample into an empty database and leaves a
	// database that holds a hall as it is.
	Config  string
	Hall    *motcua.Hall
	Trusted string // CIDR list exempt from per-client limits
	BaseURL string
	// AdminPassword for the first admin; empty generates one.
	AdminPassword string
	BcryptCost    int
	Clock         motcua.Clock
	Logger        *slog.Logger
	// AllowedOrigins are other browser origins allowed on the websockets.
	AllowedOrigins []string
	// Webhook sends signed dossier notifications to an SMS or Zalo gateway;
	// no URL sends none. Its Secret keys their HMAC signature.
	Webhook notify.Config
	// MaxBatch bounds how many write requests share one commit (group
	// commit); 1 makes every request its own commit, 0 takes the default.
	MaxBatch int
	// BookingKey keys the hash of the ID numbers of online bookings; it
	// must not change between starts. Empty: a key for this run only.
	BookingKey []byte
	// SecureCookies marks the login cookie Secure: the hub is reached over
	// HTTPS (through a proxy that ends TLS). A BaseURL on https implies it.
	SecureCookies bool
	// Slow and greedy clients (0 takes the defaults, see http.go):
	// HeaderTimeout bounds reading a request's headers, BodyTimeout its
	// body and answer; MaxConnsPerAddr caps the open connections of one
	// untrusted address.
	HeaderTimeout   time.Duration
	BodyTimeout     time.Duration
	MaxConnsPerAddr int
	// City joins the hall to a city registry (issue 14); nil runs the hall
	// alone, with no NATS server and nothing more on the write path.
	City *CityConfig

	// Test hooks of the fan-out (issue 13): LiveAfterFunc and LiveNow, when
	// set, are the timers and the clock of coalesced websocket events
	// (live.Options.AfterFunc, Now), so that a test fires them itself
	// (servertest.WithTimers). Nil: real timers, the real clock.
	LiveAfterFunc func(d time.Duration, f func()) (stop func() bool)
	LiveNow       func() time.Time
}

// CityConfig is how a hall joins the city registry.
type CityConfig struct {
	// Registry is the registry's leaf URL (nats://host:7422, tls:// for TLS).
	Registry string
	// Password is the branch's credential from `motcua registry branch add`.
	Password string
	// Dir holds the hall's JetStream files.
	Dir string
	// TLS, when set, verifies the registry on a TLS link (city.RegistryTLS).
	TLS *tls.Config
}

// Server is a running hub with its HTTP handler.
type Server struct {
	Hub     *hub.Hub
	Live    *live.Broadcaster
	Store   *store.Store
	Handler http.Handler
	// City is the hall's link to the city registry; nil when alone.
	City *city.Link

	trusted  []netip.Prefix
	timeouts httpLimits
	log      *slog.Logger
}

// New opens the database, loads the hall into it when empty and builds the handler.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	trusted, err := web.ParseTrusted(cfg.Trusted)
	if err != nil {
		return nil, fmt.Errorf("trusted addresses: %w", err)
	}
	var h motcua.Hall
	source := hub.SourceLoad
	switch {
	case cfg.Hall != nil:
		h = *cfg.Hall
	case cfg.Config != "":
		if h, err = hall.Load(cfg.Config); err != nil {
			return nil, err
		}
		source = hub.SourceFile + cfg.Config
	default:
		h = hall.Sample()
	}
	st, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	broadcaster := live.New(live.Options{Trusted: trusted, AllowedOrigins: cfg.AllowedOrigins, AfterFunc: cfg.LiveAfterFunc, Now: cfg.LiveNow})
	var publisher writer.Publisher = broadcaster
	var link *city.Link
	if cfg.City != nil {
		// The link is woken after each commit; it reads the committed events
		// from the log itself, so the writer never waits for it.
		link = city.New(city.Config{Registry: cfg.City.Registry, Password: cfg.City.Password, StoreDir: cfg.City.Dir, TLS: cfg.City.TLS,
			Events: st.Events, Logger: cfg.Logger})
		publisher = publishers{broadcaster, link}
	}
	hb, err := hub.New(ctx, hub.Config{Store: st, Clock: cfg.Clock, Publisher: publisher, Logger: cfg.Logger, Hall: h,
		ApplyHall: cfg.Config != "", HallSource: source,
		AdminPassword: cfg.AdminPassword, BcryptCost: cfg.BcryptCost, Registerer: reg, MaxBatch: cfg.MaxBatch,
		Webhook: cfg.Webhook, BookingKey: cfg.BookingKey})
	if err != nil {
		if cfg.Config != "" {
			err = hall.Locate(cfg.Config, err)
		}
		return nil, errors.Join(err, st.Close())
	}
	limits := httpLimits{header: cfg.HeaderTimeout, body: cfg.BodyTimeout, maxConns: cfg.MaxConnsPerAddr}
	if limits.header <= 0 {
		limits.header = DefaultHeaderTimeout
	}
	if limits.body <= 0 {
		limits.body = DefaultBodyTimeout
	}
	if limits.maxConns <= 0 {
		limits.maxConns = DefaultMaxConnsPerAddr
	}
	secure := cfg.SecureCookies || strings.HasPrefix(strings.ToLower(cfg.BaseURL), "https://")
	if link != nil {
		link.SetCalendar(hb.SetCityCalendar)
		link.SetProcedures(hb.SetCityProcedures)
		if err := link.Start(ctx, hb.Site.Branch().Code); err != nil {
			hb.Close()
			return nil, errors.Join(fmt.Errorf("join the city: %w", err), st.Close())
		}
	}
	handler := routes(deps{city: link, secureCookies: secure, bodyTimeout: limits.body, allowedOrigins: cfg.AllowedOrigins, hub: hb, live: broadcaster, clients: web.Clients{Trusted: trusted, BaseURL: cfg.BaseURL},
		registry: reg, log: cfg.Logger, store: st})
	return &Server{Hub: hb, Live: broadcaster, Store: st, Handler: handler, City: link, trusted: trusted, timeouts: limits, log: cfg.Logger}, nil
}

// Close closes websockets, stops the hub's writer and closes the database.
// Call it after the HTTP server has stopped taking requests.
func (s *Server) Close() error {
	s.Live.Close()
	if s.City != nil {
		s.City.Close()
	}
	s.Hub.Close()
	return s.Store.Close()
}
