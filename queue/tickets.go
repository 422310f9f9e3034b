package queue

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/store"
)

// IssueTicket hands out the next number of a service.
func (q *Queue) IssueTicket(ctx context.Context, req motcua.IssueRequest) (motcua.Ticket, error) {
	tk, _, err := q.issue(ctx, req)
	return tk, err
}

// IssueTicketView hands out the next number of a service and returns it as
// the kiosk prints it, with the people ahead and the estimated wait. The
// writer counts the people ahead while it inserts the ticket, so the answer
// needs no second read of the queue.
func (q *Queue) IssueTicketView(ctx context.Context, req motcua.IssueRequest) (motcua.TicketView, error) {
	tk, ahead, err := q.issue(ctx, req)
	if err != nil {
		return motcua.TicketView{}, err
	}
	if ahead < 0 {
		return q.TicketView(ctx, tk)
	}
	wait, err := q.EstimateWait(ctx, tk.ServiceID, ahead)
	if err != nil {
		// The ticket is committed: the kiosk prints it without an estimate
		// rather than report a failure for a number that exists.
		q.log.Error("estimate wait of a new ticket", "ticket", tk.ID, "err", err)
	}
	return motcua.TicketView{Ticket: tk, ServiceName: q.serviceName(tk.ServiceID), Position: ahead, EstWaitS: wait}, nil
}

// issue writes a new ticket. ahead is the number of people before it in
// its queue at the moment it joined, or -1 when only a count can tell (a
// priority ticket under a priority policy lands among the others).
func (q *Queue) issue(ctx context.Context, req motcua.IssueRequest) (tk motcua.Ticket, ahead int, err error) {
	svc, err := q.service(req.ServiceID)
	if err != nil {
		return motcua.Ticket{}, -1, err
	}
	if req.PriorityGroup != "" {
		if !motcua.IsPriorityGroup(req.PriorityGroup) {
			return motcua.Ticket{}, -1, motcua.Errorf(motcua.EInvalid,
				"Nhóm ưu tiên %q không hợp lệ. / Unknown priority_group %q.", req.PriorityGroup, req.PriorityGroup)
		}
		req.Priority = true
	}
	if open, opensAt := q.serviceOpen(svc, q.site.Now()); !open {
		return motcua.Ticket{}, -1, closedError(svc, opensAt)
	}
	ahead = -1
	err = q.w.Write(ctx, func(tx *store.Tx) error {
		// The service is read again in the writer: the hall may have
		// changed (or retired it) since the request arrived.
		if svc, err = q.service(req.ServiceID); err != nil {
			return err
		}
		// The time is read in the writer, so queue times only grow in
		// commit order and a new ticket is always at the back of its
		// queue (or of the priority part of it).
		now := q.site.Now()
		day := q.site.Day(now)
		if svc.DailyCap > 0 {
			n, err := tx.Tickets.IssuedCount(svc.ID, day)
			if err != nil {
				return err
			}
			if n >= svc.DailyCap {
				return motcua.Errorf(motcua.EClosed, "Dịch vụ %s đã hết số hôm nay (%d số). Mời quay lại ngày làm việc tiếp theo. / %s has issued all %d numbers for today.",
					svc.Name, svc.DailyCap, svc.Name, svc.DailyCap)
			}
		}
		seq, err := tx.Tickets.NextSeq(svc.ID, day)
		if err != nil {
			return err
		}
		tk = motcua.Ticket{
			Day: day, Seq: seq, Number: fmt.Sprintf("%s%0*d", svc.Prefix, svc.Digits, seq),
			ServiceID: svc.ID, Priority: req.Priority, PriorityGroup: req.PriorityGroup,
			Status: motcua.TicketWaiting, IssuedAt: now, QueuedAt: now,
			Token: motcua.RandomToken(16),
		}
		if err := tx.Tickets.InsertTicketDrawingCode(&tk, shortCode); err != nil {
			return err
		}
		counts, err := tx.Tickets.WaitingCounts(day)
		if err != nil {
			return err
		}
		if !tk.Priority || !q.site.PriorityFirst() {
			// Everyone else waiting in the service came earlier.
			ahead = max(0, counts[svc.ID]-1)
		}
		return q.queueEventCounts(tx, now, counts, svc.ID)
	})
	if err != nil {
		return tk, -1, err
	}
	q.metrics.issued.WithLabelValues(svc.Code).Inc()
	return q.local(tk), ahead, nil
}

