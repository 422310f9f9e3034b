package queue

import (
	"context"

	"time"

	"github.com/motcua/motcua"
)

// Estimated wait: the mean of the last visits of a service (from call to
// finish), times the people ahead, divided by the counters open for
// the service. A counter is open when it has called someone in the last
// activeWindow; before any counter has called, every counter configured for
// the service counts. Without history a visit is assumed to take defaultVisit.
const (
	defaultVisit      = 5 * time.Minute
	visitSample       = 20
	serviceTimeMaxAge = 30 * time.Second
	activeWindow      = time.Hour
)

type serviceTime struct {
	mean    time.Duration
	fetched time.Time
}

// visitTime is the recent mean visit length of a service, cached briefly so a
// busy kiosk does not query it on every tap.
func (q *Queue) visitTime(ctx context.Context, serviceID int64) (time.Duration, error) {
	q.waitMu.Lock()
	st, ok := q.waitCache[serviceID]
	q.waitMu.Unlock()
	now := q.site.Clock.Now()
	if ok && now.Sub(st.fetched) < serviceTimeMaxAge {
		return st.mean, nil
	}
	mean := defaultVisit
	secs, err := q.store.Tickets.RecentServiceSeconds(ctx, serviceID, visitSample)
	if err != nil {
		return 0, err
	}
	if len(secs) > 0 {
		var sum float64
		for _, s := range secs {
			sum += s
		}
		mean = time.Duration(sum / float64(len(secs)) * float64(time.Second))
	}
	q.waitMu.Lock()
	q.waitCache[serviceID] = serviceTime{mean: mean, fetched: now}
	q.waitMu.Unlock()
	return mean, nil
}

func (q *Queue) forgetServiceTime(serviceID int64) {
	q.waitMu.Lock()
	delete(q.waitCache, serviceID)
	q.waitMu.Unlock()
}

// countersFor counts the counters open for a service (see activeWindow):
// those that called someone today, in the last activeWindow.
func (q *Queue) countersFor(serviceID int64) int {
	now := q.site.Clock.Now()
	today := q.site.Day(now)
	q.waitMu.Lock()
	defer q.waitMu.Unlock()
	configured, open := 0, 0
	for _, c := range q.site.CounterList() {
		for _, id := range c.ServiceIDs {
			if id == serviceID {
				configured++
				if last, ok := q.lastCalls[c.ID]; ok && q.site.Day(last) == today && now.Sub(last) < activeWindow {
					open++
				}
				break
			}
		}
	}
	if open > 0 {
		return open
	}
	return configured
}

// EstimateWait is the expected wait, in seconds, of someone with `ahead`
// people before them in a service's queue.
func (q *Queue) EstimateWait(ctx context.Context, serviceID int64, ahead int) (int, error) {
	n := q.countersFor(serviceID)
	if n == 0 {
		n = 1
	}
	visit, err := q.visitTime(ctx, serviceID)
	if err != nil {
		return 0, err
	}
	return int((visit * time.Duration(ahead) / time.Duration(n)).Seconds()), nil
}

// TicketView completes a ticket with its service name, counter, position and estimated wait.
func (q *Queue) TicketView(ctx context.Context, tk motcua.Ticket) (motcua.TicketView, error) {
	v := motcua.TicketView{Ticket: q.local(tk), ServiceName: q.serviceName(tk.ServiceID), Counter: q.site.CounterRef(tk.CounterID)}
	if tk.Status == motcua.TicketWaiting {
		pos, err := q.store.Tickets.Position(ctx, tk, q.site.PriorityFirst())
		if err != nil {
			return v, err
		}
		v.Position = pos
		if v.EstWaitS, err = q.EstimateWait(ctx, tk.ServiceID, pos); err != nil {
			return v, err
		}
	}
	return v, nil
}

// Ticket reads a ticket by id.
func (q *Queue) Ticket(ctx context.Context, id int64) (motcua.Ticket, error) {
	tk, err := q.store.Tickets.Ticket(ctx, id)
	return q.local(tk), err
}

// TicketByToken reads a ticket by its tracking token.
func (q *Queue) TicketByToken(ctx context.Context, token string) (motcua.Ticket, error) {
	tk, err := q.store.Tickets.TicketByToken(ctx, token)
	return q.local(tk), err
}

