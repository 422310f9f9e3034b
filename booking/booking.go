// Package booking serves online numbers to citizens: the booking page for
// the phone (/book), the manage page of a booking (/book/{token}), their
// JSON API, the booking's QR code, and the check-in at the kiosk that turns
// a booking into a ticket. Nothing here shows an ID number or a phone.
package booking

import (
	"context"
	"io/fs"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/web"
)

// Appointments is what the pages need of the booking service.
type Appointments interface {
	Availability(ctx context.Context, serviceID int64, date string) ([]motcua.Slot, error)
	Book(ctx context.Context, req motcua.BookingRequest) (motcua.Appointment, error)
	ByToken(ctx context.Context, token string) (motcua.Appointment, error)
	View(ctx context.Context, a motcua.Appointment) (motcua.AppointmentView, error)
	Cancel(ctx context.Context, token string) error
	CheckIn(ctx context.Context, text string) (motcua.Ticket, error)
}

// Tickets completes the ticket a check-in gives (people ahead, estimated wait).
type Tickets interface {
	TicketView(ctx context.Context, tk motcua.Ticket) (motcua.TicketView, error)
}

// Handler serves the booking endpoints and pages.
type Handler struct {
	Site         *motcua.Site
	Appointments Appointments
	Tickets      Tickets
	Clients      web.Clients
	Static       fs.FS
	// Booking limits bookings, cancels and check-ins per client address
	// (the hall's trusted kiosks are exempt): a phone books a handful, a
	// script trying codes or filling slots is stopped.
	Booking *web.RateLimiter
}

var tokenPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

func (h *Handler) allow(w http.ResponseWriter, r *http.Request) bool {
	if h.Booking != nil && !h.Booking.Allow(r) {
		web.Error(w, r, web.ErrTooMany)
		return false
	}
	return true
}

// bookableService is a service as the booking page lists it.
type bookableService struct {
	ID    int64    `json:"id"`
	Name  string   `json:"name"`
	Field string   `json:"field"`
	Dates []string `json:"dates"` // the working days that can be booked
}

// Services handles GET /api/v1/appointments/services: the services that
// take online numbers, with the days that can be booked.
func (h *Handler) Services(w http.ResponseWriter, r *http.Request) {
	now := h.Site.Now()
	out := []bookableService{}
	for _, svc := range h.Site.ServiceList() {
		b, ok := h.Site.ServiceBooking(svc.ID)
		if !ok {
			continue
		}
		s := bookableService{ID: svc.ID, Name: svc.Name, Field: svc.Field, Dates: []string{}}
		for d := 0; d <= b.DaysAhead; d++ {
			day := now.AddDate(0, 0, d)
			if h.Site.Calendar().IsWorkingDay(day) {
				s.Dates = append(s.Dates, h.Site.Day(day))
			}
		}
		out = append(out, s)
	}
	web.JSON(w, http.StatusOK, out)
}

// Availability handles GET /api/v1/appointments/availability?service_id=&date=.
func (h *Handler) Availability(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	id, err := strconv.ParseInt(q.Get("service_id"), 10, 64)
	if err != nil {
		web.Error(w, r, &motcua.Error{Code: motcua.EValidation, Message: "Chọn dịch vụ (service_id). / Choose a service (service_id).",
			Fields: map[string]string{"service_id": "required, a number"}})
		return
	}
	date := q.Get("date")
	slots, err := h.Appointments.Availability(r.Context(), id, date)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, map[string]any{"date": date, "service_id": id, "slots": slots})
}

// booked is the answer to a booking.
type booked struct {
	Code      string      `json:"code"`
	Token     string      `json:"token"`
	ServiceID int64       `json:"service_id"`
	Date      string      `json:"date"`
	Slot      motcua.Slot `json:"slot"`
	QRURL     string      `json:"qr_url"`
	ManageURL string      `json:"manage_url"`
}

