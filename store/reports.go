package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Reads of the queue and satisfaction reports (issue 15). The reports
// package turns them into figures; the SQL only fetches what a range of days
// holds, with the indexes on tickets (day, ...) and ticket_events (at).

// ReportVisit is a ticket as it ended its day: its last leg (the service,
// counter and officer it was last called at) and its times.
type ReportVisit struct {
	ID         int64
	Day        string
	ServiceID  int64
	Status     string
	IssuedAt   time.Time
	CounterID  *int64
	ServedBy   *int64
	CalledAt   *time.Time
	StartedAt  *time.Time
	FinishedAt *time.Time
}

// ReportMove is one move of a ticket with more than one leg (transferred to
// another service, or reactivated after a no-show).
type ReportMove struct {
	TicketID    int64
	At          time.Time
	Action      string
	ServiceID   int64
	ToServiceID *int64
	CounterID   *int64
	UserID      *int64
}

// movedTickets is the SQL of the tickets with more than one leg: those
// transferred or reactivated between two instants (the report's days with a
// margin). ReportGroups leaves them out, ReportVisits lists only them.
const movedTickets = `SELECT x.ticket_id FROM ticket_events x
	WHERE x.action IN ('transfer', 'reactivate') AND x.at >= ? AND x.at < ?`

// ReportVisits lists the tickets issued on the branch days fromDay..toDay
// (both included, "YYYY-MM-DD") that were transferred or reactivated between
// start and end: the reports rebuild their legs from ReportMoves.
//
// Each row is made cheap: the times come as integer milliseconds computed
// by the database (no text to parse: SQLite stores them as text), the
// status as a small number (no string to allocate).
func (s *Store) ReportVisits(ctx context.Context, fromDay, toDay string, start, end time.Time) ([]ReportVisit, error) {
	var n int
	if err := s.read.QueryRowContext(ctx, s.read.Rebind(`SELECT COUNT(DISTINCT ticket_id) FROM (`+movedTickets+`) m`),
		start.UTC(), end.UTC()).Scan(&n); err != nil {
		return nil, Normalize(err)
	}
	ms := s.epochMillis
	rows, err := s.read.QueryContext(ctx, s.read.Rebind(`SELECT id, day, service_id,
		CASE status WHEN 'done' THEN 1 WHEN 'no_show' THEN 2 WHEN 'cancelled' THEN 3 ELSE 0 END,
		`+ms("issued_at")+`, counter_id, served_by, `+ms("called_at")+`, `+ms("started_at")+`, `+ms("finished_at")+`
		FROM tickets WHERE day >= ? AND day <= ? AND id IN (`+movedTickets+`)`), fromDay, toDay, start.UTC(), end.UTC())
	if err != nil {
		return nil, Normalize(err)
	}
	defer rows.Close()
	out := make([]ReportVisit, 0, n)
	// One block of times and one of ids for every row: five pointers a row
	// were as many allocations.
	times := make([]time.Time, 0, 3*n)
	at := func(v sql.NullInt64) *time.Time {
		if !v.Valid {
			return nil
		}
		if len(times) == cap(times) { // more rows than counted: a new block
			times = make([]time.Time, 0, 64)
		}
		times = append(times, time.UnixMilli(v.Int64).UTC())
		return &times[len(times)-1]
	}
	ids := make([]int64, 0, 2*n)
	id := func(v sql.NullInt64) *int64 {
		if !v.Valid {
			return nil
		}
		if len(ids) == cap(ids) {
			ids = make([]int64, 0, 64)
		}
		ids = append(ids, v.Int64)
		return &ids[len(ids)-1]
	}
	var day string
	var lastDay []byte
	for rows.Next() {
		var v ReportVisit
		var status int
		var issued int64
		var counter, servedBy, called, started, finished sql.NullInt64
		var dayRaw sql.RawBytes
		if err := rows.Scan(&v.ID, &dayRaw, &v.ServiceID, &status, &issued,
			&counter, &servedBy, &called, &started, &finished); err != nil {
			return nil, Normalize(err)
		}
		if string(dayRaw) != string(lastDay) { // rows of a day share its string
			day, lastDay = string(dayRaw), append(lastDay[:0], dayRaw...)
		}
		v.Day, v.Status = day, reportStatus(status)
		v.IssuedAt = time.UnixMilli(issued).UTC()
		v.CounterID, v.ServedBy = id(counter), id(servedBy)
		v.CalledAt, v.StartedAt, v.FinishedAt = at(called), at(started), at(finished)
		out = append(out, v)
	}
	return out, Normalize(rows.Err())
}

