package queue_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/store/storetest"
)

// TestHubTransitions drives every counter move from every status a ticket can
// be in, through the hub, and checks the outcome: the new status or a 409.
func TestHubTransitions(t *testing.T) {
	type move struct {
		name string
		do   func(e *env, tk motcua.Ticket) (motcua.Ticket, error)
	}
	ctx := context.Background()
	moves := []move{
		{"start", func(e *env, tk motcua.Ticket) (motcua.Ticket, error) { return e.Hub.Queue.Start(ctx, tk.ID, e.Staff) }},
		{"finish", func(e *env, tk motcua.Ticket) (motcua.Ticket, error) { return e.Hub.Queue.Finish(ctx, tk.ID, e.Staff) }},
		{"no_show", func(e *env, tk motcua.Ticket) (motcua.Ticket, error) { return e.Hub.Queue.NoShow(ctx, tk.ID, e.Staff) }},
		{"transfer", func(e *env, tk motcua.Ticket) (motcua.Ticket, error) {
			return e.Hub.Queue.Transfer(ctx, tk.ID, 2, e.Staff)
		}},
		{"recall", func(e *env, tk motcua.Ticket) (motcua.Ticket, error) { return e.Hub.Queue.Recall(ctx, 1, e.Staff) }},
		{"call", func(e *env, tk motcua.Ticket) (motcua.Ticket, error) {
			return e.Hub.Queue.CallTicket(ctx, 1, tk.ID, "khách quay lại", e.Staff)
		}},
	}
	// How to bring a fresh service-1 ticket into each status, at counter 1.
	setups := map[motcua.TicketStatus]func(t *testing.T, e *env) motcua.Ticket{
		motcua.TicketWaiting: func(t *testing.T, e *env) motcua.Ticket { return e.Issue(t, 1, false) },
		motcua.TicketCalled: func(t *testing.T, e *env) motcua.Ticket {
			e.Issue(t, 1, false)
			return e.CallNext(t, 1)
		},
		motcua.TicketServing: func(t *testing.T, e *env) motcua.Ticket {
			e.Issue(t, 1, false)
			tk, err := e.Hub.Queue.Start(ctx, e.CallNext(t, 1).ID, e.Staff)
			if err != nil {
				t.Fatal(err)
			}
			return tk
		},
		motcua.TicketDone: func(t *testing.T, e *env) motcua.Ticket {
			e.Issue(t, 1, false)
			tk, err := e.Hub.Queue.Finish(ctx, e.CallNext(t, 1).ID, e.Staff)
			if err != nil {
				t.Fatal(err)
			}
			return tk
		},
		motcua.TicketNoShow: func(t *testing.T, e *env) motcua.Ticket {
			e.Issue(t, 1, false)
			tk := e.CallNext(t, 1)
			if _, err := e.Hub.Queue.Recall(ctx, 1, e.Staff); err != nil { // the no-show minimum is two calls
				t.Fatal(err)
			}
			tk, err := e.Hub.Queue.NoShow(ctx, tk.ID, e.Staff)
			if err != nil {
				t.Fatal(err)
			}
			return tk
		},
	}
	const conflict = motcua.TicketStatus("409")
	want := map[motcua.TicketStatus]map[string]motcua.TicketStatus{
		motcua.TicketWaiting: {"start": conflict, "finish": conflict, "no_show": conflict, "transfer": conflict, "recall": conflict, "call": motcua.TicketCalled},
		motcua.TicketCalled:  {"start": motcua.TicketServing, "finish": motcua.TicketDone, "no_show": conflict /* one call only */, "transfer": motcua.TicketWaiting, "recall": motcua.TicketCalled, "call": conflict},
		motcua.TicketServing: {"start": conflict, "finish": motcua.TicketDone, "no_show": conflict, "transfer": motcua.TicketWaiting, "recall": conflict, "call": conflict},
		motcua.TicketDone:    {"start": conflict, "finish": conflict, "no_show": conflict, "transfer": conflict, "recall": conflict, "call": conflict},
		motcua.TicketNoShow:  {"start": conflict, "finish": conflict, "no_show": conflict, "transfer": conflict, "recall": conflict, "call": conflict},
	}
	hall := testHall(motcua.QueuePolicy{NoShowMinCalls: 2})
	for from, row := range want {
		for _, m := range moves {
			t.Run(string(from)+"/"+m.name, func(t *testing.T) {
				e := newEnv(t, storetest.SQLiteDSN(t), hall)
				tk := setups[from](t, e)
				if tk.Status != from {
					t.Fatalf("setup: got status %s, want %s", tk.Status, from)
				}
				got, err := m.do(e, tk)
				if row[m.name] == conflict {
					if motcua.ErrorCode(err) != motcua.EConflict {
						t.Errorf("got (%s, %v), want a 409 conflict", got.Status, err)
					}
					stored, _ := e.Hub.Queue.Ticket(ctx, tk.ID)
					if stored.Status != from {
						t.Errorf("after a refused move the ticket is %s, want it unchanged (%s)", stored.Status, from)
					}
					return
				}
				if err != nil {
					t.Fatalf("got error %v, want status %s", err, row[m.name])
				}
				if got.Status != row[m.name] {
					t.Errorf("got status %s, want %s", got.Status, row[m.name])
				}
			})
		}
	}
}

