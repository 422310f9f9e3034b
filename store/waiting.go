package store

import (
	"context"
	"sync"

	"github.com/jmoiron/sqlx"

	"github.com/motcua/motcua"
)

// waitingCache keeps the committed number of waiting tickets per service for
// one day, so the hub's queue event after every issue and call costs a map
// read instead of counting the whole queue (which made issuing a ticket
// O(queue length): 830 tickets/s with 7,000 waiting, see docs/PERFORMANCE.md).
//
// It is used on SQLite only, where this process is the single writer of the
// file. PostgreSQL may be shared by several hubs, so there the count is
// always asked of the database.
type waitingCache struct {
	// commitMu is held for writing from COMMIT until the cache has the
	// transaction's changes, and for reading by a reader that needs the
	// cache and the database to agree (Store.Position).
	commitMu sync.RWMutex

	mu     sync.Mutex
	day    string
	counts map[int64]int // nil until loaded for day
	booked int           // of them, tickets of bookings' check-ins
}

// waitDelta is one change to a day's waiting count made inside a Tx.
type waitDelta struct {
	day     string
	service int64
	booked  bool
	n       int
}

// committed returns a copy of the cached counts of day and the number of
// booked tickets among them, or ok=false when the cache does not hold that
// day yet.
func (c *waitingCache) committed(day string) (map[int64]int, int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts == nil || c.day != day {
		return nil, 0, false
	}
	out := make(map[int64]int, len(c.counts))
	for k, v := range c.counts {
		out[k] = v
	}
	return out, c.booked, true
}

// load sets the committed counts of day (computed by the caller).
func (c *waitingCache) load(day string, counts map[int64]int, booked int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.day = day
	c.counts = counts
	c.booked = booked
}

// apply adds a committed transaction's changes. Changes to another day than
// the cached one are dropped: that day is counted afresh when asked for.
func (c *waitingCache) apply(deltas []waitDelta) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, d := range deltas {
		if c.counts != nil && d.day == c.day {
			c.counts[d.service] += d.n
			if d.booked {
				c.booked += d.n
			}
		}
	}
}

// noteWaiting records that the transaction changed a day's waiting count.
func (t *txn) noteWaiting(day string, service int64, booked bool, n int) {
	if t.waiting != nil {
		t.deltas = append(t.deltas, waitDelta{day, service, booked, n})
	}
}

// cachedWaiting answers Tx.WaitingCounts and Tx.BookedWaiting from the cache
// plus this transaction's own changes, loading the day from the database if
// needed.
func (t *txn) cachedWaiting(day string) (map[int64]int, int, error) {
	counts, booked, ok := t.waiting.committed(day)
	if !ok {
		// The queries see this transaction's own uncommitted changes: take
		// them out to get the committed counts the cache must hold.
		seen, err := waitingCounts(t.ctx, t.tx, day)
		if err != nil {
			return nil, 0, err
		}
		seenBooked, err := bookedWaiting(t.ctx, t.tx, day)
		if err != nil {
			return nil, 0, err
		}
		for _, d := range t.deltas {
			if d.day == day {
				seen[d.service] -= d.n
				if d.booked {
					seenBooked -= d.n
				}
			}
		}
		for k, v := range seen {
			if v == 0 {
				delete(seen, k)
			}
		}
		t.waiting.load(day, seen, seenBooked)
		counts, booked, _ = t.waiting.committed(day)
	}
	for _, d := range t.deltas {
		if d.day == day {
			counts[d.service] += d.n
			if d.booked {
				booked += d.n
			}
		}
	}
	for k, v := range counts {
		if v == 0 {
			delete(counts, k) // as the GROUP BY query answers: no row for an empty queue
		}
	}
	return counts, booked, nil
}

// isWaiting reports a status that counts in the queue.
func isWaiting(s motcua.TicketStatus) bool { return s == motcua.TicketWaiting }

// prepared returns a statement of the read pool prepared once: parsing a
// long query costs more than running it on every kiosk tap.
func (s *conn) prepared(ctx context.Context, query string) (*sqlx.Stmt, error) {
	if st, ok := s.stmts.Load(query); ok {
		return st.(*sqlx.Stmt), nil
	}
	st, err := s.read.PreparexContext(ctx, s.read.Rebind(query))
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.stmts.LoadOrStore(query, st); loaded {
		// Prepared twice at once: the shared one is kept, this spare one goes.
		if err := st.Close(); err != nil {
			return nil, err
		}
		return prev.(*sqlx.Stmt), nil
	}
	return st, nil
}
