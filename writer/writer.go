// Package writer is the single writer of the branch's state. Every change
// runs in the writer goroutine, inside a transaction shared with whatever
// other requests arrived meanwhile (group commit), each request in its own
// savepoint. The events a request appends go into the log in the same
// transaction, with a branch-wide increasing seq; they are published after
// the commit, in seq order, by a publisher goroutine of their own: the
// writer answers the batch and starts the next one while the fan-out runs.
package writer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/store"
)

// DefaultMaxBatch is how many write requests may share one commit.
const DefaultMaxBatch = 256

// idleEvery is how often an idle writer asks its hooks whether a batch is
// due anyway (the day roll-over of an idle hall).
const idleEvery = 30 * time.Second

// publishQueue is how many committed batches may wait for the publisher
// before the writer waits for it (the fan-out never blocks on a client, so
// it only falls behind when the machine is saturated).
const publishQueue = 1024

// Publisher receives committed events in seq order (the websocket fan-out,
// the webhook worker's wake-up).
type Publisher interface {
	Publish(ev motcua.Event)
}

// BatchPublisher is a Publisher that takes one commit's events at once (the
// websocket fan-out writes them to each screen together).
type BatchPublisher interface {
	PublishBatch(evs []motcua.Event)
}

// Hook takes part in every batch. The queue uses it for the day roll-over
// and to note the calls it needs for its estimates.
type Hook interface {
	// Due says whether an idle writer should run an empty batch now.
	Due() bool
	// Prepare runs first in every batch's transaction, before the requests;
	// its failure fails the whole batch.
	Prepare(tx *store.Tx) error
	// Committed runs after the commit, before the events are published.
	Committed(events []motcua.Event)
}

// BeforeCommitHook is a Hook that also runs after the batch's requests,
// before the commit: the queue writes one event with the waiting counts the
// whole batch changed, instead of one per request. Its failure fails the
// batch.
type BeforeCommitHook interface {
	BeforeCommit(tx *store.Tx) error
}

// Config is what New needs.
type Config struct {
	Store      *store.Store
	Publishers []Publisher
	Hooks      []Hook
	Logger     *slog.Logger
	// MaxBatch bounds how many write requests share one commit; 1 means one
	// commit (and one fsync) per request. 0 means DefaultMaxBatch.
	MaxBatch int
	// Registerer receives the writer's metrics; nil means none.
	Registerer prometheus.Registerer
}

// Writer is the single writer goroutine and its queue of requests.
type Writer struct {
	store    *store.Store
	pubs     []Publisher
	hooks    []Hook
	log      *slog.Logger
	maxBatch int

	reqs      chan *request
	published chan publication // committed batches' events, for the publisher
	stopped   chan struct{}    // closed when Run has returned

	commits   prometheus.Counter
	batchSize prometheus.Histogram
}

// publication is one committed batch's events on their way to the
// publishers, or a marker: done is closed when the publisher reaches it
// (Published), stop ends the publisher (Run, as it returns).
type publication struct {
	events []motcua.Event
	done   chan struct{}
	stop   bool
}

type request struct {
	fn   func(tx *store.Tx) error
	done chan error
	// alone keeps the request out of other requests' transactions, and
	// committed (when set) runs in the writer goroutine after its commit.
	alone     bool
	committed func()
}

// New makes a writer; it writes nothing until Run runs.
func New(cfg Config) *Writer {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = DefaultMaxBatch
	}
	w := &Writer{store: cfg.Store, pubs: cfg.Publishers, hooks: cfg.Hooks, log: cfg.Logger, maxBatch: cfg.MaxBatch,
		reqs: make(chan *request, 1024), published: make(chan publication, publishQueue), stopped: make(chan struct{}),
		commits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "motcua_commits_total", Help: "Write transactions committed."}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "motcua_commit_batch_size", Help: "Requests sharing one commit (group commit).",
			Buckets: prometheus.ExponentialBuckets(1, 2, 10)}),
	}
	if cfg.Registerer != nil {
		cfg.Registerer.MustRegister(w.commits, w.batchSize)
	}
	return w
}

// SetPublishers sets who receives the committed events; call it before Run.
func (w *Writer) SetPublishers(pubs ...Publisher) { w.pubs = pubs }

