package motcua

import (
	"fmt"
	"testing"
	"time"
)

func TestSlotTimes(t *testing.T) {
	cases := []struct {
		b     ServiceBooking
		hours []Session
		want  string
	}{
		{ServiceBooking{SlotMinutes: 30, SlotCapacity: 2}, []Session{{"07:30", "09:00"}, {"13:00", "14:00"}},
			"[{07:30 08:00 2} {08:00 08:30 2} {08:30 09:00 2} {13:00 13:30 2} {13:30 14:00 2}]"},
		// A slot that would run past the session's end is left out.
		{ServiceBooking{SlotMinutes: 45, SlotCapacity: 1}, []Session{{"08:00", "09:40"}}, "[{08:00 08:45 1} {08:45 09:30 1}]"},
		// The booking's own hours win over the service's.
		{ServiceBooking{SlotMinutes: 60, SlotCapacity: 3, Hours: []Session{{"10:00", "11:00"}}}, []Session{{"07:00", "17:00"}}, "[{10:00 11:00 3}]"},
		{ServiceBooking{SlotMinutes: 0, SlotCapacity: 3}, []Session{{"07:00", "17:00"}}, "[]"},
	}
	for _, c := range cases {
		if got := fmt.Sprint(c.b.SlotTimes(c.hours)); got != c.want {
			t.Errorf("%+v over %v: got %s, want %s", c.b, c.hours, got, c.want)
		}
	}
}

func TestOnlineQuota(t *testing.T) {
	cases := []struct {
		share, capacity, dailyCap, slots, want int
	}{
		{50, 4, 200, 16, 100}, // half the daily cap
		{50, 4, 0, 16, 32},    // no cap: half of every slot full
		{100, 2, 0, 6, 12},
		{0, 4, 200, 16, 0},
		{33, 1, 10, 0, 3}, // rounded down
	}
	for _, c := range cases {
		b := ServiceBooking{OnlineShare: c.share, SlotCapacity: c.capacity}
		if got := b.OnlineQuota(c.dailyCap, c.slots); got != c.want {
			t.Errorf("share %d%% of cap %d / %d slots of %d: got %d, want %d", c.share, c.dailyCap, c.slots, c.capacity, got, c.want)
		}
	}
}

func TestCheckPersonLimits(t *testing.T) {
	hanoi := BookingPolicy{PerPersonDaily: 2, PerPersonField: 1}
	held := func(fields ...string) []Appointment {
		var out []Appointment
		for _, f := range fields {
			out = append(out, Appointment{Field: f})
		}
		return out
	}
	cases := []struct {
		p     BookingPolicy
		held  []Appointment
		field string
		ok    bool
	}{
		{hanoi, nil, "Tư pháp", true},
		{hanoi, held("Tư pháp"), "Đất đai", true},
		{hanoi, held("Tư pháp"), "Tư pháp", false},
		{hanoi, held("Tư pháp", "Đất đai"), "Xây dựng", false},
		{BookingPolicy{}, held("a", "a", "a"), "a", true}, // no limits
		{BookingPolicy{PerPersonField: 2}, held("a"), "a", true},
	}
	for _, c := range cases {
		err := c.p.CheckPersonLimits(c.held, c.field)
		if (err == nil) != c.ok || (err != nil && ErrorCode(err) != EConflict) {
			t.Errorf("%+v holding %d, booking %q: got %v, want ok=%v (else a conflict)", c.p, len(c.held), c.field, err, c.ok)
		}
	}
}

func TestValidPhone(t *testing.T) {
	for s, want := range map[string]bool{"0912345678": true, "0912 345 678": true, "+84912345678": true, "091.234.5678": true,
		"912345678": false, "09123456789": false, "09123a5678": false, "": false} {
		if got := ValidPhone(s); got != want {
			t.Errorf("ValidPhone(%q): got %v, want %v", s, got, want)
		}
	}
}

func TestHashIDNumberIsKeyed(t *testing.T) {
	a, b := HashIDNumber([]byte("key one"), "001089012345"), HashIDNumber([]byte("key two"), "001089012345")
	if a == b || len(a) != 64 || a == "001089012345" {
		t.Errorf("hashes under two keys: %s, %s; want two different 64-hex-digit hashes", a, b)
	}
	if HashIDNumber([]byte("key one"), " 001089012345 ") != a {
		t.Error("spaces around the number change its hash")
	}
}

func TestCheckInWindow(t *testing.T) {
	start := time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)
	from, to := ServiceBooking{CheckInBefore: 30, CheckInAfter: 15}.CheckInWindow(start)
	if from.Format("15:04") != "09:00" || to.Format("15:04") != "09:45" {
		t.Errorf("window of a 09:30 slot: got %s–%s, want 09:00–09:45", from.Format("15:04"), to.Format("15:04"))
	}
}
