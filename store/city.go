package store

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/motcua/motcua"
)

// The city registry's tables (migration 010): the branches, every event
// they sent, and the tickets and dossiers projected from those events.

// CityStore reads the registry's tables.
type CityStore struct{ *conn }

// City returns the reads of the city registry.
func (s *Store) City() CityStore { return CityStore{s.conn} }

// CityTx writes the registry's tables.
type CityTx struct{ *txn }

// City returns the writes of the city registry.
func (t *Tx) City() CityTx { return CityTx{t.txn} }

// CityBranchRow is one row of city_branches.
type CityBranchRow struct {
	Code         string     `db:"code"`
	Name         string     `db:"name"`
	UnitCode     string     `db:"unit_code"`
	PasswordHash string     `db:"password_hash"`
	CreatedAt    time.Time  `db:"created_at"`
	RevokedAt    *time.Time `db:"revoked_at"`
	LastSeen     *time.Time `db:"last_seen"`
}

const cityBranchCols = `code, name, unit_code, password_hash, created_at, revoked_at, last_seen`

// Branches lists every branch, by code.
func (s CityStore) Branches(ctx context.Context) ([]CityBranchRow, error) {
	var rows []CityBranchRow
	err := s.read.SelectContext(ctx, &rows, `SELECT `+cityBranchCols+` FROM city_branches ORDER BY code`)
	return rows, Normalize(err)
}

// Branch reads one branch; not found when unknown.
func (s CityStore) Branch(ctx context.Context, code string) (CityBranchRow, error) {
	var row CityBranchRow
	err := s.read.GetContext(ctx, &row, s.read.Rebind(`SELECT `+cityBranchCols+` FROM city_branches WHERE code = ?`), code)
	return row, Normalize(err)
}

// CityCounts are one branch's figures for the city page.
type CityCounts struct {
	Branch   string `db:"branch"`
	Waiting  int    `db:"waiting"`
	Serving  int    `db:"serving"`
	Overdue  int    `db:"overdue"`
	AtRisk   int    `db:"at_risk"`
	Received int    `db:"received"`
	LastSeq  int64  `db:"last_seq"`
}

// Counts returns each branch's figures: tickets waiting, tickets issued
// since dayStart at a counter, open dossiers overdue and at risk, and
// dossiers received since dayStart.
func (s CityStore) Counts(ctx context.Context, dayStart time.Time) (map[string]CityCounts, error) {
	out := map[string]CityCounts{}
	var tickets []CityCounts
	if err := s.read.SelectContext(ctx, &tickets, s.read.Rebind(`SELECT branch,
		COALESCE(SUM(CASE WHEN status IN ('called', 'serving') THEN 1 ELSE 0 END), 0) AS serving
		FROM city_tickets WHERE issued_at >= ? GROUP BY branch`), dayStart.UTC()); err != nil {
		return nil, Normalize(err)
	}
	for _, c := range tickets {
		out[c.Branch] = c
	}
	var queues []CityCounts
	if err := s.read.SelectContext(ctx, &queues, `SELECT branch, COALESCE(SUM(waiting), 0) AS waiting FROM city_queues GROUP BY branch`); err != nil {
		return nil, Normalize(err)
	}
	for _, q := range queues {
		c := out[q.Branch]
		c.Branch, c.Waiting = q.Branch, q.Waiting
		out[q.Branch] = c
	}
	var dossiers []CityCounts
	if err := s.read.SelectContext(ctx, &dossiers, s.read.Rebind(`SELECT branch,
		COALESCE(SUM(CASE WHEN overdue AND status NOT IN ('returned', 'rejected') THEN 1 ELSE 0 END), 0) AS overdue,
		COALESCE(SUM(CASE WHEN at_risk AND NOT overdue AND status NOT IN ('returned', 'rejected') THEN 1 ELSE 0 END), 0) AS at_risk,
		COALESCE(SUM(CASE WHEN received_at >= ? THEN 1 ELSE 0 END), 0) AS received
		FROM city_dossiers GROUP BY branch`), dayStart.UTC()); err != nil {
		return nil, Normalize(err)
	}
	for _, d := range dossiers {
		c := out[d.Branch]
		c.Branch, c.Overdue, c.AtRisk, c.Received = d.Branch, d.Overdue, d.AtRisk, d.Received
		out[d.Branch] = c
	}
	var seqs []CityCounts
	if err := s.read.SelectContext(ctx, &seqs, `SELECT branch, MAX(seq) AS last_seq FROM city_events GROUP BY branch`); err != nil {
		return nil, Normalize(err)
	}
	for _, q := range seqs {
		c := out[q.Branch]
		c.Branch, c.LastSeq = q.Branch, q.LastSeq
		out[q.Branch] = c
	}
	return out, nil
}

