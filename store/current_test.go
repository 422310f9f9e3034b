package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/motcua/motcua"
)

// TestCurrentTicketCacheMatchesTheDatabase drives random issues, calls
// (ending the counter's current ticket first, as the queue does), starts,
// recalls, transfers, tickets inserted already called, privacy purges,
// undone requests and abandoned transactions, and checks after every step,
// for every counter, that the current ticket the writer is told equals the
// one the database holds, inside the transaction and after it commits.
func TestCurrentTicketCacheMatchesTheDatabase(t *testing.T) {
	ctx := context.Background()
	s, services := openSample(t)
	counters, err := s.Counters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(13, 17))
	const day = "2026-11-30"
	base := time.Date(2026, 11, 30, 1, 0, 0, 0, time.UTC)
	serial, hits := 0, 0
	check := func(tx *Tx, where string) {
		t.Helper()
		for _, c := range counters {
			_, cached := tx.cachedCurrent(c.ID)
			got, gotOK, err := tx.Tickets.CurrentTicket(c.ID)
			if err != nil {
				t.Fatal(err)
			}
			want, wantOK, err := currentTicket(tx.ctx, tx.tx, tx.codes, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if gotOK != wantOK || (gotOK && !reflect.DeepEqual(ownCopy(got), ownCopy(want))) {
				t.Fatalf("%s, counter %d: got current %v %+v, want %v %+v", where, c.ID, gotOK, got, wantOK, want)
			}
			if cached {
				hits++
			}
		}
	}
	at := func(step int) time.Time {
		return base.Add(time.Duration(step) * time.Second).In(time.FixedZone("ICT", 7*3600))
	}
	step := 0
	for round := range 40 {
		tx, err := s.BeginWrite(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for range 1 + rng.IntN(6) {
			step++
			if err := tx.Savepoint(); err != nil {
				t.Fatal(err)
			}
			events := len(tx.Events())
			c := counters[rng.IntN(len(counters))]
			cid := c.ID
			now := at(step)
			end := func() { // what a call does first
				cur, ok, err := tx.Tickets.CurrentTicket(cid)
				if err != nil || !ok {
					return
				}
				was := cur
				cur.Status, cur.FinishedAt = motcua.TicketDone, &now
				if was.Status == motcua.TicketCalled {
					cur.Status = motcua.TicketNoShow
				}
				if err := tx.Tickets.UpdateTicket(was, cur); err != nil {
					t.Fatal(err)
				}
			}
			switch op := rng.IntN(12); {
			case op < 4: // issue
				serial++
				svc := services[rng.IntN(len(services))]
				tk := motcua.Ticket{Day: day, Seq: serial, Number: fmt.Sprint(serial), ServiceID: svc.ID, Status: motcua.TicketWaiting,
					IssuedAt: now, QueuedAt: now, Token: fmt.Sprintf("cur-%d", serial), PriorityGroup: "thai_san"}
				if err := tx.Tickets.InsertNewTicket(&tk, func() string { return "" }); err != nil {
					t.Fatal(err)
				}
			case op < 7: // call next
				end()
				next, ok, err := tx.Tickets.NextForCounter(cid, day, false, nil)
				if err != nil {
					t.Fatal(err)
				}
				if ok {
					was := next
					next.Status, next.CounterID, next.Calls, next.CalledAt = motcua.TicketCalled, &cid, 1, &now
					if err := tx.Tickets.UpdateTicket(was, next); err != nil {
						t.Fatal(err)
					}
				}
			case op < 10: // start, recall or transfer the current ticket
				cur, ok, err := tx.Tickets.CurrentTicket(cid)
				if err != nil {
					t.Fatal(err)
				}
				if !ok {
					break
				}
				was := cur
				switch op {
				case 7:
					cur.Status, cur.StartedAt = motcua.TicketServing, &now
				case 8:
					cur.Calls++
				default:
					cur.Status, cur.ServiceID, cur.CounterID, cur.CalledAt, cur.StartedAt = motcua.TicketWaiting,
						services[rng.IntN(len(services))].ID, nil, nil, nil
				}
				if err := tx.Tickets.UpdateTicket(was, cur); err != nil {
					t.Fatal(err)
				}
			case op == 10: // a ticket inserted already called (imports, tests)
				end()
				serial++
				tk := motcua.Ticket{Day: day, Seq: serial, Number: fmt.Sprint(serial), ServiceID: services[0].ID, Status: motcua.TicketCalled,
					IssuedAt: now, QueuedAt: now, Token: fmt.Sprintf("cur-%d", serial), CounterID: &cid, Calls: 1, CalledAt: &now}
				if err := tx.Tickets.InsertNewTicket(&tk, func() string { return "" }); err != nil {
					t.Fatal(err)
				}
			default: // the privacy purge rewrites rows in bulk
				if _, err := tx.Dossiers.PurgeTicketPriorityGroups(now.Add(time.Hour)); err != nil {
					t.Fatal(err)
				}
			}
			check(tx, fmt.Sprintf("step %d", step))
			if rng.IntN(4) == 0 {
				if err := tx.RollbackToSavepoint(events); err != nil {
					t.Fatal(err)
				}
			} else if err := tx.Release(); err != nil {
				t.Fatal(err)
			}
			check(tx, fmt.Sprintf("step %d, after its savepoint", step))
		}
		if rng.IntN(6) == 0 {
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}
		} else if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		after, err := s.BeginWrite(ctx)
		if err != nil {
			t.Fatal(err)
		}
		check(after, fmt.Sprintf("round %d, committed", round))
		if err := after.Rollback(); err != nil {
			t.Fatal(err)
		}
	}
	if hits == 0 {
		t.Fatal("the cache never answered: the test checked nothing")
	}
}
