package hub

import (
	"context"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/store"
)

// TicketRef is the part of a ticket a hall screen shows.
type TicketRef struct {
	ID        int64  `json:"id"`
	Number    string `json:"number"`
	ServiceID int64  `json:"service_id"`
}

// CallBody is the body of a "call" event.
type CallBody struct {
	Ticket     TicketRef         `json:"ticket"`
	Counter    motcua.CounterRef `json:"counter"`
	Recall     bool              `json:"recall"`
	OutOfOrder bool              `json:"out_of_order"`
	At         time.Time         `json:"at"`
}

// PublicTicket is a ticket as events carry it: no token, no short code, since
// events reach every counter screen and the log.
type PublicTicket struct {
	ID            int64               `json:"id"`
	Number        string              `json:"number"`
	ServiceID     int64               `json:"service_id"`
	Priority      bool                `json:"priority"`
	PriorityGroup string              `json:"priority_group,omitempty"`
	Status        motcua.TicketStatus `json:"status"`
	IssuedAt      time.Time           `json:"issued_at"`
	Counter       *motcua.CounterRef  `json:"counter"`
	Calls         int                 `json:"calls"`
	CalledAt      *time.Time          `json:"called_at,omitempty"`
	StartedAt     *time.Time          `json:"started_at,omitempty"`
	FinishedAt    *time.Time          `json:"finished_at,omitempty"`
	OutOfOrder    bool                `json:"out_of_order"`
}

func (h *Hub) counterRef(id *int64) *motcua.CounterRef {
	if id == nil {
		return nil
	}
	c, ok := h.counters[*id]
	if !ok {
		return nil
	}
	return &motcua.CounterRef{ID: c.ID, Number: c.Number, Name: c.Name}
}

func (h *Hub) publicTicket(tk motcua.Ticket) PublicTicket {
	tk = h.local(tk)
	return PublicTicket{ID: tk.ID, Number: tk.Number, ServiceID: tk.ServiceID, Priority: tk.Priority,
		PriorityGroup: tk.PriorityGroup, Status: tk.Status, IssuedAt: tk.IssuedAt, Counter: h.counterRef(tk.CounterID),
		Calls: tk.Calls, CalledAt: tk.CalledAt, StartedAt: tk.StartedAt, FinishedAt: tk.FinishedAt, OutOfOrder: tk.OutOfOrder}
}

func (h *Hub) callEvent(tx *store.Tx, tk motcua.Ticket, c motcua.Counter, now time.Time, recall bool) error {
	body := CallBody{
		Ticket:  TicketRef{ID: tk.ID, Number: tk.Number, ServiceID: tk.ServiceID},
		Counter: motcua.CounterRef{ID: c.ID, Number: c.Number, Name: c.Name},
		Recall:  recall, OutOfOrder: tk.OutOfOrder, At: now.In(h.loc),
	}
	_, err := tx.AppendEvent(motcua.EventCall, now, &tk.ID, &c.ID, body)
	return err
}

func (h *Hub) ticketEvent(tx *store.Tx, tk motcua.Ticket, now time.Time) error {
	return h.ticketEventStatus(tx, tk, now, tk.Status)
}

// ticketEventStatus records a ticket event whose status may differ from the
// stored one: a transfer is announced as "transferred" while the ticket waits.
func (h *Hub) ticketEventStatus(tx *store.Tx, tk motcua.Ticket, now time.Time, status motcua.TicketStatus) error {
	pt := h.publicTicket(tk)
	pt.Status = status
	_, err := tx.AppendEvent(motcua.EventTicket, now, &tk.ID, tk.CounterID, map[string]any{"ticket": pt})
	return err
}

// queueEvent records the waiting counts of the services that changed. Clients
// merge the counts into what they have.
func (h *Hub) queueEvent(tx *store.Tx, now time.Time, serviceIDs ...int64) error {
	counts, err := tx.WaitingCounts(h.day(now))
	if err != nil {
		return err
	}
	return h.queueEventCounts(tx, now, counts, serviceIDs...)
}

// queueEventCounts is queueEvent with the counts already read in tx.
func (h *Hub) queueEventCounts(tx *store.Tx, now time.Time, counts map[int64]int, serviceIDs ...int64) error {
	waiting := make(map[int64]int, len(serviceIDs))
	for _, id := range serviceIDs {
		waiting[id] = counts[id]
		h.metrics.waiting.WithLabelValues(h.services[id].Code).Set(float64(counts[id]))
	}
	_, err := tx.AppendEvent(motcua.EventQueue, now, nil, nil, map[string]any{"waiting": waiting})
	return err
}

// EventsSince returns the logged events after seq, or ok=false when more than
// max are missing (a fresh snapshot is cheaper than the replay).
// A client ahead of the log (the database was replaced under it) also gets ok=false.
func (h *Hub) EventsSince(ctx context.Context, seq int64, max int) ([]motcua.Event, bool, error) {
	last, err := h.store.LastSeq(ctx)
	if err != nil {
		return nil, false, err
	}
	if seq > last {
		return nil, false, nil
	}
	evs, more, err := h.store.EventsSince(ctx, seq, max)
	if err != nil {
		return nil, false, err
	}
	return evs, !more, nil
}

// LastSeq is the newest event's seq.
func (h *Hub) LastSeq(ctx context.Context) (int64, error) { return h.store.LastSeq(ctx) }

// RecentCalls returns the newest n call events up to seq maxSeq, newest first.
func (h *Hub) RecentCalls(ctx context.Context, maxSeq int64, n int) ([]motcua.Event, error) {
	return h.store.RecentEvents(ctx, motcua.EventCall, maxSeq, n)
}
