// Package supervision watches the hall floor for the supervisor (issue 15):
// per counter, who works there, what they serve now and for how long, how
// long it has been idle, the calls that skipped someone; and it announces
// alerts on the supervisor's socket when a wait passes its service's target
// or a staffed counter stays idle while people wait for its services. It
// reads through the store and the queue's views, and writes its alerts
// through the single writer, so they reach /ws/supervisor in seq order.
package supervision

import (
	"context"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/store"
)

// DefaultIdleAfter is how long a staffed counter may stay idle while people
// wait for its services before the supervisor is alerted.
const DefaultIdleAfter = 5 * time.Minute

// Store is what the floor reads.
type Store interface {
	FloorTickets(ctx context.Context, day string) ([]store.FloorTicket, error)
	FloorMoves(ctx context.Context, start time.Time) ([]store.FloorMove, error)
	ManualCallReasons(ctx context.Context, start time.Time) (map[int64]string, error)
	StaffNames(ctx context.Context) (map[int64]string, error)
}

// Counters gives each counter with what it does now and who works there.
type Counters interface {
	Counters(ctx context.Context) ([]motcua.CounterView, error)
}

// Seats tells whether an officer's counter screen is open at a counter.
type Seats interface {
	SignedIn(counterID int64) bool
}

// Writer appends the alerts to the event log.
type Writer interface {
	Write(ctx context.Context, fn func(tx *store.Tx) error) error
}

// Watch computes the floor and announces its alerts, each once.
type Watch struct {
	Site      *motcua.Site
	Store     Store
	Counters  Counters
	Seats     Seats // nil: nobody counts as signed in
	Writer    Writer
	IdleAfter time.Duration // 0: DefaultIdleAfter

	mu        sync.Mutex // one check at a time; guards announced
	day       string
	announced map[string]bool // alert keys announced today
}

