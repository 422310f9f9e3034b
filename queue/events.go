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

// queueChanged notes that the waiting counts of these services changed in
// the batch being written; BeforeCommit then writes one queue event for the whole
// batch. A hall screen and a phone need the counts after the commit, not
// each step: at 16 kiosks a commit holds about 8 tickets, and each queue
// event was a JSON body, a row in the log and a frame to every screen. A
// request rolled back after noting a service leaves it in the event: its
// count is read afresh, so it is only said again.
func (q *Queue) queueChanged(serviceIDs ...int64) {
	for _, id := range serviceIDs {
		q.changed[id] = struct{}{}
	}
}

// queueEvent records the waiting counts of the services the batch changed,
// in service order. Clients merge the counts into what they have.
func (q *Queue) queueEvent(tx *store.Tx) error {
	if len(q.changed) == 0 {
		return nil
	}
	now := q.site.Now()
	counts, err := tx.Tickets.WaitingCounts(q.site.Day(now))
	if err != nil {
		return err
	}
	waiting := make(map[int64]int, len(q.changed))
	for id := range q.changed {
		waiting[id] = counts[id]
		sv, _ := q.site.Service(id)
		q.metrics.waiting.WithLabelValues(sv.Code).Set(float64(counts[id]))
	}
	clear(q.changed)
	_, err = tx.AppendEvent(now, nil, nil, &motcua.QueueBody{Waiting: waiting})
	return err
}
