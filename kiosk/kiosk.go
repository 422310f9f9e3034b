// Package kiosk serves the citizen side of the hall: the ticket kiosk, the
// ticket's QR code and the phone page that follows the ticket.
package kiosk

import (
	"bytes"
	"container/list"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"io/fs"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/live"
	"github.com/motcua/motcua/web"
)

// Hub is what the kiosk needs of the branch hub.
type Hub interface {
	Branch() motcua.Branch
	Now() time.Time
	Policy() motcua.QueuePolicy
	Services(ctx context.Context) ([]motcua.ServiceView, error)
	IssueTicketView(ctx context.Context, req motcua.IssueRequest) (motcua.TicketView, error)
	Reactivate(ctx context.Context, shortCode string) (motcua.Ticket, error)
	TicketByToken(ctx context.Context, token string) (motcua.Ticket, error)
	TicketView(ctx context.Context, tk motcua.Ticket) (motcua.TicketView, error)
	LastSeq(ctx context.Context) (int64, error)
	EventsSince(ctx context.Context, seq int64, max int) ([]motcua.Event, bool, error)
	// TicketDossiers lists the public part of the dossiers a ticket's visit created or joined.
	TicketDossiers(ctx context.Context, ticketID int64) ([]motcua.PublicDossier, error)
}

// Handler serves the kiosk and tracking endpoints.
type Handler struct {
	Hub     Hub
	Clients web.Clients
	Static  fs.FS
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
	b := h.Hub.Branch()
	// no_show_min_calls lets the counter page keep "Vắng mặt" disabled until
	// the ticket has been called often enough for the hub to accept it.
	web.JSON(w, http.StatusOK, map[string]any{"code": b.Code, "name": b.Name, "center_name": b.CenterName,
		"notice": b.Notice, "time_zone": b.TimeZone, "now": h.Hub.Now(),
		"no_show_min_calls": h.Hub.Policy().NoShowMinCalls})
}

// Services handles GET /api/v1/services.
func (h *Handler) Services(w http.ResponseWriter, r *http.Request) {
	svcs, err := h.Hub.Services(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, svcs)
}

type priorityGroup struct {
	Code string `json:"code"`
	Vi   string `json:"vi"`
	En   string `json:"en"`
}

// PriorityGroups handles GET /api/v1/priority-groups.
func (h *Handler) PriorityGroups(w http.ResponseWriter, r *http.Request) {
	out := make([]priorityGroup, len(motcua.PriorityGroups))
	for i, g := range motcua.PriorityGroups {
		out[i] = priorityGroup{g.Code, g.Vi, g.En}
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
	v, err := h.Hub.IssueTicketView(r.Context(), motcua.IssueRequest{ServiceID: *req.ServiceID, Priority: req.Priority, PriorityGroup: req.PriorityGroup})
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
	tk, err := h.Hub.Reactivate(r.Context(), req.ShortCode)
	h.respond(w, r, http.StatusOK, tk, err)
}

// view completes a ticket view with its absolute URLs.
func (h *Handler) view(r *http.Request, tk motcua.Ticket) (motcua.TicketView, error) {
	v, err := h.Hub.TicketView(r.Context(), tk)
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
	return h.Hub.TicketByToken(r.Context(), tok)
}

// QRPNG handles GET /api/v1/tickets/{token}/qr.png.
func (h *Handler) QRPNG(w http.ResponseWriter, r *http.Request) {
	h.serveQR(w, r, "image/png", QRPNG)
}

// QRSVG handles GET /api/v1/tickets/{token}/qr.svg: vector, so a thermal
// printer head draws sharp modules at any size.
func (h *Handler) QRSVG(w http.ResponseWriter, r *http.Request) {
	h.serveQR(w, r, "image/svg+xml", QRSVG)
}

// serveQR answers with the ticket's QR code in one format. A ticket's code
// never changes, and a kiosk fetches it again to reprint and a phone to
// show it, so the encoded image is kept in a small cache.
func (h *Handler) serveQR(w http.ResponseWriter, r *http.Request, contentType string, encode func(string) ([]byte, error)) {
	tk, err := h.ticket(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	content := h.Clients.URL(r, "/t/"+tk.Token)
	key := contentType + " " + content // the URL's host follows the request
	img, ok := h.qrCodes.get(key)
	if !ok {
		if img, err = encode(content); err != nil {
			web.Error(w, r, err)
			return
		}
		h.qrCodes.add(key, img)
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Write(img)
}

// qrSize is the side of the PNG in pixels: about 8 per module for a track URL.
const qrSize = 256

// pngBuffers lets PNG encodings share the compressor's buffers, which are
// most of an encoding's allocations.
var pngBuffers pngBufferPool

type pngBufferPool struct{ pool sync.Pool }

func (p *pngBufferPool) Get() *png.EncoderBuffer {
	b, _ := p.pool.Get().(*png.EncoderBuffer)
	return b
}

func (p *pngBufferPool) Put(b *png.EncoderBuffer) { p.pool.Put(b) }

// QRPNG draws content as a qrSize-pixel PNG QR code (medium error
// correction). The fastest compression is enough: a two-colour image of
// large squares compresses well at any level.
func QRPNG(content string) ([]byte, error) {
	q, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: &pngBuffers}
	if err := enc.Encode(&out, q.Image(qrSize)); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// QRSVG draws content as an SVG QR code: one path of unit squares, with the
// quiet zone the library includes.
func QRSVG(content string) ([]byte, error) {
	q, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	bits := q.Bitmap()
	n := len(bits)
	b := make([]byte, 0, 4096)
	b = append(b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 `...)
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, `" shape-rendering="crispEdges"><rect width="`...)
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, `" height="`...)
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, `" fill="#fff"/><path fill="#000" d="`...)
	for y, row := range bits {
		for x := 0; x < len(row); x++ {
			if !row[x] {
				continue
			}
			run := 1
			for x+run < len(row) && row[x+run] {
				run++
			}
			// M{x} {y}h{run}v1h-{run}z
			b = append(b, 'M')
			b = strconv.AppendInt(b, int64(x), 10)
			b = append(b, ' ')
			b = strconv.AppendInt(b, int64(y), 10)
			b = append(b, 'h')
			b = strconv.AppendInt(b, int64(run), 10)
			b = append(b, "v1h-"...)
			b = strconv.AppendInt(b, int64(run), 10)
			b = append(b, 'z')
			x += run - 1
		}
	}
	return append(b, `"/></svg>`...), nil
}

// qrCache keeps the most recently used encoded QR codes, up to
// qrCacheSize (a few MiB at most). The zero value is ready to use.
type qrCache struct {
	mu      sync.Mutex
	entries map[string]*list.Element // of *qrEntry
	recent  list.List                // most recently used first
}

type qrEntry struct {
	key string
	img []byte
}

const qrCacheSize = 1024

func (c *qrCache) get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		return nil, false
	}
	c.recent.MoveToFront(e)
	return e.Value.(*qrEntry).img, true
}

func (c *qrCache) add(key string, img []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = make(map[string]*list.Element)
	}
	if e, ok := c.entries[key]; ok { // encoded twice at once: keep one
		c.recent.MoveToFront(e)
		return
	}
	c.entries[key] = c.recent.PushFront(&qrEntry{key, img})
	if c.recent.Len() > qrCacheSize {
		oldest := c.recent.Back()
		c.recent.Remove(oldest)
		delete(c.entries, oldest.Value.(*qrEntry).key)
	}
}

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
	v, err := h.Hub.TicketView(ctx, tk)
	if err != nil {
		return TrackView{}, err
	}
	ds, err := h.Hub.TicketDossiers(ctx, tk.ID)
	if err != nil {
		return TrackView{}, err
	}
	if ds == nil {
		ds = []motcua.PublicDossier{}
	}
	t := TrackView{Number: v.Number, Status: v.Status, Service: serviceRef{v.ServiceID, v.ServiceName},
		Counter: v.Counter, Position: v.Position, EstWaitS: v.EstWaitS, IssuedAt: v.IssuedAt, Priority: v.Priority,
		ShortCode: v.ShortCode, Calls: v.Calls, Dossiers: ds}
	if mins := h.Hub.Policy().ReactivateMinutes; v.Status == motcua.TicketNoShow && v.FinishedAt != nil && mins > 0 {
		until := v.FinishedAt.Add(time.Duration(mins) * time.Minute)
		t.ReactivateUntil = &until
	}
	return t, nil
}

