package queue

import (
	"context"
	"strings"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/store"
)

// Calls: a counter calls the next ticket (one atomic claim in the writer's
// transaction: two counters never get the same ticket), recalls it, serves
// it, marks a no-show, transfers it, or calls a ticket out of queue order.
// Each call appends a "call" event for the hall screens, a "ticket" event
// and the new waiting count; the writer publishes them after the commit.

// atCounter returns the counter if by may act there.
func (q *Queue) atCounter(counterID int64, by motcua.User) (motcua.Counter, error) {
	c, err := q.counter(counterID)
	if err != nil {
		return c, err
	}
	return c, q.site.CheckWorksAt(by, counterID)
}

// CallNext ends the counter's current ticket and calls the next one for its
// services, as by. found is false when nobody waits.
func (q *Queue) CallNext(ctx context.Context, counterID int64, by motcua.User) (tk motcua.Ticket, found bool, err error) {
	counter, err := q.atCounter(counterID, by)
	if err != nil {
		return tk, false, err
	}
	err = q.w.Write(ctx, func(tx *store.Tx) error {
		if counter, err = q.counter(counterID); err != nil { // retired meanwhile?
			return err
		}
		now := q.site.Now()
		if err := q.endCurrent(tx, counter, now, by); err != nil {
			return err
		}
		next, ok, err := q.pickMerged(tx, counter, now)
		if err != nil || !ok {
			return err
		}
		found = true
		tk, err = q.callTicket(tx, next, counter, now, false, by)
		return err
	})
	if err == nil {
		q.acted(counterID, by)
		if found {
			q.metrics.calls.Inc()
			q.metrics.wait.Observe(tk.CalledAt.Sub(tk.QueuedAt).Seconds())
		}
	}
	return q.local(tk), found, err
}

// Merge of bookings with walk-ins (issue 16). A checked-in booking waits in
// its service's line like any ticket, at the place its check-in gave it
// (queued_at: its slot's start under the "slot" join, its check-in under
// "check_in"); the priority policy orders the line as usual. The bound:
// a booking that has waited more than ServeWithinMinutes past both its place
// and its check-in is overdue and goes ahead of everyone at the next call,
// oldest first; after MaxInRow such jumps in a row at one counter, one call
// follows the ordinary order (priority citizens and walk-ins), so a wave of
// late bookings never starves them.

// DefaultBookingMaxInRow is the MaxInRow of a hall that leaves it out.
const DefaultBookingMaxInRow = 2

// pickMerged picks the next ticket for a counter: an overdue booking when
// the merge bound says so, else the priority policy's choice.
func (q *Queue) pickMerged(tx *store.Tx, c motcua.Counter, now time.Time) (motcua.Ticket, bool, error) {
	day := q.site.Day(now)
	m := q.site.Booking().Merge
	if m.ServeWithinMinutes <= 0 {
		return q.pickNext(tx, c, day)
	}
	maxInRow := m.MaxInRow
	if maxInRow <= 0 {
		maxInRow = DefaultBookingMaxInRow
	}
	// The streak counts the overdue bookings the counter took in a row; it is
	// written only when it changes, so an ordinary call costs no write.
	streak, err := tx.Tickets.BookingStreak(c.ID)
	if err != nil {
		return motcua.Ticket{}, false, err
	}
	booked, err := tx.Tickets.BookedWaiting(day)
	if err != nil {
		return motcua.Ticket{}, false, err
	}
	if streak < maxInRow && booked > 0 { // no booking waits: none is overdue
		due := now.Add(-time.Duration(m.ServeWithinMinutes) * time.Minute)
		tk, ok, err := tx.Tickets.OverdueBookingForCounter(c.ID, day, due)
		if err != nil || ok {
			if err == nil {
				err = tx.Tickets.SetBookingStreak(c.ID, streak+1)
			}
			return tk, ok, err
		}
	}
	tk, ok, err := q.pickNext(tx, c, day)
	if err == nil && ok && streak != 0 {
		err = tx.Tickets.SetBookingStreak(c.ID, 0)
	}
	return tk, ok, err
}

