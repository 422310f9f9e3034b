package server_test

// Websocket tests against the whole hub (servertest): real gorilla clients on
// a real httptest server, events produced by HTTP calls as a counter makes
// them, compared with the hub's own event log.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/server/servertest"
)

// readTimeout bounds the wait for one message that must come.
const readTimeout = 5 * time.Second

// dial opens a websocket on the hub and closes it at the end of the test.
func dial(t *testing.T, env *servertest.Env, path string) *websocket.Conn {
	t.Helper()
	c, resp, err := env.WS(path, nil)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial %s: %v (status %d)", path, err, status)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// refusedStatus dials a websocket that the hub must refuse and returns the
// HTTP status of the refusal.
func refusedStatus(t *testing.T, env *servertest.Env, path string, header http.Header) int {
	t.Helper()
	c, resp, err := env.WS(path, header)
	if err == nil {
		c.Close()
		t.Fatalf("dial %s: the hub accepted the websocket, want a refusal", path)
	}
	if resp == nil {
		t.Fatalf("dial %s: %v, and no HTTP answer", path, err)
	}
	return resp.StatusCode
}

func next(t *testing.T, c *websocket.Conn) servertest.Message {
	t.Helper()
	return servertest.Read(t, c, readTimeout)
}

// logEvents returns the hub's logged events after seq that keep(type) selects.
func logEvents(t *testing.T, env *servertest.Env, since int64, keep func(ev motcua.Event) bool) []motcua.Event {
	t.Helper()
	evs, ok, err := env.Server.Hub.Writer.EventsSince(context.Background(), since, 100000)
	if err != nil || !ok {
		t.Fatalf("events since %d: ok=%v err=%v", since, ok, err)
	}
	var out []motcua.Event
	for _, ev := range evs {
		if keep(ev) {
			out = append(out, ev)
		}
	}
	return out
}

func isHall(ev motcua.Event) bool {
	return ev.Type == motcua.EventCall || ev.Type == motcua.EventQueue
}

func isCounter(ev motcua.Event) bool {
	return isHall(ev) || ev.Type == motcua.EventTicket
}

// readEvents reads n messages and checks they are exactly want: same seq and
// type, same body.
func readEvents(t *testing.T, c *websocket.Conn, want []motcua.Event) []servertest.Message {
	t.Helper()
	got := make([]servertest.Message, 0, len(want))
	for i, ev := range want {
		m := next(t, c)
		if m.Type() != ev.Type || m.Seq() != ev.Seq {
			t.Fatalf("message %d: got %s seq %d, want %s seq %d", i, m.Type(), m.Seq(), ev.Type, ev.Seq)
		}
		checkMessage(t, m, ev)
		got = append(got, m)
	}
	return got
}

// checkMessage compares a frame with the event it stands for.
func checkMessage(t *testing.T, m servertest.Message, ev motcua.Event) {
	t.Helper()
	if m.Type() != ev.Type || m.Seq() != ev.Seq {
		t.Fatalf("got %s seq %d, want %s seq %d", m.Type(), m.Seq(), ev.Type, ev.Seq)
	}
	var body map[string]any
	if err := json.Unmarshal(ev.Body, &body); err != nil {
		t.Fatalf("event %d body: %v", ev.Seq, err)
	}
	for k, v := range body {
		if fmt.Sprint(m[k]) != fmt.Sprint(v) {
			t.Errorf("%s seq %d: %q got %v, want %v", m.Type(), m.Seq(), k, m[k], v)
		}
	}
}

// readHallCounts reads a hall screen's queue counts for want: one by one
// (the first at once, the next when the timer fires), or, when they all
// reached the screen while its snapshot was still being written, only the
// newest with the counts folded together, as a replay carries them.
func readHallCounts(t *testing.T, c *websocket.Conn, want []motcua.Event) []servertest.Message {
	t.Helper()
	m := next(t, c)
	newest := want[len(want)-1]
	if len(want) > 1 && m.Seq() == newest.Seq {
		folded := hallReplay(t, want)
		checkMessage(t, m, folded[len(folded)-1])
		return []servertest.Message{m}
	}
	checkMessage(t, m, want[0])
	return append([]servertest.Message{m}, readEvents(t, c, want[1:])...)
}

func everything(motcua.Event) bool { return true }

// isTrackQueue reports whether ev is a queue event with the count of serviceID.
func isTrackQueue(t *testing.T, ev motcua.Event, serviceID int64) bool {
	t.Helper()
	if ev.Type != motcua.EventQueue {
		return false
	}
	var body struct {
		Waiting map[int64]int `json:"waiting"`
	}
	if err := json.Unmarshal(ev.Body, &body); err != nil {
		t.Fatalf("queue event %d body: %v", ev.Seq, err)
	}
	_, ok := body.Waiting[serviceID]
	return ok
}

func isOwn(ev motcua.Event, ticketID int64) bool {
	return (ev.Type == motcua.EventTicket || ev.Type == motcua.EventDossier) && ev.TicketID != nil && *ev.TicketID == ticketID
}

// trackReplay is what a phone's replay of log holds: the ticket's own events
// and only the newest queue event of its service (live.Subscription.Coalesce).
func trackReplay(log []motcua.Event, ticketID, serviceID int64) []motcua.Event {
	newest := -1
	for i, ev := range log {
		if ev.Type == motcua.EventQueue && bytes.Contains(ev.Body, []byte(fmt.Sprintf(`"%d":`, serviceID))) {
			newest = i
		}
	}
	var out []motcua.Event
	for i, ev := range log {
		if isOwn(ev, ticketID) || i == newest {
			out = append(out, ev)
		}
	}
	return out
}

// hallReplay is what a hall screen's replay of log (its hall events) holds:
// every call and hall change, and of the queue events only the newest, at
// its seq; when it stands for several, it carries their counts folded
// together, the newest of each service (display.Socket).
func hallReplay(t *testing.T, log []motcua.Event) []motcua.Event {
	t.Helper()
	newest, n := -1, 0
	folded := map[string]int{}
	for i, ev := range log {
		if ev.Type != motcua.EventQueue {
			continue
		}
		newest, n = i, n+1
		var body struct {
			Waiting map[string]int `json:"waiting"`
		}
		if err := json.Unmarshal(ev.Body, &body); err != nil {
			t.Fatalf("queue event %d body: %v", ev.Seq, err)
		}
		for k, v := range body.Waiting {
			folded[k] = v
		}
	}
	var out []motcua.Event
	for i, ev := range log {
		if ev.Type == motcua.EventQueue {
			if i != newest {
				continue
			}
			if n > 1 {
				ev.Body, _ = json.Marshal(map[string]any{"waiting": folded})
			}
		}
		out = append(out, ev)
	}
	return out
}

// readTrack reads a phone's live messages until it has every own event of
// the ticket in log (which must hold one), and checks what came between: a
// phone receives the queue events of its service coalesced, at most one
// every few seconds and always the newest, and an own event takes the
// waiting queue event along in front of it. So queue events may be missing,
// but each one read is of the ticket's service, seqs only grow, and before
// each own event the phone has the newest queue event that preceded it.
func readTrack(t *testing.T, c *websocket.Conn, log []motcua.Event, ticketID, serviceID int64) []servertest.Message {
	t.Helper()
	var own []motcua.Event
	bySeq := map[int64]motcua.Event{}
	for _, ev := range log {
		bySeq[ev.Seq] = ev
		if isOwn(ev, ticketID) {
			own = append(own, ev)
		}
	}
	if len(own) == 0 {
		t.Fatalf("no event of ticket %d in the log: nothing to wait for", ticketID)
	}
	var got []servertest.Message
	var lastSeq, lastQueue int64
	for i := 0; i < len(own); {
		m := next(t, c)
		if m.Seq() <= lastSeq {
			t.Fatalf("%s seq %d after seq %d: seqs must grow", m.Type(), m.Seq(), lastSeq)
		}
		lastSeq = m.Seq()
		got = append(got, m)
		if m.Type() == "queue" {
			if ev, ok := bySeq[m.Seq()]; !ok || !isTrackQueue(t, ev, serviceID) {
				t.Fatalf("queue seq %d: want only queue events of service %d", m.Seq(), serviceID)
			}
			lastQueue = m.Seq()
			continue
		}
		want := own[i]
		if m.Type() != want.Type || m.Seq() != want.Seq {
			t.Fatalf("got %s seq %d, want %s seq %d (the ticket's own events in order)", m.Type(), m.Seq(), want.Type, want.Seq)
		}
		for _, ev := range log {
			if ev.Seq < want.Seq && ev.Seq > lastQueue && isTrackQueue(t, ev, serviceID) {
				t.Fatalf("%s seq %d came before queue seq %d, the newest count of service %d", m.Type(), m.Seq(), ev.Seq, serviceID)
			}
		}
		i++
	}
	return got
}

func counterPath(env *servertest.Env, id int64) string {
	return fmt.Sprintf("/ws/counter/%d?token=%s", id, env.AdminToken)
}

func recall(t *testing.T, env *servertest.Env, counterID int64) {
	t.Helper()
	if status := env.Do("POST", fmt.Sprintf("/api/v1/counters/%d/recall", counterID), env.AdminToken, nil, nil); status != http.StatusOK {
		t.Fatalf("recall at counter %d: got status %d, want 200", counterID, status)
	}
}

func lastSeq(t *testing.T, env *servertest.Env) int64 {
	t.Helper()
	seq, err := env.Server.Hub.Writer.LastSeq(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func wantKeys(t *testing.T, what string, m servertest.Message, want ...string) {
	t.Helper()
	for _, k := range want {
		if _, ok := m[k]; !ok {
			t.Errorf("%s: no %q in %v", what, k, keys(m))
		}
	}
}

func TestDisplaySocketSnapshotThenHallEventsInSeqOrder(t *testing.T) {
	// The screens' queue counts are coalesced (display.Socket): the test
	// fires the timer that releases the last one instead of waiting for it.
	timers := &servertest.Timers{}
	env := servertest.New(t, servertest.WithNoShowMinCalls(1), servertest.WithTimers(timers)) // calls next over tickets called once
	calledBefore := env.Issue(1, false)
	env.Issue(2, false)
	env.CallNext(1)

	c := dial(t, env, "/ws/display")
	snap := next(t, c)
	if snap.Type() != "snapshot" {
		t.Fatalf("first message: got type %q, want snapshot", snap.Type())
	}
	wantKeys(t, "display snapshot", snap, "seq", "calls", "waiting", "services", "counters", "notice")
	if got, want := snap.Seq(), lastSeq(t, env); got != want {
		t.Errorf("snapshot seq: got %d, want the log's last seq %d", got, want)
	}
	calls, _ := snap["calls"].([]any)
	if len(calls) != 1 {
		t.Fatalf("snapshot calls: got %d, want 1: %v", len(calls), snap["calls"])
	}
	call := calls[0].(map[string]any)
	if tk, _ := call["ticket"].(map[string]any); tk["number"] != calledBefore.Number {
		t.Errorf("snapshot call ticket: got %v, want number %s", call["ticket"], calledBefore.Number)
	}
	if co, _ := call["counter"].(map[string]any); co["number"] != float64(1) || co["name"] == "" {
		t.Errorf("snapshot call counter: got %v, want counter number 1 with a name", call["counter"])
	}
	waiting, _ := snap["waiting"].(map[string]any)
	if waiting["1"] != float64(0) || waiting["2"] != float64(1) {
		t.Errorf("snapshot waiting: got %v, want service 1: 0, service 2: 1", waiting)
	}
	services, _ := snap["services"].([]any)
	if len(services) < 2 {
		t.Fatalf("snapshot services: got %v, want the sample hall's services", snap["services"])
	}
	if s := services[0].(map[string]any); s["id"] == nil || s["name"] == "" || s["prefix"] == nil {
		t.Errorf("snapshot service: got %v, want id, name, prefix", s)
	}
	counters, _ := snap["counters"].([]any)
	if len(counters) < 3 {
		t.Fatalf("snapshot counters: got %v, want the sample hall's counters", snap["counters"])
	}
	if co := counters[0].(map[string]any); co["id"] == nil || co["number"] == nil || co["name"] == nil {
		t.Errorf("snapshot counter: got %v, want id, number, name", co)
	}

	// Counters work; the screen sees calls and queue counts, never ticket events.
	tk := env.Issue(1, false)
	env.CallNext(1)
	recall(t, env, 1)
	env.CallNext(2)
	want := logEvents(t, env, snap.Seq(), isHall)
	if len(want) < 6 {
		t.Fatalf("the log holds %d hall events after the snapshot, want at least 6", len(want))
	}
	// A call takes the waiting queue count along in front of it; the last
	// count, after the last call, waits for the screen's next second. Every
	// queue event here has a call between it and the next, so none is
	// skipped: the screen gets them all.
	env.Published()
	timers.Fire()
	got := readEvents(t, c, want)
	prev := snap.Seq()
	for _, m := range got {
		if m.Seq() <= prev {
			t.Errorf("seq %d after %d: want strictly increasing", m.Seq(), prev)
		}
		prev = m.Seq()
	}
	// The first call after the snapshot is the ticket just issued, at counter 1.
	var firstCall servertest.Message
	for _, m := range got {
		if m.Type() == "call" {
			firstCall = m
			break
		}
	}
	if firstCall == nil {
		t.Fatal("no call event reached the display")
	}
	wantKeys(t, "call event", firstCall, "ticket", "counter", "recall", "at")
	ticket := firstCall["ticket"].(map[string]any)
	if ticket["number"] != tk.Number || ticket["id"] != float64(tk.ID) || ticket["service_id"] != float64(1) {
		t.Errorf("call ticket: got %v, want number %s id %d service 1", ticket, tk.Number, tk.ID)
	}
	if _, err := time.Parse(time.RFC3339, fmt.Sprint(firstCall["at"])); err != nil {
		t.Errorf("call at %v: %v, want RFC 3339", firstCall["at"], err)
	}
	var recalls int
	for _, m := range got {
		if m.Type() == "call" && m["recall"] == true {
			recalls++
		}
		if m.Type() == "queue" {
			// Only the services that changed: clients merge, not replace.
			if w, _ := m["waiting"].(map[string]any); len(w) != 1 {
				t.Errorf("queue event seq %d: got waiting %v, want the one changed service", m.Seq(), w)
			}
		}
	}
	if recalls != 1 {
		t.Errorf("recall events: got %d, want 1", recalls)
	}
}

func TestCounterSocket(t *testing.T) {
	env := servertest.New(t)

	t.Run("refusals", func(t *testing.T) {
		if got := refusedStatus(t, env, "/ws/counter/1", nil); got != http.StatusUnauthorized {
			t.Errorf("without a token: got status %d, want 401", got)
		}
		if got := refusedStatus(t, env, "/ws/counter/1?token=not-a-session", nil); got != http.StatusUnauthorized {
			t.Errorf("with a wrong token: got status %d, want 401", got)
		}
		if got := refusedStatus(t, env, counterPath(env, 999), nil); got != http.StatusNotFound {
			t.Errorf("unknown counter: got status %d, want 404", got)
		}
	})

	t.Run("bearer header", func(t *testing.T) {
		c, _, err := env.WS("/ws/counter/1", http.Header{"Authorization": {"Bearer " + env.AdminToken}})
		if err != nil {
			t.Fatalf("dial with a bearer header: %v", err)
		}
		defer c.Close()
		if m := next(t, c); m.Type() != "snapshot" {
			t.Errorf("first message: got %q, want snapshot", m.Type())
		}
	})

	t.Run("snapshot then events", func(t *testing.T) {
		waiting := env.Issue(1, false)
		c := dial(t, env, counterPath(env, 1))
		snap := next(t, c)
		if snap.Type() != "snapshot" {
			t.Fatalf("first message: got %q, want snapshot", snap.Type())
		}
		wantKeys(t, "counter snapshot", snap, "seq", "counter", "current_ticket", "waiting", "queue")
		if snap["current_ticket"] != nil {
			t.Errorf("current_ticket: got %v, want null before any call", snap["current_ticket"])
		}
		if co, _ := snap["counter"].(map[string]any); co["id"] != float64(1) || co["number"] != float64(1) {
			t.Errorf("snapshot counter: got %v, want counter 1", snap["counter"])
		}
		queue, _ := snap["queue"].([]any)
		if len(queue) != 1 || queue[0].(map[string]any)["number"] != waiting.Number {
			t.Fatalf("snapshot queue: got %v, want just %s", snap["queue"], waiting.Number)
		}
		wantKeys(t, "queue item", servertest.Message(queue[0].(map[string]any)), "id", "number", "service_id", "priority", "issued_at")

		env.CallNext(1)
		recall(t, env, 1)
		want := logEvents(t, env, snap.Seq(), isCounter)
		var types []string
		for _, ev := range want {
			types = append(types, ev.Type)
		}
		// call-next: call, ticket, queue; recall: call, ticket.
		if got := strings.Join(types, ","); got != "call,ticket,queue,call,ticket" {
			t.Fatalf("logged events: got %s, want call,ticket,queue,call,ticket", got)
		}
		got := readEvents(t, c, want)
		if tk := got[1]["ticket"].(map[string]any); tk["status"] != "called" || tk["number"] != waiting.Number {
			t.Errorf("ticket event: got %v, want %s called", tk, waiting.Number)
		}
		if got[3]["recall"] != true {
			t.Errorf("second call: got recall %v, want true", got[3]["recall"])
		}

		// A fresh connection now sees the called ticket in its snapshot.
		c2 := dial(t, env, counterPath(env, 1))
		snap2 := next(t, c2)
		cur, _ := snap2["current_ticket"].(map[string]any)
		if cur == nil || cur["number"] != waiting.Number || cur["status"] != "called" {
			t.Errorf("current_ticket after the call: got %v, want %s called", snap2["current_ticket"], waiting.Number)
		}
	})
}

func TestTrackSocketGetsOnlyItsOwnTicket(t *testing.T) {
	env := servertest.New(t)
	if got := refusedStatus(t, env, "/ws/track/no-such-token-at-all-000000", nil); got != http.StatusNotFound {
		t.Errorf("unknown token: got status %d, want 404", got)
	}
	mine := env.Issue(1, false)
	other := env.Issue(1, false)

	c := dial(t, env, "/ws/track/"+mine.Token)
	snap := next(t, c)
	if snap.Type() != "snapshot" {
		t.Fatalf("first message: got %q, want snapshot", snap.Type())
	}
	track, _ := snap["track"].(map[string]any)
	if track == nil || track["number"] != mine.Number || track["status"] != "waiting" {
		t.Fatalf("snapshot track: got %v, want %s waiting", snap["track"], mine.Number)
	}
	if raw, _ := json.Marshal(snap); strings.Contains(string(raw), other.Token) || strings.Contains(string(raw), other.Number) {
		t.Errorf("snapshot mentions the other ticket: %s", raw)
	}

	env.CallNext(1) // mine
	env.CallNext(2) // the other one
	if status := env.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/start", other.ID), env.AdminToken, nil, nil); status != http.StatusOK {
		t.Fatalf("start the other ticket: got status %d", status)
	}
	if status := env.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/start", mine.ID), env.AdminToken, nil, nil); status != http.StatusOK {
		t.Fatalf("start my ticket: got status %d", status)
	}
	got := readTrack(t, c, logEvents(t, env, snap.Seq(), everything), mine.ID, 1)
	var statuses []string
	for _, m := range got {
		if m.Type() == "call" {
			t.Errorf("call event seq %d on the track socket, want none", m.Seq())
		}
		if m.Type() == "ticket" {
			tk := m["ticket"].(map[string]any)
			if tk["id"] != float64(mine.ID) {
				t.Errorf("ticket event for ticket %v, want only mine (%d)", tk["id"], mine.ID)
			}
			statuses = append(statuses, fmt.Sprint(tk["status"]))
			if raw, _ := json.Marshal(m); strings.Contains(string(raw), mine.Token) || strings.Contains(string(raw), mine.ShortCode) {
				t.Errorf("ticket event carries the ticket's token or short code: %s", raw)
			}
		}
	}
	if s := strings.Join(statuses, ","); s != "called,serving" {
		t.Errorf("my ticket's statuses: got %s, want called,serving", s)
	}
	// The last message must be my ticket's start: nothing about the other
	// ticket's start slipped in before it (readEvents checked every seq).
	if last := got[len(got)-1]; last.Type() != "ticket" {
		t.Errorf("last message: got %s, want my ticket event", last.Type())
	}
}

func TestReplayAfterReconnect(t *testing.T) {
	cases := []struct {
		name string
		path func(env *servertest.Env, tk servertest.Ticket) string
		keep func(ev motcua.Event) bool // nil: a phone's events (see readTrack)
	}{
		{"display", func(*servertest.Env, servertest.Ticket) string { return "/ws/display" }, isHall},
		{"counter", func(env *servertest.Env, _ servertest.Ticket) string { return counterPath(env, 1) }, isCounter},
		{"track", func(_ *servertest.Env, tk servertest.Ticket) string { return "/ws/track/" + tk.Token }, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			timers := &servertest.Timers{} // coalescing timers, fired by the test
			env := servertest.New(t, servertest.WithTimers(timers))
			tracked := env.Issue(1, false)
			keep := tc.keep
			if keep == nil {
				// A phone's queue events are coalesced: read them with
				// readTrack, and expect a replay to carry only the newest.
				keep = everything
			}
			read := func(c *websocket.Conn, events []motcua.Event) []servertest.Message {
				if tc.keep == nil {
					return readTrack(t, c, events, tracked.ID, 1)
				}
				return readEvents(t, c, events)
			}
			replay := func(missed []motcua.Event) []motcua.Event {
				if tc.keep == nil {
					return trackReplay(missed, tracked.ID, 1)
				}
				if tc.name == "display" { // queue counts coalesced and folded
					return hallReplay(t, missed)
				}
				return missed
			}
			path := tc.path(env, tracked)
			join := "?"
			if strings.Contains(path, "?") {
				join = "&"
			}

			c := dial(t, env, path)
			snap := next(t, c)
			env.Issue(1, false)
			env.Issue(2, false)
			last := snap.Seq()
			// A screen gets the first count at once and the second when its
			// coalescing timer fires: it has no call to take it along. The
			// writer publishes after it answers: wait for it, so that the
			// timer is armed before it is fired.
			env.Published()
			timers.Fire()
			if tc.keep != nil { // a phone has no own event here to wait for
				want := logEvents(t, env, snap.Seq(), keep)
				var seen []servertest.Message
				if tc.name == "display" {
					seen = readHallCounts(t, c, want)
				} else {
					seen = readEvents(t, c, want)
				}
				last = seen[len(seen)-1].Seq()
			}
			c.Close()

			// Missed while away: calls, a recall, more tickets.
			env.CallNext(1)
			recall(t, env, 1)
			env.Issue(1, true)
			env.CallNext(2)
			missed := logEvents(t, env, last, keep)
			if len(missed) < 4 {
				t.Fatalf("only %d events missed, want at least 4", len(missed))
			}

			c2 := dial(t, env, fmt.Sprintf("%s%ssince=%d", path, join, last))
			replayed := readEvents(t, c2, replay(missed)) // exactly these, in order: no snapshot, nothing lost
			// Then live events follow without a duplicate or a gap.
			env.CallNext(1)
			live := logEvents(t, env, replayed[len(replayed)-1].Seq(), keep)
			if len(live) == 0 {
				t.Fatal("no live event after the replay")
			}
			read(c2, live)
		})
	}

	t.Run("since ahead of the log gets a snapshot", func(t *testing.T) {
		env := servertest.New(t)
		env.Issue(1, false)
		c := dial(t, env, "/ws/display?since=999999")
		if m := next(t, c); m.Type() != "snapshot" || m.Seq() != lastSeq(t, env) {
			t.Errorf("got %s seq %d, want a snapshot at seq %d", m.Type(), m.Seq(), lastSeq(t, env))
		}
	})

	t.Run("bad since", func(t *testing.T) {
		env := servertest.New(t)
		if got := refusedStatus(t, env, "/ws/display?since=abc", nil); got != http.StatusBadRequest {
			t.Errorf("since=abc: got status %d, want 400", got)
		}
	})
}

