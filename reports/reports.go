// Package reports answers the supervisor's queue and satisfaction reports
// (issue 15): figures by day, hour, service, counter and officer over a range
// of branch days, as JSON, CSV or XLSX. It reads through the store and never
// shows a citizen's personal data: a visit is counted, never named.
package reports

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/store"
)

// MaxDays bounds a report's range of days (both ends included).
const MaxDays = 366

// Store is what the reports read.
type Store interface {
	ReportGroups(ctx context.Context, by, fromDay, toDay string, start, end time.Time, staffID *int64) ([]store.ReportGroup, error)
	ReportVisits(ctx context.Context, fromDay, toDay string, start, end time.Time) ([]store.ReportVisit, error)
	ReportMoves(ctx context.Context, start, end time.Time) ([]store.ReportMove, error)
	StaffNames(ctx context.Context) (map[int64]string, error)
}

// Reports computes the reports of one branch.
type Reports struct {
	Site  *motcua.Site
	Store Store
}

// Range is a validated range of branch days.
type Range struct {
	From, To   string    // "YYYY-MM-DD", both included
	Start, End time.Time // [Start, End) in the branch's zone
	Days       int
}

// ParseRange checks from and to ("YYYY-MM-DD", branch-local, both included):
// a malformed date, an end before the start or more than MaxDays days is a
// 422 naming the field.
func (rp *Reports) ParseRange(from, to string) (Range, error) {
	fields := map[string]string{}
	loc := rp.Site.Location()
	parse := func(key, s string) time.Time {
		t, err := time.ParseInLocation(time.DateOnly, s, loc)
		if err != nil {
			fields[key] = "Cần ngày dạng YYYY-MM-DD. / Expected a date YYYY-MM-DD."
		}
		return t
	}
	start, last := parse("from", from), parse("to", to)
	var days int
	if len(fields) == 0 {
		days = daysBetween(start, last) + 1
		switch {
		case last.Before(start):
			fields["to"] = "Ngày kết thúc trước ngày bắt đầu. / The end is before the start."
		case days > MaxDays:
			fields["to"] = fmt.Sprintf("Tối đa %d ngày. / At most %d days.", MaxDays, MaxDays)
		}
	}
	if len(fields) > 0 {
		return Range{}, &motcua.Error{Code: motcua.EValidation,
			Message: "Khoảng thời gian không hợp lệ. / The date range is not valid.", Fields: fields}
	}
	return Range{From: from, To: to, Start: start, End: last.AddDate(0, 0, 1), Days: days}, nil
}

// daysBetween counts calendar days from a to b (dates at midnight).
func daysBetween(a, b time.Time) int {
	ya, ma, da := a.Date()
	yb, mb, db := b.Date()
	ua := time.Date(ya, ma, da, 0, 0, 0, 0, time.UTC)
	ub := time.Date(yb, mb, db, 0, 0, 0, 0, time.UTC)
	return int(ub.Sub(ua) / (24 * time.Hour))
}

// Filter narrows a report to one officer's visits.
type Filter struct {
	StaffID *int64
}

// movesWindow is where the moves of rg's tickets fall: its days with a
// margin of a day each side.
func movesWindow(rg Range) (time.Time, time.Time) {
	return rg.Start.AddDate(0, 0, -1), rg.End.AddDate(0, 0, 1)
}

// movedLegs reads the legs of the visits of rg that had more than one (a
// transfer, a reactivation); ReportGroups sums the others.
func (rp *Reports) movedLegs(ctx context.Context, rg Range) ([]leg, error) {
	start, end := movesWindow(rg)
	visits, err := rp.Store.ReportVisits(ctx, rg.From, rg.To, start, end)
	if err != nil {
		return nil, err
	}
	moves, err := rp.Store.ReportMoves(ctx, start, end)
	if err != nil {
		return nil, err
	}
	return buildLegs(visits, moves), nil
}

// storeGrouping is the grouping the store sums single-leg visits by for a
// report grouping: hours of the day and of the week come from quarter
// hours, placed in the branch's zone here.
func storeGrouping(by string) string {
	switch by {
	case motcua.GroupHour, motcua.GroupWeekHour:
		return store.ReportByQuarter
	}
	return by
}

