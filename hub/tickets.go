package hub

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/store"
)

// Service returns a configured service.
func (h *Hub) Service(id int64) (motcua.Service, error) {
	s, ok := h.services[id]
	if !ok {
		return s, motcua.Errorf(motcua.ENotFound, "Không có dịch vụ số %d. / There is no service %d.", id, id)
	}
	return s, nil
}

// Counter returns a configured counter.
func (h *Hub) Counter(id int64) (motcua.Counter, error) {
	c, ok := h.counters[id]
	if !ok {
		return c, motcua.Errorf(motcua.ENotFound, "Không có quầy số %d. / There is no counter %d.", id, id)
	}
	return c, nil
}

// IssueTicket hands out the next number of a service.
func (h *Hub) IssueTicket(ctx context.Context, req motcua.IssueRequest) (motcua.Ticket, error) {
	tk, _, err := h.issue(ctx, req)
	return tk, err
}

// IssueTicketView hands out the next number of a service and returns it as
// the kiosk prints it, with the people ahead and the estimated wait. The
// writer counts the people ahead while it inserts the ticket, so the answer
// needs no second read of the queue.
func (h *Hub) IssueTicketView(ctx context.Context, req motcua.IssueRequest) (motcua.TicketView, error) {
	tk, ahead, err := h.issue(ctx, req)
	if err != nil {
		return motcua.TicketView{}, err
	}
	if ahead < 0 {
		return h.TicketView(ctx, tk)
	}
	return motcua.TicketView{Ticket: tk, ServiceName: h.services[tk.ServiceID].Name,
		Position: ahead, EstWaitS: h.EstimateWait(ctx, tk.ServiceID, ahead)}, nil
}

