package motcua_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/hall"
)

// ict is Vietnam time without depending on the host's tz database.
var ict = time.FixedZone("ICT", 7*3600)

func vn2026Calendar(t testing.TB) *motcua.Calendar {
	t.Helper()
	sample := hall.Sample()
	holidays, working := sample.Holidays, sample.WorkingDays
	c, err := motcua.NewCalendar(ict, holidays, working, nil)
	if err != nil {
		t.Fatalf("motcua.NewCalendar: %v", err)
	}
	return c
}

// localTime reads "2006-01-02 15:04" in Vietnam time.
func localTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, ict)
	if err != nil {
		t.Fatalf("bad test time %q: %v", s, err)
	}
	return v
}

func TestDueAt2026(t *testing.T) {
	c := vn2026Calendar(t)
	tests := []struct {
		name     string
		received string
		days     int
		want     string
	}{
		{"ordinary week", "2026-03-10 09:00", 3, "2026-03-13 17:00"},
		{"same day", "2026-03-10 09:00", 0, "2026-03-10 17:00"},
		{"lunch break is still the same day", "2026-03-10 12:15", 1, "2026-03-11 17:00"},
		{"before opening counts the same day", "2026-03-10 06:00", 1, "2026-03-11 17:00"},
		{"friday to monday", "2026-03-13 10:00", 1, "2026-03-16 17:00"},

		{"just before Tết, 5 days", "2026-02-13 10:00", 5, "2026-02-27 17:00"},
		{"two days before Tết, 5 days", "2026-02-12 09:00", 5, "2026-02-26 17:00"},
		{"received on a Tết day counts from 23/2", "2026-02-17 09:00", 0, "2026-02-23 17:00"},

		{"new year: 1/1 and 2/1 are off", "2025-12-31 09:00", 1, "2026-01-05 17:00"},
		{"working Saturday 10/1 is counted", "2026-01-08 09:00", 2, "2026-01-10 17:00"},
		{"Friday 9/1, one day, due on the working Saturday", "2026-01-09 10:00", 1, "2026-01-10 17:00"},
		{"received on the working Saturday counts that day", "2026-01-10 09:00", 1, "2026-01-12 17:00"},

		{"Hùng Kings Sunday, Monday 27/4 compensated", "2026-04-24 09:00", 1, "2026-04-28 17:00"},
		{"30/4 and 1/5", "2026-04-29 10:00", 1, "2026-05-04 17:00"},
		{"across Hùng Kings and 30/4–1/5", "2026-04-24 09:00", 3, "2026-05-04 17:00"},
		{"deadline on 30/4 moves to the next working day", "2026-04-28 09:00", 2, "2026-05-04 17:00"},

		{"31/8 is off (letter 9859/VPCP-KGVX): counts from 3/9", "2026-08-31 10:00", 1, "2026-09-04 17:00"},
		{"Friday before the 29/8–2/9 break, 2 days", "2026-08-28 10:00", 2, "2026-09-04 17:00"},
		{"Friday 21/8, one day, due on the working Saturday 22/8", "2026-08-21 10:00", 1, "2026-08-22 17:00"},

		{"received on a Saturday", "2026-03-07 09:00", 1, "2026-03-10 17:00"},
		{"received on a Saturday, same day", "2026-03-07 09:00", 0, "2026-03-09 17:00"},
		{"received on a Sunday", "2026-03-08 15:00", 2, "2026-03-11 17:00"},
		{"received after 17:00", "2026-03-10 17:30", 1, "2026-03-12 17:00"},
		{"received at 17:00 sharp is after closing", "2026-03-10 17:00", 1, "2026-03-12 17:00"},
		{"received at 16:59", "2026-03-10 16:59", 1, "2026-03-11 17:00"},
		{"received after 17:00 on a Friday, same day", "2026-03-13 18:00", 0, "2026-03-16 17:00"},
		{"negative days mean same day", "2026-03-10 09:00", -3, "2026-03-10 17:00"},

		{"2027 Tết (legal days): Thursday before", "2027-02-04 09:00", 1, "2027-02-12 17:00"},
		{"2027 1/5 on Saturday compensated Monday", "2027-04-29 09:00", 1, "2027-05-04 17:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.DueAt(localTime(t, tt.received), tt.days)
			want := localTime(t, tt.want)
			if !got.Equal(want) {
				t.Errorf("DueAt(%s, %d) = %s, want %s", tt.received, tt.days, got.Format(time.DateTime), tt.want)
			}
			if got.Location() != ict {
				t.Errorf("DueAt location = %v, want the branch zone", got.Location())
			}
		})
	}
}

