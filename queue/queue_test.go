package queue_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/store"
	"github.com/motcua/motcua/store/storetest"
)

func TestIssueNumbersPerServiceAndDay(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dsn func(testing.TB) string) {
		e := newEnv(t, dsn(t), testHall(motcua.QueuePolicy{}))
		want := []struct {
			service int64
			number  string
		}{{1, "1001"}, {1, "1002"}, {2, "2001"}, {1, "1003"}, {3, "3001"}}
		for _, w := range want {
			tk := e.Issue(t, w.service, false)
			if tk.Number != w.number {
				t.Errorf("service %d: got number %s, want %s", w.service, tk.Number, w.number)
			}
			if len(tk.Token) < 22 {
				t.Errorf("token %q: got %d characters, want at least 22 (128 bits)", tk.Token, len(tk.Token))
			}
			if tk.IssuedAt.Location().String() != "Asia/Ho_Chi_Minh" {
				t.Errorf("issued_at zone: got %s, want Asia/Ho_Chi_Minh", tk.IssuedAt.Location())
			}
		}
	})
}

func TestNumberingAcrossMidnight(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dsn func(testing.TB) string) {
		e := newEnv(t, dsn(t), testHall(motcua.QueuePolicy{}))
		ctx := context.Background()
		e.Clock.Set(time.Date(2026, 11, 27, 23, 59, 50, 0, hanoi))
		a := e.Issue(t, 1, false)
		b := e.Issue(t, 1, false)
		e.Clock.Set(time.Date(2026, 11, 28, 0, 0, 5, 0, hanoi))
		c := e.Issue(t, 1, false)
		if a.Number != "1001" || b.Number != "1002" || c.Number != "1001" {
			t.Fatalf("got numbers %s, %s, %s; want 1001, 1002 and a fresh 1001 after midnight", a.Number, b.Number, c.Number)
		}
		// Yesterday's waiting tickets are closed by the roll-over, never called today.
		for _, old := range []motcua.Ticket{a, b} {
			got, err := e.Hub.Queue.Ticket(ctx, old.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != motcua.TicketCancelled {
				t.Errorf("yesterday's ticket %s: got status %s, want cancelled", old.Number, got.Status)
			}
		}
		called := e.CallNext(t, 1)
		if called.ID != c.ID {
			t.Errorf("first call after midnight: got ticket %d (%s), want today's %d", called.ID, called.Day, c.ID)
		}
		if _, found, _ := e.Hub.Queue.CallNext(ctx, 1, e.Staff); found {
			t.Errorf("second call after midnight found a ticket; yesterday's must not be called")
		}
	})
}

func TestReopenContinuesNumbering(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dsn func(testing.TB) string) {
		e := newEnv(t, dsn(t), testHall(motcua.QueuePolicy{}))
		for i := 0; i < 3; i++ {
			e.Issue(t, 2, false)
		}
		e.Hub.Close()
		e.Store.Close()
		e.Open(t, motcua.Hall{}) // the database is not empty: no hall needed
		tk := e.Issue(t, 2, false)
		if tk.Number != "2004" {
			t.Errorf("after reopening: got number %s, want 2004", tk.Number)
		}
	})
}

func TestPriorityPolicies(t *testing.T) {
	// Issue order: N1 N2 P1 N3 P2, all for service 1; counter 1 calls five times.
	cases := []struct {
		policy motcua.QueuePolicy
		want   []string
	}{
		{motcua.QueuePolicy{Priority: motcua.PolicyStrict}, []string{"P1", "P2", "N1", "N2", "N3"}},
		{motcua.QueuePolicy{}, []string{"P1", "P2", "N1", "N2", "N3"}}, // strict is the default
		{motcua.QueuePolicy{Priority: motcua.PolicyNone}, []string{"N1", "N2", "P1", "N3", "P2"}},
		{motcua.QueuePolicy{Priority: motcua.PolicyInterleave, InterleaveN: 2}, []string{"N1", "N2", "P1", "N3", "P2"}},
		{motcua.QueuePolicy{Priority: motcua.PolicyInterleave, InterleaveN: 1}, []string{"N1", "P1", "N2", "P2", "N3"}},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s-%d", c.policy.Priority, c.policy.InterleaveN), func(t *testing.T) {
			e := newEnv(t, storetest.SQLiteDSN(t), testHall(c.policy))
			label := map[int64]string{}
			for _, name := range []string{"N1", "N2", "P1", "N3", "P2"} {
				tk := e.Issue(t, 1, name[0] == 'P')
				label[tk.ID] = name
				e.Clock.Advance(time.Second)
			}
			var got []string
			for range 5 {
				got = append(got, label[e.CallNext(t, 1).ID])
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("call order: got %v, want %v", got, c.want)
			}
		})
	}
}

