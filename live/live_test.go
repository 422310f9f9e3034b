package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/motcua/motcua"
)

// readWait bounds every read in the tests: an expected message arrives in
// microseconds on loopback, so hitting it means a message was lost.
const readWait = 5 * time.Second

// fakeHub stands in for the real hub: an in-memory event log that publishes
// after "commit", in seq order, like the hub does.
type fakeHub struct {
	b *Broadcaster

	mu         sync.Mutex
	log        []motcua.Event
	oldestKept int64 // events with seq < oldestKept are gone from the log

	// hooks run inside Snapshot/Replay to publish while they work.
	beforeRead func()
	afterRead  func()
}

func newFakeHub(opts Options) *fakeHub {
	return &fakeHub{b: New(opts)}
}

// publish commits one event and fans it out; the lock keeps Publish calls
// in seq order, as the hub's commit order does.
func (h *fakeHub) publish(typ string, body string) motcua.Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	ev := motcua.Event{Seq: int64(len(h.log)) + 1, Type: typ, At: time.Unix(1700000000, 0), Body: []byte(body)}
	h.log = append(h.log, ev)
	h.b.Publish(ev)
	return ev
}

func (h *fakeHub) lastSeq() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return int64(len(h.log))
}

func (h *fakeHub) runHook(hook func()) {
	if hook != nil {
		hook()
	}
}

func (h *fakeHub) subscription(filter func(*motcua.Event) bool) Subscription {
	return Subscription{
		Filter: filter,
		Snapshot: func(ctx context.Context) (int64, []byte, error) {
			h.runHook(h.beforeRead)
			seq := h.lastSeq()
			h.runHook(h.afterRead)
			return seq, fmt.Appendf(nil, `{"type":"snapshot","seq":%d,"notice":"Chào mừng"}`, seq), nil
		},
		Replay: func(ctx context.Context, since int64) ([]motcua.Event, bool, error) {
			h.runHook(h.beforeRead)
			h.mu.Lock()
			if since+1 < h.oldestKept {
				h.mu.Unlock()
				return nil, false, nil
			}
			events := append([]motcua.Event(nil), h.log[since:]...)
			h.mu.Unlock()
			h.runHook(h.afterRead)
			return events, true, nil
		},
	}
}

func (h *fakeHub) server(t *testing.T, filter func(*motcua.Event) bool) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.b.Serve(w, r, h.subscription(filter))
	}))
	t.Cleanup(func() {
		h.b.Close()
		srv.Close()
	})
	return srv
}

// readUntilCut reads c until the hub cuts it and returns how many messages
// came first; a read that times out instead fails the test.
func readUntilCut(t *testing.T, c *websocket.Conn, who string) int {
	t.Helper()
	got := 0
	for {
		c.SetReadDeadline(time.Now().Add(readWait))
		if _, _, err := c.ReadMessage(); err != nil {
			var netErr interface{ Timeout() bool }
			if errors.As(err, &netErr) && netErr.Timeout() {
				t.Fatalf("%s: read timed out after %d messages; want its connection cut", who, got)
			}
			return got
		}
		got++
	}
}

func wsURL(srv *httptest.Server, query string) string {
	u := "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws/display"
	if query != "" {
		u += "?" + query
	}
	return u
}

func dial(t *testing.T, url string) *websocket.Conn {
	t.Helper()
	c, resp, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial %s: %v (status %d)", url, err, status)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// dialStatus dials expecting a refusal and returns the HTTP status.
func dialStatus(t *testing.T, url string, header http.Header) int {
	t.Helper()
	c, resp, err := websocket.DefaultDialer.Dial(url, header)
	if err == nil {
		c.Close()
		return http.StatusSwitchingProtocols
	}
	if resp == nil {
		t.Fatalf("dial %s: %v, and no HTTP response", url, err)
	}
	return resp.StatusCode
}

type wireMsg struct {
	Type   string `json:"type"`
	Seq    int64  `json:"seq"`
	N      int    `json:"n"`
	Notice string `json:"notice"`
}

func readMsg(t *testing.T, c *websocket.Conn) wireMsg {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(readWait))
	_, data, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	var m wireMsg
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("message %q is not JSON: %v", data, err)
	}
	return m
}