func closedError(svc motcua.Service, opensAt *time.Time) error {
	if opensAt == nil {
		return motcua.Errorf(motcua.EClosed, "Dịch vụ %s hiện không nhận số. / %s is not taking numbers now.", svc.Name, svc.Name)
	}
	when := opensAt.Format("15:04 02/01/2006")
	return motcua.Errorf(motcua.EClosed, "Dịch vụ %s đang ngoài giờ, mở lại lúc %s. / %s is closed; it opens at %s.", svc.Name, when, svc.Name, when)
}

// serviceOpen says whether a service takes numbers at now, and if not, when
// it next opens. A service without hours is always open.
func (q *Queue) serviceOpen(svc motcua.Service, now time.Time) (bool, *time.Time) {
	if len(svc.Hours) == 0 {
		return true, nil
	}
	hm := now.Format("15:04")
	for _, s := range svc.Hours {
		if q.isClosedDay(now) {
			break
		}
		if hm >= s.From && hm < s.To {
			return true, nil
		}
	}
	// The next session start, today or on a following day (up to a week ahead).
	for d := 0; d < 8; d++ {
		day := now.AddDate(0, 0, d)
		for _, s := range svc.Hours {
			t, err := time.ParseInLocation("2006-01-02 15:04", day.Format("2006-01-02")+" "+s.From, q.site.Location())
			if err == nil && t.After(now) && !q.isClosedDay(t) {
				return false, &t
			}
		}
	}
	return false, nil
}

// isClosedDay reports a weekend or holiday of the branch calendar: a service
// with opening hours is closed all day then.
func (q *Queue) isClosedDay(t time.Time) bool { return !q.site.Calendar().IsWorkingDay(t) }

// shortCodeAlphabet has no 0/O, 1/I/L: six of these are read off paper and
// typed at a kiosk by people who may not see well.
const shortCodeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// shortCode draws six characters uniformly from shortCodeAlphabet (rejection
// sampling keeps every character equally likely).
func shortCode() string {
	out := make([]byte, 0, 6)
	buf := make([]byte, 16)
	limit := byte(256 - 256%len(shortCodeAlphabet))
	for len(out) < 6 {
		if _, err := rand.Read(buf); err != nil {
			panic(err) // crypto/rand never fails on supported platforms
		}
		for _, b := range buf {
			if b < limit && len(out) < 6 {
				out = append(out, shortCodeAlphabet[int(b)%len(shortCodeAlphabet)])
			}
		}
	}
	return string(out)
}

