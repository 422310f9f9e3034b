package queue_test

import (
	"context"
	"testing"
	"time"

	"github.com/motcua/motcua"
)

// TestEstimatedWaitOnAScriptedMorning walks a morning with the manual clock:
// the estimate starts from the default visit length shared by every counter
// configured for the service, then follows the measured visits and the
// counters actually open.
func TestEstimatedWaitOnAScriptedMorning(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dsn func(testing.TB) string) {
		e := newEnv(t, dsn(t), testHall(motcua.QueuePolicy{}))
		ctx := context.Background()
		// TP (service 1) is served by counters 1, 3 and 4.
		first := e.Issue(t, 1, false)
		view, err := e.Hub.Queue.TicketView(ctx, first)
		if err != nil {
			t.Fatal(err)
		}
		if view.EstWaitS != 0 {
			t.Errorf("nobody ahead: got est_wait_s %d, want 0", view.EstWaitS)
		}
		second := e.Issue(t, 1, false)
		if view, _ = e.Hub.Queue.TicketView(ctx, second); view.EstWaitS != int((5*time.Minute).Seconds())/3 {
			t.Errorf("one ahead before any visit: got est_wait_s %d, want %d (5 min shared by 3 counters)", view.EstWaitS, int((5*time.Minute).Seconds())/3)
		}
		for range 4 {
			e.Issue(t, 1, false)
		}
		// Counter 1 serves a visit of 10 minutes, counter 3 one of 6 minutes.
		a := e.CallNext(t, 1)
		b := e.CallNext(t, 3)
		e.Clock.Advance(6 * time.Minute)
		if _, err := e.Hub.Queue.Finish(ctx, b.ID, e.Staff); err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(4 * time.Minute)
		if _, err := e.Hub.Queue.Finish(ctx, a.ID, e.Staff); err != nil {
			t.Fatal(err)
		}
		// 4 people wait; mean visit 8 min; counters 1 and 3 are open, counter 4 never called.
		late := e.Issue(t, 1, false)
		view, err = e.Hub.Queue.TicketView(ctx, late)
		if err != nil {
			t.Fatal(err)
		}
		if view.Position != 4 {
			t.Fatalf("position: got %d, want 4", view.Position)
		}
		if want := int((8 * time.Minute * 4 / 2).Seconds()); view.EstWaitS != want {
			t.Errorf("after two visits: got est_wait_s %d, want %d (4 ahead × 8 min / 2 open counters)", view.EstWaitS, want)
		}
		// The same figure on the kiosk's service list for the next person.
		svcs, err := e.Hub.Queue.Services(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if svcs[0].Waiting != 5 || svcs[0].EstWaitS != int((8*time.Minute*5/2).Seconds()) {
			t.Errorf("kiosk: got waiting %d est %d, want 5 and %d", svcs[0].Waiting, svcs[0].EstWaitS, int((8 * time.Minute * 5 / 2).Seconds()))
		}
		// Two hours later nobody has called: the open counters fall back to all configured.
		e.Clock.Advance(2 * time.Hour)
		view, _ = e.Hub.Queue.TicketView(ctx, late)
		if want := int((8 * time.Minute * 4 / 3).Seconds()); view.EstWaitS != want {
			t.Errorf("after two idle hours: got %d, want %d (3 configured counters)", view.EstWaitS, want)
		}
	})
}