// AddHook adds a hook; call it before Run.
func (w *Writer) AddHook(h Hook) { w.hooks = append(w.hooks, h) }

var errClosed = &motcua.Error{Code: motcua.EUnavailable, Message: "Hệ thống đang dừng. / The hub is shutting down."}

// Write runs fn in the writer goroutine, inside a transaction shared with
// whatever other requests arrived meanwhile, and returns once the
// transaction has committed; its events are then on their way to the
// publishers, in seq order after every earlier commit's. fn's failure (or
// panic) undoes only its own writes and events. A request made before Run
// starts waits for it.
func (w *Writer) Write(ctx context.Context, fn func(tx *store.Tx) error) error {
	return w.send(ctx, &request{fn: fn, done: make(chan error, 1)})
}

// WriteAlone runs fn like Write, but in a transaction of its own, and then,
// when fn succeeded and the transaction committed, runs committed in the
// writer goroutine: after the commit, before the events are published and
// before any later request runs. A change of the hall's configuration uses
// it, so that every request after it runs against the new hall and none
// shares its transaction with the old one.
func (w *Writer) WriteAlone(ctx context.Context, fn func(tx *store.Tx) error, committed func()) error {
	return w.send(ctx, &request{fn: fn, done: make(chan error, 1), alone: true, committed: committed})
}

func (w *Writer) send(ctx context.Context, req *request) error {
	if err := ctx.Err(); err != nil {
		// The caller gave up already (a client went away): queue nothing.
		return &motcua.Error{Code: motcua.EUnavailable, Message: "Yêu cầu đã hết thời gian chờ. / The request timed out.", Cause: err}
	}
	select {
	case w.reqs <- req:
	case <-w.stopped:
		return errClosed
	case <-ctx.Done():
		// The cause tells web.Error when the client itself went away.
		return &motcua.Error{Code: motcua.EUnavailable, Message: "Yêu cầu đã hết thời gian chờ. / The request timed out.", Cause: ctx.Err()}
	}
	// Once queued, the request will run: wait for its outcome even if the
	// caller gives up, so a caller never reports failure for a committed change.
	select {
	case err := <-req.done:
		return err
	case <-w.stopped:
		// Run drains the queue before it closes stopped, so the answer is there.
		select {
		case err := <-req.done:
			return err
		default:
			return errClosed
		}
	}
}

// Queued is how many requests wait for the writer now.
func (w *Writer) Queued() int { return len(w.reqs) }