// One rule for a called ticket becoming a no-show, whichever button the
// officer presses: "Vắng mặt", "Gọi tiếp" over it, or a manual call of another
// number over it are all refused until it has been called no_show_min_calls
// times, and refused without changing anything.
func TestNoShowAfterMinimumCalls(t *testing.T) {
	ctx := context.Background()
	ways := []struct {
		name string
		do   func(e *env, tk motcua.Ticket, other motcua.Ticket) error
	}{
		{"Vắng mặt", func(e *env, tk, _ motcua.Ticket) error {
			_, err := e.Hub.Queue.NoShow(ctx, tk.ID, e.Staff)
			return err
		}},
		{"Gọi tiếp", func(e *env, _, _ motcua.Ticket) error {
			_, _, err := e.Hub.Queue.CallNext(ctx, 1, e.Staff)
			return err
		}},
		{"Gọi số", func(e *env, _, other motcua.Ticket) error {
			_, err := e.Hub.Queue.CallTicket(ctx, 1, other.ID, "Công dân đến trước", e.Staff)
			return err
		}},
	}
	for _, way := range ways {
		t.Run(way.name, func(t *testing.T) {
			e := newEnv(t, storetest.SQLiteDSN(t), testHall(motcua.QueuePolicy{NoShowMinCalls: 3}))
			e.Issue(t, 1, false)
			tk := e.CallNext(t, 1)
			other := e.Issue(t, 1, false)
			for calls := 1; calls < 3; calls++ {
				if err := way.do(e, tk, other); motcua.ErrorCode(err) != motcua.EConflict {
					t.Fatalf("after %d call(s): got %v, want a conflict", calls, err)
				}
				if stored, _ := e.Hub.Queue.Ticket(ctx, tk.ID); stored.Status != motcua.TicketCalled || stored.Calls != calls {
					t.Fatalf("after a refusal: got (%s, %d calls), want (called, %d calls)", stored.Status, stored.Calls, calls)
				}
				if _, err := e.Hub.Queue.Recall(ctx, 1, e.Staff); err != nil {
					t.Fatal(err)
				}
			}
			if err := way.do(e, tk, other); err != nil {
				t.Fatalf("after 3 calls: got %v, want it accepted", err)
			}
			if stored, _ := e.Hub.Queue.Ticket(ctx, tk.ID); stored.Status != motcua.TicketNoShow {
				t.Errorf("after 3 calls: got status %s, want no_show", stored.Status)
			}
		})
	}
}