// issue writes a new ticket. ahead is the number of people before it in
// its queue at the moment it joined, or -1 when only a count can tell (a
// priority ticket under a priority policy lands among the others).
func (h *Hub) issue(ctx context.Context, req motcua.IssueRequest) (tk motcua.Ticket, ahead int, err error) {
	svc, err := h.Service(req.ServiceID)
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
	if open, opensAt := h.serviceOpen(svc, h.Now()); !open {
		return motcua.Ticket{}, -1, closedError(svc, opensAt)
	}
	ahead = -1
	err = h.write(ctx, func(tx *store.Tx) error {
		// The time is read in the writer, so queue times only grow in
		// commit order and a new ticket is always at the back of its
		// queue (or of the priority part of it).
		now := h.Now()
		day := h.day(now)
		if svc.DailyCap > 0 {
			n, err := tx.IssuedCount(svc.ID, day)
			if err != nil {
				return err
			}
			if n >= svc.DailyCap {
				return motcua.Errorf(motcua.EClosed, "Dịch vụ %s đã hết số hôm nay (%d số). Mời quay lại ngày làm việc tiếp theo. / %s has issued all %d numbers for today.",
					svc.Name, svc.DailyCap, svc.Name, svc.DailyCap)
			}
		}
		seq, err := tx.NextSeq(svc.ID, day)
		if err != nil {
			return err
		}
		tk = motcua.Ticket{
			Day: day, Seq: seq, Number: fmt.Sprintf("%s%0*d", svc.Prefix, svc.Digits, seq),
			ServiceID: svc.ID, Priority: req.Priority, PriorityGroup: req.PriorityGroup,
			Status: motcua.TicketWaiting, IssuedAt: now, QueuedAt: now,
			Token: randomToken(16),
		}
		if err := tx.InsertTicketDrawingCode(&tk, shortCode); err != nil {
			return err
		}
		counts, err := tx.WaitingCounts(day)
		if err != nil {
			return err
		}
		if !tk.Priority || !h.priorityFirst() {
			// Everyone else waiting in the service came earlier.
			ahead = max(0, counts[svc.ID]-1)
		}
		return h.queueEventCounts(tx, now, counts, svc.ID)
	})
	if err != nil {
		return tk, -1, err
	}
	h.metrics.issued.WithLabelValues(svc.Code).Inc()
	return h.local(tk), ahead, nil
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
func (h *Hub) serviceOpen(svc motcua.Service, now time.Time) (bool, *time.Time) {
	if len(svc.Hours) == 0 {
		return true, nil
	}
	hm := now.Format("15:04")
	for _, s := range svc.Hours {
		if h.isClosedDay(now) {
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
			t, err := time.ParseInLocation("2006-01-02 15:04", day.Format("2006-01-02")+" "+s.From, h.loc)
			if err == nil && t.After(now) && !h.isClosedDay(t) {
				return false, &t
			}
		}
	}
	return false, nil
}

// isClosedDay reports a weekend or holiday of the branch calendar: a service
// with opening hours is closed all day then.
func (h *Hub) isClosedDay(t time.Time) bool { return !h.cal.IsWorkingDay(t) }

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
func (h *Hub) CallNext(ctx context.Context, counterID int64, by motcua.User) (tk motcua.Ticket, found bool, err error) {
	counter, err := h.Counter(counterID)
	if err != nil {
		return tk, false, err
	}
	err = h.write(ctx, func(tx *store.Tx) error {
		now := h.Now()
		if err := h.endCurrent(tx, counter, now); err != nil {
			return err
		}
		next, ok, err := h.pickNext(tx, counter, h.day(now))
		if err != nil || !ok {
			return err
		}
		found = true
		tk, err = h.callTicket(tx, next, counter, now, false)
		return err
	})
	if err == nil && found {
		h.metrics.calls.Inc()
		h.metrics.wait.Observe(tk.CalledAt.Sub(tk.QueuedAt).Seconds())
	}
	return h.local(tk), found, err
}

// pickNext applies the priority policy.
func (h *Hub) pickNext(tx *store.Tx, c motcua.Counter, day string) (motcua.Ticket, bool, error) {
	switch h.policy.Priority {
	case motcua.PolicyNone:
		return tx.NextForCounter(c.ID, day, false, nil)
	case motcua.PolicyInterleave:
		streak, err := tx.CounterStreak(c.ID)
		if err != nil {
			return motcua.Ticket{}, false, err
		}
		// After N normal calls a waiting priority ticket goes first;
		// otherwise the normal line goes on, and priority fills any gap.
		preferPriority := streak >= h.policy.InterleaveN
		first, second := !preferPriority, preferPriority
		tk, ok, err := tx.NextForCounter(c.ID, day, false, &second)
		if err != nil || ok {
			return tk, ok, err
		}
		return tx.NextForCounter(c.ID, day, false, &first)
	default:
		return tx.NextForCounter(c.ID, day, true, nil)
	}
}

// callTicket moves a waiting ticket to called at the counter, with its events.
func (h *Hub) callTicket(tx *store.Tx, tk motcua.Ticket, c motcua.Counter, now time.Time, outOfOrder bool) (motcua.Ticket, error) {
	if _, err := motcua.NextTicketStatus(tk.Status, motcua.ActionCall); err != nil {
		return tk, err
	}
	from := tk.Status
	tk.Status = motcua.TicketCalled
	tk.CounterID = &c.ID
	tk.Calls = 1
	tk.CalledAt = &now
	tk.OutOfOrder = outOfOrder
	if err := tx.UpdateTicket(tk, from); err != nil {
		return tk, err
	}
	streak := 0
	if !tk.Priority {
		n, err := tx.CounterStreak(c.ID)
		if err != nil {
			return tk, err
		}
		streak = n + 1
	}
	if err := tx.SetCounterStreak(c.ID, streak); err != nil {
		return tk, err
	}
	if err := h.callEvent(tx, tk, c, now, false); err != nil {
		return tk, err
	}
	if err := h.ticketEvent(tx, tk, now); err != nil {
		return tk, err
	}
	return tk, h.queueEvent(tx, now, tk.ServiceID)
}

// endCurrent closes the counter's current ticket before it calls another:
// a served ticket is done, a called one that never started is a no-show.
func (h *Hub) endCurrent(tx *store.Tx, c motcua.Counter, now time.Time) error {
	cur, ok, err := tx.CurrentTicket(c.ID)
	if err != nil || !ok {
		return err
	}
	action := motcua.ActionFinish
	if cur.Status == motcua.TicketCalled {
		action = motcua.ActionNoShow
	}
	_, err = h.move(tx, cur, action, now)
	return err
}

// move applies a lifecycle action to a ticket and records its event.
func (h *Hub) move(tx *store.Tx, tk motcua.Ticket, action motcua.TicketAction, now time.Time) (motcua.Ticket, error) {
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
	if err := tx.UpdateTicket(tk, from); err != nil {
		return tk, err
	}
	return tk, h.ticketEvent(tx, tk, now)
}

// ticketAction loads a ticket in the transaction and applies action to it.
func (h *Hub) ticketAction(ctx context.Context, ticketID int64, action motcua.TicketAction, check func(motcua.Ticket) error) (motcua.Ticket, error) {
	var tk motcua.Ticket
	err := h.write(ctx, func(tx *store.Tx) error {
		cur, err := tx.Ticket(ticketID)
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(cur); err != nil {
				return err
			}
		}
		tk, err = h.move(tx, cur, action, h.Now())
		return err
	})
	return h.local(tk), err
}