func TestCounterServicePreference(t *testing.T) {
	e := newEnv(t, storetest.SQLiteDSN(t), testHall(motcua.QueuePolicy{}))
	dd := e.Issue(t, 2, false) // older, but counter 1 prefers TP
	e.Clock.Advance(time.Minute)
	tp := e.Issue(t, 1, false)
	if got := e.CallNext(t, 1); got.ID != tp.ID {
		t.Errorf("counter 1 (TP before DD): got %s, want %s", got.Number, tp.Number)
	}
	if got := e.CallNext(t, 1); got.ID != dd.ID {
		t.Errorf("counter 1 second call: got %s, want %s", got.Number, dd.Number)
	}
}

func TestTransferKeepsPlaceByIssueTime(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dsn func(testing.TB) string) {
		e := newEnv(t, dsn(t), testHall(motcua.QueuePolicy{}))
		ctx := context.Background()
		early := e.Issue(t, 1, false) // TP, 09:00
		e.Clock.Advance(10 * time.Minute)
		later := e.Issue(t, 2, false) // DD, 09:10
		called := e.CallNext(t, 1)
		if called.ID != early.ID {
			t.Fatalf("counter 1 called %s, want %s", called.Number, early.Number)
		}
		moved, err := e.Hub.Queue.Transfer(ctx, early.ID, 2, e.Staff)
		if err != nil {
			t.Fatalf("transfer: %v", err)
		}
		if moved.Status != motcua.TicketWaiting || moved.ServiceID != 2 || moved.Number != early.Number {
			t.Fatalf("after transfer: got status %s service %d number %s, want waiting in service 2 with number %s",
				moved.Status, moved.ServiceID, moved.Number, early.Number)
		}
		// Counter 2 serves DD first: the transferred ticket was issued earlier, so it goes first.
		if got := e.CallNext(t, 2); got.ID != early.ID {
			t.Errorf("counter 2 first call: got %s, want transferred %s ahead of %s", got.Number, early.Number, later.Number)
		}
		var sawTransferred bool
		for _, ev := range e.Pub.All() {
			if ev.Type == motcua.EventTicket && ev.TicketID != nil && *ev.TicketID == early.ID && strings.Contains(string(ev.Body), `"status":"transferred"`) {
				sawTransferred = true
			}
		}
		if !sawTransferred {
			t.Errorf("no ticket event with status transferred was published")
		}
	})
}

