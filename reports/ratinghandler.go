package reports

import (
	"context"
	"encoding/json"
	"io/fs"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/live"
	"github.com/motcua/motcua/web"
)

// Tickets finds a ticket by its tracking token.
type Tickets interface {
	TicketByToken(ctx context.Context, token string) (motcua.Ticket, error)
}

// Events reads the event log back for the supervisor's socket.
type Events interface {
	LastSeq(ctx context.Context) (int64, error)
	EventsSince(ctx context.Context, seq int64, max int) ([]motcua.Event, bool, error)
}

// Floor gives the live supervision of the hall floor (the socket's snapshot).
type Floor interface {
	Floor(ctx context.Context) (motcua.Floor, error)
}

// RatingHandler serves the ratings: the phone's (by token), the counter
// tablet's (trusted hall addresses only), and the supervisor's live socket.
type RatingHandler struct {
	Reports *Reports
	Store   RatingStore
	Writer  Writer
	Tickets Tickets
	Events  Events
	Live    *live.Broadcaster
	Floor   Floor // nil: the snapshot carries no floor
	Clients web.Clients
	Static  fs.FS // holds rate.html
}

// decodeRating reads a rating body; a body that is not JSON is a 400, a bad
// score a 422.
func decodeRating(w http.ResponseWriter, r *http.Request) (RatingInput, error) {
	var in RatingInput
	err := web.Decode(w, r, &in)
	return in, err
}

// Rate handles POST /api/v1/track/{token}/rating.
func (h *RatingHandler) Rate(w http.ResponseWriter, r *http.Request) {
	tk, err := h.Tickets.TicketByToken(r.Context(), chi.URLParam(r, "token"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	in, err := decodeRating(w, r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	rt, err := h.Reports.Rate(r.Context(), h.Writer, tk, in, SourcePhone)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, rt)
}

// Rated handles GET /api/v1/track/{token}/rating: 200 the rating, 404 none.
func (h *RatingHandler) Rated(w http.ResponseWriter, r *http.Request) {
	tk, err := h.Tickets.TicketByToken(r.Context(), chi.URLParam(r, "token"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	rec, ok, err := h.Store.Rating(r.Context(), tk.ID)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if !ok {
		web.Error(w, r, motcua.Errorf(motcua.ENotFound, "Chưa có đánh giá. / Not rated yet."))
		return
	}
	web.JSON(w, http.StatusOK, motcua.Rating{Score: rec.Score, Reasons: rec.Reasons, Comment: rec.Comment,
		RatedAt: rec.RatedAt.In(h.Reports.Site.Location())})
}

// tabletOnly refuses the tablet endpoints to addresses outside the hall.
func (h *RatingHandler) tabletOnly(w http.ResponseWriter, r *http.Request) (int64, bool) {
	if !h.Clients.IsTrusted(r) {
		web.Error(w, r, motcua.Errorf(motcua.EForbidden,
			"Màn hình đánh giá chỉ dùng trong mạng của trung tâm. / The rating tablet works only on the hall's network."))
		return 0, false
	}
	id, err := web.IDParam(r, "id")
	if err != nil {
		web.Error(w, r, err)
		return 0, false
	}
	return id, true
}

// TabletVisit handles GET /api/v1/rate/counters/{id}: {"visit": the visit
// that just ended there and is not rated, or null; "reasons": [...]}.
func (h *RatingHandler) TabletVisit(w http.ResponseWriter, r *http.Request) {
	id, ok := h.tabletOnly(w, r)
	if !ok {
		return
	}
	v, err := h.Reports.LastVisit(r.Context(), h.Store, id)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, map[string]any{"visit": v, "reasons": motcua.RatingReasons})
}

// TabletRate handles POST /api/v1/rate/counters/{id} {"ticket_id","score",
// "reasons","comment"}: only the visit that just ended at that counter.
func (h *RatingHandler) TabletRate(w http.ResponseWriter, r *http.Request) {
	id, ok := h.tabletOnly(w, r)
	if !ok {
		return
	}
	in, err := decodeRating(w, r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	v, err := h.Reports.LastVisit(r.Context(), h.Store, id)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if v == nil || v.TicketID != in.TicketID {
		web.Error(w, r, motcua.Errorf(motcua.EConflict,
			"Chỉ đánh giá được lượt vừa kết thúc tại quầy này. / Only the visit that just ended at this counter can be rated here."))
		return
	}
	rt, err := h.Reports.Rate(r.Context(), h.Writer, motcua.Ticket{ID: v.TicketID}, in, SourceTablet)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, rt)
}

// TabletPage handles GET /rate?counter=N.
func (h *RatingHandler) TabletPage(w http.ResponseWriter, r *http.Request) {
	web.Page(h.Static, "rate.html")(w, r)
}

// Socket handles GET /ws/supervisor: low ratings as they come, the alerts of
// the live supervision, and the calls, tickets and queue counts of the hall.
// The snapshot carries the floor (motcua.Floor): the page refreshes it from
// GET /api/v1/supervisor/floor when a call, ticket or alert event comes.
func (h *RatingHandler) Socket(w http.ResponseWriter, r *http.Request) {
	h.Live.Serve(w, r, live.Subscription{
		Filter: func(ev *motcua.Event) bool {
			switch ev.Type {
			case motcua.EventRating, motcua.EventAlert, motcua.EventCall, motcua.EventTicket, motcua.EventQueue:
				return true
			}
			return false
		},
		Snapshot: func(ctx context.Context) (int64, []byte, error) {
			seq, err := h.Events.LastSeq(ctx)
			if err != nil {
				return 0, nil, err
			}
			snap := map[string]any{"type": "snapshot", "seq": seq}
			if h.Floor != nil {
				f, err := h.Floor.Floor(ctx)
				if err != nil {
					return 0, nil, err
				}
				snap["floor"] = f
			}
			raw, err := json.Marshal(snap)
			return seq, raw, err
		},
		Replay: func(ctx context.Context, since int64) ([]motcua.Event, bool, error) {
			return h.Events.EventsSince(ctx, since, 5000)
		},
	})
}

// SatisfactionReport handles GET /api/v1/reports/satisfaction?from&to&group_by=day|month|service|counter|staff.
func (h *RatingHandler) SatisfactionReport(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	by := q.Get("group_by")
	if by == "" {
		by = motcua.GroupDay
	}
	f, err := filter(r, by)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	rg, err := h.Reports.ParseRange(q.Get("from"), q.Get("to"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	rows, err := h.Reports.Satisfaction(r.Context(), h.Store, rg, by, f)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	answer(w, r, SatisfactionTable(rows, rg, by), rows)
}
