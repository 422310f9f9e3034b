package store

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/motcua/motcua"
)

// openStatuses are the statuses of a dossier whose result is still awaited
// and whose clock runs (supplement_requested stops it).
const openStatuses = `('received', 'transferred', 'processing')`

// AlertRow is what the overdue check needs of a dossier.
type AlertRow struct {
	ID         int64     `db:"id"`
	Status     string    `db:"status"`
	DueAt      time.Time `db:"due_at"`
	AlertState string    `db:"alert_state"`
}

// AlertCandidates lists the dossiers whose alert may change: open dossiers due
// before horizon, and every dossier with an alert still standing (so it can
// be cleared once finished, extended or waiting for papers). On PostgreSQL
// the rows are locked, so two hubs sharing the registry announce a crossing once.
func (t DossierTx) AlertCandidates(horizon time.Time) ([]AlertRow, error) {
	var out []AlertRow
	err := t.selectAll(&out, `SELECT id, status, due_at, alert_state FROM dossiers
		WHERE (status IN `+openStatuses+` AND due_at < ?) OR alert_state <> '' ORDER BY due_at, id`+t.lockClause(), horizon.UTC())
	return out, err
}

// AlertState reads the alert last announced for a dossier.
func (t DossierTx) AlertState(id int64) (string, error) {
	var s string
	err := t.get(&s, `SELECT alert_state FROM dossiers WHERE id = ?`, id)
	return s, err
}

// SetAlertState records the alert announced for a dossier (” clears it).
func (t DossierTx) SetAlertState(id int64, state string) error {
	return t.exec(`UPDATE dossiers SET alert_state = ? WHERE id = ?`, state, id)
}

// SetDossierDueAt moves a dossier's due date (an apology's new date).
func (t DossierTx) SetDossierDueAt(id int64, due time.Time) error {
	return t.exec(`UPDATE dossiers SET due_at = ? WHERE id = ?`, due.UTC(), id)
}

// ApologyRow is an apology (Mẫu 04) as stored.
type ApologyRow struct {
	ID            int64      `db:"id"`
	DossierID     int64      `db:"dossier_id"`
	IssuedAt      time.Time  `db:"issued_at"`
	UserID        int64      `db:"user_id"`
	Username      string     `db:"username"`
	FullName      string     `db:"full_name"`
	Reason        string     `db:"reason"`
	SecondReason  string     `db:"second_reason"`
	NewDueAt      time.Time  `db:"new_due_at"`
	OriginalDueAt *time.Time `db:"original_due_at"`
}

