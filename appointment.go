package motcua

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// Online numbers (đặt số trực tuyến): a citizen books a slot of a service
// from the phone, gets a QR code and a short code, and checks in at the
// kiosk inside a window around the slot; the check-in gives a normal ticket
// that joins the queue by the hall's merge policy (BookingMerge).

// AppointmentStatus is where a booking is.
type AppointmentStatus string

const (
	AppointmentBooked    AppointmentStatus = "booked"
	AppointmentCheckedIn AppointmentStatus = "checked_in"
	AppointmentCancelled AppointmentStatus = "cancelled"
	// AppointmentExpired: the check-in window closed without a check-in (a
	// no-show). The slot has passed, so an expired booking frees nothing; it
	// still counts against the person's limits for that day.
	AppointmentExpired AppointmentStatus = "expired"
)

// Appointment is one booking. The citizen's ID number is never stored: only
// its keyed hash (IDHash, see HashIDNumber), enough to enforce the per-person
// limits. The phone is kept while the booking is open (for the booked
// notice and the reminder) and erased when it ends.
type Appointment struct {
	ID        int64             `db:"id"`
	Code      string            `db:"code"`  // typed at the kiosk
	Token     string            `db:"token"` // the manage page and the QR
	ServiceID int64             `db:"service_id"`
	Day       string            `db:"day"`       // branch-local YYYY-MM-DD
	SlotFrom  string            `db:"slot_from"` // "HH:MM"
	SlotTo    string            `db:"slot_to"`
	SlotStart time.Time         `db:"slot_start"`
	Field     string            `db:"field"` // the service's field when booked (per-field limit)
	Status    AppointmentStatus `db:"status"`
	IDHash    string            `db:"id_hash"`
	Phone     string            `db:"phone"`
	BookedAt  time.Time         `db:"booked_at"`
	EndedAt   *time.Time        `db:"ended_at"` // checked in, cancelled or expired
	TicketID  *int64            `db:"ticket_id"`
}

// Slot is one bookable span of a day, "HH:MM" to "HH:MM", and its free places.
type Slot struct {
	From string `json:"from"`
	To   string `json:"to"`
	Free int    `json:"free"`
}

// AppointmentView is a booking as its citizen sees it (the API and the
// manage page): never the ID number or the phone.
type AppointmentView struct {
	Code        string            `json:"code"`
	Token       string            `json:"token"`
	ServiceID   int64             `json:"service_id"`
	ServiceName string            `json:"service_name"`
	Date        string            `json:"date"`
	Slot        Slot              `json:"slot"`
	Status      AppointmentStatus `json:"status"`
	CheckInFrom time.Time         `json:"check_in_from"`
	CheckInTo   time.Time         `json:"check_in_to"`
	// TrackURL follows the ticket the check-in gave (empty before).
	TrackURL  string `json:"track_url,omitempty"`
	QRURL     string `json:"qr_url,omitempty"`
	ManageURL string `json:"manage_url,omitempty"`
	// TicketToken is the token of the ticket the check-in gave.
	TicketToken string `json:"-"`
}

// BookingRequest is what the booking page sends.
type BookingRequest struct {
	ServiceID int64  `json:"service_id"`
	Date      string `json:"date"`
	SlotFrom  string `json:"slot_from"`
	IDNumber  string `json:"id_number"`
	Phone     string `json:"phone"`
}

// BookingPolicy is the hall's rules for online numbers ("booking" in the
// hall description). Services without an entry in Services take no bookings.
type BookingPolicy struct {
	// PerPersonDaily: bookings one person (one ID number) may hold for one
	// day, across services; 0: no limit.
	PerPersonDaily int `json:"per_person_daily" yaml:"per_person_daily"`
	// PerPersonField: bookings one person may hold for one day in services
	// of one field; 0: no limit.
	PerPersonField int `json:"per_person_field" yaml:"per_person_field"`
	// ReminderMinutes: the reminder notice leaves this long before the slot; 0: none.
	ReminderMinutes int              `json:"reminder_minutes" yaml:"reminder_minutes"`
	Merge           BookingMerge     `json:"merge" yaml:"merge"`
	Services        []ServiceBooking `json:"services" yaml:"services"`
}

// Merge policies: where a checked-in booking joins the queue.
const (
	// JoinSlot: the ticket takes its place in line at its slot's start (a
	// citizen who checks in early waits behind those who came before the
	// slot, and ahead of those who came after it).
	JoinSlot = "slot"
	// JoinCheckIn: the ticket takes its place when it checks in, like a walk-in.
	JoinCheckIn = "check_in"
)

// BookingMerge is how checked-in bookings merge with walk-ins at call-next.
type BookingMerge struct {
	// Join is JoinSlot (default) or JoinCheckIn.
	Join string `json:"join" yaml:"join"`
	// ServeWithinMinutes bounds the wait of a booking after its place in
	// line: a booking waiting longer goes ahead of everyone (priority
	// citizens included) at the next call. 0: no bound.
	ServeWithinMinutes int `json:"serve_within_minutes" yaml:"serve_within_minutes"`
	// MaxInRow: a counter takes at most this many overdue bookings in a row
	// ahead of the line; then one ticket of the ordinary order (priority
	// or walk-in) goes, so neither is starved. Default 2.
	MaxInRow int `json:"max_in_row" yaml:"max_in_row"`
}

