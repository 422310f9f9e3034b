package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/motcua/motcua"
)

// DossierRow is a dossier as stored: the hub completes it (procedure names,
// links, steps, overdue flags) into a motcua.Dossier.
type DossierRow struct {
	ID                int64      `db:"id"`
	Code              string     `db:"code"`
	UnitCode          string     `db:"unit_code"`
	Day               string     `db:"day"`
	Seq               int        `db:"seq"`
	TicketID          int64      `db:"ticket_id"`
	ProcedureID       int64      `db:"procedure_id"`
	ProcessingDays    int        `db:"processing_days"`
	Status            string     `db:"status"`
	ReceivedAt        time.Time  `db:"received_at"`
	DueAt             time.Time  `db:"due_at"`
	TransferDueAt     time.Time  `db:"transfer_due_at"`
	TransferredAt     *time.Time `db:"transferred_at"`
	FinishedAt        *time.Time `db:"finished_at"`
	ReturnedAt        *time.Time `db:"returned_at"`
	ApplicantName     string     `db:"applicant_name"`
	ApplicantIDNumber string     `db:"applicant_id_number"`
	ApplicantPhone    string     `db:"applicant_phone"`
	ApplicantAddress  string     `db:"applicant_address"`
	ApplicantEmail    string     `db:"applicant_email"`
	ApplicantKind     string     `db:"applicant_kind"`
	Nationality       string     `db:"applicant_nationality"`
	OrgCode           string     `db:"applicant_org_code"`
	OrgName           string     `db:"applicant_org_name"`
	ProcessingTime    string     `db:"processing_time"`
	ExtendedAt        *time.Time `db:"extended_at"`
	PurgedAt          *time.Time `db:"purged_at"`
	DocumentsJSON     string     `db:"documents"`
	Sets              int        `db:"sets"`
	Delivery          string     `db:"delivery"`
	DeliveryAddress   string     `db:"delivery_address"`
	Note              string     `db:"note"`
	ReceivedBy        int64      `db:"received_by"`
	CounterID         *int64     `db:"counter_id"`
	// DocumentDetailsJSON is the JSON list of motcua.DocumentCopy (Mẫu 01).
	DocumentDetailsJSON string `db:"document_details"`
}

// DocumentDetails decodes whether each document is an original or a copy.
func (r DossierRow) DocumentDetails() []motcua.DocumentCopy {
	var out []motcua.DocumentCopy
	if err := json.Unmarshal([]byte(r.DocumentDetailsJSON), &out); err != nil || out == nil {
		return []motcua.DocumentCopy{}
	}
	return out
}

// Documents decodes the documents received.
func (r DossierRow) Documents() []string {
	var docs []string
	if err := json.Unmarshal([]byte(r.DocumentsJSON), &docs); err != nil || docs == nil {
		return []string{}
	}
	return docs
}

const dossierColumns = `id, code, unit_code, day, seq, ticket_id, procedure_id, processing_days, status, received_at, due_at,
	transfer_due_at, transferred_at, finished_at, returned_at, applicant_name, applicant_id_number, applicant_phone,
	applicant_address, applicant_email, purged_at, documents, sets, delivery, delivery_address, note, received_by, counter_id,
	applicant_kind, applicant_nationality, applicant_org_code, applicant_org_name, processing_time, extended_at, document_details`

// NextDossierSeq reserves the next daily sequence of a unit's dossier codes.
// Like ticket numbers, the counter row is written in the dossier's own
// transaction: a sequence is never handed out twice, even by several hubs on
// one PostgreSQL registry (the upsert locks the row until commit).
func (t DossierTx) NextDossierSeq(unitCode, day string) (int, error) {
	var seq int
	err := t.tx.QueryRowxContext(t.ctx, t.tx.Rebind(`INSERT INTO dossier_numbers (unit_code, day, last_seq) VALUES (?, ?, 1)
		ON CONFLICT (unit_code, day) DO UPDATE SET last_seq = dossier_numbers.last_seq + 1 RETURNING last_seq`),
		unitCode, day).Scan(&seq)
	return seq, Normalize(err)
}