func TestConcurrentCallNextCallsEachTicketOnce(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dsn func(testing.TB) string) {
		const tickets, counters, workers = 2000, 10, 50
		hall := testHall(motcua.QueuePolicy{})
		hall.Counters = nil
		for i := 1; i <= counters; i++ {
			hall.Counters = append(hall.Counters, motcua.CounterSpec{Number: i, Name: fmt.Sprintf("Quầy %d", i),
				Services: []string{[]string{"TP", "DD", "KD"}[i%3], []string{"TP", "DD", "KD"}[(i+1)%3], []string{"TP", "DD", "KD"}[(i+2)%3]}})
		}
		e := newEnv(t, dsn(t), hall)
		ctx := context.Background()

		// Issue concurrently too: numbers must stay unique.
		var wg sync.WaitGroup
		numbers := sync.Map{}
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < tickets; i += workers {
					tk, err := e.Hub.Queue.IssueTicket(ctx, motcua.IssueRequest{ServiceID: int64(i%3 + 1), Priority: i%7 == 0})
					if err != nil {
						t.Errorf("issue: %v", err)
						return
					}
					if _, dup := numbers.LoadOrStore(tk.Number, tk.ID); dup {
						t.Errorf("number %s issued twice", tk.Number)
					}
				}
			}()
		}
		wg.Wait()

		calls := make(chan motcua.Ticket, tickets*2)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				counter := int64(w%counters + 1)
				for {
					tk, found, err := e.Hub.Queue.CallNext(ctx, counter, e.Staff)
					if err != nil {
						t.Errorf("call next: %v", err)
						return
					}
					if !found {
						return
					}
					calls <- tk
				}
			}()
		}
		wg.Wait()
		close(calls)
		seen := map[int64]int{}
		for tk := range calls {
			seen[tk.ID]++
			if tk.Status != motcua.TicketCalled {
				t.Errorf("ticket %s returned with status %s, want called", tk.Number, tk.Status)
			}
		}
		if len(seen) != tickets {
			t.Errorf("got %d distinct tickets called, want %d", len(seen), tickets)
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("ticket %d called %d times, want exactly once", id, n)
			}
		}
	})
}

// TestOneQueueEventPerCommit issues eight tickets of two services that share
// one commit: the batch logs a single queue event, after every ticket, with
// the counts after the commit, and each kiosk still learns how many were
// ahead of its own ticket.
func TestOneQueueEventPerCommit(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dsn func(testing.TB) string) {
		e := newEnv(t, dsn(t), testHall(motcua.QueuePolicy{}))
		ctx := context.Background()
		e.Issue(t, 1, false)
		before, err := e.Hub.Writer.LastSeq(ctx)
		if err != nil {
			t.Fatal(err)
		}

		release, started := make(chan struct{}), make(chan struct{})
		busy := make(chan error, 1)
		go func() {
			busy <- e.Hub.Writer.Write(ctx, func(*store.Tx) error { close(started); <-release; return nil })
		}()
		<-started // the writer holds the next requests until release
		var wg sync.WaitGroup
		views := make([]motcua.TicketView, 8)
		for i := range views {
			wg.Add(1)
			go func() {
				defer wg.Done()
				v, err := e.Hub.Queue.IssueTicketView(ctx, motcua.IssueRequest{ServiceID: int64(1 + i%2)})
				if err != nil {
					t.Error(err)
				}
				views[i] = v
			}()
		}
		for deadline := time.Now().Add(10 * time.Second); e.Hub.Writer.Queued() < len(views); {
			if time.Now().After(deadline) {
				t.Fatalf("got %d queued requests, want %d", e.Hub.Writer.Queued(), len(views))
			}
			time.Sleep(time.Millisecond) // waiting for goroutines to queue, not for time to pass
		}
		close(release)
		wg.Wait()
		if err := <-busy; err != nil {
			t.Fatal(err)
		}

		evs, _, err := e.Store.Events.EventsSince(ctx, before, 100)
		if err != nil {
			t.Fatal(err)
		}
		var types []string
		for _, ev := range evs {
			types = append(types, ev.Type)
		}
		if len(evs) != 1 || evs[0].Type != motcua.EventQueue {
			t.Fatalf("got events %v after the batch, want one queue event", types)
		}
		var body motcua.QueueBody
		if err := json.Unmarshal(evs[0].Body, &body); err != nil {
			t.Fatal(err)
		}
		if want := map[int64]int{1: 5, 2: 4}; !maps.Equal(body.Waiting, want) {
			t.Errorf("got waiting %v, want %v", body.Waiting, want)
		}
		ahead := map[int64][]int{}
		for _, v := range views {
			ahead[v.ServiceID] = append(ahead[v.ServiceID], v.Position)
		}
		for svc, got := range ahead {
			slices.Sort(got)
			want := []int{0, 1, 2, 3}
			if svc == 1 {
				want = []int{1, 2, 3, 4}
			}
			if !slices.Equal(got, want) {
				t.Errorf("service %d: got people ahead %v, want %v", svc, got, want)
			}
		}
	})
}
