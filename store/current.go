package store

import (
	"sync"

	"github.com/motcua/motcua"
)

// currentCache keeps, on SQLite, the ticket each counter is calling or
// serving as last committed, so that a call does not read it back from the
// database: in the writer a statement costs about a hundred microseconds
// when the hall is not busy enough to keep SQLite's code and pages in the
// CPU's caches, and a call reads the counter's current ticket first thing
// (docs/PERFORMANCE.md).
//
// It relies on what the queue guarantees: a counter has at most one current
// ticket (a call ends the current one first), and a ticket's status, counter
// and times change only through UpdateTicket. Inserting a current ticket
// and the privacy purges, which rewrite rows behind UpdateTicket's back,
// make the counter (or every counter) unknown again, read afresh next time.
// As the waiting counts, it is used on SQLite only, where this process is
// the file's single writer.
type currentCache struct {
	mu        sync.Mutex
	byCounter map[int64]currentEntry
}

// currentEntry is what is known of one counter: its current ticket, or
// that it has none.
type currentEntry struct {
	ticket motcua.Ticket
	ok     bool
}

// currentChange is one thing a transaction learnt or changed about a
// counter's current ticket; applied to the cache when it commits, dropped
// when it (or the request's savepoint) rolls back.
type currentChange struct {
	counter int64
	all     bool // forget every counter
	known   bool // false: forget the counter
	entry   currentEntry
}

func (c *currentCache) get(counter int64) (currentEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byCounter[counter]
	return e, ok
}

func (c *currentCache) apply(changes []currentChange) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ch := range changes {
		switch {
		case ch.all:
			c.byCounter = nil
		case !ch.known:
			delete(c.byCounter, ch.counter)
		default:
			if c.byCounter == nil {
				c.byCounter = map[int64]currentEntry{}
			}
			c.byCounter[ch.counter] = ch.entry
		}
	}
}

// cachedCurrent answers from this transaction's own changes, newest first,
// then from the committed cache.
func (t *txn) cachedCurrent(counter int64) (currentEntry, bool) {
	for i := len(t.currentLog) - 1; i >= 0; i-- {
		ch := t.currentLog[i]
		if ch.all || ch.counter == counter {
			return ch.entry, ch.known
		}
	}
	return t.current.get(counter)
}

func (t *txn) noteCurrent(ch currentChange) {
	if t.current != nil {
		t.currentLog = append(t.currentLog, ch)
	}
}

// noteCurrentMove records what moving a ticket from was to tk does to the
// current tickets of their counters.
func (t *txn) noteCurrentMove(was, tk motcua.Ticket) {
	wasAt, isAt := currentAt(was), currentAt(tk)
	if wasAt != 0 && wasAt != isAt {
		t.noteCurrent(currentChange{counter: wasAt, known: true})
	}
	if isAt != 0 {
		t.noteCurrent(currentChange{counter: isAt, known: true, entry: currentEntry{ticket: ownCopy(tk), ok: true}})
	}
}

// forgetCurrent makes every counter unknown (rows were rewritten in bulk).
func (t *txn) forgetCurrent() { t.noteCurrent(currentChange{all: true}) }

// currentAt is the counter tk is current at, or 0.
func currentAt(tk motcua.Ticket) int64 {
	if tk.CounterID == nil || (tk.Status != motcua.TicketCalled && tk.Status != motcua.TicketServing) {
		return 0
	}
	return *tk.CounterID
}

// ownCopy returns tk as a read of its row gives it: its own pointers, times
// in UTC.
func ownCopy(tk motcua.Ticket) motcua.Ticket {
	id := func(p *int64) *int64 {
		if p == nil {
			return nil
		}
		v := *p
		return &v
	}
	tk.IssuedAt, tk.QueuedAt = tk.IssuedAt.UTC(), tk.QueuedAt.UTC()
	tk.CounterID, tk.CalledBy, tk.ServedBy = id(tk.CounterID), id(tk.CalledBy), id(tk.ServedBy)
	tk.CalledAt, tk.StartedAt, tk.FinishedAt = utcPtr(tk.CalledAt), utcPtr(tk.StartedAt), utcPtr(tk.FinishedAt)
	return tk
}