// pickNext applies the priority policy.
func (q *Queue) pickNext(tx *store.Tx, c motcua.Counter, day string) (motcua.Ticket, bool, error) {
	switch q.site.Policy().Priority {
	case motcua.PolicyNone:
		return tx.Tickets.NextForCounter(c.ID, day, false, nil)
	case motcua.PolicyInterleave:
		streak, err := tx.Tickets.CounterStreak(c.ID)
		if err != nil {
			return motcua.Ticket{}, false, err
		}
		// After N normal calls a waiting priority ticket goes first;
		// otherwise the normal line goes on, and priority fills any gap.
		preferPriority := streak >= q.site.Policy().InterleaveN
		first, second := !preferPriority, preferPriority
		tk, ok, err := tx.Tickets.NextForCounter(c.ID, day, false, &second)
		if err != nil || ok {
			return tk, ok, err
		}
		return tx.Tickets.NextForCounter(c.ID, day, false, &first)
	default:
		return tx.Tickets.NextForCounter(c.ID, day, true, nil)
	}
}

// callTicket moves a waiting ticket to called at the counter by the officer
// by, with its events.
func (q *Queue) callTicket(tx *store.Tx, tk motcua.Ticket, c motcua.Counter, now time.Time, outOfOrder bool, by motcua.User) (motcua.Ticket, error) {
	if _, err := motcua.NextTicketStatus(tk.Status, motcua.ActionCall); err != nil {
		return tk, err
	}
	was := tk
	tk.Status = motcua.TicketCalled
	tk.CounterID = &c.ID
	tk.Calls = 1
	tk.CalledAt = &now
	tk.OutOfOrder = outOfOrder
	tk.CalledBy, tk.ServedBy = actor(by), actor(by)
	if err := tx.Tickets.UpdateTicket(was, tk); err != nil {
		return tk, err
	}
	action := string(motcua.ActionCall)
	if outOfOrder {
		action = "manual_call"
	}
	if err := trace(tx, tk, action, was.Status, tk.ServiceID, nil, by, now); err != nil {
		return tk, err
	}
	if err := tx.Tickets.AdvanceCounterStreak(c.ID, tk.Priority); err != nil {
		return tk, err
	}
	if err := q.callEvent(tx, tk, c, now, false); err != nil {
		return tk, err
	}
	if err := q.ticketEvent(tx, tk, now); err != nil {
		return tk, err
	}
	q.queueChanged(tk.ServiceID)
	return tk, nil
}

// endCurrent closes the counter's current ticket before it calls another:
// a served ticket is done, a called one that never started is a no-show
// under the same rule as "Vắng mặt" (mayMarkNoShow), or nothing is called.
func (q *Queue) endCurrent(tx *store.Tx, c motcua.Counter, now time.Time, by motcua.User) error {
	cur, ok, err := tx.Tickets.CurrentTicket(c.ID)
	if err != nil || !ok {
		return err
	}
	action := motcua.ActionFinish
	if cur.Status == motcua.TicketCalled {
		if err := q.mayMarkNoShow(cur); err != nil {
			return err
		}
		action = motcua.ActionNoShow
	}
	_, err = q.move(tx, cur, action, now, by)
	return err
}

// move applies a lifecycle action to a ticket by the officer by, and records
// its events.
func (q *Queue) move(tx *store.Tx, tk motcua.Ticket, action motcua.TicketAction, now time.Time, by motcua.User) (motcua.Ticket, error) {
	to, err := motcua.NextTicketStatus(tk.Status, action)
	if err != nil {
		return tk, err
	}
	was := tk
	tk.Status = to
	switch action {
	case motcua.ActionStart:
		tk.StartedAt = &now
	case motcua.ActionFinish, motcua.ActionNoShow:
		tk.FinishedAt = &now
	}
	if id := actor(by); id != nil {
		tk.ServedBy = id
	}
	if err := tx.Tickets.UpdateTicket(was, tk); err != nil {
		return tk, err
	}
	if err := trace(tx, tk, string(action), was.Status, tk.ServiceID, nil, by, now); err != nil {
		return tk, err
	}
	return tk, q.ticketEvent(tx, tk, now)
}

// actor is the user id recorded for by: nil for the hub's own moves.
func actor(by motcua.User) *int64 {
	if by.ID == 0 {
		return nil
	}
	id := by.ID
	return &id
}

// trace writes a ticket's move to its log: tk as it is after the move, the
// status and service it left, and who made it. toService is set for a transfer.
func trace(tx *store.Tx, tk motcua.Ticket, action string, from motcua.TicketStatus, fromService int64, toService *int64, by motcua.User, now time.Time) error {
	return tx.Tickets.InsertTicketEvent(store.TicketEvent{TicketID: tk.ID, At: now, Action: action, From: string(from),
		To: string(tk.Status), ServiceID: fromService, ToServiceID: toService, CounterID: tk.CounterID, UserID: actor(by)})
}