// TestReconnectWhileEventsFlow drops and reconnects a client again and again
// while tickets are issued and called concurrently: across its connections it
// must get every call of the log exactly once, in order, with no event lost
// between a replay and the live stream and none repeated. Queue counts are
// coalesced for the screens (display.Socket), live and in replays, so some
// queue events are skipped; each queue frame must carry the right counts
// as of its seq, and together they must leave the screen with the log's
// final counts.
func TestReconnectWhileEventsFlow(t *testing.T) {
	env := servertest.New(t, servertest.WithNoShowMinCalls(1)) // calls next over tickets called once
	start := lastSeq(t, env)

	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(done)
		for i := 0; i < 60; i++ {
			env.Issue(int64(1+i%2), false)
			if i%3 == 2 {
				env.CallNext(int64(1 + i%4))
			}
		}
	}()

	var got []servertest.Message
	since := start
	for connections := 0; ; connections++ {
		c := dial(t, env, fmt.Sprintf("/ws/display?since=%d", since))
		// Read a few messages, then hang up mid-stream.
		for i := 0; i < 5; i++ {
			c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
			var m servertest.Message
			if err := c.ReadJSON(&m); err != nil {
				break
			}
			if m.Type() == "snapshot" {
				t.Fatalf("connection %d since %d: got a snapshot, want a replay", connections, since)
			}
			got = append(got, m)
			since = m.Seq()
		}
		c.Close()
		select {
		case <-done:
		default:
			continue
		}
		break
	}
	wg.Wait()
	// Everything after the last reconnect, read on one more connection.
	c := dial(t, env, fmt.Sprintf("/ws/display?since=%d", since))
	got = append(got, readEvents(t, c, hallReplay(t, logEvents(t, env, since, isHall)))...)

	log := logEvents(t, env, start, isHall)
	var wantCalls, gotCalls []int64
	for _, ev := range log {
		if ev.Type == motcua.EventCall {
			wantCalls = append(wantCalls, ev.Seq)
		}
	}
	// counts returns the waiting counts the log's queue events give as of seq.
	counts := func(seq int64) map[string]int {
		out := map[string]int{}
		for _, ev := range log {
			if ev.Type != motcua.EventQueue || ev.Seq > seq {
				continue
			}
			var body struct {
				Waiting map[string]int `json:"waiting"`
			}
			if err := json.Unmarshal(ev.Body, &body); err != nil {
				t.Fatal(err)
			}
			for k, v := range body.Waiting {
				out[k] = v
			}
		}
		return out
	}
	shown := map[string]int{} // what the screen shows: the counts merged
	prev := start
	for _, m := range got {
		if m.Seq() <= prev {
			t.Fatalf("%s seq %d after seq %d: seqs must grow", m.Type(), m.Seq(), prev)
		}
		prev = m.Seq()
		switch m.Type() {
		case motcua.EventCall:
			gotCalls = append(gotCalls, m.Seq())
		case motcua.EventQueue:
			truth := counts(m.Seq())
			w, _ := m["waiting"].(map[string]any)
			for k, v := range w {
				if n, ok := truth[k]; !ok || float64(n) != v {
					t.Errorf("queue seq %d: service %s count %v, want %d as of that seq", m.Seq(), k, v, n)
				}
				shown[k] = int(v.(float64))
			}
		}
	}
	if !slices.Equal(gotCalls, wantCalls) {
		t.Errorf("call seqs collected across reconnects:\n got %v\nwant %v", gotCalls, wantCalls)
	}
	if final := counts(1 << 62); !maps.Equal(shown, final) {
		t.Errorf("counts the screen ends with: got %v, want the log's %v", shown, final)
	}
}