// CallNext ends the counter's current ticket and calls the next one for its
// services. found is false when nobody waits.
func (q *Queue) CallNext(ctx context.Context, counterID int64) (tk motcua.Ticket, found bool, err error) {
	counter, err := q.counter(counterID)
	if err != nil {
		return tk, false, err
	}
	err = q.w.Write(ctx, func(tx *store.Tx) error {
		if counter, err = q.counter(counterID); err != nil { // retired meanwhile?
			return err
		}
		now := q.site.Now()
		if err := q.endCurrent(tx, counter, now); err != nil {
			return err
		}
		next, ok, err := q.pickNext(tx, counter, q.site.Day(now))
		if err != nil || !ok {
			return err
		}
		found = true
		tk, err = q.callTicket(tx, next, counter, now, false)
		return err
	})
	if err == nil && found {
		q.metrics.calls.Inc()
		q.metrics.wait.Observe(tk.CalledAt.Sub(tk.QueuedAt).Seconds())
	}
	return q.local(tk), found, err
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

// callTicket moves a waiting ticket to called at the counter, with its events.
func (q *Queue) callTicket(tx *store.Tx, tk motcua.Ticket, c motcua.Counter, now time.Time, outOfOrder bool) (motcua.Ticket, error) {
	if _, err := motcua.NextTicketStatus(tk.Status, motcua.ActionCall); err != nil {
		return tk, err
	}
	from := tk.Status
	tk.Status = motcua.TicketCalled
	tk.CounterID = &c.ID
	tk.Calls = 1
	tk.CalledAt = &now
	tk.OutOfOrder = outOfOrder
	if err := tx.Tickets.UpdateTicket(tk, from); err != nil {
		return tk, err
	}
	streak := 0
	if !tk.Priority {
		n, err := tx.Tickets.CounterStreak(c.ID)
		if err != nil {
			return tk, err
		}
		streak = n + 1
	}
	if err := tx.Tickets.SetCounterStreak(c.ID, streak); err != nil {
		return tk, err
	}
	if err := q.callEvent(tx, tk, c, now, false); err != nil {
		return tk, err
	}
	if err := q.ticketEvent(tx, tk, now); err != nil {
		return tk, err
	}
	return tk, q.queueEvent(tx, now, tk.ServiceID)
}

// endCurrent closes the counter's current ticket before it calls another:
// a served ticket is done, a called one that never started is a no-show.
func (q *Queue) endCurrent(tx *store.Tx, c motcua.Counter, now time.Time) error {
	cur, ok, err := tx.Tickets.CurrentTicket(c.ID)
	if err != nil || !ok {
		return err
	}
	action := motcua.ActionFinish
	if cur.Status == motcua.TicketCalled {
		action = motcua.ActionNoShow
	}
	_, err = q.move(tx, cur, action, now)
	return err
}

// move applies a lifecycle action to a ticket and records its event.
func (q *Queue) move(tx *store.Tx, tk motcua.Ticket, action motcua.TicketAction, now time.Time) (motcua.Ticket, error) {
	to, err := motcua.NextTicketStatus(tk.Status, action)
	if err != nil {
		return tk, err
	}
	from := tk.Status
	tk.Status = to
	switch action {
	case motcua.ActionStart:
		tk.StartedAt = &now
	case motcua.ActionFinish, motcua.ActionNoShow:
		tk.FinishedAt = &now
	}
	if err := tx.Tickets.UpdateTicket(tk, from); err != nil {
		return tk, err
	}
	return tk, q.ticketEvent(tx, tk, now)
}

// ticketAction loads a ticket in the transaction and applies action to it.
func (q *Queue) ticketAction(ctx context.Context, ticketID int64, action motcua.TicketAction, check func(motcua.Ticket) error) (motcua.Ticket, error) {
	var tk motcua.Ticket
	err := q.w.Write(ctx, func(tx *store.Tx) error {
		cur, err := tx.Tickets.Ticket(ticketID)
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(cur); err != nil {
				return err
			}
		}
		tk, err = q.move(tx, cur, action, q.site.Now())
		return err
	})
	return q.local(tk), err
}

// Start marks a called ticket as being served.
func (q *Queue) Start(ctx context.Context, ticketID int64) (motcua.Ticket, error) {
	return q.ticketAction(ctx, ticketID, motcua.ActionStart, nil)
}

// Finish marks a ticket as served.
func (q *Queue) Finish(ctx context.Context, ticketID int64) (motcua.Ticket, error) {
	tk, err := q.ticketAction(ctx, ticketID, motcua.ActionFinish, nil)
	if err == nil {
		q.forgetServiceTime(tk.ServiceID)
	}
	return tk, err
}

// NoShow marks a called ticket whose citizen did not come, once it has been
// called the configured minimum number of times.
func (q *Queue) NoShow(ctx context.Context, ticketID int64) (motcua.Ticket, error) {
	return q.ticketAction(ctx, ticketID, motcua.ActionNoShow, func(tk motcua.Ticket) error {
		if tk.Status == motcua.TicketCalled && tk.Calls < q.site.Policy().NoShowMinCalls {
			return motcua.Errorf(motcua.EConflict,
				"Số %s mới được gọi %d lần; cần gọi ít nhất %d lần trước khi ghi vắng mặt. / Ticket %s was called %d time(s); call it at least %d times before marking a no-show.",
				tk.Number, tk.Calls, q.site.Policy().NoShowMinCalls, tk.Number, tk.Calls, q.site.Policy().NoShowMinCalls)
		}
		return nil
	})
}

// Recall calls the counter's called ticket again.
func (q *Queue) Recall(ctx context.Context, counterID int64) (motcua.Ticket, error) {
	counter, err := q.counter(counterID)
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
		cur.Calls++
		if err := tx.Tickets.UpdateTicket(cur, cur.Status); err != nil {
			return err
		}
		tk = cur
		if err := q.callEvent(tx, cur, counter, now, true); err != nil {
			return err
		}
		return q.ticketEvent(tx, cur, now)
	})
	return q.local(tk), err
}

