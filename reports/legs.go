package reports

import (
	"time"

	"github.com/motcua/motcua/store"
)

// Outcomes of a leg.
const (
	outServed      = "served"
	outNoShow      = "no_show"
	outTransferred = "transferred"
	outCancelled   = "cancelled"
	outOpen        = "open" // still waiting, called or being served
)

// leg is one wait of a visit in one service's queue, from the moment it began
// waiting (the issue, a transfer into the service, a reactivation) to the
// moment it ended (served, no-show, transferred on, cancelled). A ticket
// without transfers or reactivations has one leg.
type leg struct {
	ticketID  int64
	day       string
	first     bool // the leg that began with the ticket's issue
	serviceID int64
	counterID *int64
	staffID   *int64
	waitFrom  time.Time
	calledAt  *time.Time
	startedAt *time.Time
	endedAt   *time.Time
	outcome   string
}

// waitS is the wait of a called leg in seconds.
func (l leg) waitS() (int, bool) {
	if l.calledAt == nil {
		return 0, false
	}
	return int(l.calledAt.Sub(l.waitFrom) / time.Second), true
}

// serviceS is how long a served leg took at the counter: from the start of
// service (or the call, when the officer never pressed start) to its end.
func (l leg) serviceS() (int, bool) {
	if l.outcome != outServed || l.endedAt == nil {
		return 0, false
	}
	from := l.startedAt
	if from == nil {
		from = l.calledAt
	}
	if from == nil {
		return 0, false
	}
	return int(l.endedAt.Sub(*from) / time.Second), true
}

// buildLegs turns the visits of a range, and the moves of those that had
// more than one leg, into legs.
func buildLegs(visits []store.ReportVisit, moves []store.ReportMove) []leg {
	byTicket := map[int64][]store.ReportMove{}
	for _, m := range moves {
		byTicket[m.TicketID] = append(byTicket[m.TicketID], m)
	}
	out := make([]leg, 0, len(visits))
	for _, v := range visits {
		if ms, ok := byTicket[v.ID]; ok {
			out = append(out, replay(v, ms)...)
			continue
		}
		out = append(out, lastLeg(v, v.IssuedAt, true))
	}
	return out
}

// lastLeg is the ticket's row read as its only (or last) leg.
func lastLeg(v store.ReportVisit, waitFrom time.Time, first bool) leg {
	l := leg{ticketID: v.ID, day: v.Day, first: first, serviceID: v.ServiceID, counterID: v.CounterID,
		staffID: v.ServedBy, waitFrom: waitFrom, calledAt: v.CalledAt, startedAt: v.StartedAt}
	switch v.Status {
	case "done":
		l.outcome, l.endedAt = outServed, v.FinishedAt
	case "no_show":
		l.outcome, l.endedAt = outNoShow, v.FinishedAt
	case "cancelled":
		l.outcome, l.endedAt = outCancelled, v.FinishedAt
	default:
		l.outcome = outOpen
	}
	return l
}

// replay rebuilds the legs of a ticket from its moves, in order.
func replay(v store.ReportVisit, ms []store.ReportMove) []leg {
	var out []leg
	cur := leg{ticketID: v.ID, day: v.Day, first: true, serviceID: ms[0].ServiceID, waitFrom: v.IssuedAt, outcome: outOpen}
	end := func(outcome string, at time.Time) {
		cur.outcome, cur.endedAt = outcome, &at
		out = append(out, cur)
	}
	for _, m := range ms {
		at := m.At
		switch m.Action {
		case "call", "manual_call":
			cur.calledAt, cur.counterID, cur.staffID = &at, m.CounterID, m.UserID
		case "start":
			cur.startedAt = &at
			if m.UserID != nil {
				cur.staffID = m.UserID
			}
		case "finish":
			end(outServed, at)
		case "no_show":
			end(outNoShow, at)
		case "cancel":
			end(outCancelled, at)
		case "transfer":
			end(outTransferred, at)
			to := cur.serviceID
			if m.ToServiceID != nil {
				to = *m.ToServiceID
			}
			cur = leg{ticketID: v.ID, day: v.Day, serviceID: to, waitFrom: at, outcome: outOpen}
		case "reactivate":
			cur = leg{ticketID: v.ID, day: v.Day, serviceID: m.ServiceID, waitFrom: at, outcome: outOpen}
		}
	}
	if cur.outcome == outOpen {
		out = append(out, cur)
	}
	return out
}
