package store

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/motcua/motcua"
)

// AppointmentStore reads online bookings.
type AppointmentStore struct{ *conn }

// AppointmentTx writes online bookings.
type AppointmentTx struct{ *txn }

const appointmentColumns = `id, code, token, service_id, day, slot_from, slot_to, slot_start, field, status,
	id_hash, phone, booked_at, ended_at, ticket_id`

func getAppointment(ctx context.Context, q queryer, where string, args ...any) (motcua.Appointment, error) {
	var a motcua.Appointment
	err := sqlx.GetContext(ctx, q, &a, q.Rebind(`SELECT `+appointmentColumns+` FROM appointments WHERE `+where), args...)
	if ErrorIsNotFound(err) {
		return a, motcua.Errorf(motcua.ENotFound, "Không tìm thấy lịch hẹn. / Booking not found.")
	}
	return a, Normalize(err)
}

// ByToken reads a booking by its manage token.
func (s AppointmentStore) ByToken(ctx context.Context, token string) (motcua.Appointment, error) {
	return getAppointment(ctx, s.read, `token = ?`, token)
}

// SlotCounts counts the places taken in each slot of a service's day:
// bookings booked, checked in or expired (a cancelled one frees its place).
func (s AppointmentStore) SlotCounts(ctx context.Context, serviceID int64, day string) (map[string]int, error) {
	return slotCounts(ctx, s.read, serviceID, day)
}

// SlotCounts is SlotCounts inside the transaction.
func (t AppointmentTx) SlotCounts(serviceID int64, day string) (map[string]int, error) {
	return slotCounts(t.ctx, t.tx, serviceID, day)
}

func slotCounts(ctx context.Context, q queryer, serviceID int64, day string) (map[string]int, error) {
	var rows []struct {
		From string `db:"slot_from"`
		N    int    `db:"n"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, q.Rebind(`SELECT slot_from, COUNT(*) AS n FROM appointments
		WHERE service_id = ? AND day = ? AND status <> 'cancelled' GROUP BY slot_from`), serviceID, day); err != nil {
		return nil, Normalize(err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.From] = r.N
	}
	return out, nil
}

// ByToken reads a booking by its manage token inside the transaction.
func (t AppointmentTx) ByToken(token string) (motcua.Appointment, error) {
	return getAppointment(t.ctx, t.tx, `token = ?`+t.lockClause(), token)
}

// ByCode reads a booking by its typed code inside the transaction.
func (t AppointmentTx) ByCode(code string) (motcua.Appointment, error) {
	return getAppointment(t.ctx, t.tx, `code = ?`+t.lockClause(), code)
}

// CodeTaken says whether a booking code is in use.
func (t AppointmentTx) CodeTaken(code string) (bool, error) {
	var n int
	err := t.get(&n, `SELECT COUNT(*) FROM appointments WHERE code = ?`, code)
	return n > 0, err
}

// PersonHeld lists the bookings of one person (by ID hash) for a day that
// count against the limits: all but the cancelled ones.
func (t AppointmentTx) PersonHeld(idHash, day string) ([]motcua.Appointment, error) {
	var out []motcua.Appointment
	err := t.selectAll(&out, `SELECT `+appointmentColumns+` FROM appointments
		WHERE id_hash = ? AND day = ? AND status <> 'cancelled' ORDER BY id`, idHash, day)
	return out, err
}

// Insert writes a new booking and sets its id.
func (t AppointmentTx) Insert(a *motcua.Appointment) error {
	id, err := t.insert(`INSERT INTO appointments (code, token, service_id, day, slot_from, slot_to, slot_start, field, status,
		id_hash, phone, booked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.Code, a.Token, a.ServiceID, a.Day, a.SlotFrom, a.SlotTo, a.SlotStart.UTC(), a.Field, a.Status,
		a.IDHash, a.Phone, a.BookedAt.UTC())
	a.ID = id
	return err
}

// Update writes a booking's status, end, phone and ticket, provided it is
// still in status from (otherwise another request moved it first).
func (t AppointmentTx) Update(a motcua.Appointment, from motcua.AppointmentStatus) error {
	res, err := t.tx.ExecContext(t.ctx, t.tx.Rebind(`UPDATE appointments SET status = ?, ended_at = ?, phone = ?, ticket_id = ?
		WHERE id = ? AND status = ?`), a.Status, utcPtr(a.EndedAt), a.Phone, a.TicketID, a.ID, from)
	if err != nil {
		return Normalize(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return motcua.Errorf(motcua.EConflict, "Lịch hẹn %s vừa được thay đổi. / Booking %s was just changed.", a.Code, a.Code)
	}
	return nil
}

// BookedStartedBefore lists open bookings whose slot started before t: the
// sweep expires those whose check-in window has closed.
func (t AppointmentTx) BookedStartedBefore(before time.Time) ([]motcua.Appointment, error) {
	var out []motcua.Appointment
	err := t.selectAll(&out, `SELECT `+appointmentColumns+` FROM appointments
		WHERE status = 'booked' AND slot_start < ? ORDER BY slot_start, id`, before.UTC())
	return out, err
}

// InsertNotice writes a booking's notification to the webhook outbox, to
// leave at notBefore (now for "booked", before the slot for a reminder).
// dossier_code carries the booking code, so the notice can be withdrawn or
// scrubbed when the booking ends.
func (t OutboxTx) InsertNotice(event, code, payload string, now, notBefore time.Time) (int64, error) {
	return t.insert(`INSERT INTO webhook_outbox (event, dossier_id, dossier_code, payload, state, created_at, next_attempt_at)
		VALUES (?, NULL, ?, ?, 'pending', ?, ?)`, event, code, payload, now.UTC(), notBefore.UTC())
}

// EndNotices withdraws a booking's notices not yet sent and erases the phone
// from the payloads of those sent: once the booking ends, its phone is kept
// nowhere.
func (t OutboxTx) EndNotices(code, phoneJSON string) error {
	if err := t.exec(`DELETE FROM webhook_attempts WHERE outbox_id IN (SELECT id FROM webhook_outbox
		WHERE dossier_code = ? AND dossier_id IS NULL AND state = 'pending')`, code); err != nil {
		return err
	}
	if err := t.exec(`DELETE FROM webhook_outbox WHERE dossier_code = ? AND dossier_id IS NULL AND state = 'pending'`, code); err != nil {
		return err
	}
	return t.exec(`UPDATE webhook_outbox SET payload = REPLACE(payload, ?, '"phone":""') WHERE dossier_code = ? AND dossier_id IS NULL`,
		`"phone":`+phoneJSON, code)
}