// Transfer sends a ticket at a counter to another service's queue, keeping its
// place by issue time.
func (q *Queue) Transfer(ctx context.Context, ticketID, serviceID int64) (motcua.Ticket, error) {
	target, err := q.service(serviceID)
	if err != nil {
		return motcua.Ticket{}, err
	}
	var tk motcua.Ticket
	err = q.w.Write(ctx, func(tx *store.Tx) error {
		if target, err = q.service(serviceID); err != nil { // retired meanwhile?
			return err
		}
		cur, err := tx.Tickets.Ticket(ticketID)
		if err != nil {
			return err
		}
		if _, err := motcua.NextTicketStatus(cur.Status, motcua.ActionTransfer); err != nil {
			return err
		}
		if cur.ServiceID == target.ID {
			return motcua.Errorf(motcua.EConflict, "Số %s đã ở dịch vụ %s. / Ticket %s is already in %s.", cur.Number, target.Name, cur.Number, target.Name)
		}
		now := q.site.Now()
		from, oldService := cur.Status, cur.ServiceID
		cur.Status = motcua.TicketWaiting
		cur.ServiceID = target.ID
		cur.CounterID = nil
		cur.Calls = 0
		cur.CalledAt, cur.StartedAt = nil, nil
		cur.OutOfOrder = false
		if err := tx.Tickets.UpdateTicket(cur, from); err != nil {
			return err
		}
		tk = cur
		if err := q.ticketEventStatus(tx, cur, now, motcua.TicketTransferred); err != nil {
			return err
		}
		return q.queueEvent(tx, now, oldService, target.ID)
	})
	return q.local(tk), err
}

// CallTicket calls a specific waiting ticket out of queue order. It is always
// recorded with the staff member and the reason.
func (q *Queue) CallTicket(ctx context.Context, counterID, ticketID int64, reason string, by motcua.User) (motcua.Ticket, error) {
	counter, err := q.counter(counterID)
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
		if err := q.endCurrent(tx, counter, now); err != nil {
			return err
		}
		if err := tx.Tickets.Audit(now, by.ID, "manual_call", &cur.ID, &counter.ID, reason); err != nil {
			return err
		}
		tk, err = q.callTicket(tx, cur, counter, now, true)
		return err
	})
	if err == nil {
		q.metrics.calls.Inc()
		q.metrics.outOfOrder.Inc()
	}
	return q.local(tk), err
}

// Reactivate puts a no-show ticket of today back in its queue at its original
// place, when the citizen types its short code at the kiosk within the
// configured time after the no-show.
func (q *Queue) Reactivate(ctx context.Context, shortCode string) (motcua.Ticket, error) {
	code := strings.ToUpper(strings.TrimSpace(shortCode))
	if len(code) != 6 {
		return motcua.Ticket{}, &motcua.Error{Code: motcua.EValidation,
			Message: "Mã phiếu gồm 6 ký tự in trên phiếu. / The ticket code has the 6 characters printed on the ticket.",
			Fields:  map[string]string{"short_code": "6 characters"}}
	}
	var tk motcua.Ticket
	err := q.w.Write(ctx, func(tx *store.Tx) error {
		now := q.site.Now()
		cur, err := tx.Tickets.TicketByShortCode(q.site.Day(now), code)
		if motcua.ErrorCode(err) == motcua.ENotFound {
			return motcua.Errorf(motcua.ENotFound, "Không tìm thấy phiếu có mã %s hôm nay. / No ticket with code %s today.", code, code)
		}
		if err != nil {
			return err
		}
		if cur.Status != motcua.TicketNoShow {
			return motcua.Errorf(motcua.EConflict, "Số %s không ở trạng thái vắng mặt, không cần kích hoạt lại. / Ticket %s is not a no-show.", cur.Number, cur.Number)
		}
		limit := time.Duration(q.site.Policy().ReactivateMinutes) * time.Minute
		if cur.FinishedAt == nil || now.Sub(*cur.FinishedAt) > limit {
			return motcua.Errorf(motcua.EConflict,
				"Đã quá %d phút kể từ khi số %s bị gọi vắng mặt; vui lòng lấy số mới. / More than %d minutes have passed since ticket %s was marked absent; please take a new number.",
				q.site.Policy().ReactivateMinutes, cur.Number, q.site.Policy().ReactivateMinutes, cur.Number)
		}
		from := cur.Status
		cur.Status = motcua.TicketWaiting
		cur.CounterID = nil
		cur.Calls = 0
		cur.CalledAt, cur.StartedAt, cur.FinishedAt = nil, nil, nil
		if err := tx.Tickets.UpdateTicket(cur, from); err != nil {
			return err
		}
		tk = cur
		if err := q.ticketEvent(tx, cur, now); err != nil {
			return err
		}
		return q.queueEvent(tx, now, cur.ServiceID)
	})
	return q.local(tk), err
}
