package queue

import (
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/store"
)

// The queue's events: "call" for the hall screens, "ticket" for the counters
// and the ticket's phone, "queue" (waiting counts) for everyone.

func (q *Queue) publicTicket(tk motcua.Ticket) motcua.PublicTicket {
	tk = q.local(tk)
	return motcua.PublicTicket{ID: tk.ID, Number: tk.Number, ServiceID: tk.ServiceID, Priority: tk.Priority,
		PriorityGroup: tk.PriorityGroup, Status: tk.Status, IssuedAt: tk.IssuedAt, Counter: q.site.CounterRef(tk.CounterID),
		Calls: tk.Calls, CalledAt: tk.CalledAt, StartedAt: tk.StartedAt, FinishedAt: tk.FinishedAt, OutOfOrder: tk.OutOfOrder}
}

func (q *Queue) callEvent(tx *store.Tx, tk motcua.Ticket, c motcua.Counter, now time.Time, recall bool) error {
	body := &motcua.CallBody{
		Ticket:  motcua.TicketRef{ID: tk.ID, Number: tk.Number, ServiceID: tk.ServiceID},
		Counter: motcua.CounterRef{ID: c.ID, Number: c.Number, Name: c.Name},
		Recall:  recall, OutOfOrder: tk.OutOfOrder, At: now.In(q.site.Location()),
	}
	_, err := tx.AppendEvent(now, &tk.ID, &c.ID, body)
	return err
}

func (q *Queue) ticketEvent(tx *store.Tx, tk motcua.Ticket, now time.Time) error {
	return q.ticketEventStatus(tx, tk, now, tk.Status)
}

// ticketEventStatus records a ticket event whose status may differ from the
// stored one: a transfer is announced as "transferred" while the ticket waits.
func (q *Queue) ticketEventStatus(tx *store.Tx, tk motcua.Ticket, now time.Time, status motcua.TicketStatus) error {
	pt := q.publicTicket(tk)
	pt.Status = status
	_, err := tx.AppendEvent(now, &tk.ID, tk.CounterID, &motcua.TicketBody{Ticket: pt})
	return err
}

// queueEvent records the waiting counts of the services that changed. Clients
// merge the counts into what they have.
func (q *Queue) queueEvent(tx *store.Tx, now time.Time, serviceIDs ...int64) error {
	counts, err := tx.Tickets.WaitingCounts(q.site.Day(now))
	if err != nil {
		return err
	}
	return q.queueEventCounts(tx, now, counts, serviceIDs...)
}

// queueEventCounts is queueEvent with the counts already read in tx.
func (q *Queue) queueEventCounts(tx *store.Tx, now time.Time, counts map[int64]int, serviceIDs ...int64) error {
	waiting := make(map[int64]int, len(serviceIDs))
	for _, id := range serviceIDs {
		waiting[id] = counts[id]
		sv, _ := q.site.Service(id)
		q.metrics.waiting.WithLabelValues(sv.Code).Set(float64(counts[id]))
	}
	_, err := tx.AppendEvent(now, nil, nil, &motcua.QueueBody{Waiting: waiting})
	return err
}