// Floor answers the floor as it is now.
func (w *Watch) Floor(ctx context.Context) (motcua.Floor, error) {
	now := w.Site.Now()
	day := w.Site.Day(now)
	y, m, d := now.Date()
	start := time.Date(y, m, d, 0, 0, 0, 0, w.Site.Location())
	views, err := w.Counters.Counters(ctx)
	if err != nil {
		return motcua.Floor{}, err
	}
	tickets, err := w.Store.FloorTickets(ctx, day)
	if err != nil {
		return motcua.Floor{}, err
	}
	moves, err := w.Store.FloorMoves(ctx, start)
	if err != nil {
		return motcua.Floor{}, err
	}
	f := motcua.Floor{At: now, Counters: []motcua.CounterFloor{}, OutOfOrder: []motcua.SkippedCall{}, Alerts: []motcua.AlertBody{}}

	waiting := map[int64]int{}            // service → waiting now
	oldest := map[int64]time.Time{}       // service → the oldest waiting ticket's queued_at
	byID := map[int64]store.FloorTicket{} // today's tickets
	for _, t := range tickets {
		byID[t.ID] = t
		if t.Status != string(motcua.TicketWaiting) {
			continue
		}
		waiting[t.ServiceID]++
		if o, ok := oldest[t.ServiceID]; !ok || t.QueuedAt.Before(o) {
			oldest[t.ServiceID] = t.QueuedAt
		}
		if sv, ok := w.Site.Service(t.ServiceID); ok && sv.TargetWaitMinutes > 0 {
			target := time.Duration(sv.TargetWaitMinutes) * time.Minute
			if waited := now.Sub(t.QueuedAt); waited > target {
				f.Alerts = append(f.Alerts, motcua.AlertBody{Kind: motcua.AlertWaitOverTarget,
					Ticket:  &motcua.TicketRef{ID: t.ID, Number: t.Number, ServiceID: t.ServiceID},
					Service: sv.Name, Since: t.QueuedAt.In(w.Site.Location()), ForS: seconds(waited),
					TargetS: seconds(target), At: now})
			}
		}
	}

	lastEnd := map[int64]time.Time{}
	served := map[int64]int{}
	skippedAt := map[int64]int{}
	var manual []store.FloorMove
	for _, mv := range moves {
		if mv.CounterID == nil {
			continue
		}
		switch motcua.TicketAction(mv.Action) {
		case motcua.ActionFinish, motcua.ActionNoShow, motcua.ActionTransfer:
			if mv.At.After(lastEnd[*mv.CounterID]) {
				lastEnd[*mv.CounterID] = mv.At
			}
			if motcua.TicketAction(mv.Action) == motcua.ActionFinish {
				served[*mv.CounterID]++
			}
		}
		if mv.Action == "manual_call" {
			manual = append(manual, mv)
		}
	}
	if len(manual) > 0 {
		calls, err := w.skippedCalls(ctx, start, manual, tickets, moves, byID)
		if err != nil {
			return motcua.Floor{}, err
		}
		for _, c := range calls {
			skippedAt[c.Counter.ID]++
		}
		f.OutOfOrder = calls
	}

	idleAfter := w.IdleAfter
	if idleAfter == 0 {
		idleAfter = DefaultIdleAfter
	}
	for _, v := range views {
		cf := motcua.CounterFloor{CounterRef: motcua.CounterRef{ID: v.ID, Number: v.Number, Name: v.Name},
			Officer: v.Officer, Status: v.Status, Served: served[v.ID], OutOfOrder: skippedAt[v.ID]}
		if w.Seats != nil {
			cf.SignedIn = w.Seats.SignedIn(v.ID)
		}
		var oldestWait time.Time
		for _, sid := range v.ServiceIDs {
			cf.Waiting += waiting[sid]
			if o, ok := oldest[sid]; ok && (oldestWait.IsZero() || o.Before(oldestWait)) {
				oldestWait = o
			}
		}
		if end, ok := lastEnd[v.ID]; ok {
			e := end.In(w.Site.Location())
			cf.IdleSince = &e
		}
		if tv := v.CurrentTicket; tv != nil {
			since := tv.CalledAt
			if tv.StartedAt != nil {
				since = tv.StartedAt
			}
			if since != nil {
				cf.Current = &motcua.FloorVisit{Ticket: motcua.TicketRef{ID: tv.ID, Number: tv.Number, ServiceID: tv.ServiceID},
					Status: tv.Status, Since: since.In(w.Site.Location()), ForS: seconds(now.Sub(*since))}
				if sv, ok := w.Site.Service(tv.ServiceID); ok {
					cf.Current.Service = sv.Name
				}
			}
		}
		if cf.Status == "idle" && cf.IdleSince != nil {
			idle := seconds(now.Sub(*cf.IdleSince))
			cf.IdleS = &idle
		}
		// Idle with people waiting: since the later of the last visit's end
		// and the oldest wait for its services; only a staffed counter.
		if cf.Status == "idle" && cf.Officer != nil && cf.Waiting > 0 {
			from := oldestWait
			if cf.IdleSince != nil && cf.IdleSince.After(from) {
				from = *cf.IdleSince
			}
			if idle := now.Sub(from); idle >= idleAfter {
				ref := cf.CounterRef
				f.Alerts = append(f.Alerts, motcua.AlertBody{Kind: motcua.AlertCounterIdle, Counter: &ref,
					Officer: cf.Officer, Since: from.In(w.Site.Location()), ForS: seconds(idle), Waiting: cf.Waiting, At: now})
			}
		}
		f.Counters = append(f.Counters, cf)
	}
	return f, nil
}

