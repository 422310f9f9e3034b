// Package appointments is the service of online numbers: availability of a
// service's slots, booking under the quotas and the per-person limits,
// cancelling, the check-in at the kiosk that turns a booking into a ticket,
// and the sweep that expires bookings nobody checked in. Every change goes
// through the writer; the capacity and the limits are counted again inside
// the write, so concurrent bookings never take more places than there are.
package appointments

import (
	"context"
	"crypto/rand"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/store"
	"github.com/motcua/motcua/writer"
)

// Issuer writes the ticket of a check-in inside the check-in's write (the queue).
type Issuer interface {
	IssueBooked(tx *store.Tx, serviceID int64, now, queuedAt time.Time) (motcua.Ticket, error)
}

// Notifier queues a booking's notices in the webhook outbox (notify).
type Notifier interface {
	QueueBooking(tx *store.Tx, event string, a motcua.Appointment, serviceName string, now, at time.Time) error
	EndBooking(tx *store.Tx, a motcua.Appointment) error
}

// Notice events.
const (
	EventBooked   = "appointment.booked"
	EventReminder = "appointment.reminder"
)

// Config is what New needs.
type Config struct {
	Site     *motcua.Site
	Store    *store.Store
	Writer   *writer.Writer
	Issuer   Issuer
	Notifier Notifier // nil: no notices
	// Key keys the hash of ID numbers; it must stay the same across
	// restarts, or the per-person limits forget who booked.
	Key    []byte
	Logger *slog.Logger
}

// Service is the online numbers of a hall.
type Service struct {
	site   *motcua.Site
	store  *store.Store
	w      *writer.Writer
	issuer Issuer
	notify Notifier
	key    []byte
	log    *slog.Logger
}

// New makes the service.
func New(cfg Config) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{site: cfg.Site, store: cfg.Store, w: cfg.Writer, issuer: cfg.Issuer, notify: cfg.Notifier, key: cfg.Key, log: cfg.Logger}
}

// rules returns a bookable service and its rules.
func (s *Service) rules(serviceID int64) (motcua.Service, motcua.ServiceBooking, error) {
	svc, ok := s.site.Service(serviceID)
	if !ok {
		return svc, motcua.ServiceBooking{}, &motcua.Error{Code: motcua.ENotFound,
			Message: "Không có dịch vụ này. / There is no such service.", Fields: map[string]string{"service_id": "unknown service"}}
	}
	b, ok := s.site.ServiceBooking(serviceID)
	if !ok {
		return svc, b, &motcua.Error{Code: motcua.EValidation,
			Message: "Dịch vụ " + svc.Name + " không nhận đặt số trực tuyến. / " + svc.Name + " takes no online numbers.",
			Fields:  map[string]string{"service_id": "not bookable online"}}
	}
	return svc, b, nil
}

// day checks that date is a bookable day: a working day from today to
// today + DaysAhead. It returns the day's midnight in the branch's zone.
func (s *Service) day(b motcua.ServiceBooking, date string, now time.Time) (time.Time, error) {
	d, err := time.ParseInLocation(time.DateOnly, date, s.site.Location())
	if err != nil {
		return d, &motcua.Error{Code: motcua.EValidation, Message: "Ngày phải có dạng YYYY-MM-DD. / date must be YYYY-MM-DD.",
			Fields: map[string]string{"date": "YYYY-MM-DD"}}
	}
	today, _ := time.ParseInLocation(time.DateOnly, s.site.Day(now), s.site.Location())
	if d.Before(today) || d.After(today.AddDate(0, 0, b.DaysAhead)) {
		return d, motcua.Errorf(motcua.EConflict, "Chỉ đặt được số từ hôm nay đến %d ngày tới. / Numbers can be booked from today to %d days ahead.",
			b.DaysAhead, b.DaysAhead)
	}
	if !s.site.Calendar().IsWorkingDay(d.Add(12 * time.Hour)) {
		return d, motcua.Errorf(motcua.EConflict, "Ngày %s là ngày nghỉ, không nhận đặt số. / %s is not a working day.", date, date)
	}
	return d, nil
}

// slots lists the day's slots with their free places: a slot's capacity
// less its bookings, and never more than is left of the day's online quota;
// a slot that has started is full.
func (s *Service) slots(svc motcua.Service, b motcua.ServiceBooking, day time.Time, taken map[string]int, now time.Time) []motcua.Slot {
	all := b.SlotTimes(svc.Hours)
	used := 0
	for _, n := range taken {
		used += n
	}
	left := max(0, b.OnlineQuota(svc.DailyCap, len(all))-used)
	for i := range all {
		free := max(0, b.SlotCapacity-taken[all[i].From])
		if !slotStart(day, all[i].From).After(now) {
			free = 0
		}
		all[i].Free = min(free, left)
	}
	return all
}