func TestDueAtReadsTimeInBranchZone(t *testing.T) {
	c := vn2026Calendar(t)
	// 11:00 UTC is 18:00 in Hà Nội: reception has closed.
	received := time.Date(2026, 3, 10, 11, 0, 0, 0, time.UTC)
	got := c.DueAt(received, 1)
	want := localTime(t, "2026-03-12 17:00")
	if !got.Equal(want) {
		t.Errorf("DueAt(11:00 UTC) = %s, want %s", got, want)
	}
}

func TestDueAtCustomReception(t *testing.T) {
	// Sessions out of order: the last to close decides the end of the day.
	c, err := motcua.NewCalendar(ict, nil, nil, []motcua.Session{{"13:00", "17:30"}, {"07:00", "11:00"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		received string
		days     int
		want     string
	}{
		{"2026-03-10 17:15", 0, "2026-03-10 17:30"},
		{"2026-03-10 17:30", 0, "2026-03-11 17:30"},
		{"2026-03-10 08:00", 2, "2026-03-12 17:30"},
	}
	for _, tt := range tests {
		got := c.DueAt(localTime(t, tt.received), tt.days)
		if want := localTime(t, tt.want); !got.Equal(want) {
			t.Errorf("DueAt(%s, %d) = %s, want %s", tt.received, tt.days, got.Format(time.DateTime), tt.want)
		}
	}
}

func TestIsWorkingDay(t *testing.T) {
	c := vn2026Calendar(t)
	tests := []struct {
		day  string
		want bool
	}{
		{"2026-01-01", false},
		{"2026-01-02", false},
		{"2026-01-05", true},
		{"2026-01-10", true}, // working Saturday
		{"2026-01-11", false},
		{"2026-01-17", false},
		{"2026-02-13", true},
		{"2026-02-16", false},
		{"2026-02-20", false},
		{"2026-02-23", true},
		{"2026-04-27", false},
		{"2026-04-28", true},
		{"2026-04-30", false},
		{"2026-05-01", false},
		{"2026-09-01", false},
		{"2026-09-02", false},
		{"2026-09-03", true},
		{"2027-01-01", false},
		{"2027-02-10", false},
		{"2027-02-12", true},
		{"2027-05-03", false},
		{"2027-09-03", false},
	}
	for _, tt := range tests {
		if got := c.IsWorkingDay(localTime(t, tt.day+" 10:00")); got != tt.want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v", tt.day, got, tt.want)
		}
	}
	if got := c.HolidayName(localTime(t, "2026-09-02 10:00")); got != "Quốc khánh (2/9)" {
		t.Errorf("HolidayName(2/9/2026) = %q, want %q", got, "Quốc khánh (2/9)")
	}
	if got := c.HolidayName(localTime(t, "2026-01-10 10:00")); got != "" {
		t.Errorf("HolidayName(working Saturday) = %q, want empty", got)
	}
}

func TestWorkingDaysIn2026(t *testing.T) {
	c := vn2026Calendar(t)
	// 2026 has 261 weekdays; 13 of them are days off (1/1, 2/1, 16–20/2,
	// 27/4, 30/4, 1/5, 31/8, 1/9, 2/9) and Saturdays 10/1 and 22/8 are
	// worked: 250.
	from, to := localTime(t, "2025-12-31 12:00"), localTime(t, "2026-12-31 12:00")
	if got := c.WorkingDaysBetween(from, to); got != 250 {
		t.Errorf("working days in 2026 = %d, want 250", got)
	}
	if got := c.WorkingDaysBetween(to, from); got != -250 {
		t.Errorf("WorkingDaysBetween backwards = %d, want -250", got)
	}
	if got := c.WorkingDaysBetween(from, from.Add(time.Hour)); got != 0 {
		t.Errorf("WorkingDaysBetween same date = %d, want 0", got)
	}
}

func TestNextAndAddWorkingDays(t *testing.T) {
	c := vn2026Calendar(t)
	tests := []struct {
		name string
		got  time.Time
		want string
	}{
		{"next after Friday 13/2 is after Tết", c.NextWorkingDay(localTime(t, "2026-02-13 09:00")), "2026-02-23 00:00"},
		{"next after Friday 9/1 is the working Saturday", c.NextWorkingDay(localTime(t, "2026-01-09 09:00")), "2026-01-10 00:00"},
		{"next is never the same day", c.NextWorkingDay(localTime(t, "2026-03-10 06:00")), "2026-03-11 00:00"},
		{"add 0 keeps a day off", c.AddWorkingDays(localTime(t, "2026-03-07 09:00"), 0), "2026-03-07 00:00"},
		{"add 10 across 30/4", c.AddWorkingDays(localTime(t, "2026-04-20 09:00"), 10), "2026-05-07 00:00"},
		{"subtract 1 across Tết", c.AddWorkingDays(localTime(t, "2026-02-23 09:00"), -1), "2026-02-13 00:00"},
		{"receipt day after closing", c.ReceiptDay(localTime(t, "2026-08-31 17:05")), "2026-09-03 00:00"},
	}
	for _, tt := range tests {
		if want := localTime(t, tt.want); !tt.got.Equal(want) {
			t.Errorf("%s: got %s, want %s", tt.name, tt.got.Format(time.DateTime), tt.want)
		}
	}
}

// TestDueAtProperties walks every day of 2026 at several hours and every
// processing time up to 30 working days.
func TestDueAtProperties(t *testing.T) {
	c := vn2026Calendar(t)
	start := localTime(t, "2026-01-01 00:00")
	for day := 0; day < 365; day++ {
		for _, hour := range []int{6, 9, 12, 16, 17, 20} {
			received := start.AddDate(0, 0, day).Add(time.Duration(hour) * time.Hour)
			receiptDay := c.ReceiptDay(received)
			if !c.IsWorkingDay(receiptDay) {
				t.Fatalf("ReceiptDay(%s) = %s, not a working day", received, receiptDay)
			}
			var prev time.Time
			for n := 0; n <= 30; n++ {
				due := c.DueAt(received, n)
				if !c.IsWorkingDay(due) {
					t.Fatalf("DueAt(%s, %d) = %s: not a working day", received, n, due)
				}
				if h, m, _ := due.Clock(); h != 17 || m != 0 {
					t.Fatalf("DueAt(%s, %d) = %s: not at close of reception", received, n, due)
				}
				if !due.After(received) {
					t.Fatalf("DueAt(%s, %d) = %s: not after receipt", received, n, due)
				}
				if got := c.WorkingDaysBetween(receiptDay, due); got != n {
					t.Fatalf("DueAt(%s, %d) = %s: %d working days after receipt day, want %d", received, n, due, got, n)
				}
				if n > 0 {
					if !due.After(prev) {
						t.Fatalf("DueAt(%s, %d) = %s, not after DueAt(…, %d) = %s", received, n, due, n-1, prev)
					}
					if got := c.WorkingDaysBetween(prev, due); got != 1 {
						t.Fatalf("DueAt(%s) for %d and %d days are %d working days apart, want 1", received, n-1, n, got)
					}
				}
				prev = due
			}
		}
	}
}

func FuzzDueAt(f *testing.F) {
	seeds := []struct {
		received string
		days     int
	}{
		{"2026-02-13 10:00", 5},
		{"2026-01-09 10:00", 1},
		{"2026-04-28 09:00", 2},
		{"2026-08-31 17:30", 1},
		{"2026-03-07 09:00", 0},
		{"2027-02-04 09:00", 30},
	}
	for _, s := range seeds {
		f.Add(localTime(f, s.received).Unix(), s.days)
	}
	c := vn2026Calendar(f)
	f.Fuzz(func(t *testing.T, unix int64, days int) {
		// Keep to dates a hall will meet; the arithmetic caps huge spans anyway.
		const from, span = 1735689600, 20 * 365 * 86400 // 2025-01-01, 20 years
		unix = from + (unix%span+span)%span
		days %= 400
		received := time.Unix(unix, 0)
		due := c.DueAt(received, days)
		if !c.IsWorkingDay(due) {
			t.Fatalf("DueAt(%s, %d) = %s: not a working day", received, days, due)
		}
		if !due.After(received) {
			t.Fatalf("DueAt(%s, %d) = %s: not after receipt", received, days, due)
		}
		if got, want := c.WorkingDaysBetween(c.ReceiptDay(received), due), max(days, 0); got != want {
			t.Fatalf("DueAt(%s, %d) = %s: %d working days after receipt day, want %d", received, days, due, got, want)
		}
	})
}

func TestNewCalendarRejects(t *testing.T) {
	tests := []struct {
		name      string
		holidays  []motcua.Holiday
		working   []motcua.Holiday
		reception []motcua.Session
		field     string
		mention   string
	}{
		{"impossible date", []motcua.Holiday{{Date: "2026-02-30", Name: "x"}}, nil, nil, "holidays", "2026-02-30"},
		{"slashes", []motcua.Holiday{{Date: "2026/01/01", Name: "x"}}, nil, nil, "holidays", "2026/01/01"},
		{"day first", nil, []motcua.Holiday{{Date: "10-01-2026", Name: "x"}}, nil, "working_days", "10-01-2026"},
		{"empty date", []motcua.Holiday{{Date: "", Name: "x"}}, nil, nil, "holidays", `""`},
		{"both off and working", []motcua.Holiday{{Date: "2026-01-10", Name: "x"}}, []motcua.Holiday{{Date: "2026-01-10", Name: "y"}}, nil, "working_days", "2026-01-10"},
		{"session not HH:MM", nil, nil, []motcua.Session{{"7:30", "11:30"}}, "reception", "7:30"},
		{"session backwards", nil, nil, []motcua.Session{{"11:30", "07:30"}}, "reception", "11:30"},
		{"session empty", nil, nil, []motcua.Session{{"07:30", "07:30"}}, "reception", "07:30"},
		{"minutes out of range", nil, nil, []motcua.Session{{"07:60", "11:30"}}, "reception", "07:60"},
		{"sessions overlap", nil, nil, []motcua.Session{{"07:30", "12:00"}, {"11:30", "17:00"}}, "reception", "overlap"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := motcua.NewCalendar(ict, tt.holidays, tt.working, tt.reception)
			var e *motcua.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *motcua.Error", err)
			}
			if e.Code != motcua.EValidation {
				t.Errorf("code = %q, want %q", e.Code, motcua.EValidation)
			}
			if _, ok := e.Fields[tt.field]; !ok {
				t.Errorf("fields = %v, want key %q", e.Fields, tt.field)
			}
			if !strings.Contains(e.Message, tt.mention) && !strings.Contains(e.Fields[tt.field], tt.mention) {
				t.Errorf("error %q / %v does not mention %q", e.Message, e.Fields, tt.mention)
			}
		})
	}
	if _, err := motcua.NewCalendar(nil, nil, nil, nil); motcua.ErrorCode(err) != motcua.EInvalid {
		t.Errorf("nil location: err = %v, want %s", err, motcua.EInvalid)
	}
}