// skippedCall reads today's calls out of order and keeps those that passed
// over an older ticket of the same service still waiting at the time,
// without the policy's reason, newest first.
func (w *Watch) skippedCalls(ctx context.Context, start time.Time, manual []store.FloorMove, tickets []store.FloorTicket,
	moves []store.FloorMove, byID map[int64]store.FloorTicket) ([]motcua.SkippedCall, error) {
	reasons, err := w.Store.ManualCallReasons(ctx, start)
	if err != nil {
		return nil, err
	}
	names, err := w.Store.StaffNames(ctx)
	if err != nil {
		return nil, err
	}
	// Each ticket's first call today: before it, the ticket was waiting
	// since its queued_at (a ticket transferred or reactivated later keeps
	// the later queued_at, so it is never counted as waiting too early).
	firstCall := map[int64]time.Time{}
	for _, mv := range moves {
		if mv.Action == string(motcua.ActionCall) || mv.Action == "manual_call" {
			if _, ok := firstCall[mv.TicketID]; !ok {
				firstCall[mv.TicketID] = mv.At
			}
		}
	}
	priorityPolicy := w.Site.PriorityFirst()
	out := []motcua.SkippedCall{}
	for _, mv := range manual {
		called, ok := byID[mv.TicketID]
		if !ok {
			continue
		}
		var calledQueued time.Time = called.QueuedAt
		if fc, ok := firstCall[called.ID]; ok && fc.Before(calledQueued) {
			calledQueued = fc // called before it was queued again: compare with the call
		}
		var skipped []string
		for _, t := range tickets {
			older := t.QueuedAt.Before(calledQueued) || (t.QueuedAt.Equal(calledQueued) && t.ID < called.ID)
			if t.ID == called.ID || t.ServiceID != mv.ServiceID || !older || t.QueuedAt.After(mv.At) {
				continue
			}
			if fc, ok := firstCall[t.ID]; ok && !fc.After(mv.At) {
				continue // called already before this call
			}
			if !ok && t.Status != string(motcua.TicketWaiting) {
				continue // never called: cancelled, or left the queue
			}
			if priorityPolicy && called.Priority && !t.Priority {
				continue // the policy calls priority tickets first
			}
			skipped = append(skipped, t.Number)
		}
		if len(skipped) == 0 {
			continue
		}
		c := w.Site.CounterRef(mv.CounterID)
		if c == nil {
			c = &motcua.CounterRef{ID: *mv.CounterID}
		}
		sc := motcua.SkippedCall{At: mv.At.In(w.Site.Location()), Counter: c, Reason: reasons[called.ID], Skipped: skipped,
			Ticket:   motcua.TicketRef{ID: called.ID, Number: called.Number, ServiceID: mv.ServiceID},
			Priority: called.Priority}
		if mv.UserID != nil {
			sc.Officer = &motcua.Officer{ID: *mv.UserID, FullName: names[*mv.UserID]}
		}
		out = append(out, sc)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.After(out[j].At) })
	return out, nil
}

// Check announces on the event log each alert of the floor not announced
// yet today: a ticket over its target once per wait, an idle counter once
// per idle stretch. It returns the alerts it announced.
func (w *Watch) Check(ctx context.Context) ([]motcua.AlertBody, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	f, err := w.Floor(ctx)
	if err != nil {
		return nil, err
	}
	if day := w.Site.Day(f.At); day != w.day || w.announced == nil {
		w.day, w.announced = day, map[string]bool{}
	}
	var fresh []motcua.AlertBody
	var keys []string
	for _, a := range f.Alerts {
		k := key(a)
		if !w.announced[k] {
			fresh = append(fresh, a)
			keys = append(keys, k)
		}
	}
	if len(fresh) == 0 {
		return nil, nil
	}
	err = w.Writer.Write(ctx, func(tx *store.Tx) error {
		for i := range fresh {
			// No ticket or counter id on the event: it is for the
			// supervisor's socket only, never a phone's or a counter's.
			if _, err := tx.AppendEvent(f.At, nil, nil, &fresh[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		w.announced[k] = true
	}
	return fresh, nil
}

// Run checks every every until ctx ends.
func (w *Watch) Run(ctx context.Context, every time.Duration, logErr func(error)) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		if _, err := w.Check(ctx); err != nil && ctx.Err() == nil {
			logErr(err)
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return
		}
	}
}

// key identifies an alert's occurrence: a ticket's wait (by when it began),
// a counter's idle stretch (by when it began).
func key(a motcua.AlertBody) string {
	switch a.Kind {
	case motcua.AlertWaitOverTarget:
		return a.Kind + "/" + itoa(a.Ticket.ID) + "/" + itoa(a.Since.Unix())
	default:
		return a.Kind + "/" + itoa(a.Counter.ID) + "/" + itoa(a.Since.Unix())
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func seconds(d time.Duration) int { return int(d / time.Second) }