func TestManualCallIsAudited(t *testing.T) {
	e := newEnv(t, storetest.SQLiteDSN(t), testHall(motcua.QueuePolicy{}))
	ctx := context.Background()
	e.Issue(t, 1, false)
	second := e.Issue(t, 1, false)
	if _, err := e.Hub.Queue.CallTicket(ctx, 1, second.ID, "", e.Staff); motcua.ErrorCode(err) != motcua.EValidation {
		t.Fatalf("manual call without reason: got %v, want validation_failed", err)
	}
	got, err := e.Hub.Queue.CallTicket(ctx, 1, second.ID, "Công dân đến trước, nhầm số", e.Staff)
	if err != nil {
		t.Fatal(err)
	}
	if !got.OutOfOrder || got.Status != motcua.TicketCalled {
		t.Errorf("manual call: got out_of_order=%v status=%s, want true and called", got.OutOfOrder, got.Status)
	}
	trail, err := e.Store.Tickets.AuditTrail(ctx, "manual_call", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(trail) != 1 || trail[0].UserID != e.Staff.ID || trail[0].Reason != "Công dân đến trước, nhầm số" || *trail[0].TicketID != second.ID {
		t.Errorf("audit trail: got %+v, want one manual_call by user %d for ticket %d with the reason", trail, e.Staff.ID, second.ID)
	}
}

func TestDailyCapAndHours(t *testing.T) {
	hall := testHall(motcua.QueuePolicy{})
	hall.Services[0].DailyCap = 2
	hall.Services[1].Hours = []motcua.Session{{From: "07:30", To: "11:30"}, {From: "13:00", To: "17:00"}}
	e := newEnv(t, storetest.SQLiteDSN(t), hall)
	ctx := context.Background()
	e.Issue(t, 1, false)
	e.Issue(t, 1, false)
	if _, err := e.Hub.Queue.IssueTicket(ctx, motcua.IssueRequest{ServiceID: 1}); motcua.ErrorCode(err) != motcua.EClosed {
		t.Errorf("third ticket over a cap of 2: got %v, want service_closed", err)
	}
	e.Clock.Set(weekdayMorning.Add(3 * time.Hour)) // 12:00, lunch break
	_, err := e.Hub.Queue.IssueTicket(ctx, motcua.IssueRequest{ServiceID: 2})
	if motcua.ErrorCode(err) != motcua.EClosed || !strings.Contains(err.Error(), "13:00 27/11/2026") {
		t.Errorf("at 12:00: got %v, want service_closed saying it opens at 13:00 27/11/2026", err)
	}
	e.Clock.Set(time.Date(2026, 11, 27, 18, 0, 0, 0, hanoi)) // Friday evening: opens Monday
	_, err = e.Hub.Queue.IssueTicket(ctx, motcua.IssueRequest{ServiceID: 2})
	if motcua.ErrorCode(err) != motcua.EClosed || !strings.Contains(err.Error(), "07:30 30/11/2026") {
		t.Errorf("Friday 18:00: got %v, want service_closed saying it opens Monday 07:30 30/11/2026", err)
	}
}

func TestReactivateNoShowByShortCode(t *testing.T) {
	hall := testHall(motcua.QueuePolicy{NoShowMinCalls: 1, ReactivateMinutes: 30})
	e := newEnv(t, storetest.SQLiteDSN(t), hall)
	ctx := context.Background()
	missed := e.Issue(t, 1, false)
	e.Clock.Advance(time.Minute)
	later := e.Issue(t, 1, false)
	e.CallNext(t, 1)
	if _, err := e.Hub.Queue.NoShow(ctx, missed.ID, e.Staff); err != nil {
		t.Fatal(err)
	}
	// The same answer as an unknown code (issue 18): nothing to learn.
	if _, err := e.Hub.Queue.Reactivate(ctx, later.ShortCode); motcua.ErrorCode(err) != motcua.ENotFound {
		t.Errorf("reactivating a waiting ticket: got %v, want not_found", err)
	}
	if _, err := e.Hub.Queue.Reactivate(ctx, "ZZZZZZ"); motcua.ErrorCode(err) != motcua.ENotFound {
		t.Errorf("unknown code: got %v, want not_found", err)
	}
	if _, err := e.Hub.Queue.Reactivate(ctx, "abc"); motcua.ErrorCode(err) != motcua.EValidation {
		t.Errorf("short code of 3 characters: got %v, want validation_failed", err)
	}
	e.Clock.Advance(29 * time.Minute)
	back, err := e.Hub.Queue.Reactivate(ctx, strings.ToLower(missed.ShortCode)) // typed in lower case
	if err != nil {
		t.Fatalf("reactivate within 30 minutes: %v", err)
	}
	if back.Status != motcua.TicketWaiting || back.Number != missed.Number {
		t.Errorf("after reactivation: got %s %s, want %s waiting", back.Number, back.Status, missed.Number)
	}
	if got := e.CallNext(t, 1); got.ID != missed.ID {
		t.Errorf("next call: got %s, want the reactivated %s back in its place before %s", got.Number, missed.Number, later.Number)
	}
	// A second miss, and this time the citizen comes back too late.
	if _, err := e.Hub.Queue.NoShow(ctx, missed.ID, e.Staff); err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(31 * time.Minute)
	if _, err := e.Hub.Queue.Reactivate(ctx, missed.ShortCode); motcua.ErrorCode(err) != motcua.EConflict {
		t.Errorf("reactivate after 31 minutes: got %v, want a conflict", err)
	}
}