func slotStart(day time.Time, hm string) time.Time {
	t, _ := time.Parse("15:04", hm)
	return time.Date(day.Year(), day.Month(), day.Day(), t.Hour(), t.Minute(), 0, 0, day.Location())
}

// Availability lists a service's slots of a day with their free places.
func (s *Service) Availability(ctx context.Context, serviceID int64, date string) ([]motcua.Slot, error) {
	svc, b, err := s.rules(serviceID)
	if err != nil {
		return nil, err
	}
	now := s.site.Now()
	day, err := s.day(b, date, now)
	if err != nil {
		return nil, err
	}
	taken, err := s.store.Appointments.SlotCounts(ctx, serviceID, date)
	if err != nil {
		return nil, err
	}
	return s.slots(svc, b, day, taken, now), nil
}

// checkRequest checks the fields of a booking, all at once.
func checkRequest(req *motcua.BookingRequest) error {
	fields := map[string]string{}
	if req.ServiceID <= 0 {
		fields["service_id"] = "chọn dịch vụ / choose a service"
	}
	if _, err := time.Parse(time.DateOnly, req.Date); err != nil {
		fields["date"] = "ngày dạng YYYY-MM-DD / a date as YYYY-MM-DD"
	}
	if _, err := time.Parse("15:04", req.SlotFrom); err != nil || len(req.SlotFrom) != 5 {
		fields["slot_from"] = "giờ dạng HH:MM / a time as HH:MM"
	}
	req.IDNumber = strings.TrimSpace(req.IDNumber)
	if !motcua.ValidIDNumber(req.IDNumber) {
		fields["id_number"] = "số định danh cá nhân gồm 12 chữ số / the personal ID number has 12 digits"
	}
	req.Phone = motcua.NormalizePhone(req.Phone)
	if !motcua.ValidPhone(req.Phone) {
		fields["phone"] = "số điện thoại 10 chữ số, bắt đầu bằng 0 / a 10-digit phone number starting with 0"
	}
	if len(fields) == 0 {
		return nil
	}
	return &motcua.Error{Code: motcua.EValidation, Message: "Thông tin đặt số chưa đúng. / Some booking details are wrong.", Fields: fields}
}

// Book books a slot. 409 when the slot or the day's online quota is full,
// the day is not bookable, or the person's limits are reached; 422 for bad fields.
func (s *Service) Book(ctx context.Context, req motcua.BookingRequest) (motcua.Appointment, error) {
	if err := checkRequest(&req); err != nil {
		return motcua.Appointment{}, err
	}
	if _, _, err := s.rules(req.ServiceID); err != nil {
		return motcua.Appointment{}, err
	}
	idHash := motcua.HashIDNumber(s.key, req.IDNumber)
	var a motcua.Appointment
	err := s.w.Write(ctx, func(tx *store.Tx) error {
		// Read again in the writer: the hall may have changed, and the
		// counts must be those of this moment in commit order.
		svc, b, err := s.rules(req.ServiceID)
		if err != nil {
			return err
		}
		now := s.site.Now()
		day, err := s.day(b, req.Date, now)
		if err != nil {
			return err
		}
		taken, err := tx.Appointments.SlotCounts(svc.ID, req.Date)
		if err != nil {
			return err
		}
		var slot *motcua.Slot
		for _, sl := range s.slots(svc, b, day, taken, now) {
			if sl.From == req.SlotFrom {
				slot = &sl
				break
			}
		}
		if slot == nil {
			return &motcua.Error{Code: motcua.EValidation, Message: "Không có khung giờ " + req.SlotFrom + " trong ngày này. / There is no slot at " + req.SlotFrom + " that day.",
				Fields: map[string]string{"slot_from": "not a slot of that day"}}
		}
		if slot.Free <= 0 {
			return motcua.Errorf(motcua.EConflict, "Khung giờ %s ngày %s đã hết chỗ. / The %s slot on %s is full.", req.SlotFrom, req.Date, req.SlotFrom, req.Date)
		}
		held, err := tx.Appointments.PersonHeld(idHash, req.Date)
		if err != nil {
			return err
		}
		if err := s.site.Booking().CheckPersonLimits(held, svc.Field); err != nil {
			return err
		}
		a = motcua.Appointment{Token: motcua.RandomToken(16), ServiceID: svc.ID, Day: req.Date, SlotFrom: slot.From, SlotTo: slot.To,
			SlotStart: slotStart(day, slot.From), Field: svc.Field, Status: motcua.AppointmentBooked, IDHash: idHash,
			Phone: req.Phone, BookedAt: now}
		if a.Code, err = drawCode(tx); err != nil {
			return err
		}
		if err := tx.Appointments.Insert(&a); err != nil {
			return err
		}
		if s.notify == nil {
			return nil
		}
		if err := s.notify.QueueBooking(tx, EventBooked, a, svc.Name, now, now); err != nil {
			return err
		}
		if m := s.site.Booking().ReminderMinutes; m > 0 {
			at := a.SlotStart.Add(-time.Duration(m) * time.Minute)
			if at.After(now) {
				return s.notify.QueueBooking(tx, EventReminder, a, svc.Name, now, at)
			}
		}
		return nil
	})
	return a, err
}