// Book handles POST /api/v1/appointments.
func (h *Handler) Book(w http.ResponseWriter, r *http.Request) {
	if !h.allow(w, r) {
		return
	}
	var req motcua.BookingRequest
	if err := web.Decode(w, r, &req); err != nil {
		web.Error(w, r, err)
		return
	}
	a, err := h.Appointments.Book(r.Context(), req)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, booked{Code: a.Code, Token: a.Token, ServiceID: a.ServiceID, Date: a.Day,
		Slot: motcua.Slot{From: a.SlotFrom, To: a.SlotTo}, QRURL: h.Clients.URL(r, "/api/v1/appointments/"+a.Token+"/qr.png"),
		ManageURL: h.manageURL(r, a.Token)})
}

func (h *Handler) manageURL(r *http.Request, token string) string {
	return h.Clients.URL(r, "/book/"+token)
}

func (h *Handler) appointment(r *http.Request) (motcua.Appointment, error) {
	tok := chi.URLParam(r, "token")
	if !tokenPattern.MatchString(tok) {
		return motcua.Appointment{}, motcua.Errorf(motcua.ENotFound, "Không tìm thấy lịch hẹn. / Booking not found.")
	}
	return h.Appointments.ByToken(r.Context(), tok)
}

// Get handles GET /api/v1/appointments/{token}.
func (h *Handler) Get(w http.ResponseWriter, r *http.Request) {
	a, err := h.appointment(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	v, err := h.Appointments.View(r.Context(), a)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	v.QRURL = h.Clients.URL(r, "/api/v1/appointments/"+a.Token+"/qr.png")
	v.ManageURL = h.manageURL(r, a.Token)
	if v.TicketToken != "" {
		v.TrackURL = h.Clients.URL(r, "/t/"+v.TicketToken)
	}
	w.Header().Set("Cache-Control", "no-store")
	web.JSON(w, http.StatusOK, v)
}

// Cancel handles DELETE /api/v1/appointments/{token}.
func (h *Handler) Cancel(w http.ResponseWriter, r *http.Request) {
	if !h.allow(w, r) {
		return
	}
	tok := chi.URLParam(r, "token")
	if !tokenPattern.MatchString(tok) {
		web.Error(w, r, motcua.Errorf(motcua.ENotFound, "Không tìm thấy lịch hẹn. / Booking not found."))
		return
	}
	if err := h.Appointments.Cancel(r.Context(), tok); err != nil {
		web.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// QRPNG handles GET /api/v1/appointments/{token}/qr.png: the QR holds the
// manage URL, which a phone opens and the kiosk's scanner types.
func (h *Handler) QRPNG(w http.ResponseWriter, r *http.Request) {
	a, err := h.appointment(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	img, err := qrcode.Encode(h.manageURL(r, a.Token), qrcode.Medium, 256)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "private, max-age=86400")
	w.Write(img)
}

type checkInRequest struct {
	Code string `json:"code"`
}

// CheckIn handles POST /api/v1/appointments/check-in: the kiosk sends the
// typed code or the scanned QR text; the answer is the ticket, to print.
func (h *Handler) CheckIn(w http.ResponseWriter, r *http.Request) {
	if !h.allow(w, r) {
		return
	}
	var req checkInRequest
	if err := web.Decode(w, r, &req); err != nil {
		web.Error(w, r, err)
		return
	}
	tk, err := h.Appointments.CheckIn(r.Context(), req.Code)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	v, err := h.Tickets.TicketView(r.Context(), tk)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	v.TrackURL = h.Clients.URL(r, "/t/"+v.Token)
	v.QRURL = h.Clients.URL(r, "/api/v1/tickets/"+v.Token+"/qr.png")
	v.SVGURL = h.Clients.URL(r, "/api/v1/tickets/"+v.Token+"/qr.svg")
	web.JSON(w, http.StatusCreated, v)
}

// Page handles GET /book: choose a service, a day and a slot.
func (h *Handler) Page(w http.ResponseWriter, r *http.Request) { web.Page(h.Static, "book.html")(w, r) }

// ManagePage handles GET /book/{token}: see or cancel a booking.
func (h *Handler) ManagePage(w http.ResponseWriter, r *http.Request) {
	if _, err := h.appointment(r); err != nil {
		web.Error(w, r, err)
		return
	}
	web.Page(h.Static, "book.html")(w, r)
}

// Limits of bookings per client address (see Handler.Booking).
const (
	BookEvery = 20 * time.Second
	BookBurst = 6
)
