// Package hub assembles the branch hub on one store: the writer, the queue,
// the dossier registry, staff accounts and the webhook outbox. It loads the
// hall into an empty database, reads the site, applies changes of the hall
// live (hall.go), and owns the goroutines: the
// writer, the overdue watch (with personal-data retention) and the webhook
// worker. Close stops them, background work first.
package hub

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/appointments"
	"github.com/motcua/motcua/auth"
	"github.com/motcua/motcua/dossiers"
	"github.com/motcua/motcua/hall"
	"github.com/motcua/motcua/notify"
	"github.com/motcua/motcua/presence"
	"github.com/motcua/motcua/queue"
	"github.com/motcua/motcua/store"
	"github.com/motcua/motcua/supervision"
	"github.com/motcua/motcua/writer"
)

// DefaultOverdueCheckEvery is how often the hub looks for dossiers that
// crossed into at-risk or overdue. The check is one indexed query; a minute
// keeps the supervisor's lists and the citizens' phones close to the truth at
// the close of reception, when due dates fall.
const DefaultOverdueCheckEvery = time.Minute

// Config is what New needs.
type Config struct {
	Store *store.Store
	Clock motcua.Clock
	// Publisher receives committed events in seq order (the websocket fan-out).
	Publisher writer.Publisher
	Logger    *slog.Logger
	// Hall is loaded into an empty database. On a database that already
	// holds a hall it is applied as a change set only when ApplyHall is set
	// (-config given): otherwise the stored hall, as the admin left it, runs.
	Hall motcua.Hall
	// ApplyHall applies Hall to a database that already holds a hall, the
	// way PUT /api/v1/hall does, logging each change.
	ApplyHall bool
	// HallSource names where Hall came from in the audit: SourceLoad for
	// the embedded sample, SourceFile plus the path for a -config file.
	HallSource string
	// AdminPassword is the first admin's password on an empty database;
	// empty means generate one and log it once.
	AdminPassword string
	// BcryptCost is the password hashing cost; 0 means the library default.
	BcryptCost int
	// Registerer receives the hub's metrics; nil means no metrics.
	Registerer prometheus.Registerer
	// MaxBatch bounds how many write requests share one commit (group
	// commit); 1 means one commit per request, 0 writer.DefaultMaxBatch.
	MaxBatch int
	// AtRiskDays is the at-risk window in working days; 0 reads the
	// "at_risk_days" setting, else motcua.DefaultAtRiskDays.
	AtRiskDays int
	// OverdueCheckEvery is how often the overdue watch runs (real time);
	// 0 means DefaultOverdueCheckEvery, negative turns the watch off (the
	// dossier registry's CheckOverdue then runs only when called).
	OverdueCheckEvery time.Duration
	// Webhook configures the dossier notifications; no URL sends none.
	Webhook notify.Config
	// BookingKey keys the hash of the ID numbers of online bookings. It must
	// stay the same across restarts (cmd/motcua keeps it in the data folder
	// or takes it from MOTCUA_BOOKING_KEY); empty: a random key for this
	// run only, and a warning.
	BookingKey []byte
}

// Hub is a running branch hub.
type Hub struct {
	Site     *motcua.Site
	Writer   *writer.Writer
	Queue    *queue.Queue
	Dossiers *dossiers.Registry
	Auth     *auth.Auth
	Notify   *notify.Outbox
	// Presence knows which officer works at which counter.
	Presence *presence.Board
	// Appointments are the online numbers (bookings and check-ins).
	Appointments *appointments.Service
	// Supervision watches the floor and alerts the supervisor (issue 15).
	Supervision *supervision.Watch

	store      *store.Store
	log        *slog.Logger
	checkEvery time.Duration
	// atRiskOverride is the at-risk window fixed by the hub's configuration,
	// which the hall's own setting does not replace; 0 when not fixed.
	atRiskOverride int

	stopBackground context.CancelFunc
	background     sync.WaitGroup
	stopWriter     context.CancelFunc
	writerDone     chan struct{}
	closeOnce      sync.Once
}

