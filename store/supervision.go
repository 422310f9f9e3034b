package store

import (
	"context"
	"database/sql"
	"time"
)

// Reads of the live supervision (issue 15): today's tickets and moves, and
// the reasons given for calls out of order. A day of a busy hall is a few
// hundred tickets; the reads go by tickets (day, ...) and ticket_events (at).

// FloorTicket is one of today's tickets as the floor needs it.
type FloorTicket struct {
	ID        int64
	Number    string
	ServiceID int64
	Status    string
	Priority  bool
	QueuedAt  time.Time
	CalledAt  *time.Time
	CounterID *int64
}

// FloorMove is one move of a ticket since the start of the day.
type FloorMove struct {
	TicketID  int64
	At        time.Time
	Action    string
	ServiceID int64
	CounterID *int64
	UserID    *int64
}

// FloorTickets lists the tickets of the branch day ("YYYY-MM-DD").
func (s *Store) FloorTickets(ctx context.Context, day string) ([]FloorTicket, error) {
	rows, err := s.read.QueryContext(ctx, s.read.Rebind(`SELECT id, number, service_id, status, priority, queued_at,
		called_at, counter_id FROM tickets WHERE day = ? ORDER BY id`), day)
	if err != nil {
		return nil, Normalize(err)
	}
	defer rows.Close()
	var out []FloorTicket
	for rows.Next() {
		var t FloorTicket
		var called sql.NullTime
		var counter sql.NullInt64
		if err := rows.Scan(&t.ID, &t.Number, &t.ServiceID, &t.Status, &t.Priority, &t.QueuedAt, &called, &counter); err != nil {
			return nil, Normalize(err)
		}
		t.CalledAt, t.CounterID = nullTime(called), nullInt(counter)
		out = append(out, t)
	}
	return out, Normalize(rows.Err())
}

// FloorMoves lists, in order, the moves of tickets since the instant start.
func (s *Store) FloorMoves(ctx context.Context, start time.Time) ([]FloorMove, error) {
	rows, err := s.read.QueryContext(ctx, s.read.Rebind(`SELECT ticket_id, at, action, service_id, counter_id, user_id
		FROM ticket_events WHERE at >= ? ORDER BY id`), start.UTC())
	if err != nil {
		return nil, Normalize(err)
	}
	defer rows.Close()
	var out []FloorMove
	for rows.Next() {
		var m FloorMove
		var counter, user sql.NullInt64
		if err := rows.Scan(&m.TicketID, &m.At, &m.Action, &m.ServiceID, &counter, &user); err != nil {
			return nil, Normalize(err)
		}
		m.CounterID, m.UserID = nullInt(counter), nullInt(user)
		out = append(out, m)
	}
	return out, Normalize(rows.Err())
}

// ManualCallReasons maps each ticket called out of order since start to the
// reason the officer wrote (the newest, when called so more than once).
func (s *Store) ManualCallReasons(ctx context.Context, start time.Time) (map[int64]string, error) {
	rows, err := s.read.QueryContext(ctx, s.read.Rebind(`SELECT ticket_id, reason FROM audit
		WHERE action = 'manual_call' AND at >= ? AND ticket_id IS NOT NULL ORDER BY id`), start.UTC())
	if err != nil {
		return nil, Normalize(err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var reason string
		if err := rows.Scan(&id, &reason); err != nil {
			return nil, Normalize(err)
		}
		out[id] = reason
	}
	return out, Normalize(rows.Err())
}