// acted tells the seating board that by acted at the counter.
func (q *Queue) acted(counterID int64, by motcua.User) {
	if q.seats != nil {
		q.seats.Acted(counterID, by)
	}
}

// ticketAction loads a ticket in the transaction and applies action to it as
// by, who must work at the ticket's counter.
func (q *Queue) ticketAction(ctx context.Context, ticketID int64, action motcua.TicketAction, by motcua.User, check func(motcua.Ticket) error) (motcua.Ticket, error) {
	var tk motcua.Ticket
	err := q.w.Write(ctx, func(tx *store.Tx) error {
		cur, err := tx.Tickets.Ticket(ticketID)
		if err != nil {
			return err
		}
		if cur.CounterID != nil {
			if err := q.site.CheckWorksAt(by, *cur.CounterID); err != nil {
				return err
			}
		}
		if check != nil {
			if err := check(cur); err != nil {
				return err
			}
		}
		tk, err = q.move(tx, cur, action, q.site.Now(), by)
		return err
	})
	if err == nil && tk.CounterID != nil {
		q.acted(*tk.CounterID, by)
	}
	return q.local(tk), err
}

// Start marks a called ticket as being served by by.
func (q *Queue) Start(ctx context.Context, ticketID int64, by motcua.User) (motcua.Ticket, error) {
	return q.ticketAction(ctx, ticketID, motcua.ActionStart, by, nil)
}

// Finish marks a ticket as served by by.
func (q *Queue) Finish(ctx context.Context, ticketID int64, by motcua.User) (motcua.Ticket, error) {
	tk, err := q.ticketAction(ctx, ticketID, motcua.ActionFinish, by, nil)
	if err == nil {
		q.forgetServiceTime(tk.ServiceID)
	}
	return tk, err
}

// NoShow marks a called ticket whose citizen did not come, once it has been
// called the configured minimum number of times.
func (q *Queue) NoShow(ctx context.Context, ticketID int64, by motcua.User) (motcua.Ticket, error) {
	return q.ticketAction(ctx, ticketID, motcua.ActionNoShow, by, q.mayMarkNoShow)
}

// mayMarkNoShow is the one rule for a called ticket becoming a no-show,
// whether the officer presses "Vắng mặt" or calls the next number over it: it
// must have been called the hall's no_show_min_calls times, because a citizen
// may not hear the first call.
func (q *Queue) mayMarkNoShow(tk motcua.Ticket) error {
	min := q.site.Policy().NoShowMinCalls
	if tk.Status != motcua.TicketCalled || tk.Calls >= min {
		return nil
	}
	return motcua.Errorf(motcua.EConflict, "Số %s mới được gọi %d lần; cần gọi ít nhất %d lần trước khi ghi vắng mặt: hãy Gọi lại hoặc Bắt đầu phục vụ. / Ticket %s was called %d time(s); call it at least %d times before it becomes a no-show: recall it or start serving.",
		tk.Number, tk.Calls, min, tk.Number, tk.Calls, min)
}

// Recall calls the counter's called ticket again, as by.
func (q *Queue) Recall(ctx context.Context, counterID int64, by motcua.User) (motcua.Ticket, error) {
	counter, err := q.atCounter(counterID, by)
	if err != nil {
		return motcua.Ticket{}, err
	}
	var tk motcua.Ticket
	err = q.w.Write(ctx, func(tx *store.Tx) error {
		if counter, err = q.counter(counterID); err != nil { // retired meanwhile?
			return err
		}
		cur, ok, err := tx.Tickets.CurrentTicket(counterID)
		if err != nil {
			return err
		}
		if !ok || cur.Status != motcua.TicketCalled {
			return motcua.Errorf(motcua.EConflict, "Quầy %d không có số nào đang được gọi. / Counter %d has no called ticket.", counter.Number, counter.Number)
		}
		now := q.site.Now()
		was := cur
		cur.Calls++
		cur.CalledBy, cur.ServedBy = actor(by), actor(by)
		if err := tx.Tickets.UpdateTicket(was, cur); err != nil {
			return err
		}
		if err := trace(tx, cur, string(motcua.ActionRecall), was.Status, cur.ServiceID, nil, by, now); err != nil {
			return err
		}
		tk = cur
		if err := q.callEvent(tx, cur, counter, now, true); err != nil {
			return err
		}
		return q.ticketEvent(tx, cur, now)
	})
	if err == nil {
		q.acted(counterID, by)
	}
	return q.local(tk), err
}