func TestSampleHallHolidays2026to2027(t *testing.T) {
	sample := hall.Sample()
	holidays, working := sample.Holidays, sample.WorkingDays
	seen := map[string]bool{}
	var prev string
	for _, h := range holidays {
		d, err := time.Parse(time.DateOnly, h.Date)
		if err != nil {
			t.Errorf("holiday date %q: %v", h.Date, err)
		}
		if h.Name == "" {
			t.Errorf("holiday %s has no name", h.Date)
		}
		if seen[h.Date] {
			t.Errorf("holiday %s listed twice", h.Date)
		}
		if h.Date <= prev {
			t.Errorf("holiday %s listed after %s", h.Date, prev)
		}
		if y := d.Year(); y != 2026 && y != 2027 {
			t.Errorf("holiday %s outside 2026–2027", h.Date)
		}
		seen[h.Date], prev = true, h.Date
	}
	for _, w := range working {
		d, err := time.Parse(time.DateOnly, w.Date)
		if err != nil {
			t.Fatalf("working day %q: %v", w.Date, err)
		}
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			t.Errorf("working day %s is a %s, want a weekend day", w.Date, wd)
		}
	}
	// Every Tết day 14–22/2/2026 is listed, as announced.
	for d := 14; d <= 22; d++ {
		date := time.Date(2026, 2, d, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
		if !seen[date] {
			t.Errorf("Tết day %s missing", date)
		}
	}
	// Vietnamese names keep their diacritics.
	if !strings.Contains(strings.Join(names(holidays), " "), "Giỗ Tổ Hùng Vương") {
		t.Errorf("holiday names lost their diacritics: %v", names(holidays))
	}
}

