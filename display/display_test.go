package display_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/hall"
	"github.com/motcua/motcua/server/servertest"
)

// readWait bounds the wait for a frame that must come: on loopback it
// comes in milliseconds, so hitting it means it was held back or lost.
const readWait = 10 * time.Second

// screen is a hall display's socket with a reader that hands its frames over.
type screen struct {
	t      *testing.T
	frames chan servertest.Message
}

func openScreen(t *testing.T, env *servertest.Env, path string) (*screen, servertest.Message) {
	t.Helper()
	c, _, err := env.WS(path, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	first := servertest.Read(t, c, readWait)
	c.SetReadDeadline(time.Time{}) // next bounds each wait itself
	s := &screen{t: t, frames: make(chan servertest.Message, 256)}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(s.frames)
		for {
			var m servertest.Message
			if err := c.ReadJSON(&m); err != nil {
				return
			}
			select {
			case s.frames <- m:
			case <-stop:
				return
			}
		}
	}()
	t.Cleanup(func() {
		close(stop)
		c.Close()
		wg.Wait()
	})
	return s, first
}

// next returns the next frame, which must come within readWait.
func (s *screen) next(what string) servertest.Message {
	s.t.Helper()
	select {
	case m, ok := <-s.frames:
		if !ok {
			s.t.Fatalf("waiting for %s: the socket closed", what)
		}
		return m
	case <-time.After(readWait):
		s.t.Fatalf("waiting for %s: nothing came within %v", what, readWait)
	}
	return nil
}

// waiting reads a queue frame's counts, or a snapshot's.
func waiting(t *testing.T, m servertest.Message) map[int64]int {
	t.Helper()
	w, ok := m["waiting"].(map[string]any)
	if !ok {
		t.Fatalf("%s seq %d has no waiting counts: %v", m.Type(), m.Seq(), m)
	}
	out := map[int64]int{}
	for k, v := range w {
		id, err := strconv.ParseInt(k, 10, 64)
		if err != nil {
			t.Fatalf("waiting key %q: %v", k, err)
		}
		out[id] = int(v.(float64))
	}
	return out
}

// hubCounts is what the hub counts as waiting now, with 0 for the services
// nobody waits for.
func hubCounts(t *testing.T, env *servertest.Env, services []int64) map[int64]int {
	t.Helper()
	counts, err := env.Server.Hub.Queue.WaitingCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]int{}
	for _, id := range services {
		out[id] = counts[id]
	}
	return out
}

// sameCounts reports whether got holds want's count for every service of want.
func sameCounts(got, want map[int64]int) bool {
	for id, n := range want {
		if got[id] != n {
			return false
		}
	}
	return true
}

// issueConcurrently takes n tickets, round-robin over services, from 16
// kiosks at once. It calls the hub's queue in-process rather than over HTTP:
// the same writer (group commit, events in seq order) and the same fan-out
// to the real sockets, without the HTTP round trips, which made 10,000
// tickets take 24 s under -race (in-process: 14 s on the same machine).
func issueConcurrently(t *testing.T, env *servertest.Env, n int, services []int64) {
	t.Helper()
	const kiosks = 16
	jobs := make(chan int)
	errs := make(chan error, kiosks)
	var wg sync.WaitGroup
	for range kiosks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				req := motcua.IssueRequest{ServiceID: services[i%len(services)]}
				if _, err := env.Server.Hub.Queue.IssueTicket(context.Background(), req); err != nil {
					select {
					case errs <- fmt.Errorf("ticket %d: %w", i, err):
					default:
					}
					return
				}
			}
		}()
	}
	for i := range n {
		select {
		case jobs <- i:
		case err := <-errs:
			close(jobs)
			wg.Wait()
			t.Fatal(err)
		}
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
}

