package queue

import (
	"context"
	"crypto/rand"
	"fmt"
	"math"
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
		if _, ok := q.site.PriorityGroup(req.PriorityGroup); !ok {
			return motcua.Ticket{}, -1, &motcua.Error{Code: motcua.EInvalid,
				Message: fmt.Sprintf("Nhóm ưu tiên %q không có ở sảnh này. / This hall has no priority_group %q.", req.PriorityGroup, req.PriorityGroup),
				Fields:  map[string]string{"priority_group": "unknown group"}}
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
			// The online share of the daily cap is kept for bookings
			// all day: walk-ins count against the rest, and the
			// tickets of check-ins (which the cap does not stop) do
			// not count against walk-ins.
			if b, ok := q.site.ServiceBooking(svc.ID); ok {
				booked, err := tx.Tickets.AppointmentTicketCount(svc.ID, day)
				if err != nil {
					return err
				}
				if kept := b.OnlineQuota(svc.DailyCap, 0); n-booked >= svc.DailyCap-kept {
					return motcua.Errorf(motcua.EClosed, "Dịch vụ %s đã hết số lấy trực tiếp hôm nay; %d số dành cho người đặt trực tuyến. / %s has issued all its walk-in numbers today; %d are kept for online bookings.",
						svc.Name, kept, svc.Name, kept)
				}
			}
			if n >= svc.DailyCap {
				return motcua.Errorf(motcua.EClosed, "Dịch vụ %s đã hết số hôm nay (%d số). Mời quay lại ngày làm việc tiếp theo. / %s has issued all %d numbers for today.",
					svc.Name, svc.DailyCap, svc.Name, svc.DailyCap)
			}
		}
		var counts map[int64]int
		tk, counts, err = q.insertTicket(tx, svc, req, now, now, false)
		if err != nil {
			return err
		}
		if !tk.Priority || !q.site.PriorityFirst() {
			// Everyone else waiting in the service came earlier.
			ahead = max(0, counts[svc.ID]-1)
		}
		return nil
	})
	if err != nil {
		return tk, -1, err
	}
	q.metrics.issued.WithLabelValues(svc.Code).Inc()
	return q.local(tk), ahead, nil
}

// insertTicket writes the next number of svc, waiting in line from
// queuedAt, with the new waiting count's event; counts are the day's
// waiting counts after it.
func (q *Queue) insertTicket(tx *store.Tx, svc motcua.Service, req motcua.IssueRequest, now, queuedAt time.Time, appointment bool) (motcua.Ticket, map[int64]int, error) {
	day := q.site.Day(now)
	seq, err := tx.Tickets.NextSeq(svc.ID, day)
	if err != nil {
		return motcua.Ticket{}, nil, err
	}
	// A number must keep its width: "1" with 3 digits after 1999 would
	// give 11000, another service's number (prefix "11"), and the
	// service would then refuse every ticket for the day.
	if last := lastSeq(svc.Digits); seq > last {
		return motcua.Ticket{}, nil, motcua.Errorf(motcua.EClosed, "Dịch vụ %s đã hết số hôm nay (%d số). Mời quay lại ngày làm việc tiếp theo. / %s has issued all %d numbers for today.",
			svc.Name, last, svc.Name, last)
	}
	tk := motcua.Ticket{
		Day: day, Seq: seq, Number: fmt.Sprintf("%s%0*d", svc.Prefix, svc.Digits, seq),
		ServiceID: svc.ID, Priority: req.Priority, PriorityGroup: req.PriorityGroup, Appointment: appointment,
		Status: motcua.TicketWaiting, IssuedAt: now, QueuedAt: queuedAt,
		Token: motcua.TicketToken(now),
	}
	if err := tx.Tickets.InsertNewTicket(&tk, shortCode); err != nil {
		return tk, nil, err
	}
	counts, err := tx.Tickets.WaitingCounts(day)
	if err != nil {
		return tk, nil, err
	}
	q.queueChanged(svc.ID)
	return tk, counts, nil
}

// IssueBooked writes the ticket a booking's check-in gives, inside the
// caller's write, so the booking is marked checked in by the same commit.
// The daily cap does not apply (the booking holds its place) and neither do
// the opening hours (the check-in window does); queuedAt is its place in
// line (the merge policy's join).
func (q *Queue) IssueBooked(tx *store.Tx, serviceID int64, now, queuedAt time.Time) (motcua.Ticket, error) {
	svc, err := q.service(serviceID)
	if err != nil {
		return motcua.Ticket{}, err
	}
	tk, _, err := q.insertTicket(tx, svc, motcua.IssueRequest{ServiceID: serviceID}, now, queuedAt, true)
	return q.local(tk), err
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

// shortCode draws six characters uniformly from motcua.ShortCodeAlphabet (rejection
// sampling keeps every character equally likely): the code of a ticket whose
// id is beyond the computed codes' space (motcua.ShortCodes).
func shortCode() string {
	out := make([]byte, 0, 6)
	buf := make([]byte, 16)
	limit := byte(256 - 256%len(motcua.ShortCodeAlphabet))
	for len(out) < 6 {
		if _, err := rand.Read(buf); err != nil {
			panic(err) // crypto/rand never fails on supported platforms
		}
		for _, b := range buf {
			if b < limit && len(out) < 6 {
				out = append(out, motcua.ShortCodeAlphabet[int(b)%len(motcua.ShortCodeAlphabet)])
			}
		}
	}
	return string(out)
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
		// An unknown code and a ticket that was not missed get the same
		// answer: a guesser learns nothing of the other tickets.
		if motcua.ErrorCode(err) == motcua.ENotFound || (err == nil && cur.Status != motcua.TicketNoShow) {
			return motcua.Errorf(motcua.ENotFound,
				"Không có phiếu vắng mặt nào mang mã %s hôm nay. / No missed ticket has the code %s today.", code, code)
		}
		if err != nil {
			return err
		}
		limit := time.Duration(q.site.Policy().ReactivateMinutes) * time.Minute
		if cur.FinishedAt == nil || now.Sub(*cur.FinishedAt) > limit {
			return motcua.Errorf(motcua.EConflict,
				"Đã quá %d phút kể từ khi số %s bị gọi vắng mặt; vui lòng lấy số mới. / More than %d minutes have passed since ticket %s was marked absent; please take a new number.",
				q.site.Policy().ReactivateMinutes, cur.Number, q.site.Policy().ReactivateMinutes, cur.Number)
		}
		was := cur
		cur.Status = motcua.TicketWaiting
		cur.CounterID = nil
		cur.Calls = 0
		cur.CalledAt, cur.StartedAt, cur.FinishedAt = nil, nil, nil
		cur.CalledBy, cur.ServedBy = nil, nil
		if err := tx.Tickets.UpdateTicket(was, cur); err != nil {
			return err
		}
		if err := trace(tx, cur, string(motcua.ActionReactivate), was.Status, cur.ServiceID, nil, motcua.User{}, now); err != nil {
			return err
		}
		tk = cur
		if err := q.ticketEvent(tx, cur, now); err != nil {
			return err
		}
		q.queueChanged(cur.ServiceID)
		return nil
	})
	return q.local(tk), err
}

// lastSeq is the highest sequence a number of this many digits holds.
func lastSeq(digits int) int {
	if digits <= 0 || digits > 9 {
		return math.MaxInt32
	}
	n := 1
	for range digits {
		n *= 10
	}
	return n - 1
}