// codeAlphabet is the kiosk's short-code alphabet (no 0/O, 1/I/L); a
// booking code has 8 of them, a ticket's 6, so the two are never confused.
const codeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

func drawCode(tx *store.Tx) (string, error) {
	for range 8 {
		code := randomCode(8)
		taken, err := tx.Appointments.CodeTaken(code)
		if err != nil || !taken {
			return code, err
		}
	}
	return "", motcua.Errorf(motcua.EUnavailable, "Không tạo được mã, vui lòng thử lại. / Could not make a code; please try again.")
}

func randomCode(n int) string {
	out := make([]byte, 0, n)
	buf := make([]byte, 32)
	limit := byte(256 - 256%len(codeAlphabet))
	for len(out) < n {
		_, _ = rand.Read(buf) // crypto/rand never fails on supported platforms
		for _, c := range buf {
			if c < limit && len(out) < n {
				out = append(out, codeAlphabet[int(c)%len(codeAlphabet)])
			}
		}
	}
	return string(out)
}

// ByToken reads a booking by its manage token.
func (s *Service) ByToken(ctx context.Context, token string) (motcua.Appointment, error) {
	return s.store.Appointments.ByToken(ctx, token)
}

// View is a booking as its citizen sees it (no ID number, no phone).
func (s *Service) View(ctx context.Context, a motcua.Appointment) (motcua.AppointmentView, error) {
	svc, _ := s.site.Service(a.ServiceID)
	b, _ := s.site.ServiceBooking(a.ServiceID)
	from, to := b.CheckInWindow(a.SlotStart)
	loc := s.site.Location()
	v := motcua.AppointmentView{Code: a.Code, Token: a.Token, ServiceID: a.ServiceID, ServiceName: svc.Name, Date: a.Day,
		Slot: motcua.Slot{From: a.SlotFrom, To: a.SlotTo}, Status: a.Status, CheckInFrom: from.In(loc), CheckInTo: to.In(loc)}
	if a.TicketID != nil {
		tk, err := s.store.Tickets.Ticket(ctx, *a.TicketID)
		if err != nil {
			return v, err
		}
		v.TicketToken = tk.Token
	}
	return v, nil
}

// Cancel cancels a booking that is still booked: its place is free again.
func (s *Service) Cancel(ctx context.Context, token string) error {
	return s.w.Write(ctx, func(tx *store.Tx) error {
		a, err := tx.Appointments.ByToken(token)
		if err != nil {
			return err
		}
		if a.Status != motcua.AppointmentBooked {
			return motcua.Errorf(motcua.EConflict, "Lịch hẹn %s không còn hiệu lực (%s), không huỷ được. / Booking %s is %s and cannot be cancelled.",
				a.Code, a.Status, a.Code, a.Status)
		}
		return s.end(tx, a, motcua.AppointmentCancelled, s.site.Now())
	})
}

// end closes a booking: the phone is erased with its last status.
func (s *Service) end(tx *store.Tx, a motcua.Appointment, status motcua.AppointmentStatus, now time.Time) error {
	from := a.Status
	ended := a
	ended.Status, ended.EndedAt, ended.Phone = status, &now, ""
	if err := tx.Appointments.Update(ended, from); err != nil {
		return err
	}
	if s.notify != nil {
		return s.notify.EndBooking(tx, a)
	}
	return nil
}

// tokenInText finds a manage token at the end of a scanned URL (".../book/TOKEN").
var tokenInText = regexp.MustCompile(`/book/([A-Za-z0-9_-]{16,64})/?$`)

