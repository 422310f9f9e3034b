package kiosk

import (
	"context"
	"encoding/json"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/live"
	"github.com/motcua/motcua/web"
)

// Track handles GET /api/v1/track/{token}: the citizen's view, with no personal data.
func (h *Handler) Track(w http.ResponseWriter, r *http.Request) {
	tk, err := h.ticket(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	t, err := h.trackView(r.Context(), tk)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, t)
}

// TrackView is the object of GET /api/v1/track/{token}.
type TrackView struct {
	Number   string              `json:"number"`
	Status   motcua.TicketStatus `json:"status"`
	Service  serviceRef          `json:"service"`
	Counter  *motcua.CounterRef  `json:"counter"`
	Position int                 `json:"position"`
	EstWaitS int                 `json:"est_wait_s"`
	IssuedAt time.Time           `json:"issued_at"`
	Priority bool                `json:"priority"`
	// ShortCode is printed on the ticket too; the phone shows it after a
	// no-show, when the citizen needs it to reactivate at the kiosk.
	ShortCode string `json:"short_code"`
	// Calls lets the phone ring again on a recall.
	Calls int `json:"calls"`
	// ReactivateUntil, for a no-show, is until when its short code puts it
	// back in the queue at the kiosk; absent when that is not possible.
	ReactivateUntil *time.Time             `json:"reactivate_until,omitempty"`
	Dossiers        []motcua.PublicDossier `json:"dossiers"`
}

type serviceRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

func (h *Handler) trackView(ctx context.Context, tk motcua.Ticket) (TrackView, error) {
	v, err := h.Tickets.TicketView(ctx, tk)
	if err != nil {
		return TrackView{}, err
	}
	ds, err := h.Dossiers.TicketDossiers(ctx, tk.ID)
	if err != nil {
		return TrackView{}, err
	}
	if ds == nil {
		ds = []motcua.PublicDossier{}
	}
	t := TrackView{Number: v.Number, Status: v.Status, Service: serviceRef{v.ServiceID, v.ServiceName},
		Counter: v.Counter, Position: v.Position, EstWaitS: v.EstWaitS, IssuedAt: v.IssuedAt, Priority: v.Priority,
		ShortCode: v.ShortCode, Calls: v.Calls, Dossiers: ds}
	if mins := h.Site.Policy().ReactivateMinutes; v.Status == motcua.TicketNoShow && v.FinishedAt != nil && mins > 0 {
		until := v.FinishedAt.Add(time.Duration(mins) * time.Minute)
		t.ReactivateUntil = &until
	}
	return t, nil
}

// TrackPage handles GET /t/{token}; an unknown token is a 404 page.
func (h *Handler) TrackPage(w http.ResponseWriter, r *http.Request) {
	if _, err := h.ticket(r); err != nil {
		web.Error(w, r, err) // a page: "not found" for a wrong QR code, never JSON
		return
	}
	web.Page(h.Static, "track.html")(w, r)
}

// ReplayLimit is the most events replayed to a reconnecting phone.
const ReplayLimit = 2000

// TrackSocket handles GET /ws/track/{token}: after a snapshot of the track
// view, the ticket's own ticket and dossier events, and the queue events of
// the ticket's service, coalesced: at most one every few seconds, the newest
// (live.Subscription.Coalesce). A phone needs to know that its queue moved,
// not every step of it, and ten thousand phones in every queue event's
// fan-out would make the hall screens wait behind them.
func (h *Handler) TrackSocket(w http.ResponseWriter, r *http.Request) {
	tk, err := h.ticket(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	f := &trackFilter{ticketID: tk.ID}
	f.serviceID.Store(tk.ServiceID)
	h.Live.Serve(w, r, live.Subscription{
		Filter:   f.accept,
		Coalesce: func(ev *motcua.Event) bool { return ev.Type == motcua.EventQueue },
		Snapshot: func(ctx context.Context) (int64, []byte, error) {
			seq, err := h.Events.LastSeq(ctx)
			if err != nil {
				return 0, nil, err
			}
			cur, err := h.Tickets.TicketByToken(ctx, tk.Token)
			if err != nil {
				return 0, nil, err
			}
			f.serviceID.Store(cur.ServiceID) // transferred since the request began
			tv, err := h.trackView(ctx, cur)
			if err != nil {
				return 0, nil, err
			}
			msg, err := json.Marshal(map[string]any{"type": "snapshot", "seq": seq, "track": tv})
			return seq, msg, err
		},
		Replay: func(ctx context.Context, since int64) ([]motcua.Event, bool, error) {
			return h.Events.EventsSince(ctx, since, ReplayLimit)
		},
	})
}

// trackFilter picks one phone's events. It runs inside the broadcaster's
// Publish for every event, so it reads the events' typed bodies: a map
// lookup or a comparison, never a JSON decode.
type trackFilter struct {
	ticketID int64
	// serviceID follows a transfer: the ticket's own ticket event carries
	// its new service. Atomic because a replay reads it outside Publish.
	serviceID atomic.Int64
}

func (f *trackFilter) accept(ev *motcua.Event) bool {
	switch body := ev.Data.(type) {
	case *motcua.QueueBody:
		_, ok := body.Waiting[f.serviceID.Load()]
		return ok
	case *motcua.TicketBody:
		if ev.TicketID == nil || *ev.TicketID != f.ticketID {
			return false
		}
		if body.Ticket.ServiceID != 0 {
			f.serviceID.Store(body.Ticket.ServiceID)
		}
		return true
	case *motcua.DossierBody:
		return ev.TicketID != nil && *ev.TicketID == f.ticketID
	}
	return false
}