// smallBuffers shrinks the kernel send buffer of every accepted connection,
// so that a client that never reads fills it after a few kilobytes rather
// than the megabytes loopback allows, as on a phone with a dead radio.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(4096)
	}
	return c, err
}

func TestSlowClientIsDroppedWithoutDelayingOthers(t *testing.T) {
	timers := &servertest.Timers{} // the screens' coalescing timers, fired by the test
	env := servertest.New(t, servertest.WithTimers(timers))
	// The same hub behind a second HTTP front whose connections have small buffers.
	front := httptest.NewUnstartedServer(env.Server.Handler)
	front.Listener = smallBuffers{front.Listener}
	front.Start()
	defer front.Close()

	dialer := websocket.Dialer{NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetReadBuffer(4096)
		}
		return c, err
	}}
	slow, _, err := dialer.Dial("ws"+strings.TrimPrefix(front.URL, "http")+"/ws/display", nil)
	if err != nil {
		t.Fatalf("dial the slow client: %v", err)
	}
	defer slow.Close()

	healthy := []*websocket.Conn{dial(t, env, "/ws/display"), dial(t, env, "/ws/display")}
	for _, c := range healthy {
		next(t, c) // snapshot
	}
	// The slow client's handshake is done, but the hub may still be
	// registering it (it never reads its snapshot to tell us): poll.
	for deadline := time.Now().Add(5 * time.Second); env.Server.Live.Count() != 3; {
		if time.Now().After(deadline) {
			t.Fatalf("live connections: got %d, want 3", env.Server.Live.Count())
		}
		time.Sleep(5 * time.Millisecond) // polling the hub's state, not waiting for time to pass
	}

	env.Issue(1, false)
	env.CallNext(1)
	env.Published()
	timers.Fire() // the call's queue count follows the issue's within a second
	for _, c := range healthy {
		next(t, c) // queue (issue)
		next(t, c) // call
		next(t, c) // queue (call)
	}

	// Recall until the slow client's queue overflows. Every recall is one
	// call event; each must reach the healthy screens at once.
	const promptly = 2 * time.Second
	var worst time.Duration
	dropped := false
	recalls := 0
	for i := 0; i < 3000 && !dropped; i++ {
		recalls++
		sent := time.Now()
		recall(t, env, 1)
		// A recall logs a call and a ticket event; the screens get the call.
		seq := lastSeq(t, env) - 1
		for _, c := range healthy {
			m := next(t, c)
			if m.Type() != "call" || m.Seq() != seq || m["recall"] != true {
				t.Fatalf("recall %d: got %s seq %d recall %v, want the recall at seq %d", i, m.Type(), m.Seq(), m["recall"], seq)
			}
			if d := time.Since(sent); d > worst {
				worst = d
			}
		}
		dropped = env.Server.Live.Count() == 2
	}
	if !dropped {
		t.Fatalf("the client that never reads is still connected after 3000 recalls")
	}
	if worst > promptly {
		t.Errorf("slowest delivery to a healthy screen: %v, want under %v", worst, promptly)
	}
	t.Logf("dropped after %d recalls; slowest delivery to a healthy screen meanwhile: %v", recalls, worst)

	// The dropped client finds its connection cut after what was buffered,
	// and catches up by replay from the last seq it read.
	var lastRead int64
	for {
		slow.SetReadDeadline(time.Now().Add(readTimeout))
		var m servertest.Message
		err := slow.ReadJSON(&m)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("the dropped client's connection is still open")
			}
			break
		}
		lastRead = m.Seq()
	}
	if lastRead == 0 {
		t.Fatal("the slow client read nothing before the cut, want the snapshot at least")
	}
	caughtUp := dial(t, env, fmt.Sprintf("/ws/display?since=%d", lastRead))
	readEvents(t, caughtUp, hallReplay(t, logEvents(t, env, lastRead, isHall)))
}

