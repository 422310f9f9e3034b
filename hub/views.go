package hub

import (
	"context"
	"sort"

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
func (h *Hub) visitTime(ctx context.Context, serviceID int64) time.Duration {
	h.waitMu.Lock()
	st, ok := h.waitCache[serviceID]
	h.waitMu.Unlock()
	now := h.clock.Now()
	if ok && now.Sub(st.fetched) < serviceTimeMaxAge {
		return st.mean
	}
	mean := defaultVisit
	if secs, err := h.store.RecentServiceSeconds(ctx, serviceID, visitSample); err == nil && len(secs) > 0 {
		var sum float64
		for _, s := range secs {
			sum += s
		}
		mean = time.Duration(sum / float64(len(secs)) * float64(time.Second))
	}
	h.waitMu.Lock()
	h.waitCache[serviceID] = serviceTime{mean: mean, fetched: now}
	h.waitMu.Unlock()
	return mean
}

func (h *Hub) forgetServiceTime(serviceID int64) {
	h.waitMu.Lock()
	delete(h.waitCache, serviceID)
	h.waitMu.Unlock()
}

// noteCalls records the committed call events' times, so that countersFor
// needs no query: every call goes through the writer, which calls this
// after each commit.
func (h *Hub) noteCalls(events []motcua.Event) {
	for _, ev := range events {
		if ev.Type != motcua.EventCall || ev.CounterID == nil {
			continue
		}
		h.waitMu.Lock()
		if ev.At.After(h.lastCalls[*ev.CounterID]) {
			h.lastCalls[*ev.CounterID] = ev.At
		}
		h.waitMu.Unlock()
	}
}

// countersFor counts the counters open for a service (see activeWindow):
// those that called someone today, in the last activeWindow.
func (h *Hub) countersFor(serviceID int64) int {
	now := h.clock.Now()
	today := h.day(now)
	h.waitMu.Lock()
	defer h.waitMu.Unlock()
	configured, open := 0, 0
	for _, c := range h.counters {
		for _, id := range c.ServiceIDs {
			if id == serviceID {
				configured++
				if last, ok := h.lastCalls[c.ID]; ok && h.day(last) == today && now.Sub(last) < activeWindow {
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
func (h *Hub) EstimateWait(ctx context.Context, serviceID int64, ahead int) int {
	n := h.countersFor(serviceID)
	if n == 0 {
		n = 1
	}
	visit := h.visitTime(ctx, serviceID)
	return int((visit * time.Duration(ahead) / time.Duration(n)).Seconds())
}

// TicketView completes a ticket with its service name, counter, position and estimated wait.
func (h *Hub) TicketView(ctx context.Context, tk motcua.Ticket) (motcua.TicketView, error) {
	v := motcua.TicketView{Ticket: h.local(tk), ServiceName: h.services[tk.ServiceID].Name, Counter: h.counterRef(tk.CounterID)}
	if tk.Status == motcua.TicketWaiting {
		pos, err := h.store.Position(ctx, tk, h.priorityFirst())
		if err != nil {
			return v, err
		}
		v.Position = pos
		v.EstWaitS = h.EstimateWait(ctx, tk.ServiceID, pos)
	}
	return v, nil
}

// Ticket reads a ticket by id.
func (h *Hub) Ticket(ctx context.Context, id int64) (motcua.Ticket, error) {
	tk, err := h.store.Ticket(ctx, id)
	return h.local(tk), err
}

// TicketByToken reads a ticket by its tracking token.
func (h *Hub) TicketByToken(ctx context.Context, token string) (motcua.Ticket, error) {
	tk, err := h.store.TicketByToken(ctx, token)
	return h.local(tk), err
}

// Services lists the services with their queues, as the kiosk shows them.
func (h *Hub) Services(ctx context.Context) ([]motcua.ServiceView, error) {
	now := h.Now()
	waiting, err := h.store.WaitingCounts(ctx, h.day(now))
	if err != nil {
		return nil, err
	}
	issued, err := h.store.IssuedCounts(ctx, h.day(now))
	if err != nil {
		return nil, err
	}
	out := make([]motcua.ServiceView, 0, len(h.order))
	for _, id := range h.order {
		svc := h.services[id]
		v := motcua.ServiceView{Service: svc, Waiting: waiting[id], IssuedToday: issued[id]}
		if v.Hours == nil {
			v.Hours = []motcua.Session{}
		}
		v.Open, v.OpensAt = h.serviceOpen(svc, now)
		if svc.DailyCap > 0 && issued[id] >= svc.DailyCap {
			v.Open = false
		}
		v.EstWaitS = h.EstimateWait(ctx, id, waiting[id])
		out = append(out, v)
	}
	return out, nil
}

// Counters lists the counters with what each is doing.
func (h *Hub) Counters(ctx context.Context) ([]motcua.CounterView, error) {
	out := make([]motcua.CounterView, 0, len(h.counters))
	for _, c := range h.counters {
		v, err := h.CounterView(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out, nil
}

// CounterView is one counter with its current ticket.
func (h *Hub) CounterView(ctx context.Context, id int64) (motcua.CounterView, error) {
	c, err := h.Counter(id)
	if err != nil {
		return motcua.CounterView{}, err
	}
	v := motcua.CounterView{Counter: c, Status: "idle"}
	cur, ok, err := h.store.CurrentTicket(ctx, id)
	if err != nil {
		return v, err
	}
	if ok {
		tv, err := h.TicketView(ctx, cur)
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
func (h *Hub) CounterQueue(ctx context.Context, id int64) ([]motcua.Ticket, error) {
	if _, err := h.Counter(id); err != nil {
		return nil, err
	}
	tks, err := h.store.CounterQueue(ctx, id, h.day(h.Now()), h.priorityFirst())
	for i := range tks {
		tks[i] = h.local(tks[i])
	}
	return tks, err
}

// WaitingCounts counts today's waiting tickets per service.
func (h *Hub) WaitingCounts(ctx context.Context) (map[int64]int, error) {
	return h.store.WaitingCounts(ctx, h.day(h.Now()))
}

// ServiceList returns the configured services in order.
func (h *Hub) ServiceList() []motcua.Service {
	out := make([]motcua.Service, 0, len(h.order))
	for _, id := range h.order {
		out = append(out, h.services[id])
	}
	return out
}

// CounterList returns the configured counters by number.
func (h *Hub) CounterList() []motcua.Counter {
	out := make([]motcua.Counter, 0, len(h.counters))
	for _, c := range h.counters {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out
}

// ManualCalls lists the newest calls out of queue order with who made them and why.
func (h *Hub) ManualCalls(ctx context.Context, limit int) ([]motcua.ManualCall, error) {
	trail, err := h.store.AuditTrail(ctx, "manual_call", limit)
	if err != nil {
		return nil, err
	}
	out := make([]motcua.ManualCall, 0, len(trail))
	names := map[int64]string{}
	for _, a := range trail {
		mc := motcua.ManualCall{At: a.At.In(h.loc), Reason: a.Reason}
		if _, ok := names[a.UserID]; !ok {
			if u, err := h.store.User(ctx, a.UserID); err == nil {
				names[a.UserID] = u.Username
			}
		}
		mc.Username = names[a.UserID]
		if a.TicketID != nil {
			mc.TicketID = *a.TicketID
			if tk, err := h.store.Ticket(ctx, *a.TicketID); err == nil {
				mc.Number = tk.Number
			}
		}
		if a.CounterID != nil {
			mc.CounterID = *a.CounterID
		}
		out = append(out, mc)
	}
	return out, nil
}
