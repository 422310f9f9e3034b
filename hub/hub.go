// Package hub is the branch hub: the only writer of queue state and the only
// publisher of events. Every change runs in one transaction that also appends
// its events to the log; events are published after the commit.
package hub

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/store"
)

// Publisher receives committed events in seq order (the websocket fan-out).
type Publisher interface {
	Publish(ev motcua.Event)
}

// Config is what New needs.
type Config struct {
	Store     *store.Store
	Clock     motcua.Clock
	Publisher Publisher
	Logger    *slog.Logger
	// Hall is loaded into an empty database; ignored otherwise.
	Hall motcua.Hall
	// AdminPassword is the first admin's password on an empty database;
	// empty means generate one and log it once.
	AdminPassword string
	// BcryptCost lowers the hashing cost in tests; 0 means the library default.
	BcryptCost int
	// Registerer receives the hub's metrics; nil means no metrics.
	Registerer prometheus.Registerer
	// MaxBatch bounds how many write requests share one commit (group commit);
	// 1 means one commit per request.
	MaxBatch int

	// Overdue dossiers (see overdue.go, webhook.go).
	// AtRiskDays is the at-risk window in working days; 0 reads the
	// "at_risk_days" setting, else motcua.DefaultAtRiskDays.
	AtRiskDays int
	// OverdueCheckEvery is how often the background check runs (real time);
	// 0 means DefaultOverdueCheckEvery, negative disables it (tests call CheckOverdue).
	OverdueCheckEvery time.Duration
	// WebhookURL receives signed dossier notifications; empty disables them.
	WebhookURL    string
	WebhookSecret string
	// WebhookTimeout bounds one delivery; WebhookBackoff is the first retry
	// delay (doubling); WebhookMaxAttempts ends retrying. 0 means the defaults.
	WebhookTimeout     time.Duration
	WebhookBackoff     time.Duration
	WebhookMaxAttempts int
}

// Hub serves one branch hall.
type Hub struct {
	store   *store.Store
	clock   motcua.Clock
	pub     Publisher
	log     *slog.Logger
	loc     *time.Location
	branch  motcua.Branch
	policy  motcua.QueuePolicy
	cal     *motcua.Calendar
	cost    int
	metrics *metrics
	logins  *loginLimiter

	// The hall's configuration, read once at start: it changes only through
	// the admin (not yet built), which will reload it.
	services map[int64]motcua.Service
	counters map[int64]motcua.Counter
	order    []int64 // service ids in display order

	reqs     chan *writeReq
	maxBatch int
	stop     chan struct{}
	stopped  chan struct{}
	closeMu  sync.Once
	running  chan struct{} // closed once the writer goroutine runs
	lastDay  string        // only touched by the writer goroutine

	waitMu    sync.Mutex
	waitCache map[int64]serviceTime
	lastCalls map[int64]time.Time // counter id → its last call, see noteCalls

	bg background // overdue check and webhook worker, outside the writer
}

