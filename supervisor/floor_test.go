package supervisor_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/server/servertest"
	"github.com/motcua/motcua/store/storetest"
)

// readUntil reads the supervisor's socket until a message of type typ that
// ok accepts (nil: any), and returns it.
func readUntil(t *testing.T, c *websocket.Conn, typ string, ok func(servertest.Message) bool) servertest.Message {
	t.Helper()
	for i := 0; i < 50; i++ {
		m := servertest.Read(t, c, 10*time.Second)
		if m.Type() == typ && (ok == nil || ok(m)) {
			return m
		}
	}
	t.Fatalf("no %s message in 50", typ)
	return nil
}

func floorOf(t *testing.T, env *servertest.Env, token string) motcua.Floor {
	t.Helper()
	var f motcua.Floor
	if status := env.Do("GET", "/api/v1/supervisor/floor", token, nil, &f); status != http.StatusOK {
		t.Fatalf("floor: got %d, want 200", status)
	}
	return f
}

func counterOf(t *testing.T, f motcua.Floor, number int) motcua.CounterFloor {
	t.Helper()
	for _, c := range f.Counters {
		if c.Number == number {
			return c
		}
	}
	t.Fatalf("counter %d not on the floor", number)
	return motcua.CounterFloor{}
}

func alertOf(t *testing.T, m servertest.Message) motcua.AlertBody {
	t.Helper()
	raw, _ := json.Marshal(m)
	var a motcua.AlertBody
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatal(err)
	}
	return a
}

// TestLiveSupervision (issue 15) follows counter 1 through a morning on the
// injected clock, over the supervisor's real websocket: who is signed in,
// what they serve and for how long, idle time, a call that skips two older
// tickets (and a priority call the policy allows, which does not count), and
// the alerts: a counter idle while people wait, waits past the service's
// target (TP: 20 minutes), each announced once.
func TestLiveSupervision(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		t.Run(dialect.Name, func(t *testing.T) { liveSupervision(t, servertest.New(t, servertest.WithDSN(dialect.DSN(t)))) })
	}
}