func names(hs []motcua.Holiday) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h.Name)
	}
	return out
}

// TestDueFor2026 is the due date of a procedure across every 2026 holiday
// and swap, with the 15:00 cut-off, half-day and hour deadlines, receipts
// after hours and on days off. Reception is 07:30–11:30, 13:00–17:00.
func TestDueFor2026(t *testing.T) {
	c := vn2026Calendar(t)
	days := func(n int) motcua.Procedure { return motcua.Procedure{ProcessingDays: n} }
	cert := motcua.Procedure{ProcessingDays: 0, Cutoff: "15:00"}
	timed := func(s string) motcua.Procedure { return motcua.Procedure{ProcessingTime: s} }
	timedCut := func(s string) motcua.Procedure { return motcua.Procedure{ProcessingTime: s, Cutoff: "15:00"} }
	tests := []struct {
		name     string
		received string
		proc     motcua.Procedure
		want     string
	}{
		// Whole days across every holiday and swap of 2026.
		{"1/1 and 2/1 off", "2025-12-31 09:00", days(1), "2026-01-05 17:00"},
		{"Saturday 10/1 worked", "2026-01-09 10:00", days(1), "2026-01-10 17:00"},
		{"Tết 14–22/2", "2026-02-13 10:00", days(1), "2026-02-23 17:00"},
		{"received on Tết", "2026-02-18 09:00", days(0), "2026-02-23 17:00"},
		{"Hùng Kings 27/4", "2026-04-24 09:00", days(1), "2026-04-28 17:00"},
		{"30/4 and 1/5", "2026-04-29 10:00", days(1), "2026-05-04 17:00"},
		{"Saturday 22/8 worked", "2026-08-21 10:00", days(1), "2026-08-22 17:00"},
		{"received on the working Saturday 22/8", "2026-08-22 09:00", days(0), "2026-08-22 17:00"},
		{"31/8, 1/9, 2/9 off", "2026-08-28 10:00", days(1), "2026-09-03 17:00"},
		{"received on Monday 31/8, same day", "2026-08-31 09:00", days(0), "2026-09-03 17:00"},
		{"received on 31/8, one day", "2026-08-31 09:00", days(1), "2026-09-04 17:00"},
		{"15 days across 22/8 and 31/8–2/9", "2026-08-20 09:00", days(15), "2026-09-14 17:00"},
		{"receipt after hours", "2026-03-10 17:30", days(1), "2026-03-12 17:00"},
		{"receipt on a Sunday", "2026-03-08 10:00", days(2), "2026-03-11 17:00"},
		{"processing_time in days", "2026-03-10 09:00", timed("3 ngày"), "2026-03-13 17:00"},

		// The 15:00 cut-off (Decree 23/2015 art. 7).
		{"certified at 14:59: same day", "2026-03-10 14:59", cert, "2026-03-10 17:00"},
		{"certified at 15:00: next working day", "2026-03-10 15:00", cert, "2026-03-11 17:00"},
		{"certified at 15:30: next working day", "2026-03-10 15:30", cert, "2026-03-11 17:00"},
		{"certified Friday 21/8 at 15:30: the working Saturday", "2026-08-21 15:30", cert, "2026-08-22 17:00"},
		{"certified Friday 28/8 at 15:30: after the break", "2026-08-28 15:30", cert, "2026-09-03 17:00"},
		{"certified Friday 13/2 at 15:30: after Tết", "2026-02-13 15:30", cert, "2026-02-23 17:00"},
		{"3 days, after the cut-off", "2026-03-10 15:30", motcua.Procedure{ProcessingDays: 3, Cutoff: "15:00"}, "2026-03-16 17:00"},
		{"without a cut-off 15:30 is the same day", "2026-03-10 15:30", days(0), "2026-03-10 17:00"},

		// Half days and hours, counted in reception hours.
		{"half a day from 09:00", "2026-03-10 09:00", timed("0.5 ngày"), "2026-03-10 14:30"},
		{"half a day written 0,5", "2026-03-10 09:00", timed("0,5 ngày"), "2026-03-10 14:30"},
		{"half a day from 14:00 ends next morning", "2026-03-10 14:00", timed("0.5 ngày"), "2026-03-11 08:30"},
		{"4 hours from the lunch break", "2026-03-10 12:00", timed("4 giờ"), "2026-03-10 17:00"},
		{"4 hours before opening", "2026-03-10 06:00", timed("4 giờ"), "2026-03-10 11:30"},
		{"4 hours after hours", "2026-03-10 18:00", timed("4 giờ"), "2026-03-11 11:30"},
		{"4 hours on a Sunday", "2026-03-08 10:00", timed("4 giờ"), "2026-03-09 11:30"},
		{"4 hours from Friday 28/8 16:00 skip 29/8–2/9", "2026-08-28 16:00", timed("4 giờ"), "2026-09-03 10:30"},
		{"4 hours from 29/4 16:30 skip 30/4–3/5", "2026-04-29 16:30", timed("4 giờ"), "2026-05-04 11:00"},
		{"half a day from Friday 13/2 16:00 skips Tết", "2026-02-13 16:00", timed("0.5 ngày"), "2026-02-23 10:30"},
		{"8 hours into the working Saturday 10/1", "2026-01-09 13:00", timed("8 giờ"), "2026-01-10 11:30"},
		{"1.5 days", "2026-03-10 07:30", timed("1.5 ngày"), "2026-03-11 11:30"},
		{"4 hours after the cut-off start next opening", "2026-03-10 15:10", timedCut("4 giờ"), "2026-03-11 11:30"},
		{"4 hours before the cut-off", "2026-03-10 14:50", timedCut("4 giờ"), "2026-03-11 09:20"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.DueFor(localTime(t, tt.received), tt.proc)
			want := localTime(t, tt.want)
			if !got.Equal(want) {
				t.Errorf("DueFor(%s, %+v) = %s, want %s", tt.received, tt.proc, got.Format(time.DateTime), tt.want)
			}
		})
	}
}