// ServiceBooking is how one service takes online numbers.
type ServiceBooking struct {
	Service string `json:"service" yaml:"service"` // service code
	// DaysAhead: bookable from today to today + DaysAhead (working days only).
	DaysAhead    int `json:"days_ahead" yaml:"days_ahead"`
	SlotMinutes  int `json:"slot_minutes" yaml:"slot_minutes"`
	SlotCapacity int `json:"slot_capacity" yaml:"slot_capacity"`
	// OnlineShare: percent of the day's capacity (the service's daily cap,
	// or every slot's capacity when it has none) that online numbers may take.
	OnlineShare int `json:"online_share" yaml:"online_share"`
	// CheckInBefore/CheckInAfter: the check-in window opens this many
	// minutes before the slot starts and closes this many after.
	CheckInBefore int `json:"check_in_before" yaml:"check_in_before"`
	CheckInAfter  int `json:"check_in_after" yaml:"check_in_after"`
	// Hours the slots fill; empty: the service's opening hours.
	Hours []Session `json:"hours" yaml:"hours"`
}

// For returns the booking rules of a service code.
func (p BookingPolicy) For(code string) (ServiceBooking, bool) {
	for _, s := range p.Services {
		if s.Service == code {
			return s, true
		}
	}
	return ServiceBooking{}, false
}

// SlotTimes lists a day's slots ("HH:MM" spans) inside hours, each
// SlotMinutes long; a slot that would run past a session's end is left out.
func (b ServiceBooking) SlotTimes(hours []Session) []Slot {
	if len(b.Hours) > 0 {
		hours = b.Hours
	}
	if b.SlotMinutes <= 0 {
		return nil
	}
	var out []Slot
	for _, s := range hours {
		from, err1 := minutesOf(s.From)
		to, err2 := minutesOf(s.To)
		if err1 != nil || err2 != nil {
			continue
		}
		for m := from; m+b.SlotMinutes <= to; m += b.SlotMinutes {
			out = append(out, Slot{From: clockOf(m), To: clockOf(m + b.SlotMinutes), Free: b.SlotCapacity})
		}
	}
	return out
}

// OnlineQuota is how many online numbers a day may take: OnlineShare percent
// of the day's capacity (dailyCap when set, else every slot full).
func (b ServiceBooking) OnlineQuota(dailyCap, slots int) int {
	capacity := dailyCap
	if capacity <= 0 {
		capacity = slots * b.SlotCapacity
	}
	return capacity * b.OnlineShare / 100
}

// CheckInWindow is when a booking may check in.
func (b ServiceBooking) CheckInWindow(slotStart time.Time) (from, to time.Time) {
	return slotStart.Add(-time.Duration(b.CheckInBefore) * time.Minute), slotStart.Add(time.Duration(b.CheckInAfter) * time.Minute)
}

// CheckPersonLimits applies the per-person limits to a new booking in field,
// given the person's bookings that count (not cancelled) for that day.
func (p BookingPolicy) CheckPersonLimits(held []Appointment, field string) error {
	if p.PerPersonDaily > 0 && len(held) >= p.PerPersonDaily {
		return Errorf(EConflict, "Mỗi người được đặt tối đa %d số trong một ngày. / One person may book at most %d numbers a day.",
			p.PerPersonDaily, p.PerPersonDaily)
	}
	if p.PerPersonField > 0 {
		n := 0
		for _, a := range held {
			if a.Field == field {
				n++
			}
		}
		if n >= p.PerPersonField {
			return Errorf(EConflict, "Mỗi người được đặt tối đa %d số cho mỗi lĩnh vực trong một ngày. / One person may book at most %d numbers per field a day.",
				p.PerPersonField, p.PerPersonField)
		}
	}
	return nil
}

// HashIDNumber is the keyed hash of a citizen ID number stored with a
// booking: HMAC-SHA256 under the hub's booking key. Without the key the
// hash cannot be tested against the 10^12 possible numbers.
func HashIDNumber(key []byte, idNumber string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(strings.TrimSpace(idNumber)))
	return hex.EncodeToString(m.Sum(nil))
}

// ValidPhone reports a Vietnamese phone number: 10 digits starting with 0,
// or +84 and 9 digits (spaces and dots allowed).
func ValidPhone(s string) bool {
	s = NormalizePhone(s)
	return len(s) == 10 && s[0] == '0' && allDigits(s)
}

// NormalizePhone drops spaces, dots and dashes and writes +84 as 0.
func NormalizePhone(s string) string {
	s = strings.NewReplacer(" ", "", ".", "", "-", "").Replace(strings.TrimSpace(s))
	if strings.HasPrefix(s, "+84") {
		s = "0" + s[3:]
	}
	return s
}

func minutesOf(hm string) (int, error) {
	t, err := time.Parse("15:04", hm)
	if err != nil {
		return 0, err
	}
	return t.Hour()*60 + t.Minute(), nil
}

func clockOf(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }
