// Package queue is the hall's queue: it issues tickets, calls them to
// counters, serves, transfers and reactivates them, closes past days, and
// answers the views screens need (services with their waits, counters with
// their tickets, a ticket's place and estimated wait). Every change goes
// through the writer, with the events it announces.
package queue

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/store"
	"github.com/motcua/motcua/writer"
)

// Queue is the hall's queue of tickets.
type Queue struct {
	site    *motcua.Site
	store   *store.Store
	w       *writer.Writer
	metrics *metrics
	log     *slog.Logger

	seats   Seats
	lastDay string // the day last rolled over; only the writer goroutine touches it
	rolling string // the day the batch being written rolls over to
	// changed holds the services whose waiting counts the batch being
	// written changed; only the writer goroutine touches it.
	changed map[int64]struct{}

	waitMu    sync.Mutex
	waitCache map[int64]serviceTime
	lastCalls map[int64]time.Time // counter id → its last call, see Committed
}

// Seats notes which officer acts at which counter and says who works there
// (the presence board).
type Seats interface {
	Acted(counterID int64, u motcua.User)
	Officer(counterID int64) *motcua.Officer
}

// New opens the queue on the writer. It registers itself as a writer hook
// (the day roll-over), so it must be built before the writer runs. seats may
// be nil: counters then show no officer.
func New(ctx context.Context, site *motcua.Site, st *store.Store, w *writer.Writer, seats Seats, log *slog.Logger, reg prometheus.Registerer) (*Queue, error) {
	q := &Queue{site: site, store: st, w: w, seats: seats, metrics: newMetrics(reg), log: log,
		waitCache: map[int64]serviceTime{}, changed: map[int64]struct{}{}}
	var err error
	if q.lastCalls, err = st.Tickets.LastCallPerCounter(ctx, site.Day(site.Clock.Now())); err != nil {
		return nil, err
	}
	q.metrics.setServices(site.ServiceList())
	w.AddHook(q)
	return q, nil
}

// Due tells the writer that an idle hall must still roll over at midnight.
func (q *Queue) Due() bool { return q.site.Day(q.site.Clock.Now()) != q.lastDay }

// Prepare closes past days before the batch's requests run (writer hook).
func (q *Queue) Prepare(tx *store.Tx) error {
	clear(q.changed) // what a failed batch left
	return q.rollOver(tx)
}

// BeforeCommit writes the batch's one queue event, after its requests
// (writer hook).
func (q *Queue) BeforeCommit(tx *store.Tx) error { return q.queueEvent(tx) }

// Committed notes the committed calls (writer hook): the day roll-over is
// done, and countersFor needs no query, since every call goes through here.
func (q *Queue) Committed(events []motcua.Event) {
	if q.rolling != "" {
		q.lastDay, q.rolling = q.rolling, ""
	}
	for _, ev := range events {
		if ev.Type != motcua.EventCall || ev.CounterID == nil {
			continue
		}
		q.waitMu.Lock()
		if ev.At.After(q.lastCalls[*ev.CounterID]) {
			q.lastCalls[*ev.CounterID] = ev.At
		}
		q.waitMu.Unlock()
	}
}

// rollOver closes the tickets of past days once per day: waiting and called
// tickets are cancelled, a visit still being served is finished. History stays.
func (q *Queue) rollOver(tx *store.Tx) error {
	q.rolling = ""
	now := q.site.Now()
	today := q.site.Day(now)
	if today == q.lastDay {
		return nil
	}
	open, err := tx.Tickets.OpenTicketsBefore(today)
	if err != nil {
		return err
	}
	services := map[int64]bool{}
	for _, tk := range open {
		was := tk
		if tk.Status == motcua.TicketServing {
			tk.Status = motcua.TicketDone
		} else {
			tk.Status = motcua.TicketCancelled
		}
		tk.FinishedAt = &now
		if err := tx.Tickets.UpdateTicket(was, tk); err != nil {
			return err
		}
		action := motcua.ActionCancel
		if tk.Status == motcua.TicketDone {
			action = motcua.ActionFinish
		}
		if err := trace(tx, tk, string(action), was.Status, tk.ServiceID, nil, motcua.User{}, now); err != nil {
			return err
		}
		if err := q.ticketEvent(tx, tk, now); err != nil {
			return err
		}
		services[tk.ServiceID] = true
	}
	for id := range services {
		q.queueChanged(id)
	}
	q.rolling = today
	return nil
}

// RollOver closes past days now (the writer also does it on its own).
func (q *Queue) RollOver(ctx context.Context) error {
	return q.w.Write(ctx, func(*store.Tx) error { return nil })
}

func (q *Queue) service(id int64) (motcua.Service, error) {
	s, ok := q.site.Service(id)
	if !ok {
		return s, motcua.Errorf(motcua.ENotFound, "Không có dịch vụ số %d. / There is no service %d.", id, id)
	}
	return s, nil
}

func (q *Queue) counter(id int64) (motcua.Counter, error) {
	c, ok := q.site.Counter(id)
	if !ok {
		return c, motcua.Errorf(motcua.ENotFound, "Không có quầy số %d. / There is no counter %d.", id, id)
	}
	return c, nil
}

// serviceName is the name of a configured service ("" for an unknown id).
func (q *Queue) serviceName(id int64) string {
	s, _ := q.site.Service(id)
	return s.Name
}

// local returns tk with its times in the branch's zone, as clients see them.
func (q *Queue) local(tk motcua.Ticket) motcua.Ticket {
	loc := q.site.Location()
	tk.IssuedAt = tk.IssuedAt.In(loc)
	tk.QueuedAt = tk.QueuedAt.In(loc)
	tk.CalledAt, tk.StartedAt, tk.FinishedAt = q.site.Local(tk.CalledAt), q.site.Local(tk.StartedAt), q.site.Local(tk.FinishedAt)
	return tk
}
