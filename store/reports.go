package store

import (
	"context"
	"database/sql"
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
	QueuedAt   time.Time
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

// ReportVisits lists the tickets issued on the branch days fromDay..toDay
// (both included, "YYYY-MM-DD").
func (s *Store) ReportVisits(ctx context.Context, fromDay, toDay string) ([]ReportVisit, error) {
	// Counting first sizes the slice once: growing it row by row was a
	// third of a year's report.
	var n int
	if err := s.read.QueryRowContext(ctx, s.read.Rebind(`SELECT COUNT(*) FROM tickets WHERE day >= ? AND day <= ?`),
		fromDay, toDay).Scan(&n); err != nil {
		return nil, Normalize(err)
	}
	rows, err := s.read.QueryContext(ctx, s.read.Rebind(`SELECT id, day, service_id, status, issued_at, queued_at,
		counter_id, served_by, called_at, started_at, finished_at
		FROM tickets WHERE day >= ? AND day <= ?`), fromDay, toDay)
	if err != nil {
		return nil, Normalize(err)
	}
	defer rows.Close()
	out := make([]ReportVisit, 0, n)
	for rows.Next() {
		var v ReportVisit
		var counter, servedBy sql.NullInt64
		var called, started, finished sql.NullTime
		if err := rows.Scan(&v.ID, &v.Day, &v.ServiceID, &v.Status, &v.IssuedAt, &v.QueuedAt,
			&counter, &servedBy, &called, &started, &finished); err != nil {
			return nil, Normalize(err)
		}
		v.CounterID, v.ServedBy = nullInt(counter), nullInt(servedBy)
		v.CalledAt, v.StartedAt, v.FinishedAt = nullTime(called), nullTime(started), nullTime(finished)
		out = append(out, v)
	}
	return out, Normalize(rows.Err())
}

// ReportMoves lists, in order, every move of the tickets transferred or
// reactivated between start and end (the instants of the report's days, with
// a margin: the caller keeps the moves of the tickets of its days).
func (s *Store) ReportMoves(ctx context.Context, start, end time.Time) ([]ReportMove, error) {
	rows, err := s.read.QueryContext(ctx, s.read.Rebind(`SELECT e.ticket_id, e.at, e.action, e.service_id,
		e.to_service_id, e.counter_id, e.user_id
		FROM ticket_events e
		WHERE e.ticket_id IN (
			SELECT x.ticket_id FROM ticket_events x
			WHERE x.action IN ('transfer', 'reactivate') AND x.at >= ? AND x.at < ?)
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
