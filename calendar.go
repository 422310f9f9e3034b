package motcua

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// maxWorkingDaySpan bounds the working-day arithmetic: no procedure takes
// centuries, and an unbounded loop on a hostile number would hang a handler.
const maxWorkingDaySpan = 100_000

// Calendar is a branch's working-day calendar (lịch ngày làm việc): Monday to
// Friday, minus configured days off (public holidays, announced swap days),
// plus announced working Saturdays/Sundays; and the dossier reception hours
// that say when a working day ends.
//
// Every question is asked in branch-local time: a time.Time from anywhere is
// first moved to the calendar's location.
type Calendar struct {
	loc         *time.Location
	holidays    map[civilDate]string
	workingDays map[civilDate]string
	reception   []receptionSpan // sorted, non-overlapping
}

// receptionSpan is one reception session in minutes after local midnight.
type receptionSpan struct{ from, to int }

// DefaultReception is used when a hall configures no reception sessions.
var DefaultReception = []Session{{From: "07:30", To: "11:30"}, {From: "13:00", To: "17:00"}}

// civilDate is a date without a zone, so day arithmetic never meets a
// daylight-saving gap or a midnight that does not exist.
type civilDate struct {
	year  int
	month time.Month
	day   int
}

func civilOf(t time.Time) civilDate {
	y, m, d := t.Date()
	return civilDate{y, m, d}
}

// noonUTC is a safe anchor for arithmetic on the date.
func (d civilDate) noonUTC() time.Time {
	return time.Date(d.year, d.month, d.day, 12, 0, 0, 0, time.UTC)
}

func (d civilDate) addDays(n int) civilDate { return civilOf(d.noonUTC().AddDate(0, 0, n)) }

func (d civilDate) weekday() time.Weekday { return d.noonUTC().Weekday() }

func (d civilDate) before(o civilDate) bool { return d.noonUTC().Before(o.noonUTC()) }

func (d civilDate) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.year, d.month, d.day)
}

// at is the branch-local instant minutes after midnight of d.
func (d civilDate) at(loc *time.Location, minutes int) time.Time {
	return time.Date(d.year, d.month, d.day, minutes/60, minutes%60, 0, 0, loc)
}

// parseCivilDate reads a strict "YYYY-MM-DD".
func parseCivilDate(s string) (civilDate, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return civilDate{}, err
	}
	return civilOf(t), nil
}

// parseClock reads a strict "HH:MM" (00:00–24:00) as minutes after midnight.
func parseClock(s string) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	if !allDigits(s[:2]) || !allDigits(s[3:]) {
		return 0, false
	}
	h, _ := strconv.Atoi(s[:2])
	m, _ := strconv.Atoi(s[3:])
	if m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, false
	}
	return h*60 + m, true
}

// NewCalendar builds a branch calendar. holidays are days off that would
// otherwise be working days (public holidays, announced swap days off; listing
// a weekend day is harmless); workingDays are announced working
// Saturdays/Sundays. Dates are branch-local "YYYY-MM-DD". reception is the
// dossier reception sessions; empty means DefaultReception.
func NewCalendar(loc *time.Location, holidays []Holiday, workingDays []Holiday, reception []Session) (*Calendar, error) {
	if loc == nil {
		return nil, Errorf(EInvalid, "Chưa có múi giờ cho lịch làm việc. / The calendar needs a time zone.")
	}
	c := &Calendar{
		loc:         loc,
		holidays:    make(map[civilDate]string, len(holidays)),
		workingDays: make(map[civilDate]string, len(workingDays)),
	}
	for _, h := range holidays {
		d, err := parseCivilDate(h.Date)
		if err != nil {
			return nil, badDate("holidays", h.Date)
		}
		c.holidays[d] = h.Name
	}
	for _, w := range workingDays {
		d, err := parseCivilDate(w.Date)
		if err != nil {
			return nil, badDate("working_days", w.Date)
		}
		if _, off := c.holidays[d]; off {
			return nil, &Error{
				Code: EValidation,
				Message: fmt.Sprintf("Ngày %s vừa là ngày nghỉ vừa là ngày làm việc. / %s is both a day off and a working day.",
					w.Date, w.Date),
				Fields: map[string]string{"working_days": w.Date},
			}
		}
		c.workingDays[d] = w.Name
	}

	if len(reception) == 0 {
		reception = DefaultReception
	}
	for _, s := range reception {
		from, okFrom := parseClock(s.From)
		to, okTo := parseClock(s.To)
		if !okFrom || !okTo || from >= to {
			return nil, &Error{
				Code: EValidation,
				Message: fmt.Sprintf("Buổi tiếp nhận %q–%q không hợp lệ (cần HH:MM, giờ bắt đầu trước giờ kết thúc). / Reception session %q–%q is not valid (HH:MM, start before end).",
					s.From, s.To, s.From, s.To),
				Fields: map[string]string{"reception": s.From + "–" + s.To},
			}
		}
		c.reception = append(c.reception, receptionSpan{from, to})
	}
	sort.Slice(c.reception, func(i, j int) bool { return c.reception[i].from < c.reception[j].from })
	for i := 1; i < len(c.reception); i++ {
		if c.reception[i].from < c.reception[i-1].to {
			return nil, &Error{
				Code:    EValidation,
				Message: "Các buổi tiếp nhận chồng lên nhau. / Reception sessions overlap.",
				Fields:  map[string]string{"reception": "overlap"},
			}
		}
	}
	return c, nil
}

