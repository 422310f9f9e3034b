package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jmoiron/sqlx"
	"github.com/mattn/go-sqlite3"

	"github.com/motcua/motcua"
)

const ticketColumns = `id, day, seq, number, service_id, priority, priority_group, status, issued_at, queued_at,
	token, short_code, counter_id, calls, called_at, started_at, finished_at, out_of_order, called_by, served_by, appointment`

// queryer is what both the read pool and a write transaction can answer.
type queryer interface {
	sqlx.QueryerContext
	Rebind(string) string
}

func getTicket(ctx context.Context, q queryer, codes *motcua.ShortCodes, where string, args ...any) (motcua.Ticket, error) {
	var t motcua.Ticket
	err := sqlx.GetContext(ctx, q, &t, q.Rebind(`SELECT `+ticketColumns+` FROM tickets WHERE `+where), args...)
	if err != nil {
		if ErrorIsNotFound(err) {
			return t, motcua.Errorf(motcua.ENotFound, "Không tìm thấy phiếu. / Ticket not found.")
		}
		return t, Normalize(err)
	}
	withCode(codes, &t)
	return t, nil
}

// Ticket reads a ticket by id.
func (s TicketStore) Ticket(ctx context.Context, id int64) (motcua.Ticket, error) {
	return getTicket(ctx, s.read, s.codes, `id = ?`, id)
}

// TicketByToken reads a ticket by its tracking token.
func (s TicketStore) TicketByToken(ctx context.Context, token string) (motcua.Ticket, error) {
	return getTicket(ctx, s.read, s.codes, `token = ?`, token)
}

// Ticket reads a ticket inside the transaction.
func (t TicketTx) Ticket(id int64) (motcua.Ticket, error) {
	return getTicket(t.ctx, t.tx, t.codes, `id = ?`+t.lockClause(), id)
}

// TicketByShortCode finds a ticket of the given day by its typed short code:
// first the ticket whose id the code stands for, then a ticket from before
// the codes were computed, whose drawn code is stored.
func (t TicketTx) TicketByShortCode(day, code string) (motcua.Ticket, error) {
	if id, ok := t.codes.ID(code); ok {
		tk, err := getTicket(t.ctx, t.tx, t.codes, `id = ? AND day = ?`, id, day)
		if err == nil && tk.ShortCode == code {
			return tk, nil
		}
		if err != nil && motcua.ErrorCode(err) != motcua.ENotFound {
			return tk, err
		}
	}
	return getTicket(t.ctx, t.tx, t.codes, `day = ? AND short_code = ?`, day, code)
}

// lockClause locks the selected rows on PostgreSQL, where several hubs may
// share the registry; SQLite has a single writer and needs nothing.
func (t *txn) lockClause() string {
	if t.dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// NextSeq reserves the next ticket sequence number of a service for a day. The
// counter row is written in the same transaction as the ticket, so a number is
// never handed out twice, not even after a crash.
func (t TicketTx) NextSeq(serviceID int64, day string) (int, error) {
	if t.numberCache != nil {
		return t.nextNumber(numberKey{serviceID, day})
	}
	var seq int
	err := t.tx.QueryRowxContext(t.ctx, t.tx.Rebind(`INSERT INTO day_numbers (service_id, day, last_seq) VALUES (?, ?, 1)
		ON CONFLICT (service_id, day) DO UPDATE SET last_seq = day_numbers.last_seq + 1 RETURNING last_seq`),
		serviceID, day).Scan(&seq)
	return seq, Normalize(err)
}

// InsertTicket writes a new ticket and sets its id.
func (t TicketTx) InsertTicket(tk *motcua.Ticket) error {
	if err := t.insertTicket(tk, 0, tk.ShortCode); err != nil {
		return Normalize(err)
	}
	t.noteInserted(tk)
	return nil
}

// InsertTicketDrawingCode writes a new ticket whose short code is drawn by
// draw, drawing again while the code is already taken that day. The
// UNIQUE (day, short_code) index is the check: a SELECT before every insert
// cost a statement per ticket to catch a clash that happens a few times a
// day. A failed INSERT undoes only itself on SQLite; PostgreSQL aborts the
// whole transaction on a failed statement, so there each try runs in a
// savepoint of its own.
func (t TicketTx) InsertTicketDrawingCode(tk *motcua.Ticket, draw func() string) error {
	for range 8 {
		tk.ShortCode = draw()
		err := t.tryInsertTicket(tk)
		if err == nil {
			t.noteInserted(tk)
			return nil
		}
		if !isShortCodeClash(err) {
			return Normalize(err)
		}
	}
	return motcua.Errorf(motcua.EUnavailable, "Không tạo được mã phiếu, vui lòng thử lại. / Could not make a ticket code; please try again.")
}

func (t TicketTx) tryInsertTicket(tk *motcua.Ticket) error {
	if t.dialect != Postgres {
		return t.insertTicket(tk, 0, tk.ShortCode)
	}
	if _, err := t.tx.ExecContext(t.ctx, "SAVEPOINT code"); err != nil {
		return err
	}
	if err := t.insertTicket(tk, 0, tk.ShortCode); err != nil {
		if _, rerr := t.tx.ExecContext(t.ctx, "ROLLBACK TO SAVEPOINT code"); rerr != nil {
			return rerr
		}
		_, rerr := t.tx.ExecContext(t.ctx, "RELEASE SAVEPOINT code")
		if rerr != nil {
			return rerr
		}
		return err
	}
	_, err := t.tx.ExecContext(t.ctx, "RELEASE SAVEPOINT code")
	return err
}

// isShortCodeClash reports a unique violation of the day's short codes (and
// not of, say, the day's numbers, which would be a bug to report).
func isShortCodeClash(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.ExtendedCode == sqlite3.ErrConstraintUnique && strings.Contains(se.Error(), "tickets.short_code")
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505" && strings.Contains(pe.ConstraintName, "short_code")
	}
	return false
}

