package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"
)

// Ratings of visits (issue 15).

// RatingRecord is a rating as stored: the visit's service, counter and
// officer are copied from the ticket when it is rated.
type RatingRecord struct {
	TicketID  int64
	Day       string
	RatedAt   time.Time
	Score     int
	Reasons   []string
	Comment   string
	ServiceID int64
	CounterID *int64
	StaffID   *int64
	Source    string
}

// InsertRating stores a rating; a second rating of the same ticket is a
// conflict (the UNIQUE index decides, inside the writer's transaction).
func (t *Tx) InsertRating(r RatingRecord) error {
	reasons, err := json.Marshal(r.Reasons)
	if err != nil {
		return err
	}
	if r.Reasons == nil {
		reasons = []byte("[]")
	}
	_, err = t.insert(`INSERT INTO ratings (ticket_id, day, rated_at, score, reasons, comment, service_id, counter_id, staff_id, source)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.TicketID, r.Day, r.RatedAt.UTC(), r.Score, string(reasons), r.Comment,
		r.ServiceID, r.CounterID, r.StaffID, r.Source)
	return err
}

// Rated reports whether a ticket has been rated.
func (t *Tx) Rated(ticketID int64) (bool, error) {
	var n int
	err := t.get(&n, `SELECT COUNT(*) FROM ratings WHERE ticket_id = ?`, ticketID)
	return n > 0, err
}

// Rating reads a ticket's rating; ok is false when it has none.
func (s *Store) Rating(ctx context.Context, ticketID int64) (r RatingRecord, ok bool, err error) {
	var reasons string
	var counter, staff sql.NullInt64
	err = s.read.QueryRowContext(ctx, s.read.Rebind(`SELECT ticket_id, day, rated_at, score, reasons, comment, service_id,
		counter_id, staff_id, source FROM ratings WHERE ticket_id = ?`), ticketID).Scan(&r.TicketID, &r.Day, &r.RatedAt,
		&r.Score, &reasons, &r.Comment, &r.ServiceID, &counter, &staff, &r.Source)
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	if err != nil {
		return r, false, Normalize(err)
	}
	r.CounterID, r.StaffID = nullInt(counter), nullInt(staff)
	return r, true, json.Unmarshal([]byte(reasons), &r.Reasons)
}

// ReportRatings lists the ratings of the visits of fromDay..toDay.
func (s *Store) ReportRatings(ctx context.Context, fromDay, toDay string) ([]RatingRecord, error) {
	rows, err := s.read.QueryContext(ctx, s.read.Rebind(`SELECT ticket_id, day, rated_at, score, service_id, counter_id, staff_id
		FROM ratings WHERE day >= ? AND day <= ?`), fromDay, toDay)
	if err != nil {
		return nil, Normalize(err)
	}
	defer rows.Close()
	var out []RatingRecord
	for rows.Next() {
		var r RatingRecord
		var counter, staff sql.NullInt64
		if err := rows.Scan(&r.TicketID, &r.Day, &r.RatedAt, &r.Score, &r.ServiceID, &counter, &staff); err != nil {
			return nil, Normalize(err)
		}
		r.CounterID, r.StaffID = nullInt(counter), nullInt(staff)
		out = append(out, r)
	}
	return out, Normalize(rows.Err())
}

// LastVisit is the visit that ended last at a counter on a day (done), with
// whether it is rated; ok is false when none ended there.
func (s *Store) LastVisit(ctx context.Context, counterID int64, day string) (ticketID int64, number string, finishedAt time.Time, rated, ok bool, err error) {
	var n int
	err = s.read.QueryRowContext(ctx, s.read.Rebind(`SELECT t.id, t.number, t.finished_at,
		(SELECT COUNT(*) FROM ratings r WHERE r.ticket_id = t.id)
		FROM tickets t WHERE t.counter_id = ? AND t.day = ? AND t.status = 'done' AND t.finished_at IS NOT NULL
		ORDER BY t.finished_at DESC, t.id DESC LIMIT 1`), counterID, day).Scan(&ticketID, &number, &finishedAt, &n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", time.Time{}, false, false, nil
	}
	if err != nil {
		return 0, "", time.Time{}, false, false, Normalize(err)
	}
	return ticketID, number, finishedAt, n > 0, true, nil
}

// RatingOfDossier reads the rating of the visit that received a dossier
// (a rating belongs to the visit and to the dossiers it created); ok is
// false when that visit is not rated. An unknown dossier is not found.
func (s *Store) RatingOfDossier(ctx context.Context, dossierID int64) (r RatingRecord, ok bool, err error) {
	var ticketID int64
	if err := s.read.QueryRowContext(ctx, s.read.Rebind(`SELECT ticket_id FROM dossiers WHERE id = ?`), dossierID).Scan(&ticketID); err != nil {
		return r, false, Normalize(err)
	}
	return s.Rating(ctx, ticketID)
}

// RatedProcedure is the procedure of a dossier a rated visit created.
type RatedProcedure struct {
	ID   int64
	Code string
	Name string
}

// RatingProcedures maps each rated visit of the days fromDay..toDay to the
// procedures of the dossiers it created (visits that created none are
// left out), each procedure once, in id order.
func (s *Store) RatingProcedures(ctx context.Context, fromDay, toDay string) (map[int64][]RatedProcedure, error) {
	rows, err := s.read.QueryContext(ctx, s.read.Rebind(`SELECT DISTINCT r.ticket_id, p.id, p.code, p.name
		FROM ratings r
		JOIN dossier_tickets dt ON dt.ticket_id = r.ticket_id
		JOIN dossiers d ON d.id = dt.dossier_id AND d.ticket_id = r.ticket_id
		JOIN procedures p ON p.id = d.procedure_id
		WHERE r.day >= ? AND r.day <= ?
		ORDER BY r.ticket_id, p.id`), fromDay, toDay)
	if err != nil {
		return nil, Normalize(err)
	}
	defer rows.Close()
	out := map[int64][]RatedProcedure{}
	for rows.Next() {
		var ticketID int64
		var p RatedProcedure
		if err := rows.Scan(&ticketID, &p.ID, &p.Code, &p.Name); err != nil {
			return nil, Normalize(err)
		}
		out[ticketID] = append(out[ticketID], p)
	}
	return out, Normalize(rows.Err())
}
