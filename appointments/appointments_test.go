package appointments_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/hub"
	"github.com/motcua/motcua/hub/hubtest"
	"github.com/motcua/motcua/store/storetest"
)

// bookingHall is the test hall with fields and online numbers: TP and DD
// from 08:00 to 11:00 in 30-minute slots of 2 places, half the day online
// (6 of 12 places), check-in from 30 minutes before to 15 after the slot;
// Hà Nội's fair use: 2 a day per person, 1 per field.
func bookingHall() motcua.Hall {
	h := hubtest.TestHall(motcua.QueuePolicy{})
	h.Services[0].Field = "Hộ tịch"
	h.Services[1].Field = "Đất đai"
	h.Services[2].Field = "Đất đai"
	rule := func(code string) motcua.ServiceBooking {
		return motcua.ServiceBooking{Service: code, DaysAhead: 6, SlotMinutes: 30, SlotCapacity: 2, OnlineShare: 50,
			CheckInBefore: 30, CheckInAfter: 15, Hours: []motcua.Session{{From: "08:00", To: "11:00"}}}
	}
	h.Booking = motcua.BookingPolicy{PerPersonDaily: 2, PerPersonField: 1,
		Services: []motcua.ServiceBooking{rule("TP"), rule("DD"), rule("KD")}}
	return h
}

const monday = "2026-11-30" // the test clock starts on Friday 27/11/2026 09:00

func idNumber(i int) string { return fmt.Sprintf("0010890%05d", i) }

func book(e *hubtest.Env, service int64, date, slot string, person int) (motcua.Appointment, error) {
	return e.Hub.Appointments.Book(context.Background(), motcua.BookingRequest{ServiceID: service, Date: date, SlotFrom: slot,
		IDNumber: idNumber(person), Phone: "0912 345 678"})
}

func mustBook(t *testing.T, e *hubtest.Env, service int64, date, slot string, person int) motcua.Appointment {
	t.Helper()
	a, err := book(e, service, date, slot, person)
	if err != nil {
		t.Fatalf("book service %d %s %s for person %d: %v", service, date, slot, person, err)
	}
	return a
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := motcua.ErrorCode(err); got != code {
		t.Errorf("%s: got error %v (code %q), want code %q", what, err, got, code)
	}
}

func free(t *testing.T, e *hubtest.Env, service int64, date string) string {
	t.Helper()
	slots, err := e.Hub.Appointments.Availability(context.Background(), service, date)
	if err != nil {
		t.Fatalf("availability %d %s: %v", service, date, err)
	}
	var parts []string
	for _, s := range slots {
		parts = append(parts, fmt.Sprintf("%s=%d", s.From, s.Free))
	}
	return strings.Join(parts, " ")
}