// CheckIn turns a booking into a ticket at the kiosk: text is the typed
// code or the scanned QR (the manage URL). 404 unknown; 409 another day,
// outside the check-in window, cancelled, expired or already checked in.
func (s *Service) CheckIn(ctx context.Context, text string) (motcua.Ticket, error) {
	text = strings.TrimSpace(text)
	var byToken, code string
	if m := tokenInText.FindStringSubmatch(text); m != nil {
		byToken = m[1]
	} else {
		code = strings.ToUpper(strings.ReplaceAll(text, " ", ""))
		if len(code) != 8 {
			return motcua.Ticket{}, &motcua.Error{Code: motcua.EValidation,
				Message: "Mã đặt số gồm 8 ký tự, hoặc quét mã QR. / The booking code has 8 characters, or scan the QR code.",
				Fields:  map[string]string{"code": "8 characters or the QR text"}}
		}
	}
	var tk motcua.Ticket
	err := s.w.Write(ctx, func(tx *store.Tx) error {
		var a motcua.Appointment
		var err error
		if byToken != "" {
			a, err = tx.Appointments.ByToken(byToken)
		} else {
			a, err = tx.Appointments.ByCode(code)
		}
		if motcua.ErrorCode(err) == motcua.ENotFound {
			return motcua.Errorf(motcua.ENotFound, "Không tìm thấy lịch hẹn với mã này. / No booking with this code.")
		}
		if err != nil {
			return err
		}
		now := s.site.Now()
		switch a.Status {
		case motcua.AppointmentCheckedIn:
			return motcua.Errorf(motcua.EConflict, "Lịch hẹn %s đã được lấy số rồi. / Booking %s has already checked in.", a.Code, a.Code)
		case motcua.AppointmentCancelled:
			return motcua.Errorf(motcua.EConflict, "Lịch hẹn %s đã bị huỷ. / Booking %s was cancelled.", a.Code, a.Code)
		case motcua.AppointmentExpired:
			return motcua.Errorf(motcua.EConflict, "Lịch hẹn %s đã hết hạn. Mời lấy số tại quầy. / Booking %s has expired; please take a number.", a.Code, a.Code)
		}
		if a.Day != s.site.Day(now) {
			return motcua.Errorf(motcua.EConflict, "Lịch hẹn %s là của ngày %s, không phải hôm nay. / Booking %s is for %s, not today.", a.Code, a.Day, a.Code, a.Day)
		}
		b, ok := s.site.ServiceBooking(a.ServiceID)
		if !ok {
			return motcua.Errorf(motcua.EConflict, "Dịch vụ này không còn nhận số đặt trước. / The service no longer takes booked numbers.")
		}
		from, to := b.CheckInWindow(a.SlotStart)
		loc := s.site.Location()
		if now.Before(from) {
			return motcua.Errorf(motcua.EConflict, "Chưa đến giờ lấy số: mời quay lại từ %s. / Too early: check in from %s.",
				from.In(loc).Format("15:04"), from.In(loc).Format("15:04"))
		}
		if now.After(to) {
			return motcua.Errorf(motcua.EConflict, "Đã quá giờ lấy số của lịch hẹn (đến %s). Mời lấy số tại quầy. / Too late: the check-in closed at %s; please take a number.",
				to.In(loc).Format("15:04"), to.In(loc).Format("15:04"))
		}
		queuedAt := now
		if s.site.Booking().Merge.Join != motcua.JoinCheckIn {
			queuedAt = a.SlotStart
		}
		if tk, err = s.issuer.IssueBooked(tx, a.ServiceID, now, queuedAt); err != nil {
			return err
		}
		a.TicketID = &tk.ID
		return s.end(tx, a, motcua.AppointmentCheckedIn, now)
	})
	return tk, err
}

// Sweep expires the bookings whose check-in window has closed (no-shows)
// and erases their phones; it returns how many. The hub runs it every minute.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	n := 0
	err := s.w.Write(ctx, func(tx *store.Tx) error {
		n = 0
		now := s.site.Now()
		open, err := tx.Appointments.BookedStartedBefore(now)
		if err != nil {
			return err
		}
		for _, a := range open {
			b, _ := s.site.ServiceBooking(a.ServiceID) // a service no longer bookable: its window is the slot's start
			if _, to := b.CheckInWindow(a.SlotStart); !now.After(to) {
				continue
			}
			if err := s.end(tx, a, motcua.AppointmentExpired, now); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}