func liveSupervision(t *testing.T, env *servertest.Env) {
	lanID, lan := env.AddUser("lan", "Nguyễn Thị Lan", motcua.RoleStaff, 1)
	_, sup := env.AddUser("giamsat", "Trần Văn Giám", motcua.RoleSupervisor)
	watch := env.Server.Hub.Supervision
	start := servertest.Start

	ws, _, err := env.WS("/ws/supervisor?token="+url.QueryEscape(sup), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	snap := servertest.Read(t, ws, 10*time.Second)
	if snap.Type() != "snapshot" {
		t.Fatalf("first message: got %s, want snapshot", snap.Type())
	}
	raw, _ := json.Marshal(snap["floor"])
	var f0 motcua.Floor
	if err := json.Unmarshal(raw, &f0); err != nil || len(f0.Counters) == 0 {
		t.Fatalf("snapshot floor: got %s (%v), want the counters", raw, err)
	}
	if c := counterOf(t, f0, 1); c.Status != "idle" || c.Officer != nil || c.SignedIn {
		t.Errorf("counter 1 at opening: got %+v, want idle, nobody", c)
	}

	// A 09:00, B 09:01, C 09:02 for TP (service 1), nobody called yet.
	a := env.Issue(1, false)
	env.Clock.Advance(time.Minute)
	b := env.Issue(1, false)
	env.Clock.Advance(time.Minute)
	c := env.Issue(1, false)

	// Lan opens counter 1's screen: signed in.
	screen, _, err := env.WS("/ws/counter/1?token="+url.QueryEscape(lan), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer screen.Close()
	servertest.Read(t, screen, 10*time.Second) // its snapshot: seated
	if c1 := counterOf(t, floorOf(t, env, sup), 1); !c1.SignedIn || c1.Officer == nil || c1.Officer.ID != lanID {
		t.Fatalf("counter 1 with lan's screen open: got %+v, want lan signed in", c1)
	}

	// 09:03: lan calls C by hand, passing over A and B.
	env.Clock.Advance(time.Minute)
	if status, body := env.Raw("POST", "/api/v1/counters/1/call", lan, map[string]any{"ticket_id": c.ID, "reason": "Người khuyết tật"}); status != http.StatusOK {
		t.Fatalf("call C out of order: got %d %s, want 200", status, body)
	}
	call := readUntil(t, ws, "call", nil)
	if call["out_of_order"] != true {
		t.Errorf("call event: got out_of_order %v, want true", call["out_of_order"])
	}
	f := floorOf(t, env, sup)
	c1 := counterOf(t, f, 1)
	if c1.Status != "calling" || c1.Current == nil || c1.Current.Ticket.Number != c.Number || c1.Current.Service != "Tư pháp – Hộ tịch" ||
		c1.Current.ForS != 0 || c1.OutOfOrder != 1 {
		t.Errorf("counter 1 after the call: got %+v (current %+v), want calling %s (Tư pháp – Hộ tịch) for 0 s, 1 out of order", c1, c1.Current, c.Number)
	}
	if len(f.OutOfOrder) != 1 {
		t.Fatalf("out of order: got %d calls, want 1", len(f.OutOfOrder))
	}
	oo := f.OutOfOrder[0]
	if oo.Ticket.Number != c.Number || !slices.Equal(oo.Skipped, []string{a.Number, b.Number}) || oo.Reason != "Người khuyết tật" ||
		oo.Officer == nil || oo.Officer.FullName != "Nguyễn Thị Lan" || oo.Counter == nil || oo.Counter.Number != 1 {
		t.Errorf("out of order call: got %+v, want %s skipping %s and %s, by Nguyễn Thị Lan at counter 1 with the reason", oo, c.Number, a.Number, b.Number)
	}

	// 09:05 lan starts; 09:07 still serving: 120 s.
	env.Clock.Advance(2 * time.Minute)
	if status := env.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/start", c.ID), lan, nil, nil); status != http.StatusOK {
		t.Fatalf("start: got %d", status)
	}
	env.Clock.Advance(2 * time.Minute)
	if c1 := counterOf(t, floorOf(t, env, sup), 1); c1.Status != "serving" || c1.Current == nil || c1.Current.ForS != 120 {
		t.Errorf("counter 1 at 09:07: got %+v (current %+v), want serving for 120 s", c1, c1.Current)
	}
	// 09:07 finished; 09:08 idle for 60 s with A and B waiting.
	if status := env.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/finish", c.ID), lan, nil, nil); status != http.StatusOK {
		t.Fatalf("finish: got %d", status)
	}
	finished := start.Add(7 * time.Minute)
	env.Clock.Advance(time.Minute)
	c1 = counterOf(t, floorOf(t, env, sup), 1)
	if c1.Status != "idle" || c1.IdleSince == nil || !c1.IdleSince.Equal(finished) || c1.IdleS == nil || *c1.IdleS != 60 ||
		c1.Waiting != 2 || c1.Served != 1 {
		t.Errorf("counter 1 at 09:08: got %+v, want idle since 09:07 for 60 s, 2 waiting, 1 served", c1)
	}
	if got, err := watch.Check(t.Context()); err != nil || len(got) != 0 {
		t.Fatalf("check at 09:08: got %v, %v; want no alert yet", got, err)
	}

	// 09:12:30: idle for 5 min 30 s while two wait: one alert.
	env.Clock.Advance(4*time.Minute + 30*time.Second)
	if _, err := watch.Check(t.Context()); err != nil {
		t.Fatal(err)
	}
	idle := alertOf(t, readUntil(t, ws, "alert", nil))
	if idle.Kind != motcua.AlertCounterIdle || idle.Counter == nil || idle.Counter.Number != 1 || idle.ForS != 330 ||
		idle.Waiting != 2 || idle.Officer == nil || idle.Officer.ID != lanID || !idle.Since.Equal(finished) {
		t.Errorf("idle alert: got %+v, want counter 1 idle 330 s since 09:07 with 2 waiting, lan", idle)
	}
	if got, err := watch.Check(t.Context()); err != nil || len(got) != 0 {
		t.Errorf("second check: got %v, %v; want nothing new", got, err)
	}

	// 09:20:30: A has waited 20 min 30 s > 20 min; B 19 min 30 s.
	env.Clock.Set(start.Add(20*time.Minute + 30*time.Second))
	if _, err := watch.Check(t.Context()); err != nil {
		t.Fatal(err)
	}
	over := alertOf(t, readUntil(t, ws, "alert", nil))
	if over.Kind != motcua.AlertWaitOverTarget || over.Ticket == nil || over.Ticket.Number != a.Number || over.ForS != 1230 || over.TargetS != 1200 {
		t.Errorf("wait alert: got %+v, want %s over its 1200 s target at 1230 s", over, a.Number)
	}
	// 09:21:30: B's turn; A and the idle counter are not told again.
	env.Clock.Advance(time.Minute)
	got, err := watch.Check(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Ticket == nil || got[0].Ticket.Number != b.Number {
		t.Errorf("check at 09:21:30: got %+v, want only %s over target", got, b.Number)
	}
	if over := alertOf(t, readUntil(t, ws, "alert", nil)); over.Ticket == nil || over.Ticket.Number != b.Number {
		t.Errorf("socket at 09:21:30: got %+v, want %s over target", over, b.Number)
	}

	// A priority ticket called first is the policy's (strict) order, not a skip.
	p := env.Issue(1, true)
	if status, body := env.Raw("POST", "/api/v1/counters/1/call", lan, map[string]any{"ticket_id": p.ID, "reason": "Ưu tiên"}); status != http.StatusOK {
		t.Fatalf("call P: got %d %s", status, body)
	}
	f = floorOf(t, env, sup)
	if len(f.OutOfOrder) != 1 || counterOf(t, f, 1).OutOfOrder != 1 {
		t.Errorf("after a priority call: got %d calls out of order (counter 1: %d), want still 1", len(f.OutOfOrder), counterOf(t, f, 1).OutOfOrder)
	}
	// Nothing on the floor names a citizen: tickets are numbers.
	rawFloor, _ := json.Marshal(f)
	for _, word := range []string{"applicant", "id_number", "phone", "token"} {
		if json.Valid(rawFloor) && containsKey(rawFloor, word) {
			t.Errorf("floor JSON has %q: %s", word, rawFloor)
		}
	}
}

func containsKey(raw []byte, key string) bool {
	return slices.Contains(keys(raw), key)
}

// keys lists every object key in a JSON document.
func keys(raw []byte) []string {
	var v any
	_ = json.Unmarshal(raw, &v)
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				out = append(out, k)
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}