// Published returns once every event committed before the call has been
// handed to the publishers (tests that read what was published use it), or
// when ctx ends or the writer has stopped.
func (w *Writer) Published(ctx context.Context) error {
	done := make(chan struct{})
	select {
	case w.published <- publication{done: done}:
	case <-w.stopped:
		return nil // Run published everything before it stopped
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-done:
		return nil
	case <-w.stopped:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Run is the writer goroutine: it runs batches until ctx ends, then finishes
// the requests already queued, waits until their events are published and
// returns. It runs once.
func (w *Writer) Run(ctx context.Context) error {
	defer close(w.stopped)
	publisherDone := make(chan struct{})
	go w.publish(publisherDone)
	defer func() { w.published <- publication{stop: true}; <-publisherDone }()
	tick := time.NewTicker(idleEvery)
	defer tick.Stop()
	var held *request // a request that must not join the batch it was drained into
	for {
		first := held
		held = nil
		if first == nil {
			select {
			case first = <-w.reqs:
			case <-tick.C:
				if w.due() {
					w.runBatch(nil)
				}
				continue
			case <-ctx.Done():
				// Finish what is queued, then stop.
				for {
					select {
					case r := <-w.reqs:
						w.runBatch([]*request{r})
					default:
						return nil
					}
				}
			}
		}
		batch := []*request{first}
	drain:
		for !first.alone && len(batch) < w.maxBatch {
			select {
			case r := <-w.reqs:
				if r.alone {
					held = r
					break drain
				}
				batch = append(batch, r)
			default:
				break drain
			}
		}
		w.runBatch(batch)
	}
}

func (w *Writer) due() bool {
	for _, h := range w.hooks {
		if h.Due() {
			return true
		}
	}
	return false
}

// publish hands each committed batch's events to the publishers, in commit
// order, until Run stops it.
func (w *Writer) publish(done chan<- struct{}) {
	defer close(done)
	for pub := range w.published {
		if pub.stop {
			return
		}
		if pub.done != nil {
			close(pub.done)
			continue
		}
		events := pub.events
		for _, p := range w.pubs {
			if bp, ok := p.(BatchPublisher); ok {
				bp.PublishBatch(events)
				continue
			}
			for _, ev := range events {
				p.Publish(ev)
			}
		}
	}
}

func (w *Writer) runBatch(batch []*request) {
	// No deadline: with a context that can end, database/sql and go-sqlite3
	// run every statement in a goroutine of their own to watch it (a quarter
	// of the bare bound's throughput, docs/PERFORMANCE.md); SQLite's
	// busy_timeout already bounds the wait for the file's lock.
	ctx := context.Background()
	fail := func(err error) {
		for _, r := range batch {
			r.done <- err
		}
	}
	tx, err := w.store.BeginWrite(ctx)
	if err != nil {
		w.log.Error("begin write", "err", err)
		fail(err)
		return
	}
	for _, h := range w.hooks {
		if err := h.Prepare(tx); err != nil {
			w.log.Error("prepare batch", "err", err)
			fail(errors.Join(err, tx.Rollback()))
			return
		}
	}
	errs := make([]error, len(batch))
	if len(batch) == 1 {
		// Alone in its batch, a request needs no savepoint: the transaction
		// is its own, and a failure rolls all of it back. Two statements
		// fewer (SAVEPOINT, RELEASE) per write when the hall is quiet.
		if err := runGuarded(tx, batch[0].fn); err != nil {
			if rerr := tx.Rollback(); rerr != nil {
				w.log.Error("rollback", "err", rerr)
			}
			fail(err)
			return
		}
	} else {
		for i, r := range batch {
			errs[i] = runInSavepoint(tx, r.fn)
		}
	}
	for _, h := range w.hooks {
		if f, ok := h.(BeforeCommitHook); ok {
			if err := f.BeforeCommit(tx); err != nil {
				w.log.Error("finish batch", "err", err)
				fail(errors.Join(err, tx.Rollback()))
				return
			}
		}
	}
	if err := tx.Commit(); err != nil {
		w.log.Error("commit", "err", err, "requests", len(batch))
		fail(err)
		return
	}
	w.commits.Inc()
	w.batchSize.Observe(float64(len(batch)))
	for i, r := range batch {
		if errs[i] == nil && r.committed != nil {
			r.committed()
		}
	}
	events := tx.Events()
	for _, h := range w.hooks {
		h.Committed(events)
	}
	if len(events) > 0 && len(w.pubs) > 0 {
		w.published <- publication{events: events}
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
		if err != nil {
			if rerr := tx.RollbackToSavepoint(before); rerr != nil {
				err = errors.Join(err, rerr)
			}
			return
		}
		err = tx.Release()
	}()
	return runGuarded(tx, fn)
}

// runGuarded runs one request and turns its panic into its error.
func runGuarded(tx *store.Tx, fn func(tx *store.Tx) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in write: %v", p)
		}
	}()
	return fn(tx)
}

// EventsSince returns the logged events after seq, or ok=false when more than
// max are missing (a fresh snapshot is cheaper than the replay). A client
// ahead of the log (the database was replaced under it) also gets ok=false.
func (w *Writer) EventsSince(ctx context.Context, seq int64, max int) ([]motcua.Event, bool, error) {
	last, err := w.store.Events.LastSeq(ctx)
	if err != nil {
		return nil, false, err
	}
	if seq > last {
		return nil, false, nil
	}
	evs, more, err := w.store.Events.EventsSince(ctx, seq, max)
	if err != nil {
		return nil, false, err
	}
	return evs, !more, nil
}

// LastSeq is the newest event's seq.
func (w *Writer) LastSeq(ctx context.Context) (int64, error) { return w.store.Events.LastSeq(ctx) }

// RecentEvents returns the newest n events of a type up to seq maxSeq, newest first.
func (w *Writer) RecentEvents(ctx context.Context, typ string, maxSeq int64, n int) ([]motcua.Event, error) {
	return w.store.Events.RecentEvents(ctx, typ, maxSeq, n)
}
