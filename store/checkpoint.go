package store

import (
	"database/sql"
	"fmt"
	"sync"

	"github.com/mattn/go-sqlite3"
)

// walAutocheckpointPages is how many WAL pages the writer lets pile up before
// its commit copies them back into the database file (SQLite's default is
// 1,000). A checkpoint copies each page once however often it changed, and
// ticket issuance rewrites the same few pages (the day's counter, the ends
// of the indexes, the event log's last page) in every commit: checkpointing
// ten times less often copies and syncs far fewer pages per ticket. The WAL
// stays bounded (about 40 MiB) and durability is unchanged: a commit is
// durable once its WAL frames are synced.
const walAutocheckpointPages = 10000

// writerDriver is go-sqlite3 with the writer's own settings applied to every
// connection it opens (the DSN has no parameter for them).
const writerDriver = "sqlite3_motcua_writer"

func init() {
	sql.Register(writerDriver, &sqlite3.SQLiteDriver{
		ConnectHook: func(c *sqlite3.SQLiteConn) error {
			_, err := c.Exec(fmt.Sprintf("PRAGMA wal_autocheckpoint=%d", walAutocheckpointPages), nil)
			return err
		},
	})
}

// backgroundCheckpointEvery is how many commits pass between two
// checkpoints run beside the writer.
const backgroundCheckpointEvery = 64

// checkpointer copies the WAL's committed pages back into the database file
// from a goroutine of its own, on a reader connection, while the writer goes
// on committing (a PASSIVE checkpoint takes no lock the writer needs). The
// writer's own automatic checkpoint at walAutocheckpointPages still runs,
// between two transactions, and restarts the WAL; but it then finds most
// pages copied already, so the commit that crosses the mark no longer stops
// every kiosk for the time it takes to copy and sync thousands of pages.
// Durability is unchanged: a commit is durable once its WAL frames are
// synced, and a checkpoint only copies committed frames.
type checkpointer struct {
	db      *sql.DB
	wake    chan struct{}
	stop    chan struct{}
	stopped chan struct{}
	once    sync.Once

	mu      sync.Mutex
	commits int // commits since the last wake-up (the writer's side)
	runs    int // checkpoints done
	copied  int // WAL frames copied back by the last one
}

func newCheckpointer(db *sql.DB) *checkpointer {
	c := &checkpointer{db: db, wake: make(chan struct{}, 1), stop: make(chan struct{}), stopped: make(chan struct{})}
	go c.run()
	return c
}

// committed counts a commit and wakes the checkpointer every
// backgroundCheckpointEvery commits; it never blocks the writer.
func (c *checkpointer) committed() {
	c.mu.Lock()
	c.commits++
	due := c.commits >= backgroundCheckpointEvery
	if due {
		c.commits = 0
	}
	c.mu.Unlock()
	if due {
		select {
		case c.wake <- struct{}{}:
		default: // one is running or pending already
		}
	}
}

func (c *checkpointer) run() {
	defer close(c.stopped)
	for {
		select {
		case <-c.stop:
			return
		case <-c.wake:
		}
		var busy, frames, copied int
		// An error (the database closing, a busy checkpoint) only skips
		// this round: the writer's own checkpoint still runs.
		if err := c.db.QueryRow("PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied); err == nil {
			c.mu.Lock()
			c.runs++
			c.copied = copied
			c.mu.Unlock()
		}
	}
}

// stats returns how many checkpoints ran and the frames the last one left
// copied back (tests).
func (c *checkpointer) stats() (runs, copied int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.runs, c.copied
}

// close stops the goroutine; a checkpoint running finishes first. Closing
// twice is harmless, like closing the Store twice.
func (c *checkpointer) close() {
	c.once.Do(func() { close(c.stop) })
	<-c.stopped
}