// EventSeqs lists the seqs of a branch's applied events, in order (tests
// and the load tool compare them with what the hall made).
func (s CityStore) EventSeqs(ctx context.Context, branch string) ([]int64, error) {
	var seqs []int64
	err := s.read.SelectContext(ctx, &seqs, s.read.Rebind(`SELECT seq FROM city_events WHERE branch = ? ORDER BY seq`), branch)
	return seqs, Normalize(err)
}

// AppliedAt returns when the registry applied each of a branch's events
// after seq (the load tool's lag).
func (s CityStore) AppliedAt(ctx context.Context, branch string) (map[int64]time.Time, error) {
	var rows []struct {
		Seq       int64     `db:"seq"`
		AppliedAt time.Time `db:"applied_at"`
	}
	err := s.read.SelectContext(ctx, &rows, s.read.Rebind(`SELECT seq, applied_at FROM city_events WHERE branch = ?`), branch)
	out := make(map[int64]time.Time, len(rows))
	for _, r := range rows {
		out[r.Seq] = r.AppliedAt
	}
	return out, Normalize(err)
}

// CityDossierRow is one row of city_dossiers.
type CityDossierRow struct {
	Code   string `db:"code"`
	Branch string `db:"branch"`
	Body   string `db:"body"`
}

// Dossier reads a dossier by its code; not found when unknown.
func (s CityStore) Dossier(ctx context.Context, code string) (CityDossierRow, error) {
	var row CityDossierRow
	err := s.read.GetContext(ctx, &row, s.read.Rebind(`SELECT code, branch, body FROM city_dossiers WHERE code = ?`), code)
	return row, Normalize(err)
}

// AddBranch adds a branch; a code or unit code already taken is a conflict
// naming the field.
func (t CityTx) AddBranch(b CityBranchRow) error {
	var n int
	if err := t.get(&n, `SELECT COUNT(*) FROM city_branches WHERE code = ?`, b.Code); err != nil {
		return err
	}
	if n > 0 {
		return &motcua.Error{Code: motcua.EConflict, Message: "Mã chi nhánh đã có. / The branch code is taken.",
			Fields: map[string]string{"code": "Mã chi nhánh đã có. / The branch code is taken."}}
	}
	if err := t.get(&n, `SELECT COUNT(*) FROM city_branches WHERE unit_code = ?`, b.UnitCode); err != nil {
		return err
	}
	if n > 0 {
		return &motcua.Error{Code: motcua.EConflict,
			Message: "Mã đơn vị đã thuộc chi nhánh khác: mã hồ sơ sẽ trùng. / The unit code belongs to another branch: dossier codes would collide.",
			Fields:  map[string]string{"unit_code": "Mã đơn vị đã thuộc chi nhánh khác. / The unit code belongs to another branch."}}
	}
	return t.exec(`INSERT INTO city_branches (`+cityBranchCols+`) VALUES (?, ?, ?, ?, ?, NULL, NULL)`,
		b.Code, b.Name, b.UnitCode, b.PasswordHash, b.CreatedAt.UTC())
}

// SetBranchPassword replaces a branch's credential and lifts a revocation.
func (t CityTx) SetBranchPassword(code, hash string) error {
	return t.one(`UPDATE city_branches SET password_hash = ?, revoked_at = NULL WHERE code = ?`, hash, code)
}

