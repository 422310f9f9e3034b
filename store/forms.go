package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/motcua/motcua"
)

// The forms of issue 17 (Mẫu 01 ledger entry, Mẫu 06 hand-overs) and the
// register of citizens' requests about their personal data.

// HandoverRow is one hand-over of a dossier as stored (Mẫu 06).
type HandoverRow struct {
	ID        int64     `db:"id"`
	DossierID int64     `db:"dossier_id"`
	At        time.Time `db:"at"`
	From      string    `db:"from_party"`
	To        string    `db:"to_party"`
	DueAt     time.Time `db:"due_at"`
	UserID    int64     `db:"user_id"`
	Username  string    `db:"username"`
	FullName  string    `db:"full_name"`
	Note      string    `db:"note"`
}

// InsertHandover records a hand-over.
func (t DossierTx) InsertHandover(h HandoverRow) (int64, error) {
	return t.insert(`INSERT INTO dossier_handovers (dossier_id, at, from_party, to_party, due_at, user_id, note)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, h.DossierID, h.At.UTC(), h.From, h.To, h.DueAt.UTC(), h.UserID, h.Note)
}

// handoversOf adds the hand-overs of the dossiers ids to out, oldest first.
func handoversOf(ctx context.Context, q queryer, ids []int64, out map[int64]*DossierLinks) error {
	in, args, err := sqlx.In(`SELECT h.id, h.dossier_id, h.at, h.from_party, h.to_party, h.due_at, h.user_id,
		COALESCE(u.username, '') AS username, COALESCE(u.full_name, '') AS full_name, h.note
		FROM dossier_handovers h LEFT JOIN users u ON u.id = h.user_id WHERE h.dossier_id IN (?) ORDER BY h.id`, ids)
	if err != nil {
		return err
	}
	var rows []HandoverRow
	if err := sqlx.SelectContext(ctx, q, &rows, q.Rebind(in), args...); err != nil {
		return Normalize(err)
	}
	for _, h := range rows {
		if d := out[h.DossierID]; d != nil {
			d.Handovers = append(d.Handovers, h)
		}
	}
	return nil
}

// LedgerEntry is the place of a dossier in the ledger (Mẫu 07): the book of
// its year and its number in that book, counted by receipt among the
// dossiers received in [yearStart, yearEnd).
func (s DossierStore) LedgerEntry(ctx context.Context, id int64, yearStart, yearEnd time.Time) (int, error) {
	var n int
	err := s.read.GetContext(ctx, &n, s.read.Rebind(`SELECT COUNT(*) FROM dossiers
		WHERE received_at >= ? AND received_at < ? AND id <= ?`), yearStart.UTC(), yearEnd.UTC(), id)
	return n, Normalize(err)
}

// purgeDossierExtras empties what else names the citizen of purged dossiers:
// the notes of hand-overs, and the priority group of their visits' tickets
// (health-related: a disability, a pregnancy).
func (t DossierTx) purgeDossierExtras(ids []int64) error {
	q, args, err := sqlx.In(`UPDATE dossier_handovers SET note = '' WHERE dossier_id IN (?)`, ids)
	if err != nil {
		return err
	}
	if err := t.exec(q, args...); err != nil {
		return err
	}
	q, args, err = sqlx.In(`UPDATE tickets SET priority_group = '' WHERE priority_group <> ''
		AND id IN (SELECT ticket_id FROM dossier_tickets WHERE dossier_id IN (?))`, ids)
	if err != nil {
		return err
	}
	t.forgetCurrent() // the rows changed behind UpdateTicket
	return t.exec(q, args...)
}

// PurgeTicketPriorityGroups empties the priority group (health-related) of
// the tickets issued before cutoff, with or without a dossier, and says how
// many it emptied. Whether a ticket was a priority one stays, for the reports.
func (t DossierTx) PurgeTicketPriorityGroups(cutoff time.Time) (int, error) {
	res, err := t.tx.ExecContext(t.ctx, t.tx.Rebind(`UPDATE tickets SET priority_group = '' WHERE priority_group <> '' AND issued_at < ?`), cutoff.UTC())
	if err != nil {
		return 0, Normalize(err)
	}
	t.forgetCurrent() // the rows changed behind UpdateTicket
	n, _ := res.RowsAffected()
	return int(n), nil
}

// PrivacyRow is a citizen's request about their personal data as stored.
type PrivacyRow struct {
	ID          int64      `db:"id"`
	Kind        string     `db:"kind"`
	ReceivedAt  time.Time  `db:"received_at"`
	DueAt       time.Time  `db:"due_at"`
	Requester   string     `db:"requester"`
	Contact     string     `db:"contact"`
	DossierCode string     `db:"dossier_code"`
	Detail      string     `db:"detail"`
	RecordedBy  int64      `db:"recorded_by"`
	AnsweredAt  *time.Time `db:"answered_at"`
	AnsweredBy  *int64     `db:"answered_by"`
	Outcome     string     `db:"outcome"`
	Answer      string     `db:"answer"`
}

const privacyColumns = `id, kind, received_at, due_at, requester, contact, dossier_code, detail, recorded_by,
	answered_at, answered_by, outcome, answer`

// InsertPrivacyRequest records a request and returns its id.
func (t DossierTx) InsertPrivacyRequest(r PrivacyRow) (int64, error) {
	return t.insert(`INSERT INTO privacy_requests (kind, received_at, due_at, requester, contact, dossier_code, detail, recorded_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.Kind, r.ReceivedAt.UTC(), r.DueAt.UTC(), r.Requester, r.Contact, r.DossierCode, r.Detail, r.RecordedBy)
}

// AnswerPrivacyRequest records the answer of a request not answered yet.
func (t DossierTx) AnswerPrivacyRequest(id int64, at time.Time, by int64, outcome, answer string) error {
	res, err := t.tx.ExecContext(t.ctx, t.tx.Rebind(`UPDATE privacy_requests SET answered_at = ?, answered_by = ?, outcome = ?, answer = ?
		WHERE id = ? AND answered_at IS NULL`), at.UTC(), by, outcome, answer, id)
	if err != nil {
		return Normalize(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		var one int
		if err := t.get(&one, `SELECT 1 FROM privacy_requests WHERE id = ?`, id); err != nil {
			if ErrorIsNotFound(err) {
				return motcua.Errorf(motcua.ENotFound, "Không có yêu cầu số %d. / There is no request %d.", id, id)
			}
			return err
		}
		return motcua.Errorf(motcua.EConflict, "Yêu cầu số %d đã được trả lời. / Request %d is already answered.", id, id)
	}
	return nil
}

// PrivacyRequest reads one request.
func (s DossierStore) PrivacyRequest(ctx context.Context, id int64) (PrivacyRow, error) {
	var r PrivacyRow
	err := s.read.GetContext(ctx, &r, s.read.Rebind(`SELECT `+privacyColumns+` FROM privacy_requests WHERE id = ?`), id)
	if err == sql.ErrNoRows {
		return r, motcua.Errorf(motcua.ENotFound, "Không có yêu cầu số %d. / There is no request %d.", id, id)
	}
	return r, Normalize(err)
}

// PrivacyRequests lists the requests, the open ones first (soonest due), then
// the answered ones, newest first.
func (s DossierStore) PrivacyRequests(ctx context.Context, limit int) ([]PrivacyRow, error) {
	var out []PrivacyRow
	err := s.read.SelectContext(ctx, &out, s.read.Rebind(`SELECT `+privacyColumns+` FROM privacy_requests
		ORDER BY CASE WHEN answered_at IS NULL THEN 0 ELSE 1 END, CASE WHEN answered_at IS NULL THEN due_at END, id DESC LIMIT ?`), limit)
	return out, Normalize(err)
}