func TestAvailabilityCapacityAndOnlineShare(t *testing.T) {
	hubtest.ForEachDialect(t, func(t *testing.T, dsn func(testing.TB) string) {
		e := hubtest.New(t, dsn(t), bookingHall())
		if got, want := free(t, e, 1, monday), "08:00=2 08:30=2 09:00=2 09:30=2 10:00=2 10:30=2"; got != want {
			t.Errorf("Monday before any booking: got %s, want %s", got, want)
		}
		// Today at 09:00: the slots that have started are full.
		if got, want := free(t, e, 1, "2026-11-27"), "08:00=0 08:30=0 09:00=0 09:30=2 10:00=2 10:30=2"; got != want {
			t.Errorf("today at 09:00: got %s, want %s", got, want)
		}
		var booked []motcua.Appointment
		for i, slot := range []string{"08:00", "08:00", "08:30", "08:30"} {
			booked = append(booked, mustBook(t, e, 1, monday, slot, i))
		}
		_, err := book(e, 1, monday, "08:00", 10)
		wantCode(t, "a third booking of a 2-place slot", err, motcua.EConflict)
		if got, want := free(t, e, 1, monday), "08:00=0 08:30=0 09:00=2 09:30=2 10:00=2 10:30=2"; got != want {
			t.Errorf("Monday after 4 bookings: got %s, want %s", got, want)
		}
		mustBook(t, e, 1, monday, "09:00", 4)
		// The fifth place leaves one of the day's online share (6 of 12).
		if got, want := free(t, e, 1, monday), "08:00=0 08:30=0 09:00=1 09:30=1 10:00=1 10:30=1"; got != want {
			t.Errorf("Monday after 5 bookings: got %s, want %s", got, want)
		}
		mustBook(t, e, 1, monday, "10:30", 5)
		_, err = book(e, 1, monday, "09:30", 6)
		wantCode(t, "a booking over the day's online share", err, motcua.EConflict)
		if got, want := free(t, e, 1, monday), "08:00=0 08:30=0 09:00=0 09:30=0 10:00=0 10:30=0"; got != want {
			t.Errorf("Monday at the online share: got %s, want %s", got, want)
		}
		// Cancelling frees the slot, once.
		if err := e.Hub.Appointments.Cancel(context.Background(), booked[0].Token); err != nil {
			t.Fatalf("cancel: %v", err)
		}
		wantCode(t, "a second cancel", e.Hub.Appointments.Cancel(context.Background(), booked[0].Token), motcua.EConflict)
		if got, want := free(t, e, 1, monday), "08:00=1 08:30=0 09:00=1 09:30=1 10:00=1 10:30=1"; got != want {
			t.Errorf("Monday after a cancel: got %s, want %s", got, want)
		}
		mustBook(t, e, 1, monday, "08:00", 6)

		// Days that cannot be booked.
		for _, c := range []struct{ date, why string }{
			{"2026-11-28", "a Saturday"},
			{"2026-12-04", "today + 7"},
			{"2026-11-26", "yesterday"},
		} {
			_, err := book(e, 1, c.date, "09:30", 20)
			wantCode(t, c.why, err, motcua.EConflict)
		}
		_, err = book(e, 1, "2026-12-03", "09:30", 20) // today + 6, a Thursday
		if err != nil {
			t.Errorf("book today + 6: %v", err)
		}
	})
}

func TestBookingRefusesBadFieldsWithoutWriting(t *testing.T) {
	e := hubtest.New(t, storetest.SQLiteDSN(t), bookingHall())
	cases := []struct {
		req   motcua.BookingRequest
		field string
	}{
		{motcua.BookingRequest{ServiceID: 1, Date: monday, SlotFrom: "09:00", IDNumber: "12345", Phone: "0912345678"}, "id_number"},
		{motcua.BookingRequest{ServiceID: 1, Date: monday, SlotFrom: "09:00", IDNumber: idNumber(1), Phone: "12"}, "phone"},
		{motcua.BookingRequest{ServiceID: 1, Date: "30/11/2026", SlotFrom: "09:00", IDNumber: idNumber(1), Phone: "0912345678"}, "date"},
		{motcua.BookingRequest{ServiceID: 1, Date: monday, SlotFrom: "9h", IDNumber: idNumber(1), Phone: "0912345678"}, "slot_from"},
		{motcua.BookingRequest{ServiceID: 1, Date: monday, SlotFrom: "09:10", IDNumber: idNumber(1), Phone: "0912345678"}, "slot_from"},
	}
	for _, c := range cases {
		_, err := e.Hub.Appointments.Book(context.Background(), c.req)
		var me *motcua.Error
		if motcua.ErrorCode(err) != motcua.EValidation || !asError(err, &me) || me.Fields[c.field] == "" {
			t.Errorf("book %+v: got %v, want a 422 naming %s", c.req, err, c.field)
		}
	}
	if got := free(t, e, 1, monday); got != "08:00=2 08:30=2 09:00=2 09:30=2 10:00=2 10:30=2" {
		t.Errorf("after refused bookings: got %s, want every place free", got)
	}
}

func TestPerPersonDailyAndFieldLimitsAcrossServices(t *testing.T) {
	e := hubtest.New(t, storetest.SQLiteDSN(t), bookingHall())
	tp := mustBook(t, e, 1, monday, "08:00", 1) // Hộ tịch
	_, err := book(e, 1, monday, "09:00", 1)
	wantCode(t, "a second booking in the same field (same service)", err, motcua.EConflict)
	mustBook(t, e, 2, monday, "08:00", 1) // Đất đai
	_, err = book(e, 3, monday, "10:00", 1)
	wantCode(t, "a third booking the same day (and a second in Đất đai)", err, motcua.EConflict)
	// Another day, another person: fine.
	mustBook(t, e, 3, "2026-12-01", "10:00", 1)
	mustBook(t, e, 1, monday, "09:00", 2)
	// A cancelled booking no longer counts.
	if err := e.Hub.Appointments.Cancel(context.Background(), tp.Token); err != nil {
		t.Fatal(err)
	}
	mustBook(t, e, 1, monday, "10:00", 1)

	// The daily limit alone, across three fields.
	h := bookingHall()
	h.Booking.PerPersonField = 0
	e2 := hubtest.New(t, storetest.SQLiteDSN(t), h)
	mustBook(t, e2, 1, monday, "08:00", 1)
	mustBook(t, e2, 2, monday, "08:00", 1)
	_, err = book(e2, 3, monday, "08:00", 1)
	wantCode(t, "a third booking of the day", err, motcua.EConflict)
}