// InsertApology records an apology and sets its id.
func (t DossierTx) InsertApology(a *ApologyRow) error {
	var orig *time.Time
	if a.OriginalDueAt != nil {
		u := a.OriginalDueAt.UTC()
		orig = &u
	}
	id, err := t.insert(`INSERT INTO dossier_apologies (dossier_id, issued_at, user_id, reason, new_due_at, original_due_at, second_reason)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, a.DossierID, a.IssuedAt.UTC(), a.UserID, a.Reason, a.NewDueAt.UTC(), orig, a.SecondReason)
	a.ID = id
	return err
}

const apologySelect = `SELECT a.id, a.dossier_id, a.issued_at, a.user_id, COALESCE(u.username, '') AS username,
	COALESCE(u.full_name, '') AS full_name, a.reason, a.second_reason, a.new_due_at, a.original_due_at
	FROM dossier_apologies a LEFT JOIN users u ON u.id = a.user_id`

// Apologies reads the apologies of the given dossiers, oldest first.
func (s DossierStore) Apologies(ctx context.Context, dossierIDs []int64) (map[int64][]ApologyRow, error) {
	return apologies(ctx, s.read, dossierIDs)
}

// Apologies reads apologies inside the transaction.
func (t DossierTx) Apologies(dossierIDs []int64) (map[int64][]ApologyRow, error) {
	return apologies(t.ctx, t.tx, dossierIDs)
}

func apologies(ctx context.Context, q queryer, ids []int64) (map[int64][]ApologyRow, error) {
	out := map[int64][]ApologyRow{}
	if len(ids) == 0 {
		return out, nil
	}
	in, args, err := sqlx.In(apologySelect+` WHERE a.dossier_id IN (?) ORDER BY a.id`, ids)
	if err != nil {
		return nil, err
	}
	var rows []ApologyRow
	if err := sqlx.SelectContext(ctx, q, &rows, q.Rebind(in), args...); err != nil {
		return nil, Normalize(err)
	}
	for _, r := range rows {
		out[r.DossierID] = append(out[r.DossierID], r)
	}
	return out, nil
}

// WatchRows lists the dossiers a supervisor watches: open ones due before
// horizon, and those still at the counter after the end of their day of
// receipt (not passed to the agency).
func (s DossierStore) WatchRows(ctx context.Context, horizon, now time.Time) ([]DossierRow, error) {
	var out []DossierRow
	err := s.read.SelectContext(ctx, &out, s.read.Rebind(`SELECT `+dossierColumns+` FROM dossiers
		WHERE status IN `+openStatuses+` AND (due_at < ? OR (status = 'received' AND transferred_at IS NULL AND transfer_due_at <= ?))
		ORDER BY due_at, id LIMIT 2000`), horizon.UTC(), now.UTC())
	return out, Normalize(err)
}

// OpenDossierCount counts the dossiers whose result is still awaited.
func (s DossierStore) OpenDossierCount(ctx context.Context) (int, error) {
	var n int
	err := s.read.GetContext(ctx, &n, `SELECT COUNT(*) FROM dossiers WHERE status IN `+openStatuses+` OR status = 'supplement_requested'`)
	return n, Normalize(err)
}

// ApologiesSince counts the apologies issued at or after t.
func (s DossierStore) ApologiesSince(ctx context.Context, t time.Time) (int, error) {
	var n int
	err := s.read.GetContext(ctx, &n, s.read.Rebind(`SELECT COUNT(*) FROM dossier_apologies WHERE issued_at >= ?`), t.UTC())
	return n, Normalize(err)
}

// StatusSince is when each dossier entered its current status: its last
// recorded move (later visits do not count).
func (s DossierStore) StatusSince(ctx context.Context, ids []int64) (map[int64]time.Time, error) {
	out := map[int64]time.Time{}
	if len(ids) == 0 {
		return out, nil
	}
	in, args, err := sqlx.In(`SELECT s.dossier_id, s.at FROM dossier_steps s WHERE s.dossier_id IN (?) AND s.type <> 'visit'
		ORDER BY s.dossier_id, s.id`, ids)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		DossierID int64     `db:"dossier_id"`
		At        time.Time `db:"at"`
	}
	if err := s.read.SelectContext(ctx, &rows, s.read.Rebind(in), args...); err != nil {
		return nil, Normalize(err)
	}
	for _, r := range rows {
		out[r.DossierID] = r.At // ordered by id: the last one wins
	}
	return out, nil
}

// DossiersReceivedBetween lists the dossiers received in [from, to), oldest first.
func (s DossierStore) DossiersReceivedBetween(ctx context.Context, from, to time.Time) ([]DossierRow, error) {
	var out []DossierRow
	err := s.read.SelectContext(ctx, &out, s.read.Rebind(`SELECT `+dossierColumns+` FROM dossiers
		WHERE received_at >= ? AND received_at < ? ORDER BY received_at, id`), from.UTC(), to.UTC())
	return out, Normalize(err)
}

// ---- Webhook outbox ----

// OutboxRow is one outbound notification.
type OutboxRow struct {
	ID            int64      `db:"id"`
	Event         string     `db:"event"`
	DossierID     *int64     `db:"dossier_id"`
	DossierCode   string     `db:"dossier_code"`
	Payload       string     `db:"payload"`
	State         string     `db:"state"`
	CreatedAt     time.Time  `db:"created_at"`
	NextAttemptAt *time.Time `db:"next_attempt_at"`
	DeliveredAt   *time.Time `db:"delivered_at"`
	Attempts      int        `db:"attempts"`
}

const outboxColumns = `id, event, dossier_id, dossier_code, payload, state, created_at, next_attempt_at, delivered_at, attempts`

// InsertOutbox queues a notification, due at once.
func (t OutboxTx) InsertOutbox(event string, dossierID int64, code, payload string, now time.Time) (int64, error) {
	return t.insert(`INSERT INTO webhook_outbox (event, dossier_id, dossier_code, payload, state, created_at, next_attempt_at)
		VALUES (?, ?, ?, ?, 'pending', ?, ?)`, event, dossierID, code, payload, now.UTC(), now.UTC())
}

// ClaimDeliveries takes up to limit pending notifications due at now and
// leases them until lease, so another worker (another hub on the same
// PostgreSQL registry) does not send them at the same time.
func (t OutboxTx) ClaimDeliveries(now, lease time.Time, limit int) ([]OutboxRow, error) {
	var rows []OutboxRow
	err := t.selectAll(&rows, `SELECT `+outboxColumns+` FROM webhook_outbox
		WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`+t.lockClause(), now.UTC(), limit)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	q, args, err := sqlx.In(`UPDATE webhook_outbox SET next_attempt_at = ? WHERE id IN (?)`, lease.UTC(), ids)
	if err != nil {
		return nil, err
	}
	return rows, t.exec(q, args...)
}

// RecordAttempt stores one delivery attempt and the notification's new state:
// delivered, failed for good, or pending again at next.
func (t OutboxTx) RecordAttempt(id int64, a motcua.WebhookAttempt, state string, next, delivered *time.Time) error {
	if _, err := t.insert(`INSERT INTO webhook_attempts (outbox_id, at, status_code, error, duration_ms) VALUES (?, ?, ?, ?, ?)`,
		id, a.At.UTC(), a.StatusCode, a.Error, a.DurationMS); err != nil {
		return err
	}
	utc := func(p *time.Time) *time.Time {
		if p == nil {
			return nil
		}
		u := p.UTC()
		return &u
	}
	return t.exec(`UPDATE webhook_outbox SET state = ?, attempts = attempts + 1, next_attempt_at = ?, delivered_at = ? WHERE id = ?`,
		state, utc(next), utc(delivered), id)
}

// RetryDelivery puts a failed notification back in the queue, due at now.
func (t OutboxTx) RetryDelivery(id int64, now time.Time) error {
	res, err := t.tx.ExecContext(t.ctx, t.tx.Rebind(`UPDATE webhook_outbox SET state = 'pending', next_attempt_at = ? WHERE id = ? AND state = 'failed'`),
		now.UTC(), id)
	if err != nil {
		return Normalize(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return motcua.Errorf(motcua.EConflict, "Chỉ gửi lại được thông báo đã thất bại. / Only a failed notification can be sent again.")
	}
	return nil
}

// Deliveries lists the newest notifications with their attempts.
func (s OutboxStore) Deliveries(ctx context.Context, limit int) ([]OutboxRow, map[int64][]motcua.WebhookAttempt, error) {
	var rows []OutboxRow
	if err := s.read.SelectContext(ctx, &rows, s.read.Rebind(`SELECT `+outboxColumns+` FROM webhook_outbox ORDER BY id DESC LIMIT ?`), limit); err != nil {
		return nil, nil, Normalize(err)
	}
	attempts := map[int64][]motcua.WebhookAttempt{}
	if len(rows) == 0 {
		return rows, attempts, nil
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	in, args, err := sqlx.In(`SELECT outbox_id, at, status_code, error, duration_ms FROM webhook_attempts WHERE outbox_id IN (?) ORDER BY id`, ids)
	if err != nil {
		return nil, nil, err
	}
	var as []struct {
		OutboxID   int64     `db:"outbox_id"`
		At         time.Time `db:"at"`
		StatusCode int       `db:"status_code"`
		Error      string    `db:"error"`
		DurationMS int64     `db:"duration_ms"`
	}
	if err := s.read.SelectContext(ctx, &as, s.read.Rebind(in), args...); err != nil {
		return nil, nil, Normalize(err)
	}
	for _, a := range as {
		attempts[a.OutboxID] = append(attempts[a.OutboxID], motcua.WebhookAttempt{At: a.At, StatusCode: a.StatusCode, Error: a.Error, DurationMS: a.DurationMS})
	}
	return rows, attempts, nil
}

// DeliveryCounts counts notifications by state.
func (s OutboxStore) DeliveryCounts(ctx context.Context) (map[string]int, error) {
	var rows []struct {
		State string `db:"state"`
		N     int    `db:"n"`
	}
	if err := s.read.SelectContext(ctx, &rows, `SELECT state, COUNT(*) AS n FROM webhook_outbox GROUP BY state`); err != nil {
		return nil, Normalize(err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.State] = r.N
	}
	return out, nil
}
