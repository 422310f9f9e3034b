// Package counter serves the counter workstation: the staff API that calls,
// serves and transfers tickets, and the page that drives it.
package counter

import (
	"context"
	"encoding/json"
	"io/fs"
	"net/http"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/live"
	"github.com/motcua/motcua/web"
)

// Calls is how a counter moves tickets; by is the officer who acts, checked
// against the counters they may work at and recorded with the move.
type Calls interface {
	CallNext(ctx context.Context, counterID int64, by motcua.User) (motcua.Ticket, bool, error)
	Recall(ctx context.Context, counterID int64, by motcua.User) (motcua.Ticket, error)
	CallTicket(ctx context.Context, counterID, ticketID int64, reason string, by motcua.User) (motcua.Ticket, error)
	Start(ctx context.Context, ticketID int64, by motcua.User) (motcua.Ticket, error)
	Finish(ctx context.Context, ticketID int64, by motcua.User) (motcua.Ticket, error)
	NoShow(ctx context.Context, ticketID int64, by motcua.User) (motcua.Ticket, error)
	Transfer(ctx context.Context, ticketID, serviceID int64, by motcua.User) (motcua.Ticket, error)
}

// Seats seats the officer of an open counter screen (the presence board).
type Seats interface {
	SitDown(counterID int64, u motcua.User, end func()) (standUp func())
}

// Views is what a counter screen shows of the queue.
type Views interface {
	Counters(ctx context.Context) ([]motcua.CounterView, error)
	CounterView(ctx context.Context, id int64) (motcua.CounterView, error)
	CounterQueue(ctx context.Context, id int64) ([]motcua.Ticket, error)
	TicketView(ctx context.Context, tk motcua.Ticket) (motcua.TicketView, error)
	WaitingCounts(ctx context.Context) (map[int64]int, error)
}

// Events is the event log a counter's socket starts from and replays.
type Events interface {
	LastSeq(ctx context.Context) (int64, error)
	EventsSince(ctx context.Context, seq int64, max int) ([]motcua.Event, bool, error)
}

// Handler serves the counter endpoints; every one sits behind staff auth.
type Handler struct {
	Site   *motcua.Site
	Calls  Calls
	Views  Views
	Events Events
	Seats  Seats
	Live   *live.Broadcaster
	Static fs.FS
}

// counterParam reads the {id} of a counter the signed-in user may work at.
func (h *Handler) counterParam(r *http.Request) (int64, motcua.User, error) {
	u, _ := web.UserFrom(r.Context())
	id, err := web.IDParam(r, "id")
	if err != nil {
		return 0, u, err
	}
	if _, ok := h.Site.Counter(id); !ok {
		return 0, u, motcua.Errorf(motcua.ENotFound, "Không có quầy số %d. / There is no counter %d.", id, id)
	}
	return id, u, h.Site.CheckWorksAt(u, id)
}

// Counters handles GET /api/v1/counters.
func (h *Handler) Counters(w http.ResponseWriter, r *http.Request) {
	cs, err := h.Views.Counters(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, cs)
}

// queueItem is a waiting ticket as the counter screen lists it.
type queueItem struct {
	ID            int64  `json:"id"`
	Number        string `json:"number"`
	ServiceID     int64  `json:"service_id"`
	Priority      bool   `json:"priority"`
	PriorityGroup string `json:"priority_group"`
	IssuedAt      any    `json:"issued_at"`
}

// Queue handles GET /api/v1/counters/{id}/queue.
func (h *Handler) Queue(w http.ResponseWriter, r *http.Request) {
	id, _, err := h.counterParam(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	tks, err := h.Views.CounterQueue(r.Context(), id)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, QueueItems(tks))
}

// QueueItems shapes waiting tickets for the counter screen.
func QueueItems(tks []motcua.Ticket) []queueItem {
	out := make([]queueItem, len(tks))
	for i, t := range tks {
		out[i] = queueItem{t.ID, t.Number, t.ServiceID, t.Priority, t.PriorityGroup, t.IssuedAt}
	}
	return out
}

func (h *Handler) respond(w http.ResponseWriter, r *http.Request, status int, tk motcua.Ticket, wrap bool) {
	v, err := h.Views.TicketView(r.Context(), tk)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if wrap {
		web.JSON(w, status, map[string]any{"ticket": v})
		return
	}
	web.JSON(w, status, v)
}