func TestCheckInWindowAndStatuses(t *testing.T) {
	hubtest.ForEachDialect(t, func(t *testing.T, dsn func(testing.TB) string) {
		ctx := context.Background()
		e := hubtest.New(t, dsn(t), bookingHall())
		today := "2026-11-27" // 09:00 now
		a := mustBook(t, e, 1, today, "10:00", 1)
		late := mustBook(t, e, 2, today, "09:30", 1)
		other := mustBook(t, e, 1, monday, "10:00", 2)

		_, err := e.Hub.Appointments.CheckIn(ctx, a.Code)
		wantCode(t, "check-in 60 minutes before the slot (window opens 30 before)", err, motcua.EConflict)
		_, err = e.Hub.Appointments.CheckIn(ctx, other.Code)
		wantCode(t, "check-in on another day", err, motcua.EConflict)
		_, err = e.Hub.Appointments.CheckIn(ctx, "ZZZZZZZZ")
		wantCode(t, "an unknown code", err, motcua.ENotFound)
		_, err = e.Hub.Appointments.CheckIn(ctx, "AB")
		wantCode(t, "a code too short", err, motcua.EValidation)

		e.Clock.Set(time.Date(2026, 11, 27, 9, 46, 0, 0, hubtest.Hanoi))
		_, err = e.Hub.Appointments.CheckIn(ctx, late.Code)
		wantCode(t, "check-in 16 minutes after the slot (window closes 15 after)", err, motcua.EConflict)

		// The scanned QR text (the manage URL) checks in like the code.
		tk, err := e.Hub.Appointments.CheckIn(ctx, "http://hall.example/book/"+a.Token)
		if err != nil {
			t.Fatalf("check-in 14 minutes before the slot: %v", err)
		}
		if !tk.Appointment || tk.Status != motcua.TicketWaiting || tk.Number != "1001" {
			t.Errorf("check-in ticket: got %+v, want waiting booked ticket 1001", tk)
		}
		if want := time.Date(2026, 11, 27, 10, 0, 0, 0, hubtest.Hanoi); !tk.QueuedAt.Equal(want) {
			t.Errorf("ticket's place in line: got %v, want the slot's start %v", tk.QueuedAt, want)
		}
		_, err = e.Hub.Appointments.CheckIn(ctx, strings.ToLower(a.Code))
		wantCode(t, "a second check-in", err, motcua.EConflict)
		got, err := e.Hub.Appointments.ByToken(ctx, a.Token)
		if err != nil || got.Status != motcua.AppointmentCheckedIn || got.TicketID == nil || *got.TicketID != tk.ID || got.Phone != "" {
			t.Errorf("booking after check-in: got %+v, %v; want checked_in with the ticket and no phone", got, err)
		}
		wantCode(t, "cancel after check-in", e.Hub.Appointments.Cancel(ctx, a.Token), motcua.EConflict)

		// The sweep expires the late one, once; it frees nothing.
		before := free(t, e, 2, today)
		n, err := e.Hub.Appointments.Sweep(ctx)
		if err != nil || n != 1 {
			t.Errorf("sweep: got %d, %v; want 1 expired", n, err)
		}
		if n, _ := e.Hub.Appointments.Sweep(ctx); n != 0 {
			t.Errorf("second sweep: got %d expired, want 0", n)
		}
		exp, _ := e.Hub.Appointments.ByToken(ctx, late.Token)
		if exp.Status != motcua.AppointmentExpired || exp.Phone != "" {
			t.Errorf("late booking after the sweep: got status %s phone %q, want expired and no phone", exp.Status, exp.Phone)
		}
		if after := free(t, e, 2, today); after != before {
			t.Errorf("availability after expiry: got %s, want unchanged %s", after, before)
		}
		_, err = e.Hub.Appointments.CheckIn(ctx, late.Code)
		wantCode(t, "check-in of an expired booking", err, motcua.EConflict)
		wantCode(t, "cancel of an expired booking", e.Hub.Appointments.Cancel(ctx, late.Token), motcua.EConflict)
		// The expired booking still counts for the person's day.
		_, err = book(e, 3, today, "10:30", 1)
		wantCode(t, "a third booking after an expired one", err, motcua.EConflict)
	})
}