// InsertDossier writes a new dossier, links its ticket and sets its id.
func (t DossierTx) InsertDossier(r *DossierRow) error {
	docs, err := json.Marshal(r.Documents())
	if err != nil {
		return err
	}
	if r.DocumentsJSON != "" {
		docs = []byte(r.DocumentsJSON)
	}
	details := r.DocumentDetailsJSON
	if details == "" {
		details = "[]"
	}
	id, err := t.insert(`INSERT INTO dossiers (code, unit_code, day, seq, ticket_id, procedure_id, processing_days, status,
		received_at, due_at, transfer_due_at, applicant_name, applicant_id_number, applicant_phone, applicant_address,
		applicant_email, documents, sets, delivery, delivery_address, note, received_by, counter_id,
		applicant_kind, applicant_nationality, applicant_org_code, applicant_org_name, processing_time, document_details)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Code, r.UnitCode, r.Day, r.Seq, r.TicketID, r.ProcedureID, r.ProcessingDays, r.Status,
		r.ReceivedAt.UTC(), r.DueAt.UTC(), r.TransferDueAt.UTC(), r.ApplicantName, r.ApplicantIDNumber, r.ApplicantPhone,
		r.ApplicantAddress, r.ApplicantEmail, string(docs), r.Sets, r.Delivery, r.DeliveryAddress, r.Note, r.ReceivedBy, r.CounterID,
		applicantKind(r.ApplicantKind), r.Nationality, r.OrgCode, r.OrgName, r.ProcessingTime, details)
	if err != nil {
		return err
	}
	r.ID = id
	return t.LinkDossierTicket(id, r.TicketID, r.ReceivedAt)
}

// applicantKind stores an unset kind as the default, a citizen with a CCCD.
func applicantKind(k string) string {
	if k == "" {
		return motcua.ApplicantCCCD
	}
	return k
}

// LinkDossierTicket links a visit's ticket to a dossier; linking twice is harmless.
func (t DossierTx) LinkDossierTicket(dossierID, ticketID int64, at time.Time) error {
	return t.exec(`INSERT INTO dossier_tickets (dossier_id, ticket_id, linked_at) VALUES (?, ?, ?)
		ON CONFLICT (dossier_id, ticket_id) DO NOTHING`, dossierID, ticketID, at.UTC())
}

func getDossier(ctx context.Context, q queryer, where string, args ...any) (DossierRow, error) {
	var r DossierRow
	err := sqlx.GetContext(ctx, q, &r, q.Rebind(`SELECT `+dossierColumns+` FROM dossiers WHERE `+where), args...)
	if err != nil {
		if ErrorIsNotFound(err) {
			return r, motcua.Errorf(motcua.ENotFound, "Không tìm thấy hồ sơ. / Dossier not found.")
		}
		return r, Normalize(err)
	}
	return r, nil
}

// Dossier reads a dossier by id.
func (s DossierStore) Dossier(ctx context.Context, id int64) (DossierRow, error) {
	return getDossier(ctx, s.read, `id = ?`, id)
}

// Dossier reads a dossier inside the transaction, locking it on PostgreSQL.
func (t DossierTx) Dossier(id int64) (DossierRow, error) {
	return getDossier(t.ctx, t.tx, `id = ?`+t.lockClause(), id)
}

// DossierMove is the change one lifecycle action makes.
type DossierMove struct {
	ID            int64
	From, To      string
	DueAt         *time.Time // a new due date (supplement received)
	TransferredAt *time.Time // first time the dossier left the counter
	FinishedAt    *time.Time
	ReturnedAt    *time.Time
	ExtendedAt    *time.Time // the processing time was extended (issue 17)
}

// MoveDossier applies m, provided the dossier is still in status m.From.
func (t DossierTx) MoveDossier(m DossierMove) error {
	set := []string{"status = ?"}
	args := []any{m.To}
	add := func(col string, v *time.Time) {
		if v != nil {
			set = append(set, col+" = ?")
			args = append(args, v.UTC())
		}
	}
	add("due_at", m.DueAt)
	add("transferred_at", m.TransferredAt)
	add("finished_at", m.FinishedAt)
	add("returned_at", m.ReturnedAt)
	add("extended_at", m.ExtendedAt)
	args = append(args, m.ID, m.From)
	res, err := t.tx.ExecContext(t.ctx, t.tx.Rebind(`UPDATE dossiers SET `+strings.Join(set, ", ")+` WHERE id = ? AND status = ?`), args...)
	if err != nil {
		return Normalize(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return motcua.Errorf(motcua.EConflict, "Hồ sơ vừa được thay đổi ở nơi khác. / The dossier was just changed elsewhere.")
	}
	return nil
}

// DossierStepRow is one recorded move of a dossier.
type DossierStepRow struct {
	ID        int64      `db:"id"`
	DossierID int64      `db:"dossier_id"`
	Type      string     `db:"type"`
	From      string     `db:"from_status"`
	To        string     `db:"to_status"`
	At        time.Time  `db:"at"`
	UserID    int64      `db:"user_id"`
	Username  string     `db:"username"`
	FullName  string     `db:"full_name"`
	Note      string     `db:"note"`
	TicketID  *int64     `db:"ticket_id"`
	DueAt     *time.Time `db:"due_at"`
	// A refusal after processing: the agency's letter (number, YYYY-MM-DD).
	LetterNumber string `db:"letter_number"`
	LetterDate   string `db:"letter_date"`
}

// InsertDossierStep records who moved a dossier, when and why.
func (t DossierTx) InsertDossierStep(s DossierStepRow) error {
	var due *time.Time
	if s.DueAt != nil {
		u := s.DueAt.UTC()
		due = &u
	}
	_, err := t.insert(`INSERT INTO dossier_steps (dossier_id, type, from_status, to_status, at, user_id, note, ticket_id, due_at,
		letter_number, letter_date)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, s.DossierID, s.Type, s.From, s.To, s.At.UTC(), s.UserID, s.Note, s.TicketID, due,
		s.LetterNumber, s.LetterDate)
	return err
}