func TestExtend(t *testing.T) {
	c := vn2026Calendar(t)
	tests := []struct {
		name string
		due  string
		days int
		want string
	}{
		{"5 days over the working Saturday 22/8", "2026-08-21 17:00", 5, "2026-08-27 17:00"},
		{"2 days over the National Day break", "2026-08-28 17:00", 2, "2026-09-04 17:00"},
		{"an hour deadline extended by a day", "2026-03-10 14:30", 1, "2026-03-11 17:00"},
	}
	for _, tt := range tests {
		if got := c.Extend(localTime(t, tt.due), tt.days); !got.Equal(localTime(t, tt.want)) {
			t.Errorf("%s: Extend(%s, %d) = %s, want %s", tt.name, tt.due, tt.days, got.Format(time.DateTime), tt.want)
		}
	}
}

func TestParseProcessingTime(t *testing.T) {
	tests := []struct {
		in   string
		want motcua.ProcessingTime
		out  string
	}{
		{"15 ngày", motcua.ProcessingTime{Days: 15}, "15 ngày"},
		{"15 ngày làm việc", motcua.ProcessingTime{Days: 15}, "15 ngày"},
		{"0 ngày", motcua.ProcessingTime{}, "0 ngày"},
		{"0.5 ngày", motcua.ProcessingTime{Hours: 4}, "0.5 ngày"},
		{"0,5 ngày", motcua.ProcessingTime{Hours: 4}, "0.5 ngày"},
		{"2.5 NGÀY", motcua.ProcessingTime{Days: 2, Hours: 4}, "2.5 ngày"},
		{"4 giờ", motcua.ProcessingTime{Hours: 4, InHours: true}, "4 giờ"},
		{"12 giờ", motcua.ProcessingTime{Days: 1, Hours: 4, InHours: true}, "12 giờ"},
		{"8 giờ", motcua.ProcessingTime{Days: 1, InHours: true}, "8 giờ"},
	}
	for _, tt := range tests {
		got, err := motcua.ParseProcessingTime(tt.in)
		if err != nil || got != tt.want || got.String() != tt.out {
			t.Errorf("ParseProcessingTime(%q) = %+v (%q), %v; want %+v (%q)", tt.in, got, got.String(), err, tt.want, tt.out)
		}
	}
	for _, bad := range []string{"", "15", "ngày", "0.25 ngày", "1.5 giờ", "0 giờ", "-1 ngày", "15 days", "99999 ngày", "nửa ngày"} {
		if _, err := motcua.ParseProcessingTime(bad); motcua.ErrorCode(err) != motcua.EValidation {
			t.Errorf("ParseProcessingTime(%q): got %v, want a validation error", bad, err)
		}
	}
}
