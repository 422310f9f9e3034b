package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/motcua/motcua"
)

// Tx is one write transaction. The hub runs several requests in one Tx
// (group commit), each inside its own savepoint, so a failed request leaves no
// half-written record and does not spoil the others.
//
// Its writes are grouped like the Store's reads: Tickets, Dossiers, Outbox
// and Users; the event log and the settings are written on the Tx itself.
type Tx struct {
	*txn

	Tickets  TicketTx
	Dossiers DossierTx
	Outbox   OutboxTx
	Users    UserTx
	// Appointments writes online bookings (appointments.go).
	Appointments AppointmentTx
}

// TicketTx writes tickets, counters' streaks and the audit trail of calls.
type TicketTx struct{ *txn }

// DossierTx writes dossiers, their steps, apologies and alert states.
type DossierTx struct{ *txn }

// OutboxTx writes the webhook outbox.
type OutboxTx struct{ *txn }

// UserTx writes staff accounts and sessions.
type UserTx struct{ *txn }

// txn is the transaction every group of writes shares.
type txn struct {
	tx      *sqlx.Tx
	dialect string
	ctx     context.Context
	events  []motcua.Event

	waiting   *waitingCache // nil on PostgreSQL
	deltas    []waitDelta   // waiting-count changes, applied to the cache on commit
	deltaMark int           // len(deltas) at the last Savepoint

	codes        *motcua.ShortCodes
	lastTicketID int64             // SQLite: the largest ticket id so far, see nextTicketID
	numberCache  *numberCache      // nil on PostgreSQL
	numbers      map[numberKey]int // last numbers handed out in this transaction
	numberLog    []numberKey       // one entry per number handed out, for savepoints
	numberMark   int               // len(numberLog) at the last Savepoint

	current     *currentCache   // nil on PostgreSQL
	currentLog  []currentChange // applied to current on commit
	currentMark int             // len(currentLog) at the last Savepoint
}

// BeginWrite starts a write transaction.
func (s *Store) BeginWrite(ctx context.Context) (*Tx, error) {
	tx, err := s.write.BeginTxx(ctx, nil)
	if err != nil {
		return nil, Normalize(err)
	}
	t := &txn{tx: tx, dialect: s.dialect, ctx: ctx, waiting: s.waiting, numberCache: s.numbers, current: s.current, codes: s.codes}
	return &Tx{txn: t, Tickets: TicketTx{t}, Dossiers: DossierTx{t}, Outbox: OutboxTx{t}, Users: UserTx{t}, Appointments: AppointmentTx{t}}, nil
}

// Commit commits the transaction.
func (t *Tx) Commit() error {
	if t.waiting == nil {
		return Normalize(t.tx.Commit())
	}
	if err := t.flushNumbers(); err != nil {
		return errors.Join(err, t.tx.Rollback())
	}
	t.waiting.commitMu.Lock()
	defer t.waiting.commitMu.Unlock()
	if err := t.tx.Commit(); err != nil {
		return Normalize(err)
	}
	t.waiting.apply(t.deltas)
	t.numberCache.apply(t.numbers)
	t.current.apply(t.currentLog)
	return nil
}

// Rollback abandons the transaction.
func (t *Tx) Rollback() error { return t.tx.Rollback() }

// Savepoint marks the start of one request inside a batch.
func (t *Tx) Savepoint() error {
	t.deltaMark = len(t.deltas)
	t.numberMark = len(t.numberLog)
	t.currentMark = len(t.currentLog)
	_, err := t.tx.ExecContext(t.ctx, "SAVEPOINT req")
	return Normalize(err)
}

// Release keeps what the request wrote since Savepoint.
func (t *Tx) Release() error {
	_, err := t.tx.ExecContext(t.ctx, "RELEASE SAVEPOINT req")
	return Normalize(err)
}

// RollbackToSavepoint undoes what the request wrote since Savepoint, including
// the events it appended.
func (t *Tx) RollbackToSavepoint(eventsBefore int) error {
	t.events = t.events[:eventsBefore]
	t.deltas = t.deltas[:t.deltaMark]
	t.forgetNumbersSince(t.numberMark)
	t.currentLog = t.currentLog[:t.currentMark]
	if _, err := t.tx.ExecContext(t.ctx, "ROLLBACK TO SAVEPOINT req"); err != nil {
		return Normalize(err)
	}
	_, err := t.tx.ExecContext(t.ctx, "RELEASE SAVEPOINT req")
	return Normalize(err)
}

// Context is the context the transaction runs in.
func (t *Tx) Context() context.Context { return t.ctx }

// Events returns the events appended in this transaction, in seq order.
func (t *Tx) Events() []motcua.Event { return t.events }

func (t *txn) exec(query string, args ...any) error {
	_, err := t.tx.ExecContext(t.ctx, t.tx.Rebind(query), args...)
	return Normalize(err)
}

func (t *txn) get(dest any, query string, args ...any) error {
	return Normalize(t.tx.GetContext(t.ctx, dest, t.tx.Rebind(query), args...))
}

func (t *txn) selectAll(dest any, query string, args ...any) error {
	return Normalize(t.tx.SelectContext(t.ctx, dest, t.tx.Rebind(query), args...))
}

// insert runs an INSERT … RETURNING id and returns the id; both dialects
// support RETURNING, and PostgreSQL has no LastInsertId.
func (t *txn) insert(query string, args ...any) (int64, error) {
	var id int64
	err := t.tx.QueryRowxContext(t.ctx, t.tx.Rebind(query+" RETURNING id"), args...).Scan(&id)
	return id, Normalize(err)
}

// AppendEvent writes an event to the log and returns it with its seq. body
// is marshalled to the JSON object sent to websocket clients; its type names
// the event.
func (t *Tx) AppendEvent(at time.Time, ticketID, counterID *int64, body motcua.EventBody) (motcua.Event, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return motcua.Event{}, err
	}
	typ := body.EventType()
	ev := motcua.Event{Type: typ, At: at.UTC(), TicketID: ticketID, CounterID: counterID, Body: raw, Data: body}
	err = t.tx.QueryRowxContext(t.ctx, t.tx.Rebind(
		`INSERT INTO events (type, at, ticket_id, counter_id, body) VALUES (?, ?, ?, ?, ?) RETURNING seq`),
		typ, ev.At, ticketID, counterID, string(raw)).Scan(&ev.Seq)
	if err != nil {
		return motcua.Event{}, Normalize(err)
	}
	t.events = append(t.events, ev)
	return ev, nil
}

// PutSetting stores a JSON-encoded setting.
func (t *Tx) PutSetting(key string, value any) error {
	raw, err := json.Marshal(value)
	if err != nil {
		return err
	}
	if err := t.exec(`DELETE FROM settings WHERE key = ?`, key); err != nil {
		return err
	}
	return t.exec(`INSERT INTO settings (key, value) VALUES (?, ?)`, key, string(raw))
}
