package queue_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/motcua/motcua"
)

// TestIssueTicketViewAgreesWithTicketView: the position the writer counts
// while it inserts a ticket, and the estimate from the counters' calls kept
// in memory, are what TicketView reads from the database afterwards, for
// every priority policy, with calls, finishes and priority tickets mixed in,
// and after a restart.
func TestIssueTicketViewAgreesWithTicketView(t *testing.T) {
	policies := []motcua.QueuePolicy{
		{Priority: motcua.PolicyStrict},
		{Priority: motcua.PolicyNone},
		{Priority: motcua.PolicyInterleave, InterleaveN: 2},
	}
	forEachDialect(t, func(t *testing.T, dsn func(testing.TB) string) {
		for _, policy := range policies {
			t.Run(string(policy.Priority), func(t *testing.T) {
				e := newEnv(t, dsn(t), testHall(policy))
				ctx := context.Background()
				check := func(step int) motcua.TicketView {
					t.Helper()
					service := int64(step%3 + 1)
					v, err := e.Hub.Queue.IssueTicketView(ctx, motcua.IssueRequest{ServiceID: service, Priority: step%5 == 0})
					if err != nil {
						t.Fatalf("step %d: issue: %v", step, err)
					}
					want, err := e.Hub.Queue.TicketView(ctx, v.Ticket)
					if err != nil {
						t.Fatalf("step %d: ticket view: %v", step, err)
					}
					if v.Position != want.Position || v.EstWaitS != want.EstWaitS || v.ServiceName != want.ServiceName || v.Number != want.Number {
						t.Errorf("step %d (%s, priority %v): got position %d, est_wait_s %d, %q; want %d, %d, %q",
							step, v.Number, v.Priority, v.Position, v.EstWaitS, v.ServiceName, want.Position, want.EstWaitS, want.ServiceName)
					}
					return v
				}
				var serving []motcua.Ticket // called, finished two steps later
				for step := range 40 {
					check(step)
					e.Clock.Advance(20 * time.Second)
					if len(serving) > 0 && step%2 == 0 {
						if _, err := e.Hub.Queue.Finish(ctx, serving[0].ID, e.Staff); err != nil {
							t.Fatal(err)
						}
						serving = serving[1:]
					}
					if step%4 == 3 {
						serving = append(serving, e.CallNext(t, int64(step/4%2+1))) // counters 1 and 2 open, 3 and 4 not
					}
				}
				before := check(41) // not a priority ticket
				if before.Position == 0 || before.EstWaitS == 0 {
					t.Fatalf("the last ticket has %d ahead and a wait of %d s; want people ahead, or the test shows nothing", before.Position, before.EstWaitS)
				}

				// After a restart the open counters are read from the database.
				e.Hub.Close()
				e.Store.Close()
				e.Open(t, motcua.Hall{})
				after, err := e.Hub.Queue.TicketView(ctx, before.Ticket)
				if err != nil {
					t.Fatal(err)
				}
				if fmt.Sprint(after.Position, after.EstWaitS) != fmt.Sprint(before.Position, before.EstWaitS) {
					t.Errorf("after a restart: got position %d, est_wait_s %d; want %d, %d", after.Position, after.EstWaitS, before.Position, before.EstWaitS)
				}
				check(42)
			})
		}
	})
}