// TestIDNumberNeverStoredInClear reads every text column of every table
// after bookings, a check-in, a cancel and an expiry.
func TestIDNumberNeverStoredInClear(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.SQLiteDSN(t)
	e := hubtest.New(t, dsn, bookingHall())
	id := "079203004567"
	phone := "0987654321"
	var tokens []string
	for i, slot := range []string{"09:30", "10:00", "10:30"} {
		svc := int64(i + 1)
		person := id
		if i == 2 {
			person = "079203004568"
		}
		a, err := e.Hub.Appointments.Book(ctx, motcua.BookingRequest{ServiceID: svc, Date: "2026-11-27", SlotFrom: slot, IDNumber: person, Phone: phone})
		if err != nil {
			t.Fatalf("book: %v", err)
		}
		tokens = append(tokens, a.Token)
	}
	e.Clock.Set(time.Date(2026, 11, 27, 9, 20, 0, 0, hubtest.Hanoi))
	a, _ := e.Hub.Appointments.ByToken(ctx, tokens[0])
	if _, err := e.Hub.Appointments.CheckIn(ctx, a.Code); err != nil {
		t.Fatalf("check in: %v", err)
	}
	if err := e.Hub.Appointments.Cancel(ctx, tokens[1]); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dump := dumpTables(t, db)
	if strings.Contains(dump, id) || strings.Contains(dump, "079203004568") {
		t.Errorf("an ID number is stored in clear")
	}
	if !strings.Contains(dump, a.Code) {
		t.Fatalf("the dump does not hold the booking's code %s: the appointments table was not read", a.Code)
	}
	// The open booking keeps its phone; the ended ones do not.
	if got := strings.Count(dump, phone); got != 1 {
		t.Errorf("phone stored %d times, want once (the open booking only)", got)
	}
	e.Clock.Set(time.Date(2026, 11, 27, 10, 46, 0, 0, hubtest.Hanoi))
	if n, err := e.Hub.Appointments.Sweep(ctx); err != nil || n != 1 {
		t.Fatalf("sweep: %d, %v", n, err)
	}
	if dump := dumpTables(t, db); strings.Contains(dump, phone) {
		t.Errorf("phone still stored after every booking ended")
	}
}

// dumpTables concatenates every value of every table as text.
func dumpTables(t *testing.T, db *sql.DB) string {
	t.Helper()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	var b strings.Builder
	for _, table := range tables {
		r, err := db.Query(`SELECT * FROM "` + table + `"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := r.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for r.Next() {
			if err := r.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				fmt.Fprintf(&b, "%s|", v)
			}
			b.WriteString("\n")
		}
		r.Close()
	}
	return b.String()
}

func asError(err error, target **motcua.Error) bool { return errors.As(err, target) }

// TestHubExpiresNoShows: the hub's background work (every minute, here
// every 20 ms) expires a booking once its window has closed by the hub's clock.
func TestHubExpiresNoShows(t *testing.T) {
	ctx := context.Background()
	e := hubtest.OpenWith(t, storetest.SQLiteDSN(t), hubtest.WeekdayMorning, func(c *hub.Config) {
		c.Hall = bookingHall()
		c.OverdueCheckEvery = 20 * time.Millisecond
	})
	a := mustBook(t, e, 1, "2026-11-27", "09:30", 1)
	e.Clock.Set(time.Date(2026, 11, 27, 9, 46, 0, 0, hubtest.Hanoi)) // the window closed at 09:45
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := e.Hub.Appointments.ByToken(ctx, a.Token)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status == motcua.AppointmentExpired {
			if got.Phone != "" {
				t.Errorf("expired booking keeps its phone %q", got.Phone)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("booking still %s 10 s after its window closed, want expired by the hub", got.Status)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
