package notify_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/hub"
	"github.com/motcua/motcua/hub/hubtest"
	"github.com/motcua/motcua/store/storetest"
)

// A booking's notices: "booked" at once, the reminder an hour before the
// slot by the hub's clock, the phone in them only while the booking is open,
// never the ID number; a cancelled booking's reminder never leaves.
func TestBookingNoticesAndReminder(t *testing.T) {
	rcv := &receiver{}
	srv := httptest.NewServer(rcv)
	t.Cleanup(srv.Close)
	e := openWith(t, storetest.SQLiteDSN(t), weekdayMorning, func(c *hub.Config) {
		withWebhook(srv.URL)(c)
		c.Hall.Booking = motcua.BookingPolicy{ReminderMinutes: 60, Services: []motcua.ServiceBooking{{Service: "TP", DaysAhead: 6,
			SlotMinutes: 30, SlotCapacity: 2, OnlineShare: 100, CheckInBefore: 30, CheckInAfter: 15,
			Hours: []motcua.Session{{From: "08:00", To: "11:00"}}}}}
	})
	ctx := context.Background()
	const id, phone = "001089054321", "0987654321"
	book := func(person, slot string) motcua.Appointment {
		t.Helper()
		a, err := e.Hub.Appointments.Book(ctx, motcua.BookingRequest{ServiceID: 1, Date: "2026-11-30", SlotFrom: slot, IDNumber: person, Phone: phone})
		if err != nil {
			t.Fatalf("book %s: %v", slot, err)
		}
		return a
	}
	deliver := func() []string {
		t.Helper()
		if _, err := e.Hub.Notify.Deliver(ctx); err != nil {
			t.Fatal(err)
		}
		var events []string
		for _, r := range rcv.all() {
			events = append(events, r.event)
			if strings.Contains(string(r.body), id) || strings.Contains(string(r.body), "001089054322") {
				t.Errorf("a notice carries the ID number: %s", r.body)
			}
		}
		return events
	}
	a := book(id, "10:00")
	cancelled := book("001089054322", "10:30")
	if got := strings.Join(deliver(), " "); got != "appointment.booked appointment.booked" {
		t.Fatalf("after two bookings: got %q, want two booked notices", got)
	}
	if body := string(rcv.all()[0].body); !strings.Contains(body, `"phone":"`+phone+`"`) || !strings.Contains(body, `"code":"`+a.Code+`"`) ||
		!strings.Contains(body, `"slot_from":"10:00"`) {
		t.Errorf("booked notice: got %s, want the code, the slot and the phone", body)
	}
	if err := e.Hub.Appointments.Cancel(ctx, cancelled.Token); err != nil {
		t.Fatal(err)
	}
	e.Clock.Set(time.Date(2026, 11, 30, 8, 59, 0, 0, hubtest.Hanoi))
	if got := len(deliver()); got != 2 {
		t.Errorf("at 08:59: got %d notices, want still 2 (the reminder leaves at 09:00)", got)
	}
	e.Clock.Set(time.Date(2026, 11, 30, 9, 0, 0, 0, hubtest.Hanoi))
	got := deliver()
	if strings.Join(got, " ") != "appointment.booked appointment.booked appointment.reminder" {
		t.Fatalf("at 09:00: got %v, want the one reminder of the booking still open", got)
	}
	if body := string(rcv.all()[2].body); !strings.Contains(body, a.Code) {
		t.Errorf("reminder: got %s, want booking %s", body, a.Code)
	}
	// The check-in ends the booking: its phone leaves the outbox too.
	e.Clock.Set(time.Date(2026, 11, 30, 9, 40, 0, 0, hubtest.Hanoi))
	if _, err := e.Hub.Appointments.CheckIn(ctx, a.Code); err != nil {
		t.Fatal(err)
	}
	list, err := e.Hub.Notify.Deliveries(ctx, 10)
	if err != nil || len(list) != 3 {
		t.Fatalf("deliveries: got %d, %v; want 3 (the cancelled booking's reminder withdrawn)", len(list), err)
	}
	for _, d := range list {
		if strings.Contains(d.Payload, phone) {
			t.Errorf("delivery %d still holds the phone after the booking ended: %s", d.ID, d.Payload)
		}
	}
}
