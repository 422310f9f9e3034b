// Package bound holds the bare programs the hub is measured against
// (docs/PERFORMANCE.md, "Bounds"): a SQLite group-commit writer that inserts
// one small row per request, with the hub's driver and settings, and a
// gorilla/websocket broadcaster with one writer goroutine per connection.
// Server puts both behind the few HTTP routes the load tool uses, so
// `motcua-load` drives the bound with exactly the client code it drives the
// hub with, and every hub figure can be given as a ratio to the bound
// measured in the same run.
//
// Nothing here is used by the hub. It does the least a durable queue must
// do (every acknowledged request is in a synced commit; events go out after
// the commit, in commit order) and nothing else: no validation beyond the
// JSON, no indexes, no views.
package bound

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mattn/go-sqlite3"
)

// The hub store's SQLite settings (store/store.go and store/checkpoint.go),
// repeated here on purpose: the bound must use the same ones. WAL,
// synchronous=FULL (a commit is on disk before it is acknowledged),
// IMMEDIATE transactions, 64 cached prepared statements per connection, and
// an automatic checkpoint every 10,000 WAL pages.
const (
	dsnParams              = "?_journal_mode=WAL&_foreign_keys=on&_busy_timeout=10000&_synchronous=FULL&_stmt_cache_size=64&_txlock=immediate"
	walAutocheckpointPages = 10000
)

// DefaultMaxBatch is the hub's default bound on requests per commit.
const DefaultMaxBatch = 256

// WriterOptions tune a Writer. Zero values are the hub's settings.
type WriterOptions struct {
	// MaxBatch bounds how many requests share one commit; 1 is one commit
	// per request.
	MaxBatch int
	// NoSavepoints runs the requests of a batch without a savepoint each.
	// The hub wraps every request in one so that a failed request undoes
	// only itself; the bound does the same unless told not to.
	NoSavepoints bool
	// TxTimeout, when not zero, runs each transaction under a context with
	// this deadline, as the hub does (30 s). The bound's default is none:
	// with a context that can end, database/sql and go-sqlite3 start a
	// goroutine per statement to watch it (go-sqlite3 even runs each Exec
	// in a goroutine of its own), which costs the single writer a hand-off
	// per statement and buys nothing for a local file.
	TxTimeout time.Duration
}

// Row is one committed request: Seq is its row id, which grows in commit
// order and serves as the event sequence number.
type Row struct {
	Seq  int64
	Kind int64
	A, B int64
	At   time.Time
}

// Writer is a single goroutine that batches the requests queued while its
// previous commit ran into one transaction (group commit), like the hub's.
type Writer struct {
	db         *sql.DB
	reqs       chan *writeReq
	maxBatch   int
	savepoints bool
	txTimeout  time.Duration
	stop       chan struct{}
	stopped    chan struct{}

	// closeMu makes Close wait for the Writes that are queueing, so every
	// queued request is queued before the writer is told to stop.
	closeMu sync.RWMutex
	closed  bool

	commits atomic.Int64
	rows    atomic.Int64
}

type writeReq struct {
	row   Row
	after func(Row)
	done  chan error
}

// connector opens go-sqlite3 connections with the writer's checkpoint
// setting, which the DSN has no parameter for.
type connector struct {
	drv *sqlite3.SQLiteDriver
	dsn string
}

func (c connector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c connector) Driver() driver.Driver                        { return c.drv }

// OpenWriter opens (creating if needed) the SQLite file at path and starts
// the writer goroutine.
func OpenWriter(path string, opts WriterOptions) (*Writer, error) {
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = DefaultMaxBatch
	}
	drv := &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		_, err := c.Exec(fmt.Sprintf("PRAGMA wal_autocheckpoint=%d", walAutocheckpointPages), nil)
		return err
	}}
	db := sql.OpenDB(connector{drv: drv, dsn: "file:" + path + dsnParams})
	db.SetMaxOpenConns(1) // one writer connection, as in the hub's store
	db.SetConnMaxIdleTime(0)
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS rows (
		seq  INTEGER PRIMARY KEY,
		kind INTEGER NOT NULL,
		a    INTEGER NOT NULL,
		b    INTEGER NOT NULL,
		at   TIMESTAMP NOT NULL)`); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	w := &Writer{db: db, reqs: make(chan *writeReq, 1024), maxBatch: opts.MaxBatch, savepoints: !opts.NoSavepoints,
		txTimeout: opts.TxTimeout, stop: make(chan struct{}), stopped: make(chan struct{})}
	go w.run()
	return w, nil
}

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("bound: writer closed")

// Write inserts one row and returns it once its commit is on disk. after,
// if not nil, runs in the writer goroutine right after that commit, in
// commit order, before any request of the batch is answered (the hub
// publishes its events at the same point).
func (w *Writer) Write(ctx context.Context, kind, a, b int64, after func(Row)) (Row, error) {
	req := &writeReq{row: Row{Kind: kind, A: a, B: b}, after: after, done: make(chan error, 1)}
	w.closeMu.RLock()
	if w.closed {
		w.closeMu.RUnlock()
		return Row{}, ErrClosed
	}
	select {
	case w.reqs <- req:
	case <-ctx.Done():
		w.closeMu.RUnlock()
		return Row{}, ctx.Err()
	}
	w.closeMu.RUnlock()
	err := <-req.done // once queued, it runs: wait for its outcome
	return req.row, err
}

// Stats returns the commits and rows written so far.
func (w *Writer) Stats() (commits, rows int64) { return w.commits.Load(), w.rows.Load() }

// Close finishes the queued requests, stops the writer and closes the
// database (which checkpoints and removes the WAL).
func (w *Writer) Close() error {
	w.closeMu.Lock()
	if w.closed {
		w.closeMu.Unlock()
		<-w.stopped
		return nil
	}
	w.closed = true
	w.closeMu.Unlock()
	close(w.stop)
	<-w.stopped
	return w.db.Close()
}

func (w *Writer) run() {
	defer close(w.stopped)
	for {
		var first *writeReq
		select {
		case first = <-w.reqs:
		case <-w.stop:
			for {
				select {
				case r := <-w.reqs:
					w.runBatch([]*writeReq{r})
				default:
					return
				}
			}
		}
		batch := []*writeReq{first}
	drain:
		for len(batch) < w.maxBatch {
			select {
			case r := <-w.reqs:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		w.runBatch(batch)
	}
}

const insertRow = `INSERT INTO rows (kind, a, b, at) VALUES (?, ?, ?, ?) RETURNING seq`

func (w *Writer) runBatch(batch []*writeReq) {
	ctx := context.Background()
	if w.txTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, w.txTimeout)
		defer cancel()
	}
	fail := func(err error) {
		for _, r := range batch {
			r.done <- err
		}
	}
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		fail(err)
		return
	}
	errs := make([]error, len(batch))
	now := time.Now().UTC()
	for i, r := range batch {
		r.row.At = now
		errs[i] = w.insert(ctx, tx, &r.row)
	}
	if err := tx.Commit(); err != nil {
		fail(err)
		return
	}
	w.commits.Add(1)
	w.rows.Add(int64(len(batch)))
	for i, r := range batch {
		if errs[i] == nil && r.after != nil {
			r.after(r.row)
		}
	}
	for i, r := range batch {
		r.done <- errs[i]
	}
}

// insert writes one request's row, in its own savepoint unless disabled.
func (w *Writer) insert(ctx context.Context, tx *sql.Tx, row *Row) error {
	if !w.savepoints {
		return tx.QueryRowContext(ctx, insertRow, row.Kind, row.A, row.B, row.At).Scan(&row.Seq)
	}
	if _, err := tx.ExecContext(ctx, "SAVEPOINT req"); err != nil {
		return err
	}
	if err := tx.QueryRowContext(ctx, insertRow, row.Kind, row.A, row.B, row.At).Scan(&row.Seq); err != nil {
		_, rerr := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT req")
		_, lerr := tx.ExecContext(ctx, "RELEASE SAVEPOINT req")
		return errors.Join(err, rerr, lerr)
	}
	_, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT req")
	return err
}