// expectSeqs reads len(want) events and checks their seqs in order.
func expectSeqs(t *testing.T, c *websocket.Conn, want ...int64) {
	t.Helper()
	for _, seq := range want {
		m := readMsg(t, c)
		if m.Seq != seq || m.Type == "snapshot" {
			t.Fatalf("got %s seq %d, want event seq %d", m.Type, m.Seq, seq)
		}
	}
}

// waitFor polls a condition that another goroutine makes true shortly.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(readWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestEncode(t *testing.T) {
	tests := []struct {
		name string
		ev   motcua.Event
		want string
	}{
		{"call", motcua.Event{Seq: 12, Type: "call", Body: []byte(`{"ticket":{"id":1,"number":"1005"},"recall":false}`)},
			`{"type":"call","seq":12,"ticket":{"id":1,"number":"1005"},"recall":false}`},
		{"empty object", motcua.Event{Seq: 3, Type: "queue", Body: []byte(`{}`)}, `{"type":"queue","seq":3}`},
		{"nil body", motcua.Event{Seq: 4, Type: "queue"}, `{"type":"queue","seq":4}`},
		{"spaces", motcua.Event{Seq: 5, Type: "queue", Body: []byte(" { \"waiting\":{\"1\":2} }\n")},
			`{"type":"queue","seq":5,"waiting":{"1":2}}`},
		{"blank object", motcua.Event{Seq: 6, Type: "queue", Body: []byte(`{  }`)}, `{"type":"queue","seq":6}`},
		{"not an object", motcua.Event{Seq: 7, Type: "queue", Body: []byte(`[1]`)}, `{"type":"queue","seq":7}`},
		{"vietnamese", motcua.Event{Seq: 8, Type: "dossier", Body: []byte(`{"procedure":"Cấp đổi căn cước"}`)},
			`{"type":"dossier","seq":8,"procedure":"Cấp đổi căn cước"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(Encode(tt.ev))
			if got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
			if !json.Valid([]byte(got)) {
				t.Errorf("%s is not valid JSON", got)
			}
		})
	}
}

func TestSnapshotFirstThenEventsInOrder(t *testing.T) {
	h := newFakeHub(Options{})
	srv := h.server(t, nil)
	for range 3 {
		h.publish("queue", `{}`)
	}
	// Events committed while the snapshot is being read: seq 4 is inside
	// the snapshot and must not be sent again; seq 5 comes after it.
	h.beforeRead = func() { h.publish("queue", `{}`) }
	h.afterRead = func() { h.publish("call", `{"n":5}`) }

	c := dial(t, wsURL(srv, ""))
	snap := readMsg(t, c)
	if snap.Type != "snapshot" || snap.Seq != 4 || snap.Notice != "Chào mừng" {
		t.Fatalf("first message: got %+v, want the snapshot at seq 4", snap)
	}
	h.beforeRead, h.afterRead = nil, nil
	for range 5 {
		h.publish("call", `{}`)
	}
	expectSeqs(t, c, 5, 6, 7, 8, 9, 10)
	if got := h.b.Count(); got != 1 {
		t.Errorf("Count: got %d, want 1", got)
	}
}

func TestReplayAfterReconnect(t *testing.T) {
	h := newFakeHub(Options{})
	srv := h.server(t, nil)
	h.publish("queue", `{}`)

	c := dial(t, wsURL(srv, ""))
	if m := readMsg(t, c); m.Type != "snapshot" || m.Seq != 1 {
		t.Fatalf("got %+v, want snapshot at seq 1", m)
	}
	h.publish("call", `{}`)
	h.publish("call", `{}`)
	expectSeqs(t, c, 2, 3)
	c.Close()

	// Missed while away.
	for range 4 {
		h.publish("call", `{}`)
	}
	// Published during the replay: 8 and 9 are both in the replayed log and
	// in the live queue (sent once), 10 and 11 only arrive live.
	h.beforeRead = func() { h.publish("call", `{}`); h.publish("call", `{}`) }
	h.afterRead = func() { h.publish("call", `{}`); h.publish("call", `{}`) }
	c2 := dial(t, wsURL(srv, "since=3"))
	expectSeqs(t, c2, 4, 5, 6, 7, 8, 9, 10, 11)
	h.beforeRead, h.afterRead = nil, nil
	h.publish("call", `{}`)
	expectSeqs(t, c2, 12)
}

func TestReplayOfLostEventsSendsSnapshot(t *testing.T) {
	h := newFakeHub(Options{})
	srv := h.server(t, nil)
	for range 10 {
		h.publish("call", `{}`)
	}
	h.oldestKept = 6

	c := dial(t, wsURL(srv, "since=2"))
	if m := readMsg(t, c); m.Type != "snapshot" || m.Seq != 10 {
		t.Fatalf("got %s seq %d, want a fresh snapshot at seq 10", m.Type, m.Seq)
	}
	h.publish("call", `{}`)
	expectSeqs(t, c, 11)

	// Still kept: replay, no snapshot.
	c2 := dial(t, wsURL(srv, "since=8"))
	expectSeqs(t, c2, 9, 10, 11)
}

func TestFilter(t *testing.T) {
	h := newFakeHub(Options{})
	onlyCalls := func(ev *motcua.Event) bool { return ev.Type == motcua.EventCall }
	srv := h.server(t, onlyCalls)
	h.publish("queue", `{}`) // 1

	c := dial(t, wsURL(srv, ""))
	readMsg(t, c) // the snapshot
	h.publish("queue", `{}`)
	h.publish("call", `{}`)
	h.publish("ticket", `{}`)
	h.publish("call", `{}`)
	expectSeqs(t, c, 3, 5) // the calls among seq 2..5

	// Replay is filtered too.
	c2 := dial(t, wsURL(srv, "since=1"))
	expectSeqs(t, c2, 3, 5)
}

func TestSlowClientIsDroppedOthersKeepUp(t *testing.T) {
	h := newFakeHub(Options{QueueSize: 16})
	srv := h.server(t, nil)

	fast := dial(t, wsURL(srv, ""))
	slow := dial(t, wsURL(srv, "")) // never reads until the end
	readMsg(t, fast)
	waitFor(t, "both subscribers", func() bool { return h.b.Count() == 2 })

	// 400 events of 64 KiB: 25 MiB, far more than the slow client's socket
	// buffers and queue can hold.
	const events = 400
	padding := strings.Repeat("x", 64<<10)
	for i := 1; i <= events; i++ {
		h.publish("call", fmt.Sprintf(`{"n":%d,"pad":"%s"}`, i, padding))
		// The fast client must get every event promptly, whatever the slow
		// one does: one read deadline per event.
		m := readMsg(t, fast)
		if m.Seq != int64(i) || m.N != i {
			t.Fatalf("fast client: got seq %d n %d, want seq %d n %d", m.Seq, m.N, i, i)
		}
	}
	if got := h.b.Count(); got != 1 {
		t.Errorf("Count after the slow client fell behind: got %d, want 1", got)
	}

	// The slow client finds a cut connection after what was already in
	// flight: never all the events.
	if got := readUntilCut(t, slow, "slow client"); got >= events+1 {
		t.Errorf("slow client received all %d messages; want it dropped", got)
	}
}

func TestOrigin(t *testing.T) {
	h := newFakeHub(Options{AllowedOrigins: []string{"https://portal.example.vn"}})
	srv := h.server(t, nil)
	host := strings.TrimPrefix(srv.URL, "http://")
	tests := []struct {
		origin string
		want   int
	}{
		{"", http.StatusSwitchingProtocols},
		{"http://" + host, http.StatusSwitchingProtocols},
		{"https://portal.example.vn", http.StatusSwitchingProtocols},
		{"https://PORTAL.example.vn", http.StatusSwitchingProtocols},
		{"https://evil.example", http.StatusForbidden},
		{"http://portal.example.vn.evil.example", http.StatusForbidden},
		{"null", http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.origin, func(t *testing.T) {
			header := http.Header{}
			if tt.origin != "" {
				header.Set("Origin", tt.origin)
			}
			if got := dialStatus(t, wsURL(srv, ""), header); got != tt.want {
				t.Errorf("got status %d, want %d", got, tt.want)
			}
		})
	}
}

func TestBadSince(t *testing.T) {
	h := newFakeHub(Options{})
	srv := h.server(t, nil)
	for _, q := range []string{"since=abc", "since=-1", "since=1.5"} {
		if got := dialStatus(t, wsURL(srv, q), nil); got != http.StatusBadRequest {
			t.Errorf("%s: got status %d, want 400", q, got)
		}
	}
}

func TestPerAddressLimit(t *testing.T) {
	t.Run("untrusted", func(t *testing.T) {
		h := newFakeHub(Options{MaxConnsPerAddr: 2})
		srv := h.server(t, nil)
		first := dial(t, wsURL(srv, ""))
		dial(t, wsURL(srv, ""))
		if got := dialStatus(t, wsURL(srv, ""), nil); got != http.StatusTooManyRequests {
			t.Fatalf("third connection: got status %d, want 429", got)
		}
		// A closed connection frees its place.
		first.Close()
		waitFor(t, "the first connection to end", func() bool { return h.b.Count() == 1 })
		waitFor(t, "a free place", func() bool {
			return dialStatus(t, wsURL(srv, ""), nil) == http.StatusSwitchingProtocols
		})
	})
	t.Run("trusted", func(t *testing.T) {
		h := newFakeHub(Options{MaxConnsPerAddr: 1, Trusted: []netip.Prefix{
			netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}})
		srv := h.server(t, nil)
		for i := range 5 {
			c := dial(t, wsURL(srv, ""))
			if m := readMsg(t, c); m.Type != "snapshot" {
				t.Fatalf("connection %d: got %s, want snapshot", i, m.Type)
			}
		}
	})
}

func TestBadClientFrameClosesOnlyThatClient(t *testing.T) {
	tests := []struct {
		name string
		send func(c *websocket.Conn) error
	}{
		{"oversized message", func(c *websocket.Conn) error {
			return c.WriteMessage(websocket.TextMessage, []byte(strings.Repeat("a", 64<<10)))
		}},
		{"garbage bytes", func(c *websocket.Conn) error {
			_, err := c.NetConn().Write([]byte("\xff\xff\xff\xff not a websocket frame at all"))
			return err
		}},
		{"unmasked frame", func(c *websocket.Conn) error {
			_, err := c.NetConn().Write([]byte{0x81, 0x02, 'h', 'i'}) // clients must mask
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newFakeHub(Options{})
			srv := h.server(t, nil)
			bad := dial(t, wsURL(srv, ""))
			good := dial(t, wsURL(srv, ""))
			readMsg(t, bad)
			readMsg(t, good)
			// A small message is harmless and ignored.
			if err := bad.WriteMessage(websocket.TextMessage, []byte("xin chào")); err != nil {
				t.Fatal(err)
			}
			// The server may cut the connection while the frame is still
			// being written; a reset here is the expected outcome.
			tt.send(bad)
			readUntilCut(t, bad, "bad client")
			waitFor(t, "the bad client to be removed", func() bool { return h.b.Count() == 1 })
			h.publish("call", `{}`)
			expectSeqs(t, good, 1)
		})
	}
}

func TestCloseSaysGoingAwayAndRefusesNew(t *testing.T) {
	h := newFakeHub(Options{})
	srv := h.server(t, nil)
	clients := []*websocket.Conn{dial(t, wsURL(srv, "")), dial(t, wsURL(srv, ""))}
	for _, c := range clients {
		readMsg(t, c)
	}
	closed := make(chan struct{})
	go func() {
		h.b.Close()
		close(closed)
	}()
	for i, c := range clients {
		c.SetReadDeadline(time.Now().Add(readWait))
		_, _, err := c.ReadMessage() // also answers the close frame
		if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
			t.Errorf("client %d: got %v, want close 1001 (going away)", i, err)
		}
	}
	select {
	case <-closed:
	case <-time.After(readWait):
		t.Fatal("Close did not return after the clients answered")
	}
	if got := h.b.Count(); got != 0 {
		t.Errorf("Count after Close: got %d, want 0", got)
	}
	if got := dialStatus(t, wsURL(srv, ""), nil); got != http.StatusServiceUnavailable {
		t.Errorf("dial after Close: got status %d, want 503", got)
	}
}

func TestPingKeepsIdleClientAlive(t *testing.T) {
	// Short real-time deadlines: the server pings every 40 ms and expects a
	// pong within 600 ms; gorilla's client answers pings while it reads. The
	// margin is wide so a loaded CI machine does not miss a pong.
	h := newFakeHub(Options{PongWait: 600 * time.Millisecond, PingPeriod: 40 * time.Millisecond})
	srv := h.server(t, nil)
	c := dial(t, wsURL(srv, ""))
	readMsg(t, c)
	pings := make(chan struct{}, 100)
	c.SetPingHandler(func(data string) error {
		select {
		case pings <- struct{}{}:
		default:
		}
		return c.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	go func() {
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				return
			}
		}
	}()
	for range 20 { // 20 pings ≈ 800 ms, longer than PongWait
		select {
		case <-pings:
		case <-time.After(readWait):
			t.Fatal("no ping from the server")
		}
	}
	if got := h.b.Count(); got != 1 {
		t.Fatalf("Count: got %d, want the pinged client still connected", got)
	}

	// A client that never reads never answers pings and is cut after PongWait.
	dial(t, wsURL(srv, ""))
	waitFor(t, "the silent client to connect", func() bool { return h.b.Count() == 2 })
	waitFor(t, "the silent client to be dropped", func() bool { return h.b.Count() == 1 })
}

// manualTimers stands in for time.AfterFunc: the test fires the timers.
type manualTimers struct {
	mu     sync.Mutex
	timers []*manualTimer
}

type manualTimer struct {
	delay   time.Duration
	f       func()
	stopped bool
}

func (m *manualTimers) afterFunc(d time.Duration, f func()) func() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	t := &manualTimer{delay: d, f: f}
	m.timers = append(m.timers, t)
	return func() bool {
		m.mu.Lock()
		defer m.mu.Unlock()
		was := !t.stopped
		t.stopped = true
		return was
	}
}

// armed returns the delays of the timers neither fired nor stopped.
func (m *manualTimers) armed() []time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []time.Duration
	for _, t := range m.timers {
		if !t.stopped {
			out = append(out, t.delay)
		}
	}
	return out
}

// fire runs every armed timer.
func (m *manualTimers) fire() {
	m.mu.Lock()
	var due []func()
	for _, t := range m.timers {
		if !t.stopped {
			t.stopped = true
			due = append(due, t.f)
		}
	}
	m.mu.Unlock()
	for _, f := range due {
		f()
	}
}

func TestCoalesceSendsOnlyTheNewest(t *testing.T) {
	const every = time.Minute
	timers := &manualTimers{}
	h := newFakeHub(Options{CoalesceEvery: every, AfterFunc: timers.afterFunc})
	sub := h.subscription(nil)
	sub.Coalesce = func(ev *motcua.Event) bool { return ev.Type == motcua.EventQueue }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.b.Serve(w, r, sub) }))
	t.Cleanup(func() {
		h.b.Close()
		srv.Close()
	})
	h.publish("queue", `{}`) // 1

	c := dial(t, wsURL(srv, ""))
	if m := readMsg(t, c); m.Type != "snapshot" || m.Seq != 1 {
		t.Fatalf("got %+v, want snapshot at seq 1", m)
	}
	waitLive(t, h.b, 1)

	// A burst of queue events arms one timer, within half the period.
	h.publish("queue", `{}`)
	h.publish("queue", `{}`)
	h.publish("queue", `{}`)
	armed := timers.armed()
	if len(armed) != 1 || armed[0] < 0 || armed[0] >= every/2 {
		t.Fatalf("armed timers after a burst: got %v, want one below %s", armed, every/2)
	}
	timers.fire()
	expectSeqs(t, c, 4) // 2 and 3 were replaced by 4

	// The next one waits the whole period after the last one sent, unless
	// an ordinary event comes first and takes it along, in order.
	h.publish("queue", `{}`) // 5
	armed = timers.armed()
	if len(armed) != 1 || armed[0] <= every/2 || armed[0] > every {
		t.Fatalf("armed timers right after a coalesced event went out: got %v, want one near %s", armed, every)
	}
	h.publish("call", `{}`) // 6
	expectSeqs(t, c, 5, 6)
	if armed := timers.armed(); len(armed) != 0 {
		t.Errorf("timers still armed after the call took the queue event along: %v", armed)
	}

	// A replay sends every ordinary event and only the newest queue event.
	h.publish("queue", `{}`) // 7
	h.publish("queue", `{}`) // 8
	c2 := dial(t, wsURL(srv, "since=1"))
	expectSeqs(t, c2, 6, 8)
	h.publish("call", `{}`) // 9: takes 8 (which replaced 7) along to c; c2 had 8 in its replay
	expectSeqs(t, c, 8, 9)
	expectSeqs(t, c2, 9)
}
