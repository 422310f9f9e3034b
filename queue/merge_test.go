package queue_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/store/storetest"
)

// morningScript is one scripted morning at service 1, called by counter 1:
// walk-ins (W), priority citizens (P) and bookings (A, B for the 09:30
// slot, C for 10:00). The clock is the hub's manual clock.
var morningScript = []struct {
	at   string
	what []string
}{
	{"09:00", []string{"W1", "W2", "W3"}},
	{"09:01", []string{"book A 09:30", "book B 09:30", "book C 10:00"}},
	{"09:25", []string{"in A", "in B"}},
	{"09:31", []string{"W4", "P1"}},
	{"09:35", []string{"call"}},
	{"09:36", []string{"call"}},
	{"09:41", []string{"P2"}},
	{"09:42", []string{"call"}},
	{"09:43", []string{"call"}},
	{"09:44", []string{"call"}},
	{"09:50", []string{"in C"}},
	{"09:55", []string{"W5"}},
	{"09:56", []string{"call", "call", "call", "call", "call"}},
}

// TestBookingMergePolicies plays the scripted morning under several merge
// policies and checks the order counter 1 calls.
func TestBookingMergePolicies(t *testing.T) {
	cases := []struct {
		name  string
		merge motcua.BookingMerge
		want  string
	}{
		// No bound: a booking waits in line from its slot's start.
		{"slot", motcua.BookingMerge{Join: motcua.JoinSlot}, "P1 W1 P2 W2 W3 A B W4 W5 C"},
		// Joining at check-in: C (in at 09:50) goes ahead of W5 (09:55).
		{"check_in", motcua.BookingMerge{Join: motcua.JoinCheckIn}, "P1 W1 P2 W2 W3 A B W4 C W5"},
		// Served within 10 minutes of the slot: A and B jump the line at
		// 09:42, one at a time, so P2 is not starved.
		{"slot-bound10-row1", motcua.BookingMerge{ServeWithinMinutes: 10, MaxInRow: 1}, "P1 W1 A P2 B W2 W3 W4 W5 C"},
		// Two jumps in a row allowed: P2 waits for both.
		{"slot-bound10-row2", motcua.BookingMerge{ServeWithinMinutes: 10, MaxInRow: 2}, "P1 W1 A B P2 W2 W3 W4 W5 C"},
		// MaxInRow left out takes the default, 2.
		{"slot-bound10-default", motcua.BookingMerge{ServeWithinMinutes: 10}, "P1 W1 A B P2 W2 W3 W4 W5 C"},
	}
	forEachDialect(t, func(t *testing.T, dsn func(testing.TB) string) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if got := playMorning(t, dsn(t), c.merge); got != c.want {
					t.Errorf("call order: got %s, want %s", got, c.want)
				}
			})
		}
	})
}

// playMorning plays morningScript under a merge policy and returns the
// labels of the tickets counter 1 called, in order.
func playMorning(t *testing.T, dsn string, merge motcua.BookingMerge) string {
	t.Helper()
	ctx := context.Background()
	h := testHall(motcua.QueuePolicy{Priority: motcua.PolicyStrict})
	h.Booking = motcua.BookingPolicy{Merge: merge, Services: []motcua.ServiceBooking{{Service: "TP", DaysAhead: 6,
		SlotMinutes: 30, SlotCapacity: 2, OnlineShare: 100, CheckInBefore: 30, CheckInAfter: 15,
		Hours: []motcua.Session{{From: "08:00", To: "11:00"}}}}}
	e := newEnv(t, dsn, h)
	label := map[int64]string{}
	codes := map[string]string{}
	var got []string
	for i, step := range morningScript {
		at, _ := time.ParseInLocation("2006-01-02 15:04", "2026-11-27 "+step.at, hanoi)
		e.Clock.Set(at)
		for j, what := range step.what {
			f := strings.Fields(what)
			switch f[0] {
			case "book":
				a, err := e.Hub.Appointments.Book(ctx, motcua.BookingRequest{ServiceID: 1, Date: "2026-11-27", SlotFrom: f[2],
					IDNumber: fmt.Sprintf("00108901%02d%02d", i, j), Phone: "0912345678"})
				if err != nil {
					t.Fatalf("%s %s: %v", step.at, what, err)
				}
				codes[f[1]] = a.Code
			case "in":
				tk, err := e.Hub.Appointments.CheckIn(ctx, codes[f[1]])
				if err != nil {
					t.Fatalf("%s %s: %v", step.at, what, err)
				}
				label[tk.ID] = f[1]
			case "call":
				got = append(got, label[e.CallNext(t, 1).ID])
			default:
				label[e.Issue(t, 1, f[0][0] == 'P').ID] = f[0]
			}
		}
	}
	return strings.Join(got, " ")
}

// TestDailyCapKeepsTheOnlineShare: with a daily cap of 10 and 40% online,
// walk-ins get 6 numbers; check-ins of bookings are not stopped by the cap
// and do not take walk-in numbers.
func TestDailyCapKeepsTheOnlineShare(t *testing.T) {
	ctx := context.Background()
	h := testHall(motcua.QueuePolicy{})
	h.Services[0].DailyCap = 10
	h.Booking = motcua.BookingPolicy{Services: []motcua.ServiceBooking{{Service: "TP", DaysAhead: 6,
		SlotMinutes: 30, SlotCapacity: 4, OnlineShare: 40, CheckInBefore: 30, CheckInAfter: 15,
		Hours: []motcua.Session{{From: "09:00", To: "11:00"}}}}}
	e := newEnv(t, storetest.SQLiteDSN(t), h)
	var codes []string
	for i := range 4 {
		a, err := e.Hub.Appointments.Book(ctx, motcua.BookingRequest{ServiceID: 1, Date: "2026-11-27", SlotFrom: "09:30",
			IDNumber: fmt.Sprintf("0010890000%02d", i), Phone: "0912345678"})
		if err != nil {
			t.Fatalf("booking %d: %v", i, err)
		}
		codes = append(codes, a.Code)
	}
	if _, err := e.Hub.Appointments.Book(ctx, motcua.BookingRequest{ServiceID: 1, Date: "2026-11-27", SlotFrom: "10:00",
		IDNumber: "001089000099", Phone: "0912345678"}); motcua.ErrorCode(err) != motcua.EConflict {
		t.Errorf("a fifth booking over 40%% of 10: got %v, want a 409", err)
	}
	e.Clock.Set(time.Date(2026, 11, 27, 9, 10, 0, 0, hanoi))
	if _, err := e.Hub.Appointments.CheckIn(ctx, codes[0]); err != nil {
		t.Fatal(err)
	}
	for range 6 {
		e.Issue(t, 1, false)
	}
	if _, err := e.Hub.Queue.IssueTicket(ctx, motcua.IssueRequest{ServiceID: 1}); motcua.ErrorCode(err) != motcua.EClosed {
		t.Errorf("a seventh walk-in: got %v, want service_closed (4 numbers kept online)", err)
	}
	for _, c := range codes[1:] {
		if _, err := e.Hub.Appointments.CheckIn(ctx, c); err != nil {
			t.Errorf("check-in after the walk-ins: %v", err)
		}
	}
}