// TestBurstOfTicketsSendsFewQueueFrames issues 10,000 tickets (the real
// writer, concurrently) while a hall screen (a real websocket) is
// connected, with a call in the middle. The screen must get a bounded number
// of queue frames whatever the size of the burst: the first count at once,
// then one per firing of its coalescing timer, plus the one a call takes
// along; each carrying the right counts of every service, and the last one
// the final counts. The call must not wait for any timer.
func TestBurstOfTicketsSendsFewQueueFrames(t *testing.T) {
	const burst = 10_000
	h := hall.Sample()
	for i := range h.Services {
		h.Services[i].Digits = 5 // room for 2,000 numbers a service and more
	}
	timers := &servertest.Timers{}
	env := servertest.New(t, servertest.WithHall(h), servertest.WithNoShowMinCalls(1), servertest.WithTimers(timers))
	scr, snap := openScreen(t, env, "/ws/display")
	if snap.Type() != "snapshot" {
		t.Fatalf("first frame: got %s, want the snapshot", snap.Type())
	}
	var services []int64
	for id := range waiting(t, snap) {
		services = append(services, id)
	}
	if len(services) < 2 {
		t.Fatalf("snapshot waiting counts %v: want the sample hall's services", snap["waiting"])
	}

	queueFrames, fired := 0, 0
	began := time.Now()

	// First half of the burst; no timer fires.
	issueConcurrently(t, env, burst/2, services)
	before := hubCounts(t, env, services)
	call, ok := env.CallNext(1)
	if !ok {
		t.Fatal("counter 1 found nobody to call")
	}
	// The call comes at once, the newest counts in front of it.
	var last servertest.Message
	for {
		m := scr.next("the call")
		if m.Type() == motcua.EventCall {
			if tk, _ := m["ticket"].(map[string]any); tk["id"] != float64(call.ID) {
				t.Fatalf("call frame %v, want ticket %d", m["ticket"], call.ID)
			}
			if last == nil || last.Type() != motcua.EventQueue || last.Seq() >= m.Seq() {
				t.Fatalf("frame before the call: got %v, want the queue counts", last)
			}
			if got := waiting(t, last); !sameCounts(got, before) {
				t.Errorf("counts in front of the call: got %v, want %v", got, before)
			}
			break
		}
		if m.Type() != motcua.EventQueue {
			t.Fatalf("during the burst: got a %s frame", m.Type())
		}
		queueFrames++
		last = m
	}
	if queueFrames > 2 {
		t.Errorf("before any timer fired: %d queue frames for %d tickets, want at most 2 (the first at once, the one the call took along)", queueFrames, burst/2)
	}
	if n := timers.Armed(); n != 1 {
		t.Errorf("armed timers: got %d, want the screen's one", n)
	}

	// Second half; then the timer fires until the screen has the final counts.
	issueConcurrently(t, env, burst-burst/2, services)
	final := hubCounts(t, env, services)
	env.Published() // the timer is armed before it is fired
	for {
		n := timers.Fire()
		if n == 0 {
			t.Fatal("no timer armed, and the screen does not have the final counts")
		}
		fired += n
		m := scr.next("the queue counts after the timer fired")
		if m.Type() != motcua.EventQueue {
			t.Fatalf("after the burst: got a %s frame, want queue counts", m.Type())
		}
		queueFrames++
		if got := waiting(t, m); sameCounts(got, final) {
			break
		} else if fired > 3 {
			t.Fatalf("counts after %d firings: got %v, want %v", fired, got, final)
		}
	}
	took := time.Since(began)
	// Quiet again: the next firing sends nothing, and a recall comes alone.
	fired += timers.Fire()
	if status := env.Do("POST", "/api/v1/counters/1/recall", env.AdminToken, nil, nil); status != http.StatusOK {
		t.Fatalf("recall: status %d", status)
	}
	if m := scr.next("the recall"); m.Type() != motcua.EventCall || m["recall"] != true {
		t.Fatalf("after the burst: got %s %v, want the recall and nothing before it", m.Type(), m)
	}

	// 1 at once, 1 taken along by the call, 1 per firing: independent of
	// the 10,000 tickets.
	if limit := 2 + fired; queueFrames > limit || queueFrames > 4 {
		t.Errorf("queue frames for %d tickets: got %d, want at most %d (timer firings %d + 2) and 4", burst, queueFrames, limit, fired)
	}
	t.Logf("%d tickets in %v: %d queue frames, %d timer firings", burst, took.Round(time.Millisecond), queueFrames, fired)
}

// TestReplayFoldsQueueCounts reconnects a screen with ?since= after tickets
// of several services and a call: the replay carries the call, and of the
// queue events one, at the newest one's seq, with the counts of every
// service that changed; then live counts come at once again.
func TestReplayFoldsQueueCounts(t *testing.T) {
	timers := &servertest.Timers{}
	env := servertest.New(t, servertest.WithTimers(timers))
	_, snap := openScreen(t, env, "/ws/display")
	env.Issue(1, false)
	env.Issue(2, false)
	call, ok := env.CallNext(1)
	if !ok {
		t.Fatal("counter 1 found nobody to call")
	}
	env.Issue(2, false)
	env.Issue(3, false)
	log, ok, err := env.Server.Hub.Writer.EventsSince(context.Background(), snap.Seq(), 1000)
	if err != nil || !ok {
		t.Fatalf("events since %d: %v %v", snap.Seq(), ok, err)
	}
	var newestQueue, callSeq int64
	for _, ev := range log {
		switch ev.Type {
		case motcua.EventQueue:
			newestQueue = ev.Seq
		case motcua.EventCall:
			callSeq = ev.Seq
		}
	}

	scr, first := openScreen(t, env, "/ws/display?since="+strconv.FormatInt(snap.Seq(), 10))
	if first.Type() != motcua.EventCall || first.Seq() != callSeq {
		t.Fatalf("replay: got %s seq %d first, want the call at seq %d", first.Type(), first.Seq(), callSeq)
	}
	if tk, _ := first["ticket"].(map[string]any); tk["id"] != float64(call.ID) {
		t.Errorf("replayed call %v, want ticket %d", first["ticket"], call.ID)
	}
	m := scr.next("the folded queue counts")
	if m.Type() != motcua.EventQueue || m.Seq() != newestQueue {
		t.Fatalf("replay: got %s seq %d, want the queue counts at seq %d", m.Type(), m.Seq(), newestQueue)
	}
	want := hubCounts(t, env, []int64{1, 2, 3})
	if got := waiting(t, m); len(got) != 3 || !sameCounts(got, want) {
		t.Errorf("replayed counts: got %v, want services 1, 2, 3 with %v", got, want)
	}

	// Live again: a new count comes at once, with no timer fired.
	env.Issue(4, false)
	m = scr.next("a live queue count")
	if m.Type() != motcua.EventQueue || m.Seq() <= newestQueue {
		t.Fatalf("live: got %s seq %d, want a newer queue count", m.Type(), m.Seq())
	}
	if got := waiting(t, m); got[4] != 1 {
		t.Errorf("live counts %v, want service 4: 1", got)
	}
}