// Services lists the services with their queues, as the kiosk shows them.
func (q *Queue) Services(ctx context.Context) ([]motcua.ServiceView, error) {
	now := q.site.Now()
	waiting, err := q.store.Tickets.WaitingCounts(ctx, q.site.Day(now))
	if err != nil {
		return nil, err
	}
	issued, err := q.store.Tickets.IssuedCounts(ctx, q.site.Day(now))
	if err != nil {
		return nil, err
	}
	list := q.site.ServiceList()
	out := make([]motcua.ServiceView, 0, len(list))
	for _, svc := range list {
		id := svc.ID
		v := motcua.ServiceView{Service: svc, Waiting: waiting[id], IssuedToday: issued[id]}
		if v.Hours == nil {
			v.Hours = []motcua.Session{}
		}
		v.Open, v.OpensAt = q.serviceOpen(svc, now)
		if svc.DailyCap > 0 && issued[id] >= svc.DailyCap {
			v.Open = false
		}
		if v.EstWaitS, err = q.EstimateWait(ctx, id, waiting[id]); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Counters lists the counters with what each is doing.
func (q *Queue) Counters(ctx context.Context) ([]motcua.CounterView, error) {
	list := q.site.CounterList()
	out := make([]motcua.CounterView, 0, len(list))
	for _, c := range list {
		v, err := q.CounterView(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// CounterView is one counter with its current ticket.
func (q *Queue) CounterView(ctx context.Context, id int64) (motcua.CounterView, error) {
	c, err := q.counter(id)
	if err != nil {
		return motcua.CounterView{}, err
	}
	v := motcua.CounterView{Counter: c, Status: "idle"}
	if q.seats != nil {
		v.Officer = q.seats.Officer(id)
	}
	cur, ok, err := q.store.Tickets.CurrentTicket(ctx, id)
	if err != nil {
		return v, err
	}
	if ok {
		tv, err := q.TicketView(ctx, cur)
		if err != nil {
			return v, err
		}
		v.CurrentTicket = &tv
		v.Status = "calling"
		if cur.Status == motcua.TicketServing {
			v.Status = "serving"
		}
	}
	return v, nil
}

// CounterQueue lists the tickets waiting for a counter's services, in call order.
func (q *Queue) CounterQueue(ctx context.Context, id int64) ([]motcua.Ticket, error) {
	if _, err := q.counter(id); err != nil {
		return nil, err
	}
	tks, err := q.store.Tickets.CounterQueue(ctx, id, q.site.Day(q.site.Now()), q.site.PriorityFirst())
	for i := range tks {
		tks[i] = q.local(tks[i])
	}
	return tks, err
}

// WaitingCounts counts today's waiting tickets per service.
func (q *Queue) WaitingCounts(ctx context.Context) (map[int64]int, error) {
	return q.store.Tickets.WaitingCounts(ctx, q.site.Day(q.site.Now()))
}

// ManualCalls lists the newest calls out of queue order with who made them and why.
func (q *Queue) ManualCalls(ctx context.Context, limit int) ([]motcua.ManualCall, error) {
	trail, err := q.store.Tickets.AuditTrail(ctx, "manual_call", limit)
	if err != nil {
		return nil, err
	}
	out := make([]motcua.ManualCall, 0, len(trail))
	names := map[int64]string{}
	for _, a := range trail {
		mc := motcua.ManualCall{At: a.At.In(q.site.Location()), Reason: a.Reason}
		if _, ok := names[a.UserID]; !ok {
			u, err := q.store.Users.User(ctx, a.UserID)
			if err != nil && motcua.ErrorCode(err) != motcua.ENotFound {
				return nil, err
			}
			names[a.UserID] = u.Username // "" for a user no longer there
		}
		mc.Username = names[a.UserID]
		if a.TicketID != nil {
			mc.TicketID = *a.TicketID
			tk, err := q.store.Tickets.Ticket(ctx, *a.TicketID)
			if err != nil && motcua.ErrorCode(err) != motcua.ENotFound {
				return nil, err
			}
			mc.Number = tk.Number
		}
		if a.CounterID != nil {
			mc.CounterID = *a.CounterID
		}
		out = append(out, mc)
	}
	return out, nil
}