// KioskPage handles GET /kiosk.
func (h *Handler) KioskPage(w http.ResponseWriter, r *http.Request) {
	web.Page(h.Static, "kiosk.html")(w, r)
}

// TrackPage handles GET /t/{token}; an unknown token is a 404 page.
func (h *Handler) TrackPage(w http.ResponseWriter, r *http.Request) {
	if _, err := h.ticket(r); err != nil {
		if motcua.ErrorCode(err) == motcua.ENotFound {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `<!doctype html><html lang="vi"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Không tìm thấy phiếu</title><body style="font-family:sans-serif;padding:1rem"><h1>Không tìm thấy phiếu</h1><p>Mã QR không đúng hoặc phiếu không còn. / Ticket not found.</p></body></html>`)
			return
		}
		web.Error(w, r, err)
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
			seq, err := h.Hub.LastSeq(ctx)
			if err != nil {
				return 0, nil, err
			}
			cur, err := h.Hub.TicketByToken(ctx, tk.Token)
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
			return h.Hub.EventsSince(ctx, since, ReplayLimit)
		},
	})
}

// trackFilter picks one phone's events. It runs inside the broadcaster's
// Publish for every event, so the common case (another ticket's event, a
// queue event) costs a comparison or a short byte search.
type trackFilter struct {
	ticketID int64
	// serviceID follows a transfer: the ticket's own ticket event carries
	// its new service. Atomic because a replay reads it outside Publish.
	serviceID atomic.Int64
}

func (f *trackFilter) accept(ev *motcua.Event) bool {
	switch ev.Type {
	case motcua.EventQueue:
		return queueMentions(ev.Body, f.serviceID.Load())
	case motcua.EventTicket:
		if ev.TicketID == nil || *ev.TicketID != f.ticketID {
			return false
		}
		var body struct {
			Ticket struct {
				ServiceID int64 `json:"service_id"`
			} `json:"ticket"`
		}
		if json.Unmarshal(ev.Body, &body) == nil && body.Ticket.ServiceID != 0 {
			f.serviceID.Store(body.Ticket.ServiceID)
		}
		return true
	case motcua.EventDossier:
		return ev.TicketID != nil && *ev.TicketID == f.ticketID
	}
	return false
}

// queueMentions reports whether a queue event's body {"waiting":{"<service_id>":n,...}}
// carries the count of serviceID. The body holds nothing but that map, so
// the quoted key followed by a colon can only be that service's count.
func queueMentions(body []byte, serviceID int64) bool {
	var key [24]byte
	k := append(key[:0], '"')
	k = strconv.AppendInt(k, serviceID, 10)
	k = append(k, '"', ':')
	return bytes.Contains(body, k)
}