// Start marks a called ticket as being served.
func (h *Hub) Start(ctx context.Context, ticketID int64) (motcua.Ticket, error) {
	return h.ticketAction(ctx, ticketID, motcua.ActionStart, nil)
}

// Finish marks a ticket as served.
func (h *Hub) Finish(ctx context.Context, ticketID int64) (motcua.Ticket, error) {
	tk, err := h.ticketAction(ctx, ticketID, motcua.ActionFinish, nil)
	if err == nil {
		h.forgetServiceTime(tk.ServiceID)
	}
	return tk, err
}

// NoShow marks a called ticket whose citizen did not come, once it has been
// called the configured minimum number of times.
func (h *Hub) NoShow(ctx context.Context, ticketID int64) (motcua.Ticket, error) {
	return h.ticketAction(ctx, ticketID, motcua.ActionNoShow, func(tk motcua.Ticket) error {
		if tk.Status == motcua.TicketCalled && tk.Calls < h.policy.NoShowMinCalls {
			return motcua.Errorf(motcua.EConflict,
				"Số %s mới được gọi %d lần; cần gọi ít nhất %d lần trước khi ghi vắng mặt. / Ticket %s was called %d time(s); call it at least %d times before marking a no-show.",
				tk.Number, tk.Calls, h.policy.NoShowMinCalls, tk.Number, tk.Calls, h.policy.NoShowMinCalls)
		}
		return nil
	})
}

// Recall calls the counter's called ticket again.
func (h *Hub) Recall(ctx context.Context, counterID int64) (motcua.Ticket, error) {
	counter, err := h.Counter(counterID)
	if err != nil {
		return motcua.Ticket{}, err
	}
	var tk motcua.Ticket
	err = h.write(ctx, func(tx *store.Tx) error {
		cur, ok, err := tx.CurrentTicket(counterID)
		if err != nil {
			return err
		}
		if !ok || cur.Status != motcua.TicketCalled {
			return motcua.Errorf(motcua.EConflict, "Quầy %d không có số nào đang được gọi. / Counter %d has no called ticket.", counter.Number, counter.Number)
		}
		now := h.Now()
		cur.Calls++
		if err := tx.UpdateTicket(cur, cur.Status); err != nil {
			return err
		}
		tk = cur
		if err := h.callEvent(tx, cur, counter, now, true); err != nil {
			return err
		}
		return h.ticketEvent(tx, cur, now)
	})
	return h.local(tk), err
}

// Transfer sends a ticket at a counter to another service's queue, keeping its
// place by issue time.
func (h *Hub) Transfer(ctx context.Context, ticketID, serviceID int64) (motcua.Ticket, error) {
	target, err := h.Service(serviceID)
	if err != nil {
		return motcua.Ticket{}, err
	}
	var tk motcua.Ticket
	err = h.write(ctx, func(tx *store.Tx) error {
		cur, err := tx.Ticket(ticketID)
		if err != nil {
			return err
		}
		if _, err := motcua.NextTicketStatus(cur.Status, motcua.ActionTransfer); err != nil {
			return err
		}
		if cur.ServiceID == target.ID {
			return motcua.Errorf(motcua.EConflict, "Số %s đã ở dịch vụ %s. / Ticket %s is already in %s.", cur.Number, target.Name, cur.Number, target.Name)
		}
		now := h.Now()
		from, oldService := cur.Status, cur.ServiceID
		cur.Status = motcua.TicketWaiting
		cur.ServiceID = target.ID
		cur.CounterID = nil
		cur.Calls = 0
		cur.CalledAt, cur.StartedAt = nil, nil
		cur.OutOfOrder = false
		if err := tx.UpdateTicket(cur, from); err != nil {
			return err
		}
		tk = cur
		if err := h.ticketEventStatus(tx, cur, now, motcua.TicketTransferred); err != nil {
			return err
		}
		return h.queueEvent(tx, now, oldService, target.ID)
	})
	return h.local(tk), err
}

// CallTicket calls a specific waiting ticket out of queue order. It is always
// recorded with the staff member and the reason.
func (h *Hub) CallTicket(ctx context.Context, counterID, ticketID int64, reason string, by motcua.User) (motcua.Ticket, error) {
	counter, err := h.Counter(counterID)
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
	err = h.write(ctx, func(tx *store.Tx) error {
		cur, err := tx.Ticket(ticketID)
		if err != nil {
			return err
		}
		now := h.Now()
		if cur.Day != h.day(now) {
			return motcua.Errorf(motcua.EConflict, "Số %s không thuộc ngày hôm nay. / Ticket %s is not from today.", cur.Number, cur.Number)
		}
		if _, err := motcua.NextTicketStatus(cur.Status, motcua.ActionCall); err != nil {
			return err
		}
		if err := h.endCurrent(tx, counter, now); err != nil {
			return err
		}
		if err := tx.Audit(now, by.ID, "manual_call", &cur.ID, &counter.ID, reason); err != nil {
			return err
		}
		tk, err = h.callTicket(tx, cur, counter, now, true)
		return err
	})
	if err == nil {
		h.metrics.calls.Inc()
		h.metrics.outOfOrder.Inc()
	}
	return h.local(tk), err
}