// New opens the hub on its store: it loads the hall into an empty database,
// creates the first admin, reads the configuration and starts the writer.
func New(ctx context.Context, cfg Config) (*Hub, error) {
	if cfg.Clock == nil {
		cfg.Clock = motcua.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Publisher == nil {
		cfg.Publisher = nopPublisher{}
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = maxBatchFromEnv()
	}
	h := &Hub{
		store: cfg.Store, clock: cfg.Clock, pub: cfg.Publisher, log: cfg.Logger, cost: cfg.BcryptCost,
		metrics: newMetrics(cfg.Registerer), logins: newLoginLimiter(),
		reqs: make(chan *writeReq, 1024), maxBatch: cfg.MaxBatch,
		stop: make(chan struct{}), stopped: make(chan struct{}), running: make(chan struct{}), waitCache: map[int64]serviceTime{},
	}
	empty, err := h.store.IsEmpty(ctx)
	if err != nil {
		return nil, err
	}
	if empty {
		if err := h.seed(ctx, cfg.Hall); err != nil {
			return nil, fmt.Errorf("load hall: %w", err)
		}
	}
	if err := h.loadConfig(ctx); err != nil {
		return nil, err
	}
	if h.lastCalls, err = h.store.LastCallPerCounter(ctx, h.day(h.clock.Now())); err != nil {
		return nil, err
	}
	if err := h.ensureAdmin(ctx, cfg.AdminPassword); err != nil {
		return nil, err
	}
	h.metrics.setServices(h)
	if err := h.configureBackground(ctx, cfg); err != nil {
		return nil, err
	}
	close(h.running)
	go h.writer()
	h.startBackground()
	return h, nil
}

// DefaultMaxBatch is how many write requests may share one commit.
const DefaultMaxBatch = 256

// maxBatchFromEnv reads MOTCUA_MAX_BATCH, a hidden setting for measuring:
// MOTCUA_MAX_BATCH=1 makes every request its own commit and fsync, the
// baseline group commit is compared with in docs/PERFORMANCE.md.
func maxBatchFromEnv() int {
	if n, err := strconv.Atoi(os.Getenv("MOTCUA_MAX_BATCH")); err == nil && n > 0 {
		return n
	}
	return DefaultMaxBatch
}

type nopPublisher struct{}

func (nopPublisher) Publish(motcua.Event) {}

// seed loads the hall in one transaction, before the writer starts.
func (h *Hub) seed(ctx context.Context, hall motcua.Hall) error {
	if len(hall.Services) == 0 {
		return motcua.Errorf(motcua.EValidation, "the hall description has no services")
	}
	tx, err := h.store.BeginWrite(ctx)
	if err != nil {
		return err
	}
	if err := tx.LoadHall(hall); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

func (h *Hub) loadConfig(ctx context.Context) error {
	if err := h.store.Setting(ctx, "branch", &h.branch); err != nil {
		return err
	}
	if err := h.store.Setting(ctx, "policy", &h.policy); err != nil {
		return err
	}
	if h.branch.TimeZone == "" {
		h.branch.TimeZone = "Asia/Ho_Chi_Minh"
	}
	loc, err := time.LoadLocation(h.branch.TimeZone)
	if err != nil {
		return fmt.Errorf("branch time zone %q: %w", h.branch.TimeZone, err)
	}
	h.loc = loc
	if h.policy.Priority == "" {
		h.policy.Priority = motcua.PolicyStrict
	}
	if h.policy.Priority == motcua.PolicyInterleave && h.policy.InterleaveN < 1 {
		h.policy.InterleaveN = 3
	}
	var reception []motcua.Session
	if err := h.store.Setting(ctx, "reception", &reception); err != nil {
		return err
	}
	off, work, err := h.store.CalendarDays(ctx)
	if err != nil {
		return err
	}
	if h.cal, err = motcua.NewCalendar(loc, off, work, reception); err != nil {
		return fmt.Errorf("branch calendar: %w", err)
	}
	services, err := h.store.Services(ctx)
	if err != nil {
		return err
	}
	h.services = map[int64]motcua.Service{}
	for _, s := range services {
		if s.Digits <= 0 {
			s.Digits = 3
		}
		h.services[s.ID] = s
		h.order = append(h.order, s.ID)
	}
	counters, err := h.store.Counters(ctx)
	if err != nil {
		return err
	}
	h.counters = map[int64]motcua.Counter{}
	for _, c := range counters {
		h.counters[c.ID] = c
	}
	return nil
}

func (h *Hub) isWriterRunning() bool {
	select {
	case <-h.running:
		return true
	default:
		return false
	}
}

// Close stops the writer after the requests already queued; it does not close the store.
func (h *Hub) Close() {
	h.closeMu.Do(func() {
		// Background work first, while the writer still answers its writes.
		h.stopBackground()
		close(h.stop)
	})
	<-h.stopped
}

// Branch returns the branch description.
func (h *Hub) Branch() motcua.Branch { return h.branch }

// Policy returns the queue policy in force.
func (h *Hub) Policy() motcua.QueuePolicy { return h.policy }

// Calendar is the branch's working-day calendar.
func (h *Hub) Calendar() *motcua.Calendar { return h.cal }

// Location is the branch's time zone.
func (h *Hub) Location() *time.Location { return h.loc }

// Now is the branch-local time.
func (h *Hub) Now() time.Time { return h.clock.Now().In(h.loc) }

// Ping reports whether the database answers.
func (h *Hub) Ping(ctx context.Context) error { return h.store.Ping(ctx) }

func (h *Hub) day(t time.Time) string { return t.In(h.loc).Format("2006-01-02") }

func (h *Hub) priorityFirst() bool { return h.policy.Priority != motcua.PolicyNone }

// writeReq is one request for the writer goroutine.
type writeReq struct {
	fn   func(tx *store.Tx) error
	done chan error
}

var errClosed = &motcua.Error{Code: motcua.EUnavailable, Message: "Hệ thống đang dừng. / The hub is shutting down."}

// write runs fn in the writer goroutine, inside a transaction shared with
// whatever other requests arrived meanwhile (group commit), and returns once
// the transaction has committed and its events are published.
func (h *Hub) write(ctx context.Context, fn func(tx *store.Tx) error) error {
	req := &writeReq{fn: fn, done: make(chan error, 1)}
	select {
	case h.reqs <- req:
	case <-h.stop:
		return errClosed
	case <-ctx.Done():
		return motcua.Errorf(motcua.EUnavailable, "Yêu cầu đã hết thời gian chờ. / The request timed out.")
	}
	// Once queued, the request will run: wait for its outcome even if the
	// caller gives up, so a caller never reports failure for a committed change.
	return <-req.done
}

func (h *Hub) writer() {
	defer close(h.stopped)
	tick := time.NewTicker(30 * time.Second)
	defer tick.Stop()
	for {
		var first *writeReq
		select {
		case first = <-h.reqs:
		case <-tick.C:
			// An idle hall still rolls over at midnight.
			h.runBatch(nil)
			continue
		case <-h.stop:
			// Finish what is queued, then stop.
			for {
				select {
				case r := <-h.reqs:
					h.runBatch([]*writeReq{r})
				default:
					return
				}
			}
		}
		batch := []*writeReq{first}
	drain:
		for len(batch) < h.maxBatch {
			select {
			case r := <-h.reqs:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		h.runBatch(batch)
	}
}

func (h *Hub) runBatch(batch []*writeReq) {
	if len(batch) == 0 && h.day(h.clock.Now()) == h.lastDay {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	fail := func(err error) {
		for _, r := range batch {
			r.done <- err
		}
	}
	tx, err := h.store.BeginWrite(ctx)
	if err != nil {
		h.log.Error("begin write", "err", err)
		fail(err)
		return
	}
	if err := h.rollOver(tx); err != nil {
		tx.Rollback()
		h.log.Error("day roll-over", "err", err)
		fail(err)
		return
	}
	errs := make([]error, len(batch))
	for i, r := range batch {
		errs[i] = runInSavepoint(tx, r.fn)
	}
	if err := tx.Commit(); err != nil {
		h.log.Error("commit", "err", err, "requests", len(batch))
		h.lastDay = "" // the roll-over may not have committed
		fail(err)
		return
	}
	h.metrics.commits.Inc()
	h.noteCalls(tx.Events())
	h.metrics.batchSize.Observe(float64(len(batch)))
	for _, ev := range tx.Events() {
		h.pub.Publish(ev)
	}
	for i, r := range batch {
		r.done <- errs[i]
	}
}

// runInSavepoint runs one request so that its failure (or panic) undoes only
// its own writes and events.
func runInSavepoint(tx *store.Tx, fn func(tx *store.Tx) error) (err error) {
	before := len(tx.Events())
	if err := tx.Savepoint(); err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in write: %v", p)
		}
		if err != nil {
			if rerr := tx.RollbackToSavepoint(before); rerr != nil {
				err = errors.Join(err, rerr)
			}
			return
		}
		err = tx.Release()
	}()
	return fn(tx)
}

// randomToken returns n random bytes, URL-safe encoded.
func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