func TestBadOriginRefused(t *testing.T) {
	env := servertest.New(t)
	tk := env.Issue(1, false)
	paths := []string{"/ws/display", counterPath(env, 1), "/ws/track/" + tk.Token}
	for _, path := range paths {
		evil := http.Header{"Origin": {"http://evil.example"}}
		if got := refusedStatus(t, env, path, evil); got != http.StatusForbidden {
			t.Errorf("%s with a foreign origin: got status %d, want 403", path, got)
		}
		// The hub's own pages connect with its own origin.
		c, _, err := env.WS(path, http.Header{"Origin": {env.URL}})
		if err != nil {
			t.Errorf("%s with the hub's origin: %v", path, err)
			continue
		}
		if m := next(t, c); m.Type() != "snapshot" {
			t.Errorf("%s: got %s, want snapshot", path, m.Type())
		}
		c.Close()
	}
}

func TestShutdownClosesClients(t *testing.T) {
	env := servertest.New(t)
	tk := env.Issue(1, false)
	paths := []string{"/ws/display", counterPath(env, 1), "/ws/track/" + tk.Token}
	var conns []*websocket.Conn
	for _, path := range paths {
		c := dial(t, env, path)
		next(t, c) // snapshot
		conns = append(conns, c)
	}

	closed := make(chan struct{})
	go func() {
		env.Server.Live.Close()
		close(closed)
	}()
	for i, c := range conns {
		c.SetReadDeadline(time.Now().Add(readTimeout))
		_, _, err := c.ReadMessage() // answers the close frame, as browsers do
		if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
			t.Errorf("%s: got %v, want a close frame with 1001 going away", paths[i], err)
		}
	}
	select {
	case <-closed:
	case <-time.After(readTimeout):
		t.Fatal("Live.Close did not return after every client answered")
	}
	if n := env.Server.Live.Count(); n != 0 {
		t.Errorf("live connections after shutdown: got %d, want 0", n)
	}
	if got := refusedStatus(t, env, "/ws/display", nil); got != http.StatusServiceUnavailable {
		t.Errorf("connecting after shutdown: got status %d, want 503", got)
	}
}