// RevokeBranch refuses the branch's credential from at on.
func (t CityTx) RevokeBranch(code string, at time.Time) error {
	return t.one(`UPDATE city_branches SET revoked_at = ? WHERE code = ?`, at.UTC(), code)
}

// SetBranchSeen records when the branch's hall was last connected.
func (t CityTx) SetBranchSeen(code string, at time.Time) error {
	return t.exec(`UPDATE city_branches SET last_seen = ? WHERE code = ?`, at.UTC(), code)
}

// one runs an UPDATE that must touch one row; none is not found.
func (t CityTx) one(query string, args ...any) error {
	res, err := t.tx.ExecContext(t.ctx, t.tx.Rebind(query), args...)
	if err != nil {
		return Normalize(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return Normalize(err)
	} else if n == 0 {
		return motcua.Errorf(motcua.ENotFound, "Không có chi nhánh này. / No such branch.")
	}
	return nil
}

// ApplyEvents records hall events once each, many to a statement, and
// reports for each whether it is new: false for one the registry already
// had (a redelivery) or that came earlier in evs.
func (t CityTx) ApplyEvents(evs []motcua.CityEvent, now time.Time) ([]bool, error) {
	type key struct {
		Branch string `db:"branch"`
		Seq    int64  `db:"seq"`
	}
	fresh := make([]bool, len(evs))
	at := make(map[key]int, len(evs))
	rows := make([][]any, 0, len(evs))
	for i, ev := range evs {
		k := key{ev.Branch, ev.Seq}
		if _, dup := at[k]; dup {
			continue
		}
		at[k] = i
		rows = append(rows, []any{ev.Branch, ev.Seq, ev.Type, ev.At.UTC(), string(ev.Body), now.UTC()})
	}
	for chunk := range slices.Chunk(rows, rowsPerStatement) {
		var inserted []key
		if err := t.selectAll(&inserted, `INSERT INTO city_events (branch, seq, type, at, body, applied_at) VALUES `+
			valuesList(len(chunk), 6)+` ON CONFLICT (branch, seq) DO NOTHING RETURNING branch, seq`, flatten(chunk)...); err != nil {
			return nil, err
		}
		for _, k := range inserted {
			fresh[at[k]] = true
		}
	}
	return fresh, nil
}

// CityTicketPut is the state of a branch's ticket after its event seq.
type CityTicketPut struct {
	Branch string
	Seq    int64
	Ticket motcua.PublicTicket
}

// PutTickets keeps the newest state of branches' tickets, each (branch,
// ticket) at most once in puts: an older event arriving late does not
// overwrite a newer one.
func (t CityTx) PutTickets(puts []CityTicketPut) error {
	rows := make([][]any, len(puts))
	for i, p := range puts {
		rows[i] = []any{p.Branch, p.Ticket.ID, p.Seq, p.Ticket.ServiceID, string(p.Ticket.Status), p.Ticket.IssuedAt.UTC()}
	}
	return t.execRows(`INSERT INTO city_tickets (branch, ticket_id, seq, service_id, status, issued_at) VALUES `, rows,
		` ON CONFLICT (branch, ticket_id) DO UPDATE SET seq = excluded.seq, service_id = excluded.service_id,
		status = excluded.status, issued_at = excluded.issued_at WHERE city_tickets.seq < excluded.seq`)
}

// CityWaitingPut is a branch's waiting count of a service after its event seq.
type CityWaitingPut struct {
	Branch    string
	Seq       int64
	ServiceID int64
	Waiting   int
}

// PutWaitings keeps the newest waiting counts of branches' services, each
// (branch, service) at most once in puts.
func (t CityTx) PutWaitings(puts []CityWaitingPut) error {
	rows := make([][]any, len(puts))
	for i, p := range puts {
		rows[i] = []any{p.Branch, p.ServiceID, p.Seq, p.Waiting}
	}
	return t.execRows(`INSERT INTO city_queues (branch, service_id, seq, waiting) VALUES `, rows,
		` ON CONFLICT (branch, service_id) DO UPDATE SET seq = excluded.seq, waiting = excluded.waiting
		WHERE city_queues.seq < excluded.seq`)
}

// CityDossierPut is a dossier's public state (and its JSON) after a
// branch's event seq.
type CityDossierPut struct {
	Branch  string
	Seq     int64
	Dossier motcua.PublicDossier
	Body    []byte
}

// PutDossiers keeps the newest public state of dossiers, each code at most
// once in puts.
func (t CityTx) PutDossiers(puts []CityDossierPut) error {
	rows := make([][]any, len(puts))
	for i, p := range puts {
		d := p.Dossier
		rows[i] = []any{d.Code, p.Branch, p.Seq, string(d.Status), d.ReceivedAt.UTC(), d.DueAt.UTC(), d.Overdue, d.AtRisk, string(p.Body)}
	}
	return t.execRows(`INSERT INTO city_dossiers (code, branch, seq, status, received_at, due_at, overdue, at_risk, body) VALUES `, rows,
		` ON CONFLICT (code) DO UPDATE SET branch = excluded.branch, seq = excluded.seq, status = excluded.status,
		received_at = excluded.received_at, due_at = excluded.due_at, overdue = excluded.overdue,
		at_risk = excluded.at_risk, body = excluded.body WHERE city_dossiers.seq < excluded.seq`)
}

// rowsPerStatement bounds the rows of one multi-row statement: at nine
// columns, 4,500 parameters, well under SQLite's 32,766 and PostgreSQL's
// 65,535.
const rowsPerStatement = 500

// execRows runs head, a VALUES list for rows and tail, in statements of at
// most rowsPerStatement rows. Every row has the same number of columns.
func (t *txn) execRows(head string, rows [][]any, tail string) error {
	for chunk := range slices.Chunk(rows, rowsPerStatement) {
		if err := t.exec(head+valuesList(len(chunk), len(chunk[0]))+tail, flatten(chunk)...); err != nil {
			return err
		}
	}
	return nil
}

// valuesList is "(?, ?), (?, ?)" for n rows of cols columns.
func valuesList(n, cols int) string {
	row := "(" + strings.Repeat("?, ", cols-1) + "?)"
	var b strings.Builder
	b.Grow(n * (len(row) + 2))
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	return b.String()
}

func flatten(rows [][]any) []any {
	out := make([]any, 0, len(rows)*len(rows[0]))
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}

// cityCalendarKey is the setting that keeps, at a hall, the calendar the
// city published; the hall's own days stay in its hall description.
const cityCalendarKey = "city_calendar"

// CityCalendar reads the city's calendar a hall applied (empty when none).
func (s *Store) CityCalendar(ctx context.Context) (motcua.CityCalendar, error) {
	var cal motcua.CityCalendar
	err := setting(ctx, s.read, cityCalendarKey, &cal)
	return cal, err
}

// CityCalendar reads the city's calendar inside the transaction.
func (t *Tx) CityCalendar() (motcua.CityCalendar, error) {
	var cal motcua.CityCalendar
	err := setting(t.ctx, t.tx, cityCalendarKey, &cal)
	return cal, err
}

// PutCityCalendar keeps the city's calendar at a hall.
func (t *Tx) PutCityCalendar(cal motcua.CityCalendar) error {
	return t.PutSetting(cityCalendarKey, cal)
}

// PutVisit records a visit linked to a dossier of another branch.
func (t CityTx) PutVisit(branch string, seq int64, v motcua.CityVisitBody) error {
	return t.exec(`INSERT INTO city_visits (branch, seq, code, ticket_id, number, at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (branch, seq) DO NOTHING`, branch, seq, v.Code, v.TicketID, v.Number, v.At.UTC())
}

// CityVisitRow is one visit linked to a dossier.
type CityVisitRow struct {
	Branch string    `db:"branch"`
	Number string    `db:"number"`
	At     time.Time `db:"at"`
}

// Visits lists the visits linked to a dossier at other branches, oldest first.
func (s CityStore) Visits(ctx context.Context, code string) ([]CityVisitRow, error) {
	var rows []CityVisitRow
	err := s.read.SelectContext(ctx, &rows, s.read.Rebind(`SELECT branch, number, at FROM city_visits WHERE code = ? ORDER BY at, seq`), code)
	return rows, Normalize(err)
}

// cityCatalogueKey is the setting that keeps, at a hall, the procedure
// catalogue the city published last; the procedures themselves are rows of
// procedures with origin 'city'.
const cityCatalogueKey = "city_procedures"

// CityCatalogue reads the city's catalogue a hall applied (empty when none).
func (s *Store) CityCatalogue(ctx context.Context) (motcua.CityCatalogue, error) {
	var cat motcua.CityCatalogue
	err := setting(ctx, s.read, cityCatalogueKey, &cat)
	return cat, err
}

// CityCatalogue reads the city's catalogue inside the transaction.
func (t *Tx) CityCatalogue() (motcua.CityCatalogue, error) {
	var cat motcua.CityCatalogue
	err := setting(t.ctx, t.tx, cityCatalogueKey, &cat)
	return cat, err
}

// PutCityCatalogue keeps the city's catalogue at a hall.
func (t *Tx) PutCityCatalogue(cat motcua.CityCatalogue) error {
	return t.PutSetting(cityCatalogueKey, cat)
}

// PutCityProcedure makes p one of the city's procedures at a hall: a new
// row, or the row of its code (the city's, or the hall's own retired one)
// brought back with the city's fields. Whether the code may be taken (not
// the hall's own) is the caller's business.
func (t *Tx) PutCityProcedure(p motcua.Procedure) error {
	docs, _ := json.Marshal(p.Documents)
	if p.Documents == nil {
		docs = []byte("[]")
	}
	var id int64
	err := t.get(&id, `SELECT id FROM procedures WHERE code = ?`, p.Code)
	if ErrorIsNotFound(err) {
		_, err = t.insert(`INSERT INTO procedures (code, name, field, agency, processing_days, fee, documents, service_code,
			processing_time, cutoff, extended_days, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'city')`, p.Code, p.Name, p.Field,
			p.Agency, p.ProcessingDays, p.Fee, string(docs), p.ServiceCode, p.ProcessingTime, p.Cutoff, p.ExtendedDays)
		return err
	}
	if err != nil {
		return err
	}
	return t.exec(`UPDATE procedures SET name = ?, field = ?, agency = ?, processing_days = ?, fee = ?, documents = ?,
		service_code = ?, processing_time = ?, cutoff = ?, extended_days = ?, retired_at = NULL, origin = 'city' WHERE id = ?`,
		p.Name, p.Field, p.Agency, p.ProcessingDays, p.Fee, string(docs), p.ServiceCode, p.ProcessingTime, p.Cutoff, p.ExtendedDays, id)
}

// RetireCityProcedure retires one of the city's procedures at a hall (its
// row and dossiers stay).
func (t *Tx) RetireCityProcedure(code string, at time.Time) error {
	return t.exec(`UPDATE procedures SET retired_at = ? WHERE code = ? AND origin = 'city' AND retired_at IS NULL`, at.UTC(), code)
}

// CityCatalogueRow is one catalogue published at the registry.
type CityCatalogueRow struct {
	ID          int64     `db:"id"`
	PublishedAt time.Time `db:"published_at"`
	Source      string    `db:"source"`
	Procedures  string    `db:"procedures"` // JSON list of motcua.Procedure
}

// AddCatalogue records a catalogue published at the registry and returns
// its number (the catalogue's version).
func (t CityTx) AddCatalogue(at time.Time, source string, procedures []byte) (int64, error) {
	return t.insert(`INSERT INTO city_catalogues (published_at, source, procedures) VALUES (?, ?, ?)`,
		at.UTC(), source, string(procedures))
}

// LatestCatalogue reads the newest catalogue published at the registry; ok
// is false when none ever was.
func (s CityStore) LatestCatalogue(ctx context.Context) (row CityCatalogueRow, ok bool, err error) {
	err = s.read.GetContext(ctx, &row, `SELECT id, published_at, source, procedures FROM city_catalogues ORDER BY id DESC LIMIT 1`)
	if ErrorIsNotFound(err) {
		return row, false, nil
	}
	return row, err == nil, Normalize(err)
}
