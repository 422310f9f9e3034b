// Package kiosk serves the citizen side of the hall: the ticket kiosk, the
// ticket's QR code and the phone page that follows the ticket.
package kiosk

import (
	"context"
	"io/fs"
	"net/http"
	"regexp"

	"github.com/go-chi/chi/v5"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/live"
	"github.com/motcua/motcua/web"
)

// Tickets is what the kiosk and the phone need of the queue.
type Tickets interface {
	Services(ctx context.Context) ([]motcua.ServiceView, error)
	IssueTicketView(ctx context.Context, req motcua.IssueRequest) (motcua.TicketView, error)
	Reactivate(ctx context.Context, shortCode string) (motcua.Ticket, error)
	TicketByToken(ctx context.Context, token string) (motcua.Ticket, error)
	TicketView(ctx context.Context, tk motcua.Ticket) (motcua.TicketView, error)
}

// Events is the event log a phone's socket starts from and replays.
type Events interface {
	LastSeq(ctx context.Context) (int64, error)
	EventsSince(ctx context.Context, seq int64, max int) ([]motcua.Event, bool, error)
}

// Dossiers lists the public part of the dossiers a ticket's visit created or joined.
type Dossiers interface {
	TicketDossiers(ctx context.Context, ticketID int64) ([]motcua.PublicDossier, error)
}

// Handler serves the kiosk and tracking endpoints.
type Handler struct {
	Site     *motcua.Site
	Tickets  Tickets
	Events   Events
	Dossiers Dossiers
	Clients  web.Clients
	Static   fs.FS
	// Issuing limits tickets per client address (trusted kiosks are exempt).
	Issuing *web.RateLimiter
	Live    *live.Broadcaster

	qrCodes qrCache
}

// tokenPattern matches the tokens the hub makes (base64url of 16 bytes); the
// check keeps junk paths away from the database.
var tokenPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

// Branch handles GET /api/v1/branch.
func (h *Handler) Branch(w http.ResponseWriter, r *http.Request) {
	b := h.Site.Branch()
	// no_show_min_calls lets the counter page keep "Vắng mặt" disabled until
	// the ticket has been called often enough for the hub to accept it.
	web.JSON(w, http.StatusOK, map[string]any{"code": b.Code, "name": b.Name, "center_name": b.CenterName,
		"notice": b.Notice, "time_zone": b.TimeZone, "now": h.Site.Now(),
		"no_show_min_calls": h.Site.Policy().NoShowMinCalls})
}

// Services handles GET /api/v1/services.
func (h *Handler) Services(w http.ResponseWriter, r *http.Request) {
	svcs, err := h.Tickets.Services(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, svcs)
}

type priorityGroup struct {
	Code  string `json:"code"`
	Vi    string `json:"vi"`
	En    string `json:"en"`
	Basis string `json:"basis"`
}

// PriorityGroups handles GET /api/v1/priority-groups: the hall's groups, in
// the kiosk's order (they change live with the hall description).
func (h *Handler) PriorityGroups(w http.ResponseWriter, r *http.Request) {
	groups := h.Site.PriorityGroups()
	out := make([]priorityGroup, len(groups))
	for i, g := range groups {
		out[i] = priorityGroup{Code: g.Code, Vi: g.Name, En: g.NameEn, Basis: g.Basis}
	}
	web.JSON(w, http.StatusOK, out)
}

type issueRequest struct {
	ServiceID     *int64 `json:"service_id"`
	Priority      bool   `json:"priority"`
	PriorityGroup string `json:"priority_group"`
}

// IssueTicket handles POST /api/v1/tickets.
func (h *Handler) IssueTicket(w http.ResponseWriter, r *http.Request) {
	if h.Issuing != nil && !h.Issuing.Allow(r) {
		web.Error(w, r, web.ErrTooMany)
		return
	}
	var req issueRequest
	if err := web.Decode(w, r, &req); err != nil {
		web.Error(w, r, err)
		return
	}
	if req.ServiceID == nil {
		web.Error(w, r, &motcua.Error{Code: motcua.EValidation, Message: "Chọn dịch vụ (service_id). / Choose a service (service_id).",
			Fields: map[string]string{"service_id": "required"}})
		return
	}
	v, err := h.Tickets.IssueTicketView(r.Context(), motcua.IssueRequest{ServiceID: *req.ServiceID, Priority: req.Priority, PriorityGroup: req.PriorityGroup})
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, h.withURLs(r, v))
}

// respond answers with the ticket object, or the error.
func (h *Handler) respond(w http.ResponseWriter, r *http.Request, status int, tk motcua.Ticket, err error) {
	if err != nil {
		web.Error(w, r, err)
		return
	}
	v, err := h.view(r, tk)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, status, v)
}

type reactivateRequest struct {
	ShortCode string `json:"short_code"`
}

// Reactivate handles POST /api/v1/tickets/reactivate: a citizen who missed
// the call types the short code printed on the ticket.
func (h *Handler) Reactivate(w http.ResponseWriter, r *http.Request) {
	if h.Issuing != nil && !h.Issuing.Allow(r) {
		web.Error(w, r, web.ErrTooMany)
		return
	}
	var req reactivateRequest
	if err := web.Decode(w, r, &req); err != nil {
		web.Error(w, r, err)
		return
	}
	tk, err := h.Tickets.Reactivate(r.Context(), req.ShortCode)
	h.respond(w, r, http.StatusOK, tk, err)
}

// view completes a ticket view with its absolute URLs.
func (h *Handler) view(r *http.Request, tk motcua.Ticket) (motcua.TicketView, error) {
	v, err := h.Tickets.TicketView(r.Context(), tk)
	if err != nil {
		return v, err
	}
	return h.withURLs(r, v), nil
}

// withURLs adds a ticket view's absolute URLs.
func (h *Handler) withURLs(r *http.Request, v motcua.TicketView) motcua.TicketView {
	v.TrackURL = h.Clients.URL(r, "/t/"+v.Token)
	v.QRURL = h.Clients.URL(r, "/api/v1/tickets/"+v.Token+"/qr.png")
	v.SVGURL = h.Clients.URL(r, "/api/v1/tickets/"+v.Token+"/qr.svg")
	return v
}

func (h *Handler) ticket(r *http.Request) (motcua.Ticket, error) {
	tok := chi.URLParam(r, "token")
	if !tokenPattern.MatchString(tok) {
		return motcua.Ticket{}, motcua.Errorf(motcua.ENotFound, "Không tìm thấy phiếu. / Ticket not found.")
	}
	return h.Tickets.TicketByToken(r.Context(), tok)
}

// KioskPage handles GET /kiosk.
func (h *Handler) KioskPage(w http.ResponseWriter, r *http.Request) {
	web.Page(h.Static, "kiosk.html")(w, r)
}