// reportStatus maps the status numbers of ReportVisits back to statuses;
// 0 is any status of a visit not ended.
func reportStatus(n int) string {
	switch n {
	case 1:
		return "done"
	case 2:
		return "no_show"
	case 3:
		return "cancelled"
	}
	return "open"
}

// epochMillis is the SQL for a timestamp column as integer milliseconds
// since 1970 (NULL stays NULL).
func (c *conn) epochMillis(col string) string {
	if c.dialect == Postgres {
		return "CAST(ROUND(EXTRACT(EPOCH FROM " + col + ") * 1000) AS BIGINT)"
	}
	return "CAST(ROUND(unixepoch(" + col + ", 'subsec') * 1000) AS INTEGER)"
}

// Report groupings of ReportGroups.
const (
	ReportByDay     = "day"
	ReportByService = "service"
	ReportByCounter = "counter"
	ReportByStaff   = "staff"
	ReportByQuarter = "quarter" // quarter hours of issue (UTC), for hours of the day and of the week
)

// ReportGroup sums the tickets of one group that had a single leg (never
// transferred nor reactivated): the figures the reports need, with the waits
// and service times themselves, in seconds, for the percentiles.
type ReportGroup struct {
	Day       string    // ReportByDay
	ServiceID int64     // ReportByService
	CounterID *int64    // ReportByCounter (nil: never called)
	StaffID   *int64    // ReportByStaff (nil: never called)
	Quarter   time.Time // ReportByQuarter: the start of the quarter hour of issue
	Tickets   int       // tickets
	Called    int       // of them, called
	Served    int       // done
	NoShow    int       // no-show
	// TargetServed counts the served tickets of services with a target
	// wait, WithinTarget those of them called within it.
	TargetServed, WithinTarget int
	Waits                      []int // seconds from issue to call, of the called
	Services                   []int // seconds at the counter, of the served
}

// ReportGroups sums, by the grouping by, the single-leg tickets issued on
// the days fromDay..toDay; moves between start and end tell which tickets
// had more than one leg (those are left to ReportVisits). staffID, when not
// nil, keeps only the tickets that officer served. The database does the
// counting and hands each group's waits and service times over as one
// list: a year of a busy hall is 183,000 tickets, but a few hundred rows.
func (s *Store) ReportGroups(ctx context.Context, by, fromDay, toDay string, start, end time.Time, staffID *int64) ([]ReportGroup, error) {
	ms := s.epochMillis
	var key string
	switch by {
	case ReportByDay:
		key = "t.day"
	case ReportByService:
		key = "t.service_id"
	case ReportByCounter:
		key = "t.counter_id"
	case ReportByStaff:
		key = "t.served_by"
	case ReportByQuarter:
		key = "(" + ms("t.issued_at") + " / 900000)"
	default:
		return nil, fmt.Errorf("report grouping %q", by)
	}
	list := func(expr string) string {
		if s.dialect == Postgres {
			return "COALESCE(string_agg(CAST(" + expr + " AS TEXT), ','), '')"
		}
		return "COALESCE(group_concat(" + expr + "), '')"
	}
	// Whole seconds, truncated, as the reports count them. (A sub-query
	// computing each time once was slower on SQLite: it sorts what the
	// index on day hands over in order.)
	wait := "(" + ms("t.called_at") + " - " + ms("t.issued_at") + ") / 1000"
	service := "CASE WHEN t.status = 'done' THEN (" + ms("t.finished_at") + " - " + ms("COALESCE(t.started_at, t.called_at)") + ") / 1000 END"
	q := `SELECT ` + key + `, COUNT(*), COUNT(t.called_at),
		SUM(CASE WHEN t.status = 'done' THEN 1 ELSE 0 END),
		SUM(CASE WHEN t.status = 'no_show' THEN 1 ELSE 0 END),
		SUM(CASE WHEN t.status = 'done' AND v.target_wait_minutes > 0 THEN 1 ELSE 0 END),
		SUM(CASE WHEN t.status = 'done' AND v.target_wait_minutes > 0 AND t.called_at IS NOT NULL
			AND ` + wait + ` <= v.target_wait_minutes * 60 THEN 1 ELSE 0 END),
		` + list(wait) + `, ` + list(service) + `
		FROM tickets t JOIN services v ON v.id = t.service_id
		WHERE t.day >= ? AND t.day <= ? AND t.id NOT IN (` + movedTickets + `)`
	args := []any{fromDay, toDay, start.UTC(), end.UTC()}
	if staffID != nil {
		q += ` AND t.served_by = ?`
		args = append(args, *staffID)
	}
	q += ` GROUP BY ` + key
	rows, err := s.read.QueryContext(ctx, s.read.Rebind(q), args...)
	if err != nil {
		return nil, Normalize(err)
	}
	defer rows.Close()
	var out []ReportGroup
	for rows.Next() {
		var g ReportGroup
		var k any
		var waits, services string
		if err := rows.Scan(&k, &g.Tickets, &g.Called, &g.Served, &g.NoShow, &g.TargetServed, &g.WithinTarget,
			&waits, &services); err != nil {
			return nil, Normalize(err)
		}
		switch by {
		case ReportByDay:
			switch d := k.(type) {
			case string:
				g.Day = d
			case []byte:
				g.Day = string(d)
			case time.Time: // a DATE column read by a driver
				g.Day = d.Format(time.DateOnly)
			}
		case ReportByService:
			g.ServiceID, _ = asInt(k)
		case ReportByCounter:
			if n, ok := asInt(k); ok {
				g.CounterID = &n
			}
		case ReportByStaff:
			if n, ok := asInt(k); ok {
				g.StaffID = &n
			}
		case ReportByQuarter:
			n, _ := asInt(k)
			g.Quarter = time.UnixMilli(n * 900000).UTC()
		}
		if g.Waits, err = ints(waits); err != nil {
			return nil, err
		}
		if g.Services, err = ints(services); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, Normalize(rows.Err())
}

// asInt reads an integer group key; false for NULL.
func asInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int32:
		return int64(n), true
	case float64:
		return int64(n), true
	case []byte:
		i, err := strconv.ParseInt(string(n), 10, 64)
		return i, err == nil
	case string:
		i, err := strconv.ParseInt(n, 10, 64)
		return i, err == nil
	}
	return 0, false
}