// insertTicket runs the INSERT and returns the driver's own error. id 0
// lets the database number the ticket; codeColumn is what the short_code
// column holds (the drawn code, or the id's mark: storedCode).
func (t TicketTx) insertTicket(tk *motcua.Ticket, id int64, codeColumn string) error {
	cols := `day, seq, number, service_id, priority, priority_group, status, issued_at, queued_at,
		token, short_code, counter_id, calls, out_of_order, appointment`
	marks := `?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?`
	args := []any{tk.Day, tk.Seq, tk.Number, tk.ServiceID, tk.Priority, tk.PriorityGroup, tk.Status, tk.IssuedAt.UTC(), tk.QueuedAt.UTC(),
		tk.Token, codeColumn, tk.CounterID, tk.Calls, tk.OutOfOrder, tk.Appointment}
	if id != 0 {
		cols, marks, args = "id, "+cols, "?, "+marks, append([]any{id}, args...)
	}
	return t.tx.QueryRowxContext(t.ctx, t.tx.Rebind(`INSERT INTO tickets (`+cols+`) VALUES (`+marks+`) RETURNING id`), args...).Scan(&tk.ID)
}

func (t TicketTx) noteInserted(tk *motcua.Ticket) {
	if t.lastTicketID != 0 && tk.ID > t.lastTicketID {
		t.lastTicketID = tk.ID // nextTicketID counts on from it
	}
	if isWaiting(tk.Status) {
		t.noteWaiting(tk.Day, tk.ServiceID, tk.Appointment, +1)
	}
	if at := currentAt(*tk); at != 0 {
		t.noteCurrent(currentChange{counter: at}) // read afresh: it may not be the newest call
	}
}