func badDate(field, date string) *Error {
	return &Error{
		Code: EValidation,
		Message: fmt.Sprintf("Ngày %q không hợp lệ, cần dạng YYYY-MM-DD. / Date %q is not valid, expected YYYY-MM-DD.",
			date, date),
		Fields: map[string]string{field: date},
	}
}

// Location is the branch time zone the calendar answers in.
func (c *Calendar) Location() *time.Location { return c.loc }

func (c *Calendar) dateOf(t time.Time) civilDate { return civilOf(t.In(c.loc)) }

func (c *Calendar) isWorking(d civilDate) bool {
	if _, ok := c.workingDays[d]; ok {
		return true
	}
	if _, ok := c.holidays[d]; ok {
		return false
	}
	wd := d.weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// IsWorkingDay reports whether t's branch-local date is a working day.
func (c *Calendar) IsWorkingDay(t time.Time) bool { return c.isWorking(c.dateOf(t)) }

// HolidayName is the configured name of t's date when it is a day off, or "".
func (c *Calendar) HolidayName(t time.Time) string {
	d := c.dateOf(t)
	if _, ok := c.workingDays[d]; ok {
		return ""
	}
	return c.holidays[d]
}

// NextWorkingDay is branch-local midnight of the first working day after t's
// date (t's own date is never the answer).
func (c *Calendar) NextWorkingDay(t time.Time) time.Time {
	return c.nextWorking(c.dateOf(t)).at(c.loc, 0)
}

func (c *Calendar) nextWorking(d civilDate) civilDate {
	return c.addWorking(d, 1)
}

// addWorking steps n working days from d, d itself not counted: n > 0 goes
// forward, n < 0 backward, n == 0 returns d unchanged. |n| is capped at
// maxWorkingDaySpan.
func (c *Calendar) addWorking(d civilDate, n int) civilDate {
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	n = min(n, maxWorkingDaySpan)
	for n > 0 {
		d = d.addDays(step)
		if c.isWorking(d) {
			n--
		}
	}
	return d
}

// AddWorkingDays is branch-local midnight of the date n working days after
// day's date (before it when n < 0); day's own date is not counted, and n == 0
// gives day's own date even when that is not a working day.
func (c *Calendar) AddWorkingDays(day time.Time, n int) time.Time {
	return c.addWorking(c.dateOf(day), n).at(c.loc, 0)
}

// WorkingDaysBetween counts the working days after from's date up to and
// including to's date (branch-local), the way a deadline counts them: from a
// Friday to the next Monday is 1. It is negative when to is before from, and
// 0 on the same date.
func (c *Calendar) WorkingDaysBetween(from, to time.Time) int {
	a, b := c.dateOf(from), c.dateOf(to)
	sign := 1
	if b.before(a) {
		a, b, sign = b, a, -1
	}
	n := 0
	for d := a; d.before(b); {
		d = d.addDays(1)
		if c.isWorking(d) {
			n++
		}
	}
	return sign * n
}

// closeOfReception is the end of the last reception session on d.
func (c *Calendar) closeOfReception(d civilDate) time.Time {
	return d.at(c.loc, c.reception[len(c.reception)-1].to)
}

// ReceiptDay is the working day a dossier received at t counts from: t's own
// date when that is a working day and reception has not yet closed, otherwise
// the next working day. It is branch-local midnight.
func (c *Calendar) ReceiptDay(t time.Time) time.Time {
	return c.receiptDay(t).at(c.loc, 0)
}

func (c *Calendar) receiptDay(t time.Time) civilDate {
	d := c.dateOf(t)
	// A dossier taken in on a day off (a Saturday opening, an event) or after
	// the hall closed counts as received on the next working day: the
	// processing time must not lose a day the office never worked.
	if !c.isWorking(d) || !t.Before(c.closeOfReception(d)) {
		return c.nextWorking(d)
	}
	return d
}

// DueAt is the appointment for returning results (hẹn trả kết quả) of a
// dossier received at received whose procedure takes processingDays working
// days. The day of receipt is not counted; the result is due at the close of
// reception (end of the last session, branch-local) on the processingDays-th
// working day after it. Receipt on a non-working day or at/after closing
// counts as receipt on the next working day (see ReceiptDay). processingDays
// 0 (or negative) means the same day: close of reception on the receipt day.
// Because only working days are counted, a deadline never lands on a day off.
func (c *Calendar) DueAt(received time.Time, processingDays int) time.Time {
	start := c.receiptDay(received)
	return c.closeOfReception(c.addWorking(start, max(processingDays, 0)))
}

// DueFor is the appointment for returning the result of a dossier of
// procedure p received at received: the one place a due date is computed.
//
//   - The receipt counts from the next working day when it falls on a day
//     off, after the close of reception, or at/after the procedure's cut-off
//     ("15:00" for certification: Decree 23/2015 art. 7).
//   - Whole working days (p's processing time "N ngày", or processing_days):
//     as DueAt, the close of reception on the N-th working day after the
//     receipt day (the day of receipt not counted; 0 is the same day).
//   - Half days and hours ("0.5 ngày", "4 giờ"): working hours inside the
//     reception sessions of working days, counted from the moment of receipt
//     (from the next opening when received outside the sessions, or from the
//     next working day's opening after the cut-off); a day is
//     WorkingDayHours hours.
func (c *Calendar) DueFor(received time.Time, p Procedure) time.Time {
	pt := ProcessingTimeOf(p)
	cut, hasCut := parseClock(p.Cutoff)
	received = received.In(c.loc)
	d := c.dateOf(received)
	late := !c.isWorking(d) || !received.Before(c.closeOfReception(d)) ||
		(hasCut && !received.Before(d.at(c.loc, cut)))
	if !pt.ByHours() {
		start := d
		if late {
			start = c.nextWorking(d)
		}
		return c.closeOfReception(c.addWorking(start, pt.Days))
	}
	from := received
	if late {
		from = c.nextWorking(d).at(c.loc, c.reception[0].from)
	}
	return c.addWorkingMinutes(from, (pt.Days*WorkingDayHours+pt.Hours)*60)
}

// addWorkingMinutes walks n minutes of reception sessions on working days
// from t; the answer is where the n-th minute ends.
func (c *Calendar) addWorkingMinutes(t time.Time, n int) time.Time {
	d := c.dateOf(t)
	now := t.Hour()*60 + t.Minute()
	for guard := 0; guard < maxWorkingDaySpan; guard++ {
		if c.isWorking(d) {
			for _, s := range c.reception {
				from := max(s.from, now)
				if from >= s.to {
					continue
				}
				left := s.to - from
				if n <= left {
					return d.at(c.loc, from+n)
				}
				n -= left
			}
		}
		d, now = d.addDays(1), 0
	}
	return d.at(c.loc, 0)
}

// Extend moves a due date by days working days (an extension for
// verification): the close of reception on the days-th working day after
// due's date.
func (c *Calendar) Extend(due time.Time, days int) time.Time {
	return c.closeOfReception(c.addWorking(c.dateOf(due), max(days, 0)))
}

// String lists the reception sessions, for logs and the admin page.
func (c *Calendar) String() string {
	var parts []string
	for _, s := range c.reception {
		parts = append(parts, fmt.Sprintf("%02d:%02d–%02d:%02d", s.from/60, s.from%60, s.to/60, s.to%60))
	}
	return fmt.Sprintf("calendar %s, reception %s, %d days off, %d working weekend days",
		c.loc, strings.Join(parts, ", "), len(c.holidays), len(c.workingDays))
}