// Queue answers the queue report of rg grouped by by (day, hour, service,
// counter, staff or weekhour). Rows come in key order; days, hours and hours
// of the week without a visit are left out.
func (rp *Reports) Queue(ctx context.Context, rg Range, by string, f Filter) ([]motcua.QueueRow, error) {
	if !validGroup(by, motcua.GroupDay, motcua.GroupHour, motcua.GroupService, motcua.GroupCounter, motcua.GroupStaff, motcua.GroupWeekHour) {
		return nil, badGroup(by, "day, hour, service, counter, staff, weekhour")
	}
	// Most visits have one leg: the store sums them by group. The few
	// transferred or reactivated are rebuilt leg by leg here.
	start, end := movesWindow(rg)
	sums, err := rp.Store.ReportGroups(ctx, storeGrouping(by), rg.From, rg.To, start, end, f.StaffID)
	if err != nil {
		return nil, err
	}
	legs, err := rp.movedLegs(ctx, rg)
	if err != nil {
		return nil, err
	}
	var names map[int64]string
	if by == motcua.GroupStaff {
		if names, err = rp.Store.StaffNames(ctx); err != nil {
			return nil, err
		}
	}
	loc := rp.Site.Location()
	groups := map[string]*acc{}
	get := func(key groupKey) *acc {
		a, ok := groups[key.key]
		if !ok {
			a = &acc{key: key}
			groups[key.key] = a
		}
		return a
	}
	for _, g := range sums {
		// A leg standing for the group: what keyOf reads to place it.
		l := leg{day: g.Day, serviceID: g.ServiceID, counterID: g.CounterID, staffID: g.StaffID, waitFrom: g.Quarter}
		key, ok := rp.keyOf(l, by, loc, names)
		if !ok {
			continue
		}
		get(key).addGroup(g, by)
	}
	for _, l := range legs {
		if f.StaffID != nil && (l.staffID == nil || *l.staffID != *f.StaffID) {
			continue
		}
		key, ok := rp.keyOf(l, by, loc, names)
		if !ok {
			continue
		}
		get(key).add(l, rp.target(l.serviceID), by)
	}
	rows := make([]motcua.QueueRow, 0, len(groups))
	keys := make([]groupKey, 0, len(groups))
	for _, a := range groups {
		keys = append(keys, a.key)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].less(keys[j]) })
	for _, k := range keys {
		row := groups[k.key].row()
		if by == motcua.GroupWeekHour {
			row.Days = weekdayCount(rg, k.weekday)
			if row.Days > 0 {
				per := round2(float64(row.Issued) / float64(row.Days))
				row.IssuedPerDay = &per
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// target is a service's target wait, 0 when it sets none.
func (rp *Reports) target(serviceID int64) time.Duration {
	sv, ok := rp.Site.Service(serviceID)
	if !ok {
		return 0
	}
	return time.Duration(sv.TargetWaitMinutes) * time.Minute
}

// groupKey is a row's key, label and sort order.
type groupKey struct {
	key, label string
	num        int64 // numeric order (ids, counter numbers, hours); ties by key
	weekday    time.Weekday
}

func (a groupKey) less(b groupKey) bool {
	if a.num != b.num {
		return a.num < b.num
	}
	return a.key < b.key
}

var weekdayNames = [7]string{"Chủ nhật", "Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy"}

// keyOf places a leg in its group. A leg belongs to the day and hour it
// began waiting; to the service it waited for; to the counter and officer
// that called it (a leg never called has neither).
func (rp *Reports) keyOf(l leg, by string, loc *time.Location, names map[int64]string) (groupKey, bool) {
	switch by {
	case motcua.GroupDay:
		d, _ := time.Parse(time.DateOnly, l.day)
		return groupKey{key: l.day, label: d.Format("02/01/2006"), num: d.Unix()}, true
	case motcua.GroupHour:
		h := l.waitFrom.In(loc).Hour()
		return groupKey{key: fmt.Sprintf("%02d", h), label: fmt.Sprintf("%02d:00–%02d:00", h, h+1), num: int64(h)}, true
	case motcua.GroupWeekHour:
		t := l.waitFrom.In(loc)
		wd, h := t.Weekday(), t.Hour()
		iso := int(wd+6)%7 + 1 // Monday 1 … Sunday 7
		return groupKey{key: fmt.Sprintf("%d-%02d", iso, h), label: fmt.Sprintf("%s %02d:00", weekdayNames[wd], h),
			num: int64(iso*100 + h), weekday: wd}, true
	case motcua.GroupService:
		label := strconv.FormatInt(l.serviceID, 10)
		if sv, ok := rp.Site.Service(l.serviceID); ok {
			label = sv.Name
		}
		return groupKey{key: strconv.FormatInt(l.serviceID, 10), label: label, num: l.serviceID}, true
	case motcua.GroupCounter:
		if l.counterID == nil {
			return groupKey{}, false
		}
		c, ok := rp.Site.Counter(*l.counterID)
		if !ok {
			return groupKey{key: strconv.FormatInt(*l.counterID, 10), label: strconv.FormatInt(*l.counterID, 10), num: *l.counterID}, true
		}
		return groupKey{key: strconv.Itoa(c.Number), label: c.Name, num: int64(c.Number)}, true
	case motcua.GroupStaff:
		if l.staffID == nil {
			return groupKey{}, false
		}
		label := names[*l.staffID]
		if label == "" {
			label = "#" + strconv.FormatInt(*l.staffID, 10)
		}
		return groupKey{key: strconv.FormatInt(*l.staffID, 10), label: label, num: *l.staffID}, true
	}
	return groupKey{}, false
}

// acc sums one group's legs.
type acc struct {
	key                      groupKey
	issued, served, noShow   int
	transferred              int
	waits, services          []int
	withinTarget, targetSeen int
}

func (a *acc) add(l leg, target time.Duration, by string) {
	// A ticket is issued to a service, not at a counter: by counter and by
	// officer, "issued" counts the visits called there.
	switch by {
	case motcua.GroupCounter, motcua.GroupStaff:
		if l.calledAt != nil {
			a.issued++
		}
	default:
		if l.first {
			a.issued++
		}
	}
	switch l.outcome {
	case outServed:
		a.served++
	case outNoShow:
		a.noShow++
	case outTransferred:
		a.transferred++
	}
	if w, ok := l.waitS(); ok {
		a.waits = append(a.waits, w)
		if l.outcome == outServed && target > 0 {
			a.targetSeen++
			if time.Duration(w)*time.Second <= target {
				a.withinTarget++
			}
		}
	}
	if s, ok := l.serviceS(); ok {
		a.services = append(a.services, s)
	}
}

// addGroup adds the sums of single-leg visits (store.ReportGroup), counted
// the way add counts a leg.
func (a *acc) addGroup(g store.ReportGroup, by string) {
	switch by {
	case motcua.GroupCounter, motcua.GroupStaff:
		a.issued += g.Called
	default:
		a.issued += g.Tickets
	}
	a.served += g.Served
	a.noShow += g.NoShow
	a.waits = append(a.waits, g.Waits...)
	a.services = append(a.services, g.Services...)
	a.targetSeen += g.TargetServed
	a.withinTarget += g.WithinTarget
}

func (a *acc) row() motcua.QueueRow {
	r := motcua.QueueRow{Key: a.key.key, Label: a.key.label, Issued: a.issued, Served: a.served, NoShow: a.noShow,
		Transferred: a.transferred, WithinTarget: a.withinTarget, TargetServed: a.targetSeen}
	r.WaitP50S, r.WaitP90S = Percentile(a.waits, 50), Percentile(a.waits, 90)
	r.ServiceP50S, r.ServiceP90S = Percentile(a.services, 50), Percentile(a.services, 90)
	if len(a.waits) > 0 {
		sum := 0
		for _, w := range a.waits {
			sum += w
		}
		avg := int(math.Round(float64(sum) / float64(len(a.waits))))
		r.WaitAvgS = &avg
	}
	if a.targetSeen > 0 {
		rate := round4(float64(a.withinTarget) / float64(a.targetSeen))
		r.WithinTargetRate = &rate
	}
	return r
}

// Percentile is the nearest-rank percentile: the smallest value such that at
// least p percent of the values are at or below it (the value of rank
// ceil(p/100 × n) in ascending order). nil for no values. It sorts vs.
func Percentile(vs []int, p int) *int {
	if len(vs) == 0 {
		return nil
	}
	sort.Ints(vs)
	rank := (p*len(vs) + 99) / 100
	if rank < 1 {
		rank = 1
	}
	v := vs[rank-1]
	return &v
}

// weekdayCount counts the days of rg that fall on wd.
func weekdayCount(rg Range, wd time.Weekday) int {
	n := 0
	for d := rg.Start; d.Before(rg.End); d = d.AddDate(0, 0, 1) {
		if d.Weekday() == wd {
			n++
		}
	}
	return n
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }
func round4(f float64) float64 { return math.Round(f*10000) / 10000 }

func validGroup(by string, allowed ...string) bool {
	for _, a := range allowed {
		if by == a {
			return true
		}
	}
	return false
}

func badGroup(by, allowed string) error {
	return &motcua.Error{Code: motcua.EValidation,
		Message: fmt.Sprintf("Cách nhóm %q không có. / Unknown grouping %q.", by, by),
		Fields:  map[string]string{"group_by": "Một trong / one of: " + allowed}}
}