// UpdateTicket writes the fields of tk that differ from was, the ticket as
// this transaction read it, provided the ticket is still in was's status;
// otherwise another writer moved it first and this is a conflict. Only the
// changed columns are set: SQLite rewrites every index that holds a column
// named in SET, changed or not, and a call would otherwise rewrite the
// entries of the counter's previous ticket in indexes it does not move in.
func (t TicketTx) UpdateTicket(was, tk motcua.Ticket) error {
	var set []string
	var args []any
	change := func(column string, changed bool, value any) {
		if changed {
			set = append(set, column+" = ?")
			args = append(args, value)
		}
	}
	change("status", tk.Status != was.Status, tk.Status)
	change("service_id", tk.ServiceID != was.ServiceID, tk.ServiceID)
	change("counter_id", !sameInt(tk.CounterID, was.CounterID), tk.CounterID)
	change("calls", tk.Calls != was.Calls, tk.Calls)
	change("called_at", !sameTime(tk.CalledAt, was.CalledAt), utcPtr(tk.CalledAt))
	change("started_at", !sameTime(tk.StartedAt, was.StartedAt), utcPtr(tk.StartedAt))
	change("finished_at", !sameTime(tk.FinishedAt, was.FinishedAt), utcPtr(tk.FinishedAt))
	change("out_of_order", tk.OutOfOrder != was.OutOfOrder, tk.OutOfOrder)
	change("queued_at", !tk.QueuedAt.Equal(was.QueuedAt), tk.QueuedAt.UTC())
	change("called_by", !sameInt(tk.CalledBy, was.CalledBy), tk.CalledBy)
	change("served_by", !sameInt(tk.ServedBy, was.ServedBy), tk.ServedBy)
	if len(set) == 0 {
		// Nothing to write; the statement still checks the ticket's status.
		change("status", true, tk.Status)
	}
	res, err := t.tx.ExecContext(t.ctx, t.tx.Rebind(`UPDATE tickets SET `+strings.Join(set, ", ")+` WHERE id = ? AND status = ?`),
		append(args, tk.ID, was.Status)...)
	if err != nil {
		return Normalize(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return motcua.Errorf(motcua.EConflict, "Phiếu %s vừa được thay đổi ở nơi khác. / Ticket %s was just changed elsewhere.", tk.Number, tk.Number)
	}
	t.noteCurrentMove(was, tk)
	if isWaiting(was.Status) {
		t.noteWaiting(tk.Day, was.ServiceID, was.Appointment, -1)
	}
	if isWaiting(tk.Status) {
		t.noteWaiting(tk.Day, tk.ServiceID, tk.Appointment, +1)
	}
	return nil
}

func sameInt(a, b *int64) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

func sameTime(a, b *time.Time) bool {
	return (a == nil) == (b == nil) && (a == nil || a.Equal(*b))
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// CurrentTicket returns the ticket a counter is calling or serving, if any.
func (t TicketTx) CurrentTicket(counterID int64) (motcua.Ticket, bool, error) {
	if t.current != nil {
		if e, known := t.cachedCurrent(counterID); known {
			return e.ticket, e.ok, nil
		}
	}
	tk, ok, err := currentTicket(t.ctx, t.tx, t.codes, counterID)
	if err == nil {
		// Only an insertion can have changed the counter earlier in this
		// transaction without cachedCurrent knowing the answer, and the
		// database shows it: this is what the commit will leave, and a
		// rollback takes the note away with the insertion.
		t.noteCurrent(currentChange{counter: counterID, known: true, entry: currentEntry{ticket: tk, ok: ok}})
	}
	return tk, ok, err
}

// CurrentTicket returns the ticket a counter is calling or serving, if any.
func (s TicketStore) CurrentTicket(ctx context.Context, counterID int64) (motcua.Ticket, bool, error) {
	return currentTicket(ctx, s.read, s.codes, counterID)
}

// currentTicketWhere finds a counter's current ticket. The status list is
// tickets_counter's own condition, written the same (SQLite uses a partial
// index only when the query repeats its condition).
const currentTicketWhere = `counter_id = ? AND status IN ('called', 'serving') ORDER BY called_at DESC, id DESC LIMIT 1`

func currentTicket(ctx context.Context, q queryer, codes *motcua.ShortCodes, counterID int64) (motcua.Ticket, bool, error) {
	tk, err := getTicket(ctx, q, codes, currentTicketWhere, counterID)
	if motcua.ErrorCode(err) == motcua.ENotFound {
		return tk, false, nil
	}
	return tk, err == nil, err
}

// Queue orders: strict puts priority tickets first across the counter's
// services; none ignores priority. Both then follow the counter's service
// preference and the place in line (queued_at survives a transfer).
func queueOrder(priorityFirst bool) string {
	if priorityFirst {
		return ` ORDER BY t.priority DESC, cs.rank, t.queued_at, t.id`
	}
	return ` ORDER BY cs.rank, t.queued_at, t.id`
}

const counterQueueFrom = ` FROM tickets t JOIN counter_services cs ON cs.service_id = t.service_id AND cs.counter_id = ?
	WHERE t.status = 'waiting' AND t.day = ?`

// NextForCounter picks the ticket call-next would take. onlyPriority
// restricts to priority (true), normal (false) or any (nil) tickets.
func (t TicketTx) NextForCounter(counterID int64, day string, priorityFirst bool, onlyPriority *bool) (motcua.Ticket, bool, error) {
	if t.dialect != Postgres {
		return t.nextBySeeks(counterID, day, priorityFirst, onlyPriority)
	}
	return t.nextByJoin(counterID, day, priorityFirst, onlyPriority)
}

// nextByJoin answers NextForCounter in one query (PostgreSQL, where it also
// skips the rows another hub is claiming).
func (t TicketTx) nextByJoin(counterID int64, day string, priorityFirst bool, onlyPriority *bool) (motcua.Ticket, bool, error) {
	q := `SELECT ` + prefixed("t.", ticketColumns) + counterQueueFrom
	args := []any{counterID, day}
	if onlyPriority != nil {
		q += ` AND t.priority = ?`
		args = append(args, *onlyPriority)
	}
	q += queueOrder(priorityFirst) + ` LIMIT 1`
	if t.dialect == Postgres {
		// Several hubs may call at once: skip rows another transaction is claiming.
		q += ` FOR UPDATE OF t SKIP LOCKED`
	}
	var tk motcua.Ticket
	err := t.tx.GetContext(t.ctx, &tk, t.tx.Rebind(q), args...)
	if ErrorIsNotFound(err) {
		return tk, false, nil
	}
	if err != nil {
		return tk, false, Normalize(err)
	}
	withCode(t.codes, &tk)
	return tk, true, nil
}

// nextBySeeks answers NextForCounter on SQLite with one index seek per
// service and priority (tickets_queue: status, service_id, priority,
// queued_at, id) instead of the join, which read and sorted every waiting
// ticket of the counter's services inside the writer: about a millisecond
// per call with 1,500 waiting (docs/PERFORMANCE.md). The order is the
// join's: priority first when asked, then the service's rank at the
// counter, then queued_at and id.
//
// The seeks run inside one statement (a correlated subquery per service and
// priority) and only the winner's row is read into Go: a full ticket row
// costs tens of microseconds to convert, and one statement per seek cost
// the writer a round trip each (issue 13).
func (t TicketTx) nextBySeeks(counterID int64, day string, priorityFirst bool, onlyPriority *bool) (motcua.Ticket, bool, error) {
	var tk motcua.Ticket
	err := t.get(&tk, nextBySeeksQuery(priorityFirst, onlyPriority), day, counterID)
	if ErrorIsNotFound(err) {
		return tk, false, nil
	}
	if err != nil {
		return tk, false, err
	}
	withCode(t.codes, &tk)
	return tk, true, nil
}

// nextBySeeksQuery is nextBySeeks' statement; its arguments are the day and
// the counter.
func nextBySeeksQuery(priorityFirst bool, onlyPriority *bool) string {
	priorities := `SELECT 1 AS v UNION ALL SELECT 0`
	switch {
	case onlyPriority != nil && *onlyPriority:
		priorities = `SELECT 1 AS v`
	case onlyPriority != nil:
		priorities = `SELECT 0 AS v`
	}
	order := ` ORDER BY cand.rank, t.queued_at, t.id`
	if priorityFirst {
		order = ` ORDER BY t.priority DESC, cand.rank, t.queued_at, t.id`
	}
	return `WITH cand(rank, id) AS (
		SELECT cs.rank, (SELECT w.id FROM tickets w WHERE w.status = 'waiting' AND w.service_id = cs.service_id
			AND w.priority = p.v AND w.day = ? ORDER BY w.queued_at, w.id LIMIT 1)
		FROM counter_services cs, (` + priorities + `) p WHERE cs.counter_id = ?)
	SELECT ` + prefixed("t.", ticketColumns) + ` FROM cand JOIN tickets t ON t.id = cand.id` + order + ` LIMIT 1`
}

// CounterQueue lists the waiting tickets for a counter in call order.
func (s TicketStore) CounterQueue(ctx context.Context, counterID int64, day string, priorityFirst bool) ([]motcua.Ticket, error) {
	var out []motcua.Ticket
	err := s.read.SelectContext(ctx, &out, s.read.Rebind(`SELECT `+prefixed("t.", ticketColumns)+counterQueueFrom+
		queueOrder(priorityFirst)+` LIMIT 500`), counterID, day)
	withCodes(s.codes, out)
	return out, Normalize(err)
}

func prefixed(prefix, columns string) string {
	parts := strings.Split(columns, ",")
	for i, p := range parts {
		parts[i] = prefix + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// OverdueBookingForCounter picks the booked ticket (from a check-in) that
// has waited longest past due, both by its place in line and by its
// check-in, among the counter's services; see queue's merge policy.
func (t TicketTx) OverdueBookingForCounter(counterID int64, day string, due time.Time) (motcua.Ticket, bool, error) {
	q := `SELECT ` + prefixed("t.", ticketColumns) + counterQueueFrom +
		// appointment = TRUE as a literal: it is the partial index's own
		// condition (tickets_booked), which a bound parameter would hide from
		// SQLite's planner.
		` AND t.appointment = TRUE AND t.queued_at <= ? AND t.issued_at <= ? ORDER BY t.queued_at, t.id LIMIT 1`
	if t.dialect == Postgres {
		q += ` FOR UPDATE OF t SKIP LOCKED`
	}
	var tk motcua.Ticket
	err := t.tx.GetContext(t.ctx, &tk, t.tx.Rebind(q), counterID, day, due.UTC(), due.UTC())
	if ErrorIsNotFound(err) {
		return tk, false, nil
	}
	if err != nil {
		return tk, false, Normalize(err)
	}
	withCode(t.codes, &tk)
	return tk, true, nil
}

// AppointmentTicketCount is how many tickets of a service's day came from
// bookings' check-ins.
func (t TicketTx) AppointmentTicketCount(serviceID int64, day string) (int, error) {
	var n int
	err := t.get(&n, `SELECT COUNT(*) FROM tickets WHERE service_id = ? AND day = ? AND appointment = TRUE`, serviceID, day)
	return n, err
}

// BookingStreak returns how many overdue bookings the counter took in a row.
func (t TicketTx) BookingStreak(counterID int64) (int, error) {
	var n int
	err := t.get(&n, `SELECT booking_streak FROM counters WHERE id = ?`, counterID)
	return n, err
}

// SetBookingStreak stores the counter's run of overdue bookings.
func (t TicketTx) SetBookingStreak(counterID int64, n int) error {
	return t.exec(`UPDATE counters SET booking_streak = ? WHERE id = ?`, n, counterID)
}

// CounterStreak returns how many normal tickets the counter called since its last priority one.
func (t TicketTx) CounterStreak(counterID int64) (int, error) {
	var n int
	err := t.get(&n, `SELECT normal_streak FROM counters WHERE id = ?`, counterID)
	return n, err
}

// AdvanceCounterStreak counts a call in the counter's normal-call streak: a
// priority ticket ends it, a normal one lengthens it (one statement, not a
// read and a write).
func (t TicketTx) AdvanceCounterStreak(counterID int64, priority bool) error {
	return t.exec(`UPDATE counters SET normal_streak = CASE WHEN ? THEN 0 ELSE normal_streak + 1 END WHERE id = ?`, priority, counterID)
}

// WaitingCounts counts waiting tickets per service for a day.
// On SQLite it is kept in memory (see waiting.go) rather than counted.
func (t TicketTx) WaitingCounts(day string) (map[int64]int, error) {
	if t.waiting != nil {
		counts, _, err := t.cachedWaiting(day)
		return counts, err
	}
	return waitingCounts(t.ctx, t.tx, day)
}

// BookedWaiting is how many tickets of bookings' check-ins wait on a day:
// with none, a call need not look for an overdue booking. On SQLite it is
// kept in memory beside the waiting counts.
func (t TicketTx) BookedWaiting(day string) (int, error) {
	if t.waiting != nil {
		_, n, err := t.cachedWaiting(day)
		return n, err
	}
	return bookedWaiting(t.ctx, t.tx, day)
}

// bookedWaiting counts through tickets_booked (appointment = TRUE as a
// literal, the index's own condition).
func bookedWaiting(ctx context.Context, q queryer, day string) (int, error) {
	var n int
	err := sqlx.GetContext(ctx, q, &n, q.Rebind(`SELECT COUNT(*) FROM tickets WHERE day = ? AND status = 'waiting' AND appointment = TRUE`), day)
	return n, Normalize(err)
}

// WaitingCounts counts waiting tickets per service for a day.
func (s TicketStore) WaitingCounts(ctx context.Context, day string) (map[int64]int, error) {
	return waitingCounts(ctx, s.read, day)
}

func waitingCounts(ctx context.Context, q queryer, day string) (map[int64]int, error) {
	var rows []struct {
		ServiceID int64 `db:"service_id"`
		N         int   `db:"n"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, q.Rebind(`SELECT service_id, COUNT(*) AS n FROM tickets
		WHERE status = 'waiting' AND day = ? GROUP BY service_id`), day); err != nil {
		return nil, Normalize(err)
	}
	out := make(map[int64]int, len(rows))
	for _, r := range rows {
		out[r.ServiceID] = r.N
	}
	return out, nil
}

// IssuedCount is how many numbers a service has handed out on a day.
func (t TicketTx) IssuedCount(serviceID int64, day string) (int, error) {
	if t.numberCache != nil {
		return t.issuedInTx(numberKey{serviceID, day})
	}
	return issuedCount(t.ctx, t.tx, serviceID, day)
}

// IssuedCounts is how many numbers each service has handed out on a day.
func (s TicketStore) IssuedCounts(ctx context.Context, day string) (map[int64]int, error) {
	var rows []struct {
		ServiceID int64 `db:"service_id"`
		N         int   `db:"last_seq"`
	}
	if err := s.read.SelectContext(ctx, &rows, s.read.Rebind(`SELECT service_id, last_seq FROM day_numbers WHERE day = ?`), day); err != nil {
		return nil, Normalize(err)
	}
	out := map[int64]int{}
	for _, r := range rows {
		out[r.ServiceID] = r.N
	}
	return out, nil
}

func issuedCount(ctx context.Context, q queryer, serviceID int64, day string) (int, error) {
	var rows []int
	if err := sqlx.SelectContext(ctx, q, &rows, q.Rebind(`SELECT last_seq FROM day_numbers WHERE service_id = ? AND day = ?`), serviceID, day); err != nil {
		return 0, Normalize(err)
	}
	if len(rows) == 0 {
		return 0, nil
	}
	return rows[0], nil
}

// Position counts the waiting tickets of the same service ahead of tk.
//
// Counting those ahead costs O(queue) and a kiosk asks for the position of
// every ticket it issues, which is at the back of the queue. On SQLite the
// waiting count is known (waiting.go), so when few tickets wait behind tk the
// position is that count minus those behind.
func (s TicketStore) Position(ctx context.Context, tk motcua.Ticket, priorityFirst bool) (int, error) {
	if s.waiting != nil {
		if pos, ok, err := s.positionFromBack(ctx, tk, priorityFirst); ok || err != nil {
			return pos, err
		}
	}
	return s.positionByCount(ctx, tk, priorityFirst)
}

// behindLimit bounds the count from the back before falling back to a count
// from the front.
const behindLimit = 64

// positionFromBack computes tk's position as (waiting in its service) minus
// (waiting behind tk) minus tk itself. ok is false when the count is not
// cached or too many wait behind tk.
func (s TicketStore) positionFromBack(ctx context.Context, tk motcua.Ticket, priorityFirst bool) (pos int, ok bool, err error) {
	// No commit may land between reading the cached total and the query,
	// or they would describe different queues.
	s.waiting.commitMu.RLock()
	defer s.waiting.commitMu.RUnlock()
	counts, _, cached := s.waiting.committed(tk.Day)
	if !cached {
		return 0, false, nil
	}
	// Those behind, as index ranges of tickets_queue (status, service_id,
	// priority, queued_at, id): an OR over them would scan the whole queue.
	type part struct {
		cond string
		args []any
	}
	q := tk.QueuedAt.UTC()
	var parts []part
	if priorityFirst {
		parts = []part{
			{`priority < ?`, []any{tk.Priority}},
			{`priority = ? AND queued_at > ?`, []any{tk.Priority, q}},
			{`priority = ? AND queued_at = ? AND id > ?`, []any{tk.Priority, q, tk.ID}},
		}
	} else {
		for _, p := range []bool{false, true} {
			parts = append(parts, part{`priority = ? AND queued_at > ?`, []any{p, q}},
				part{`priority = ? AND queued_at = ? AND id > ?`, []any{p, q, tk.ID}})
		}
	}
	var sql strings.Builder
	var args []any
	sql.WriteString(`SELECT 0`)
	for _, p := range parts {
		sql.WriteString(` + (SELECT COUNT(*) FROM (SELECT 1 FROM tickets WHERE status = 'waiting' AND service_id = ? AND ` +
			p.cond + ` AND day = ? LIMIT ?))`)
		args = append(append(append(args, tk.ServiceID), p.args...), tk.Day, behindLimit)
	}
	sql.WriteString(` AS behind, (SELECT COUNT(*) FROM tickets WHERE id = ? AND status = 'waiting' AND service_id = ? AND day = ?) AS self`)
	args = append(args, tk.ID, tk.ServiceID, tk.Day)
	var row struct {
		Behind int `db:"behind"`
		Self   int `db:"self"`
	}
	stmt, err := s.prepared(ctx, sql.String())
	if err != nil {
		return 0, false, Normalize(err)
	}
	err = stmt.GetContext(ctx, &row, args...)
	if err != nil {
		return 0, false, Normalize(err)
	}
	if row.Behind >= behindLimit {
		return 0, false, nil
	}
	return max(0, counts[tk.ServiceID]-row.Behind-row.Self), true, nil
}

// positionByCount counts the tickets ahead of tk.
func (s TicketStore) positionByCount(ctx context.Context, tk motcua.Ticket, priorityFirst bool) (int, error) {
	q := `SELECT COUNT(*) FROM tickets WHERE status = 'waiting' AND day = ? AND service_id = ? AND id <> ? AND `
	args := []any{tk.Day, tk.ServiceID, tk.ID}
	if priorityFirst {
		q += `(priority > ? OR (priority = ? AND (queued_at < ? OR (queued_at = ? AND id < ?))))`
		args = append(args, tk.Priority, tk.Priority, tk.QueuedAt.UTC(), tk.QueuedAt.UTC(), tk.ID)
	} else {
		q += `(queued_at < ? OR (queued_at = ? AND id < ?))`
		args = append(args, tk.QueuedAt.UTC(), tk.QueuedAt.UTC(), tk.ID)
	}
	var n int
	err := s.read.GetContext(ctx, &n, s.read.Rebind(q), args...)
	return n, Normalize(err)
}

// recentServiceQuery reads a service's last finished visits through
// tickets_done (its condition, status = 'done', written as a literal).
const recentServiceQuery = `SELECT called_at, finished_at FROM tickets
	WHERE service_id = ? AND status = 'done' AND called_at IS NOT NULL AND finished_at IS NOT NULL
	ORDER BY finished_at DESC LIMIT ?`

// RecentServiceSeconds returns how long the last n finished visits of a
// service took at the counter (from call to finish), newest first.
func (s TicketStore) RecentServiceSeconds(ctx context.Context, serviceID int64, n int) ([]float64, error) {
	var rows []struct {
		CalledAt   time.Time `db:"called_at"`
		FinishedAt time.Time `db:"finished_at"`
	}
	err := s.read.SelectContext(ctx, &rows, s.read.Rebind(recentServiceQuery), serviceID, n)
	if err != nil {
		return nil, Normalize(err)
	}
	out := make([]float64, len(rows))
	for i, r := range rows {
		out[i] = r.FinishedAt.Sub(r.CalledAt).Seconds()
	}
	return out, nil
}

// OpenTicketsBefore lists tickets of earlier days still waiting, called or
// being served: the day roll-over closes them.
func (t TicketTx) OpenTicketsBefore(day string) ([]motcua.Ticket, error) {
	var out []motcua.Ticket
	err := t.selectAll(&out, `SELECT `+ticketColumns+` FROM tickets WHERE day < ? AND status IN ('waiting', 'called', 'serving') ORDER BY id`, day)
	withCodes(t.codes, out)
	return out, err
}

// TicketEvent is one move of a ticket after its issue, with who made it.
type TicketEvent struct {
	ID          int64     `db:"id"`
	TicketID    int64     `db:"ticket_id"`
	At          time.Time `db:"at"`
	Action      string    `db:"action"`
	From        string    `db:"from_status"`
	To          string    `db:"to_status"`
	ServiceID   int64     `db:"service_id"`
	ToServiceID *int64    `db:"to_service_id"`
	CounterID   *int64    `db:"counter_id"`
	UserID      *int64    `db:"user_id"` // nil: the hub's own move
}

// InsertTicketEvent records a move of a ticket.
func (t TicketTx) InsertTicketEvent(e TicketEvent) error {
	_, err := t.insert(`INSERT INTO ticket_events (ticket_id, at, action, from_status, to_status, service_id, to_service_id, counter_id, user_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.TicketID, e.At.UTC(), e.Action, e.From, e.To, e.ServiceID, e.ToServiceID, e.CounterID, e.UserID)
	return err
}

// TicketEvents lists a ticket's moves in order.
func (s TicketStore) TicketEvents(ctx context.Context, ticketID int64) ([]TicketEvent, error) {
	var out []TicketEvent
	err := s.read.SelectContext(ctx, &out, s.read.Rebind(`SELECT id, ticket_id, at, action, from_status, to_status, service_id,
		to_service_id, counter_id, user_id FROM ticket_events WHERE ticket_id = ? ORDER BY id`), ticketID)
	return out, Normalize(err)
}

// Audit records a staff action that needs a trace (manual calls, views of personal data).
func (t TicketTx) Audit(at time.Time, userID int64, action string, ticketID, counterID *int64, reason string) error {
	_, err := t.insert(`INSERT INTO audit (at, user_id, action, ticket_id, counter_id, reason) VALUES (?, ?, ?, ?, ?, ?)`,
		at.UTC(), userID, action, ticketID, counterID, reason)
	return err
}

// AuditEntry is one row of the audit trail.
type AuditEntry struct {
	ID        int64     `db:"id"`
	At        time.Time `db:"at"`
	UserID    int64     `db:"user_id"`
	Action    string    `db:"action"`
	TicketID  *int64    `db:"ticket_id"`
	CounterID *int64    `db:"counter_id"`
	Reason    string    `db:"reason"`
}

// AuditTrail lists audit entries of one action, newest first.
func (s TicketStore) AuditTrail(ctx context.Context, action string, limit int) ([]AuditEntry, error) {
	var out []AuditEntry
	err := s.read.SelectContext(ctx, &out, s.read.Rebind(`SELECT id, at, user_id, action, ticket_id, counter_id, reason FROM audit
		WHERE action = ? ORDER BY id DESC LIMIT ?`), action, limit)
	return out, Normalize(err)
}

// EventsSince returns up to limit events after seq, in order; more reports
// whether further events exist beyond them.
func (s EventStore) EventsSince(ctx context.Context, seq int64, limit int) (events []motcua.Event, more bool, err error) {
	err = s.read.SelectContext(ctx, &events, s.read.Rebind(`SELECT seq, type, at, ticket_id, counter_id, body FROM events
		WHERE seq > ? ORDER BY seq LIMIT ?`), seq, limit+1)
	if err != nil {
		return nil, false, Normalize(err)
	}
	if err := decodeEvents(events); err != nil {
		return nil, false, err
	}
	if len(events) > limit {
		return events[:limit], true, nil
	}
	return events, false, nil
}

// decodeEvents fills the typed body of events read from the log.
func decodeEvents(events []motcua.Event) error {
	for i := range events {
		data, err := motcua.DecodeEventBody(events[i].Type, events[i].Body)
		if err != nil {
			return fmt.Errorf("event %d: %w", events[i].Seq, err)
		}
		events[i].Data = data
	}
	return nil
}

// RecentEvents returns the newest n events of a type up to seq maxSeq, newest first.
func (s EventStore) RecentEvents(ctx context.Context, typ string, maxSeq int64, n int) ([]motcua.Event, error) {
	var out []motcua.Event
	err := s.read.SelectContext(ctx, &out, s.read.Rebind(`SELECT seq, type, at, ticket_id, counter_id, body FROM events
		WHERE type = ? AND seq <= ? ORDER BY seq DESC LIMIT ?`), typ, maxSeq, n)
	if err != nil {
		return nil, Normalize(err)
	}
	return out, decodeEvents(out)
}

// LastSeq is the newest event's seq (0 when none).
func (s EventStore) LastSeq(ctx context.Context) (int64, error) {
	var seq *int64
	if err := s.read.GetContext(ctx, &seq, `SELECT MAX(seq) FROM events`); err != nil {
		return 0, Normalize(err)
	}
	if seq == nil {
		return 0, nil
	}
	return *seq, nil
}

// LastCallPerCounter returns when each counter last called a ticket on a day.
func (s TicketStore) LastCallPerCounter(ctx context.Context, day string) (map[int64]time.Time, error) {
	var rows []struct {
		CounterID int64 `db:"counter_id"`
		Last      any   `db:"last"`
	}
	if err := s.read.SelectContext(ctx, &rows, s.read.Rebind(`SELECT counter_id, MAX(called_at) AS last FROM tickets
		WHERE day = ? AND counter_id IS NOT NULL AND called_at IS NOT NULL GROUP BY counter_id`), day); err != nil {
		return nil, Normalize(err)
	}
	out := map[int64]time.Time{}
	for _, r := range rows {
		if t, ok := asTime(r.Last); ok {
			out[r.CounterID] = t
		}
	}
	return out, nil
}

// asTime reads an aggregate of a timestamp column: PostgreSQL gives a
// time.Time, SQLite the stored text.
func asTime(v any) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		return x, true
	case string:
		return parseSQLiteTime(x)
	case []byte:
		return parseSQLiteTime(string(x))
	}
	return time.Time{}, false
}

func parseSQLiteTime(s string) (time.Time, bool) {
	for _, layout := range sqlite3.SQLiteTimestampFormats {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