// DossierLinks is what completes a dossier row: its visits' tickets, its
// steps, its apologies and its procedure.
type DossierLinks struct {
	TicketIDs []int64
	Tickets   map[int64]motcua.Ticket
	Steps     []DossierStepRow
	Apologies []motcua.Apology
	Handovers []HandoverRow
}

// DossierLinks reads the links of the given dossiers (steps only when withSteps).
func (s DossierStore) DossierLinks(ctx context.Context, ids []int64, withSteps bool) (map[int64]*DossierLinks, error) {
	return dossierLinks(ctx, s.read, s.codes, ids, withSteps)
}

// DossierLinks reads links inside the transaction (for the events it appends).
func (t DossierTx) DossierLinks(ids []int64, withSteps bool) (map[int64]*DossierLinks, error) {
	return dossierLinks(t.ctx, t.tx, t.codes, ids, withSteps)
}

func dossierLinks(ctx context.Context, q queryer, codes *motcua.ShortCodes, ids []int64, withSteps bool) (map[int64]*DossierLinks, error) {
	out := make(map[int64]*DossierLinks, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	for _, id := range ids {
		out[id] = &DossierLinks{Tickets: map[int64]motcua.Ticket{}}
	}
	in, args, err := sqlx.In(`SELECT dt.dossier_id AS dossier_id, `+prefixed("t.", ticketColumns)+`
		FROM dossier_tickets dt JOIN tickets t ON t.id = dt.ticket_id WHERE dt.dossier_id IN (?) ORDER BY dt.linked_at, t.id`, ids)
	if err != nil {
		return nil, err
	}
	var links []struct {
		DossierID int64 `db:"dossier_id"`
		motcua.Ticket
	}
	if err := sqlx.SelectContext(ctx, q, &links, q.Rebind(in), args...); err != nil {
		return nil, Normalize(err)
	}
	for _, l := range links {
		withCode(codes, &l.Ticket)
		d := out[l.DossierID]
		d.TicketIDs = append(d.TicketIDs, l.Ticket.ID)
		d.Tickets[l.Ticket.ID] = l.Ticket
	}
	in, args, err = sqlx.In(`SELECT dossier_id, issued_at, reason, new_due_at FROM dossier_apologies
		WHERE dossier_id IN (?) ORDER BY id`, ids)
	if err != nil {
		return nil, err
	}
	var apologies []struct {
		DossierID int64     `db:"dossier_id"`
		IssuedAt  time.Time `db:"issued_at"`
		Reason    string    `db:"reason"`
		NewDueAt  time.Time `db:"new_due_at"`
	}
	if err := sqlx.SelectContext(ctx, q, &apologies, q.Rebind(in), args...); err != nil {
		return nil, Normalize(err)
	}
	for _, a := range apologies {
		d := out[a.DossierID]
		d.Apologies = append(d.Apologies, motcua.Apology{Reason: a.Reason, NewDueAt: a.NewDueAt, IssuedAt: a.IssuedAt})
	}
	if err := handoversOf(ctx, q, ids, out); err != nil {
		return nil, err
	}
	if !withSteps {
		return out, nil
	}
	in, args, err = sqlx.In(`SELECT s.id, s.dossier_id, s.type, s.from_status, s.to_status, s.at, s.user_id,
		COALESCE(u.username, '') AS username, COALESCE(u.full_name, '') AS full_name, s.note, s.ticket_id, s.due_at,
		s.letter_number, s.letter_date
		FROM dossier_steps s LEFT JOIN users u ON u.id = s.user_id WHERE s.dossier_id IN (?) ORDER BY s.id`, ids)
	if err != nil {
		return nil, err
	}
	var steps []DossierStepRow
	if err := sqlx.SelectContext(ctx, q, &steps, q.Rebind(in), args...); err != nil {
		return nil, Normalize(err)
	}
	for _, st := range steps {
		d := out[st.DossierID]
		d.Steps = append(d.Steps, st)
	}
	return out, nil
}

// DossiersOfTicket lists the dossiers a ticket created or was linked to, oldest first.
func (s DossierStore) DossiersOfTicket(ctx context.Context, ticketID int64) ([]DossierRow, error) {
	var out []DossierRow
	err := s.read.SelectContext(ctx, &out, s.read.Rebind(`SELECT `+prefixed("d.", dossierColumns)+`
		FROM dossiers d JOIN dossier_tickets dt ON dt.dossier_id = d.id WHERE dt.ticket_id = ? ORDER BY d.id`), ticketID)
	return out, Normalize(err)
}

// DossierQuery selects dossiers for a list; now decides overdue and late transfers.
type DossierQuery struct {
	motcua.DossierFilter
	Now time.Time
}

// Dossiers lists dossiers, newest first.
func (s DossierStore) Dossiers(ctx context.Context, q DossierQuery) ([]DossierRow, error) {
	var where []string
	var args []any
	if q.Status != "" {
		where = append(where, `d.status = ?`)
		args = append(args, string(q.Status))
	}
	if q.Overdue {
		// Not finished by the due date; the clock stops while the citizen completes the dossier.
		where = append(where, `d.status NOT IN ('supplement_requested', 'stopped') AND ((d.finished_at IS NULL AND d.due_at < ?) OR d.finished_at > d.due_at)`)
		args = append(args, q.Now.UTC())
	}
	if q.TransferLate {
		where = append(where, `((d.transferred_at IS NULL AND d.status = 'received' AND d.transfer_due_at <= ?) OR d.transferred_at > d.transfer_due_at)`)
		args = append(args, q.Now.UTC())
	}
	if q.Code != "" {
		where = append(where, `d.code LIKE ?`)
		args = append(args, "%"+escapeLike(q.Code)+"%")
	}
	if q.TicketID != 0 {
		where = append(where, `d.id IN (SELECT dossier_id FROM dossier_tickets WHERE ticket_id = ?)`)
		args = append(args, q.TicketID)
	}
	query := `SELECT ` + prefixed("d.", dossierColumns) + ` FROM dossiers d`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	limit := q.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	query += ` ORDER BY d.id DESC LIMIT ?`
	args = append(args, limit)
	var out []DossierRow
	err := s.read.SelectContext(ctx, &out, s.read.Rebind(query), args...)
	return out, Normalize(err)
}

// escapeLike keeps a typed code from acting as a LIKE pattern; codes hold
// no backslash, so '%' and '_' are simply dropped.
func escapeLike(s string) string {
	return strings.NewReplacer("%", "", "_", "").Replace(s)
}

// AuditDossier records a staff action on a dossier: a view of its personal
// data, a printout, a purge.
func (t DossierTx) AuditDossier(at time.Time, userID int64, action string, dossierID int64, ticketID *int64, reason string) error {
	var user *int64
	if userID != 0 {
		user = &userID
	}
	_, err := t.insert(`INSERT INTO audit (at, user_id, action, ticket_id, counter_id, reason, dossier_id) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		at.UTC(), user, action, ticketID, nil, reason, dossierID)
	return err
}

// DossierAuditEntry is one audited action on a dossier.
type DossierAuditEntry struct {
	At        time.Time `db:"at"`
	UserID    *int64    `db:"user_id"`
	Action    string    `db:"action"`
	DossierID int64     `db:"dossier_id"`
	Reason    string    `db:"reason"`
}

// DossierAudit lists the audited actions on a dossier, oldest first.
func (s DossierStore) DossierAudit(ctx context.Context, dossierID int64) ([]DossierAuditEntry, error) {
	var out []DossierAuditEntry
	err := s.read.SelectContext(ctx, &out, s.read.Rebind(`SELECT at, user_id, action, dossier_id, reason FROM audit
		WHERE dossier_id = ? ORDER BY id`), dossierID)
	return out, Normalize(err)
}

// PurgeDossierApplicants empties the applicant data of dossiers finished
// (returned, rejected or stopped) before cutoff and returns their ids. The dossier,
// its code and history stay for the ledger.
func (t DossierTx) PurgeDossierApplicants(cutoff, now time.Time) ([]int64, error) {
	var ids []int64
	err := t.selectAll(&ids, `SELECT id FROM dossiers WHERE purged_at IS NULL AND status IN ('returned', 'rejected', 'stopped')
		AND COALESCE(returned_at, finished_at) < ? ORDER BY id`, cutoff.UTC())
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	q, args, err := sqlx.In(`UPDATE dossiers SET applicant_name = '', applicant_id_number = '', applicant_phone = '',
		applicant_address = '', applicant_email = '', applicant_nationality = '', applicant_org_code = '',
		applicant_org_name = '', delivery_address = '', note = '', purged_at = ?
		WHERE id IN (?)`, now.UTC(), ids)
	if err != nil {
		return nil, err
	}
	if err := t.exec(q, args...); err != nil {
		return nil, fmt.Errorf("purge dossiers: %w", err)
	}
	// Step notes may name the applicant ("missing the birth certificate of …").
	q, args, err = sqlx.In(`UPDATE dossier_steps SET note = '' WHERE dossier_id IN (?)`, ids)
	if err != nil {
		return nil, err
	}
	if err := t.exec(q, args...); err != nil {
		return nil, err
	}
	return ids, t.purgeDossierExtras(ids)
}