// CallNext handles POST /api/v1/counters/{id}/call-next.
func (h *Handler) CallNext(w http.ResponseWriter, r *http.Request) {
	id, u, err := h.counterParam(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	tk, found, err := h.Calls.CallNext(r.Context(), id, u)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if !found {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	h.respond(w, r, http.StatusOK, tk, true)
}

// Recall handles POST /api/v1/counters/{id}/recall.
func (h *Handler) Recall(w http.ResponseWriter, r *http.Request) {
	id, u, err := h.counterParam(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	tk, err := h.Calls.Recall(r.Context(), id, u)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	h.respond(w, r, http.StatusOK, tk, true)
}

type callRequest struct {
	TicketID *int64 `json:"ticket_id"`
	Reason   string `json:"reason"`
}

// Call handles POST /api/v1/counters/{id}/call: a call out of queue order.
func (h *Handler) Call(w http.ResponseWriter, r *http.Request) {
	id, u, err := h.counterParam(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	var req callRequest
	if err := web.Decode(w, r, &req); err != nil {
		web.Error(w, r, err)
		return
	}
	if req.TicketID == nil {
		web.Error(w, r, &motcua.Error{Code: motcua.EValidation, Message: "Chọn số cần gọi (ticket_id). / Choose the ticket to call (ticket_id).",
			Fields: map[string]string{"ticket_id": "required"}})
		return
	}
	tk, err := h.Calls.CallTicket(r.Context(), id, *req.TicketID, req.Reason, u)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	h.respond(w, r, http.StatusOK, tk, true)
}

func (h *Handler) ticketMove(move func(ctx context.Context, id int64, by motcua.User) (motcua.Ticket, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := web.IDParam(r, "id")
		if err != nil {
			web.Error(w, r, err)
			return
		}
		u, _ := web.UserFrom(r.Context())
		tk, err := move(r.Context(), id, u)
		if err != nil {
			web.Error(w, r, err)
			return
		}
		h.respond(w, r, http.StatusOK, tk, false)
	}
}

// Start handles POST /api/v1/tickets/{id}/start.
func (h *Handler) Start(w http.ResponseWriter, r *http.Request) { h.ticketMove(h.Calls.Start)(w, r) }

// Finish handles POST /api/v1/tickets/{id}/finish.
func (h *Handler) Finish(w http.ResponseWriter, r *http.Request) { h.ticketMove(h.Calls.Finish)(w, r) }

// NoShow handles POST /api/v1/tickets/{id}/no-show.
func (h *Handler) NoShow(w http.ResponseWriter, r *http.Request) { h.ticketMove(h.Calls.NoShow)(w, r) }

type transferRequest struct {
	ServiceID *int64 `json:"service_id"`
}

// Transfer handles POST /api/v1/tickets/{id}/transfer.
func (h *Handler) Transfer(w http.ResponseWriter, r *http.Request) {
	var req transferRequest
	if err := web.Decode(w, r, &req); err != nil {
		web.Error(w, r, err)
		return
	}
	if req.ServiceID == nil {
		web.Error(w, r, &motcua.Error{Code: motcua.EValidation, Message: "Chọn dịch vụ chuyển đến (service_id). / Choose the service to transfer to (service_id).",
			Fields: map[string]string{"service_id": "required"}})
		return
	}
	h.ticketMove(func(ctx context.Context, id int64, by motcua.User) (motcua.Ticket, error) {
		return h.Calls.Transfer(ctx, id, *req.ServiceID, by)
	})(w, r)
}

// Page handles GET /counter.
func (h *Handler) Page(w http.ResponseWriter, r *http.Request) {
	web.Page(h.Static, "counter.html")(w, r)
}

// Socket handles GET /ws/counter/{id}: the counter's live view (behind staff
// auth), open only to those who may work at the counter. While it is open its
// officer is seated at the counter; it ends when their sessions end.
func (h *Handler) Socket(w http.ResponseWriter, r *http.Request) {
	id, u, err := h.counterParam(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	var standUp func()
	h.Live.Serve(w, r, live.Subscription{
		Opened: func(end func()) {
			if h.Seats != nil {
				standUp = h.Seats.SitDown(id, u, end)
			}
		},
		Closed: func() {
			if standUp != nil {
				standUp()
			}
		},
		Filter: isCounterEvent,
		Snapshot: func(ctx context.Context) (int64, []byte, error) {
			return h.snapshot(ctx, id)
		},
		Replay: func(ctx context.Context, since int64) ([]motcua.Event, bool, error) {
			return h.Events.EventsSince(ctx, since, ReplayLimit)
		},
	})
}

// ReplayLimit is the most events replayed to a reconnecting counter screen.
const ReplayLimit = 5000

func isCounterEvent(ev *motcua.Event) bool {
	return ev.Type == motcua.EventCall || ev.Type == motcua.EventQueue || ev.Type == motcua.EventTicket ||
		ev.Type == motcua.EventHall // the hall changed: the screen reloads its counters and services
}

func (h *Handler) snapshot(ctx context.Context, id int64) (int64, []byte, error) {
	seq, err := h.Events.LastSeq(ctx)
	if err != nil {
		return 0, nil, err
	}
	cv, err := h.Views.CounterView(ctx, id)
	if err != nil {
		return 0, nil, err
	}
	waiting, err := h.Views.WaitingCounts(ctx)
	if err != nil {
		return 0, nil, err
	}
	queue, err := h.Views.CounterQueue(ctx, id)
	if err != nil {
		return 0, nil, err
	}
	msg, err := json.Marshal(map[string]any{"type": "snapshot", "seq": seq, "counter": cv,
		"current_ticket": cv.CurrentTicket, "waiting": waiting, "queue": QueueItems(queue)})
	return seq, msg, err
}

// ManualCallLog lists the audit trail of calls out of queue order.
type ManualCallLog interface {
	ManualCalls(ctx context.Context, limit int) ([]motcua.ManualCall, error)
}

// ManualCalls handles GET /api/v1/audit/manual-calls (supervisor): every call
// out of queue order, who made it and why.
func ManualCalls(h ManualCallLog) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		calls, err := h.ManualCalls(r.Context(), 500)
		if err != nil {
			web.Error(w, r, err)
			return
		}
		web.JSON(w, http.StatusOK, calls)
	}
}