// New opens the hub on its store: it loads the hall into an empty database,
// reads the site, builds the services, starts the writer and the background
// work, and creates the first admin.
func New(ctx context.Context, cfg Config) (*Hub, error) {
	if cfg.Clock == nil {
		cfg.Clock = motcua.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.OverdueCheckEvery == 0 {
		cfg.OverdueCheckEvery = DefaultOverdueCheckEvery
	}
	st := cfg.Store
	empty, err := st.IsEmpty(ctx)
	if err != nil {
		return nil, err
	}
	if cfg.HallSource == "" {
		cfg.HallSource = SourceLoad
	}
	if empty {
		if err := seed(ctx, st, cfg.Hall, cfg.HallSource, cfg.Clock.Now()); err != nil {
			return nil, fmt.Errorf("load hall: %w", err)
		}
	}
	site, err := loadSite(ctx, st, cfg.Clock)
	if err != nil {
		return nil, err
	}
	h := &Hub{Site: site, Presence: presence.New(site), store: st, log: cfg.Logger, checkEvery: cfg.OverdueCheckEvery, atRiskOverride: cfg.AtRiskDays}
	var pubs []writer.Publisher
	if cfg.Publisher != nil {
		pubs = append(pubs, cfg.Publisher)
	}
	h.Writer = writer.New(writer.Config{Store: st, Logger: cfg.Logger, MaxBatch: cfg.MaxBatch, Registerer: cfg.Registerer})
	if h.Queue, err = queue.New(ctx, site, st, h.Writer, h.Presence, cfg.Logger, cfg.Registerer); err != nil {
		return nil, err
	}
	h.Notify = notify.New(cfg.Webhook, site, st, h.Writer, cfg.Logger)
	if h.Notify.Enabled() {
		pubs = append(pubs, h.Notify)
	}
	h.Writer.SetPublishers(pubs...)
	if h.Dossiers, err = dossiers.New(ctx, dossiers.Config{Site: site, Store: st, Writer: h.Writer, Notifier: h.Notify,
		AtRiskDays: cfg.AtRiskDays}); err != nil {
		return nil, err
	}
	key := cfg.BookingKey
	if len(key) == 0 {
		key = make([]byte, 32)
		_, _ = rand.Read(key)
		cfg.Logger.Warn("no booking key configured: online bookings use a key for this run only, so per-person limits reset at restart")
	}
	h.Appointments = appointments.New(appointments.Config{Site: site, Store: st, Writer: h.Writer, Issuer: h.Queue,
		Notifier: h.Notify, Key: key, Logger: cfg.Logger})
	h.Auth = auth.New(auth.Config{Store: st, Writer: h.Writer, Clock: cfg.Clock, Logger: cfg.Logger, BcryptCost: cfg.BcryptCost})
	h.Supervision = &supervision.Watch{Site: site, Store: st, Counters: h.Queue, Seats: h.Presence, Writer: h.Writer}
	h.start()
	if err := h.Auth.EnsureAdmin(ctx, cfg.AdminPassword); err != nil {
		h.Close()
		return nil, err
	}
	if !empty && cfg.ApplyHall {
		if err := h.applyAtStart(ctx, cfg.Hall, cfg.HallSource); err != nil {
			h.Close()
			return nil, err
		}
	}
	return h, nil
}

// applyAtStart applies the -config file to a database that already holds a
// hall, as PUT /api/v1/hall would, and logs each change: the hub never
// serves a different hall than the file describes.
func (h *Hub) applyAtStart(ctx context.Context, next motcua.Hall, source string) error {
	set, err := h.applyHall(ctx, next, nil, source, false)
	if err != nil {
		return err
	}
	changes := set.Changes
	file := strings.TrimPrefix(source, SourceFile)
	if len(changes) == 0 {
		h.log.Info("hall description unchanged: the database already runs the file", "config", file)
		return nil
	}
	for _, c := range changes {
		args := []any{"kind", c.Kind, "key", c.Key, "action", c.Action, "config", file}
		if len(c.Fields) > 0 {
			args = append(args, "fields", strings.Join(c.Fields, ","))
		}
		h.log.Info("hall change applied from the config file", args...)
	}
	h.log.Info("hall description applied", "config", file, "changes", len(changes))
	return nil
}

// seed loads the hall in one transaction, before the writer starts, and
// records it in the hall's audit as one addition per entity.
func seed(ctx context.Context, st *store.Store, h motcua.Hall, source string, now time.Time) error {
	if len(h.Services) == 0 {
		return motcua.Errorf(motcua.EValidation, "the hall description has no services")
	}
	tx, err := st.BeginWrite(ctx)
	if err != nil {
		return err
	}
	if err := tx.LoadHall(h, now); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	if err := tx.AuditHall(now, nil, source, 0, hall.Diff(motcua.Hall{}, h)); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}

// loadSite reads the hall's configuration from the store.
func loadSite(ctx context.Context, st *store.Store, clock motcua.Clock) (*motcua.Site, error) {
	var branch motcua.Branch
	if err := st.Setting(ctx, "branch", &branch); err != nil {
		return nil, err
	}
	var policy motcua.QueuePolicy
	if err := st.Setting(ctx, "policy", &policy); err != nil {
		return nil, err
	}
	var reception []motcua.Session
	if err := st.Setting(ctx, "reception", &reception); err != nil {
		return nil, err
	}
	off, work, err := st.CalendarDays(ctx)
	if err != nil {
		return nil, err
	}
	cityCal, err := st.CityCalendar(ctx) // issue 14: the city's days, beside the hall's own
	if err != nil {
		return nil, err
	}
	services, err := st.Services(ctx)
	if err != nil {
		return nil, err
	}
	counters, err := st.Counters(ctx)
	if err != nil {
		return nil, err
	}
	var groups []motcua.PriorityGroup
	if err := st.Setting(ctx, "priority_groups", &groups); err != nil {
		return nil, err
	}
	var booking motcua.BookingPolicy
	if err := st.Setting(ctx, "booking", &booking); err != nil {
		return nil, err
	}
	hl := motcua.Hall{Branch: branch, Policy: policy, Reception: reception, Holidays: off, WorkingDays: work,
		PriorityGroups: groups, Booking: booking}
	return newSite(hl, cityCal, services, counters, clock)
}

// siteInTx builds the site of hall hl and the city's days with the services
// and counters as a write transaction has them.
func siteInTx(tx *store.Tx, hl motcua.Hall, city motcua.CityCalendar, clock motcua.Clock) (*motcua.Site, error) {
	services, err := tx.Services()
	if err != nil {
		return nil, err
	}
	counters, err := tx.Counters()
	if err != nil {
		return nil, err
	}
	return newSite(hl, city, services, counters, clock)
}

// newSite builds the site the hub runs from a hall's configuration, the
// city's days merged into the hall's own (issue 14), with the stored
// services and counters. The one place a site is made: at start, when the
// hall changes and when the city's calendar does.
func newSite(hl motcua.Hall, city motcua.CityCalendar, services []motcua.Service, counters []motcua.Counter,
	clock motcua.Clock) (*motcua.Site, error) {
	branch := hl.Branch
	if branch.TimeZone == "" {
		branch.TimeZone = "Asia/Ho_Chi_Minh"
	}
	loc, err := time.LoadLocation(branch.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("branch time zone %q: %w", branch.TimeZone, err)
	}
	off, work := motcua.MergeDays(hl.Holidays, city.Holidays), motcua.MergeDays(hl.WorkingDays, city.WorkingDays)
	cal, err := motcua.NewCalendar(loc, off, work, hl.Reception)
	if err != nil {
		return nil, fmt.Errorf("branch calendar: %w", err)
	}
	site := motcua.NewSite(branch, hl.Policy, cal, clock, services, counters)
	site.SetPriorityGroups(priorityGroups(hl.PriorityGroups))
	site.SetBooking(hl.Booking)
	return site, nil
}

// start runs the writer and the background work: the overdue watch and the
// webhook worker.
func (h *Hub) start() {
	wctx, stopWriter := context.WithCancel(context.Background())
	h.stopWriter, h.writerDone = stopWriter, make(chan struct{})
	go func() {
		defer close(h.writerDone)
		if err := h.Writer.Run(wctx); err != nil {
			h.log.Error("writer", "err", err)
		}
	}()
	bctx, stopBackground := context.WithCancel(context.Background())
	h.stopBackground = stopBackground
	if h.checkEvery > 0 {
		h.background.Add(1)
		go func() {
			defer h.background.Done()
			h.watchOverdue(bctx)
		}()
	}
	if h.checkEvery > 0 {
		// Live supervision (issue 15): waits over target and idle counters,
		// checked twice as often as the overdue watch.
		h.background.Add(1)
		go func() {
			defer h.background.Done()
			h.Supervision.Run(bctx, max(h.checkEvery/2, time.Second), func(err error) { h.log.Error("supervision check", "err", err) })
		}()
	}
	h.background.Add(1)
	go func() {
		defer h.background.Done()
		if err := h.Notify.Run(bctx); err != nil {
			h.log.Error("webhook worker", "err", err)
		}
	}()
}

// watchOverdue runs the overdue check every checkEvery, and the personal
// data retention once a (branch-local) day, until ctx ends.
func (h *Hub) watchOverdue(ctx context.Context) {
	tick := time.NewTicker(h.checkEvery)
	defer tick.Stop()
	retainedOn := "" // the branch-local day retention last ran
	for {
		if _, err := h.Dossiers.CheckOverdue(ctx); err != nil && ctx.Err() == nil {
			h.log.Error("overdue check", "err", err)
		}
		if n, err := h.Appointments.Sweep(ctx); err != nil && ctx.Err() == nil {
			h.log.Error("expire bookings", "err", err)
		} else if n > 0 {
			h.log.Info("bookings expired after their check-in window", "bookings", n)
		}
		if today := h.Site.Day(h.Site.Clock.Now()); today != retainedOn {
			if n, err := h.Dossiers.ApplyRetention(ctx); err != nil && ctx.Err() == nil {
				h.log.Error("personal data retention", "err", err)
			} else if n > 0 {
				h.log.Info("personal data erased after the retention period", "dossiers", n)
			}
			retainedOn = today
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return
		}
	}
}

// Close stops the background work, then the writer after the requests
// already queued; it does not close the store.
func (h *Hub) Close() {
	h.closeOnce.Do(func() {
		// Background work first, while the writer still answers its writes.
		h.stopBackground()
		h.background.Wait()
		h.stopWriter()
	})
	<-h.writerDone
}

// Ping reports whether the database answers.
func (h *Hub) Ping(ctx context.Context) error { return h.store.Ping(ctx) }

// CheckWrites reports whether the database takes writes: it writes one
// setting through the writer, as a ticket would be (a database that answers
// reads may still refuse every write: a full disk, a read-only file).
func (h *Hub) CheckWrites(ctx context.Context) error {
	return h.Writer.Write(ctx, func(tx *store.Tx) error {
		return tx.PutSetting("health_checked_at", h.Site.Now().UTC())
	})
}