// ints reads a list "12,7,30" of whole numbers.
func ints(s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	out := make([]int, 0, strings.Count(s, ",")+1)
	for len(s) > 0 {
		i := strings.IndexByte(s, ',')
		if i < 0 {
			i = len(s)
		}
		n, err := strconv.Atoi(s[:i])
		if err != nil {
			return nil, fmt.Errorf("report list: %w", err)
		}
		out = append(out, n)
		if i == len(s) {
			break
		}
		s = s[i+1:]
	}
	return out, nil
}

// ReportMoves lists, in order, every move of the tickets transferred or
// reactivated between start and end (the instants of the report's days, with
// a margin: the caller keeps the moves of the tickets of its days).
func (s *Store) ReportMoves(ctx context.Context, start, end time.Time) ([]ReportMove, error) {
	rows, err := s.read.QueryContext(ctx, s.read.Rebind(`SELECT e.ticket_id, e.at, e.action, e.service_id,
		e.to_service_id, e.counter_id, e.user_id
		FROM ticket_events e
		WHERE e.ticket_id IN (`+movedTickets+`)
		ORDER BY e.ticket_id, e.id`), start.UTC(), end.UTC())
	if err != nil {
		return nil, Normalize(err)
	}
	defer rows.Close()
	var out []ReportMove
	for rows.Next() {
		var m ReportMove
		var to, counter, user sql.NullInt64
		if err := rows.Scan(&m.TicketID, &m.At, &m.Action, &m.ServiceID, &to, &counter, &user); err != nil {
			return nil, Normalize(err)
		}
		m.ToServiceID, m.CounterID, m.UserID = nullInt(to), nullInt(counter), nullInt(user)
		out = append(out, m)
	}
	return out, Normalize(rows.Err())
}

// StaffNames maps every user id to the name a report shows: the full name,
// or the username when it has none.
func (s *Store) StaffNames(ctx context.Context) (map[int64]string, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, username, full_name FROM users`)
	if err != nil {
		return nil, Normalize(err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var username, full string
		if err := rows.Scan(&id, &username, &full); err != nil {
			return nil, Normalize(err)
		}
		if full == "" {
			full = username
		}
		out[id] = full
	}
	return out, Normalize(rows.Err())
}

func nullInt(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	return &n.Int64
}

func nullTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	return &t.Time
}