// Transfer sends a ticket at a counter to another service's queue, keeping its
// place by issue time. by must work at the ticket's counter.
func (q *Queue) Transfer(ctx context.Context, ticketID, serviceID int64, by motcua.User) (motcua.Ticket, error) {
	target, err := q.service(serviceID)
	if err != nil {
		return motcua.Ticket{}, err
	}
	var tk motcua.Ticket
	var at *int64 // the counter the ticket leaves
	err = q.w.Write(ctx, func(tx *store.Tx) error {
		if target, err = q.service(serviceID); err != nil { // retired meanwhile?
			return err
		}
		cur, err := tx.Tickets.Ticket(ticketID)
		if err != nil {
			return err
		}
		if cur.CounterID != nil {
			if err := q.site.CheckWorksAt(by, *cur.CounterID); err != nil {
				return err
			}
		}
		if _, err := motcua.NextTicketStatus(cur.Status, motcua.ActionTransfer); err != nil {
			return err
		}
		if cur.ServiceID == target.ID {
			return motcua.Errorf(motcua.EConflict, "Số %s đã ở dịch vụ %s. / Ticket %s is already in %s.", cur.Number, target.Name, cur.Number, target.Name)
		}
		now := q.site.Now()
		was := cur
		at = cur.CounterID
		cur.Status = motcua.TicketWaiting
		cur.ServiceID = target.ID
		cur.CounterID = nil
		cur.Calls = 0
		cur.CalledAt, cur.StartedAt = nil, nil
		cur.OutOfOrder = false
		cur.CalledBy, cur.ServedBy = nil, nil
		if err := tx.Tickets.UpdateTicket(was, cur); err != nil {
			return err
		}
		moved := cur
		moved.CounterID = at // the log names the counter it left
		if err := trace(tx, moved, string(motcua.ActionTransfer), was.Status, was.ServiceID, &target.ID, by, now); err != nil {
			return err
		}
		tk = cur
		if err := q.ticketEventStatus(tx, cur, now, motcua.TicketTransferred); err != nil {
			return err
		}
		q.queueChanged(was.ServiceID, target.ID)
		return nil
	})
	if err == nil && at != nil {
		q.acted(*at, by)
	}
	return q.local(tk), err
}

// CallTicket calls a specific waiting ticket out of queue order. It is always
// recorded with the staff member and the reason.
func (q *Queue) CallTicket(ctx context.Context, counterID, ticketID int64, reason string, by motcua.User) (motcua.Ticket, error) {
	counter, err := q.atCounter(counterID, by)
	if err != nil {
		return motcua.Ticket{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return motcua.Ticket{}, &motcua.Error{Code: motcua.EValidation,
			Message: "Gọi số ngoài thứ tự cần ghi lý do. / A call out of order needs a reason.",
			Fields:  map[string]string{"reason": "Bắt buộc. / Required."}}
	}
	var tk motcua.Ticket
	err = q.w.Write(ctx, func(tx *store.Tx) error {
		if counter, err = q.counter(counterID); err != nil { // retired meanwhile?
			return err
		}
		cur, err := tx.Tickets.Ticket(ticketID)
		if err != nil {
			return err
		}
		now := q.site.Now()
		if cur.Day != q.site.Day(now) {
			return motcua.Errorf(motcua.EConflict, "Số %s không thuộc ngày hôm nay. / Ticket %s is not from today.", cur.Number, cur.Number)
		}
		if _, err := motcua.NextTicketStatus(cur.Status, motcua.ActionCall); err != nil {
			return err
		}
		if err := q.endCurrent(tx, counter, now, by); err != nil {
			return err
		}
		if err := tx.Tickets.Audit(now, by.ID, "manual_call", &cur.ID, &counter.ID, reason); err != nil {
			return err
		}
		tk, err = q.callTicket(tx, cur, counter, now, true, by)
		return err
	})
	if err == nil {
		q.acted(counterID, by)
		q.metrics.calls.Inc()
		q.metrics.outOfOrder.Inc()
	}
	return q.local(tk), err
}