// rollOver closes the tickets of past days once per day: waiting and called
// tickets are cancelled, a visit still being served is finished. History stays.
func (h *Hub) rollOver(tx *store.Tx) error {
	now := h.Now()
	today := h.day(now)
	if today == h.lastDay {
		return nil
	}
	open, err := tx.OpenTicketsBefore(today)
	if err != nil {
		return err
	}
	services := map[int64]bool{}
	for _, tk := range open {
		from := tk.Status
		if tk.Status == motcua.TicketServing {
			tk.Status = motcua.TicketDone
		} else {
			tk.Status = motcua.TicketCancelled
		}
		tk.FinishedAt = &now
		if err := tx.UpdateTicket(tk, from); err != nil {
			return err
		}
		if err := h.ticketEvent(tx, tk, now); err != nil {
			return err
		}
		services[tk.ServiceID] = true
	}
	if len(services) > 0 {
		ids := make([]int64, 0, len(services))
		for id := range services {
			ids = append(ids, id)
		}
		if err := h.queueEvent(tx, now, ids...); err != nil {
			return err
		}
	}
	h.lastDay = today
	return nil
}

// RollOver closes past days now (the writer also does it on its own).
func (h *Hub) RollOver(ctx context.Context) error {
	return h.write(ctx, func(*store.Tx) error { return nil })
}

// local returns tk with its times in the branch's zone, as clients see them.
func (h *Hub) local(tk motcua.Ticket) motcua.Ticket {
	in := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		l := t.In(h.loc)
		return &l
	}
	tk.IssuedAt = tk.IssuedAt.In(h.loc)
	tk.QueuedAt = tk.QueuedAt.In(h.loc)
	tk.CalledAt, tk.StartedAt, tk.FinishedAt = in(tk.CalledAt), in(tk.StartedAt), in(tk.FinishedAt)
	return tk
}

// Reactivate puts a no-show ticket of today back in its queue at its original
// place, when the citizen types its short code at the kiosk within the
// configured time after the no-show.
func (h *Hub) Reactivate(ctx context.Context, shortCode string) (motcua.Ticket, error) {
	code := strings.ToUpper(strings.TrimSpace(shortCode))
	if len(code) != 6 {
		return motcua.Ticket{}, &motcua.Error{Code: motcua.EValidation,
			Message: "Mã phiếu gồm 6 ký tự in trên phiếu. / The ticket code has the 6 characters printed on the ticket.",
			Fields:  map[string]string{"short_code": "6 characters"}}
	}
	var tk motcua.Ticket
	err := h.write(ctx, func(tx *store.Tx) error {
		now := h.Now()
		cur, err := tx.TicketByShortCode(h.day(now), code)
		if err != nil {
			return motcua.Errorf(motcua.ENotFound, "Không tìm thấy phiếu có mã %s hôm nay. / No ticket with code %s today.", code, code)
		}
		if cur.Status != motcua.TicketNoShow {
			return motcua.Errorf(motcua.EConflict, "Số %s không ở trạng thái vắng mặt, không cần kích hoạt lại. / Ticket %s is not a no-show.", cur.Number, cur.Number)
		}
		limit := time.Duration(h.policy.ReactivateMinutes) * time.Minute
		if cur.FinishedAt == nil || now.Sub(*cur.FinishedAt) > limit {
			return motcua.Errorf(motcua.EConflict,
				"Đã quá %d phút kể từ khi số %s bị gọi vắng mặt; vui lòng lấy số mới. / More than %d minutes have passed since ticket %s was marked absent; please take a new number.",
				h.policy.ReactivateMinutes, cur.Number, h.policy.ReactivateMinutes, cur.Number)
		}
		from := cur.Status
		cur.Status = motcua.TicketWaiting
		cur.CounterID = nil
		cur.Calls = 0
		cur.CalledAt, cur.StartedAt, cur.FinishedAt = nil, nil, nil
		if err := tx.UpdateTicket(cur, from); err != nil {
			return err
		}
		tk = cur
		if err := h.ticketEvent(tx, cur, now); err != nil {
			return err
		}
		return h.queueEvent(tx, now, cur.ServiceID)
	})
	return h.local(tk), err
}
