package live

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/motcua/motcua"
)

// countingConn counts the writes that reach the socket.
type countingConn struct {
	net.Conn
	writes atomic.Int64
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// countConns returns Options that count the socket writes of every
// connection, and the connections so far.
func countConns() (func(net.Conn) net.Conn, func() []*countingConn) {
	var mu sync.Mutex
	var conns []*countingConn
	wrap := func(c net.Conn) net.Conn {
		cc := &countingConn{Conn: c}
		mu.Lock()
		conns = append(conns, cc)
		mu.Unlock()
		return cc
	}
	return wrap, func() []*countingConn {
		mu.Lock()
		defer mu.Unlock()
		return append([]*countingConn(nil), conns...)
	}
}

// publishBatch commits several events at once and fans them out as one
// commit's batch.
func (h *fakeHub) publishBatch(bodies ...string) []motcua.Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	var evs []motcua.Event
	for _, tb := range bodies {
		typ, body, _ := strings.Cut(tb, " ")
		ev := motcua.Event{Seq: int64(len(h.log)) + 1, Type: typ, At: time.Unix(1700000000, 0), Body: []byte(body)}
		h.log = append(h.log, ev)
		evs = append(evs, ev)
	}
	h.b.PublishBatch(evs)
	return evs
}

func readRaw(t *testing.T, c *websocket.Conn) map[string]any {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(readWait))
	var m map[string]any
	if err := c.ReadJSON(&m); err != nil {
		t.Fatalf("read: %v", err)
	}
	return m
}

func seqOf(m map[string]any) int64 { f, _ := m["seq"].(float64); return int64(f) }

func TestPublishBatchOneWritePerBatch(t *testing.T) {
	wrap, conns := countConns()
	h := newFakeHub(Options{wrapConn: wrap})
	srv := h.server(t, nil)
	c := dial(t, wsURL(srv, ""))
	readMsg(t, c) // the snapshot
	waitLive(t, h.b, 1)
	cc := conns()[0]

	// A commit's call, ticket and queue events: one write.
	before := cc.writes.Load()
	h.publishBatch(`call {"n":1}`, `ticket {"n":2}`, `queue {"n":3}`)
	expectSeqs(t, c, 1, 2, 3)
	if got := cc.writes.Load() - before; got != 1 {
		t.Errorf("socket writes for a batch of 3 events: got %d, want 1", got)
	}

	// A single event: one write, as before.
	before = cc.writes.Load()
	h.publish("call", `{}`)
	expectSeqs(t, c, 4)
	if got := cc.writes.Load() - before; got != 1 {
		t.Errorf("socket writes for one event: got %d, want 1", got)
	}

	// A batch larger than maxBatchBytes goes out in a few large writes.
	big := fmt.Sprintf(`{"pad":"%s"}`, strings.Repeat("x", 40<<10))
	before = cc.writes.Load()
	h.publishBatch("call "+big, "call "+big, "call "+big)
	expectSeqs(t, c, 5, 6, 7)
	if got := cc.writes.Load() - before; got < 2 || got > 3 {
		t.Errorf("socket writes for 120 KiB in one batch: got %d, want 2 or 3", got)
	}
}

func TestReplayIsOneWrite(t *testing.T) {
	wrap, conns := countConns()
	h := newFakeHub(Options{wrapConn: wrap})
	srv := h.server(t, nil)
	for range 20 {
		h.publish("call", `{}`)
	}
	c := dial(t, wsURL(srv, "since=5"))
	expectSeqs(t, c, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20)
	// The handshake, then the replay.
	if got := conns()[0].writes.Load(); got != 2 {
		t.Errorf("socket writes for the handshake and a replay of 15 events: got %d, want 2", got)
	}
}

func TestPublishBatchKeepsOrderForEveryClient(t *testing.T) {
	// A queue that holds the whole burst: the publisher may run ahead of
	// the writers, and no client is slow here.
	h := newFakeHub(Options{QueueSize: 1000})
	srv := h.server(t, nil)
	var clients []*websocket.Conn
	for range 5 {
		c := dial(t, wsURL(srv, ""))
		readMsg(t, c)
		clients = append(clients, c)
	}
	waitFor(t, "the subscribers", func() bool { return h.b.Count() == 5 })
	var want []int64
	go func() {
		for i := range 200 {
			bodies := make([]string, 1+i%4)
			for j := range bodies {
				bodies[j] = "call {}"
			}
			h.publishBatch(bodies...)
		}
	}()
	for i := range 200 {
		for range 1 + i%4 {
			want = append(want, int64(len(want)+1))
		}
	}
	for _, c := range clients {
		expectSeqs(t, c, want...)
	}
}

func TestSlowClientIsDroppedWithBatches(t *testing.T) {
	h := newFakeHub(Options{QueueSize: 16})
	srv := h.server(t, nil)
	fast := dial(t, wsURL(srv, ""))
	slow := dial(t, wsURL(srv, "")) // never reads until the end
	readMsg(t, fast)
	waitFor(t, "both subscribers", func() bool { return h.b.Count() == 2 })

	// A batch larger than the queue does not drop a client that keeps up.
	var bodies []string
	for range 40 {
		bodies = append(bodies, `call {}`)
	}
	h.publishBatch(bodies...)
	var seqs []int64
	for i := range 40 {
		seqs = append(seqs, int64(i+1))
	}
	expectSeqs(t, fast, seqs...)

	padding := strings.Repeat("x", 64<<10)
	for i := 41; h.b.Count() == 2; i += 2 {
		if i > 2000 {
			t.Fatal("the client that never reads is still connected after 2,000 events of 64 KiB")
		}
		h.publishBatch(fmt.Sprintf(`call {"n":%d,"pad":"%s"}`, i, padding), fmt.Sprintf(`call {"n":%d}`, i+1))
		expectSeqs(t, fast, int64(i), int64(i+1))
	}
	if got := h.b.Count(); got != 1 {
		t.Errorf("Count after the slow client fell behind: got %d, want 1", got)
	}
	readUntilCut(t, slow, "slow client")
}

// TestBatchConnWritesJoinTheBatch checks the batching layer on its own: a
// write from another goroutine (a ping) while a batch is flushed joins it
// and returns at once instead of waiting behind the flush; everything
// arrives whole and in order.
func TestBatchConnWritesJoinTheBatch(t *testing.T) {
	server, client := net.Pipe()
	defer server.Close()
	defer client.Close()
	cc := &countingConn{Conn: server}
	bc := &batchConn{Conn: cc, batcher: &batcher{conn: cc}}

	bc.gather()
	bc.Write([]byte("frame1,"))
	bc.Write([]byte("frame2,"))
	if got := cc.writes.Load(); got != 0 {
		t.Fatalf("writes while gathering: got %d, want 0", got)
	}
	flushed := make(chan error, 1)
	go func() { flushed <- bc.flush(time.Now().Add(readWait)) }()
	// net.Pipe has no buffer: the flush is stuck until the client reads.
	waitFor(t, "the flush to write", func() bool { return cc.writes.Load() == 1 })
	pinged := make(chan struct{})
	go func() {
		bc.Write([]byte("ping,"))
		close(pinged)
	}()
	select {
	case <-pinged:
	case <-time.After(readWait):
		t.Fatal("a ping waited behind the flush")
	}
	var got []byte
	buf := make([]byte, 64)
	for len(got) < len("frame1,frame2,ping,") {
		client.SetReadDeadline(time.Now().Add(readWait))
		n, err := client.Read(buf)
		if err != nil {
			t.Fatalf("read: %v (got %q)", err, got)
		}
		got = append(got, buf[:n]...)
	}
	if string(got) != "frame1,frame2,ping," {
		t.Errorf("bytes on the wire: got %q, want the batch, then the ping", got)
	}
	if err := <-flushed; err != nil {
		t.Fatalf("flush: %v", err)
	}
	if w := cc.writes.Load(); w != 2 {
		t.Errorf("socket writes: got %d, want 2 (the batch, then the ping that joined it)", w)
	}

	// Not gathering: a write goes straight to the socket.
	go bc.Write([]byte("pong"))
	client.SetReadDeadline(time.Now().Add(readWait))
	n, err := client.Read(buf)
	if err != nil || string(buf[:n]) != "pong" {
		t.Errorf("after the flush: got %q %v, want pong written at once", buf[:n], err)
	}
}

func TestPingsFlowWhileBatchesAreWritten(t *testing.T) {
	h := newFakeHub(Options{PongWait: 600 * time.Millisecond, PingPeriod: 20 * time.Millisecond})
	srv := h.server(t, nil)
	c := dial(t, wsURL(srv, ""))
	readMsg(t, c)
	waitLive(t, h.b, 1)
	pings := make(chan struct{}, 1000)
	c.SetPingHandler(func(data string) error {
		select {
		case pings <- struct{}{}:
		default:
		}
		return c.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	// The client checks the order of what it reads; the publisher sends the
	// next commit's batch once the client has the last one, so nothing piles up.
	readErr := make(chan error, 1)
	batchRead := make(chan struct{}, 1)
	go func() {
		for want := int64(1); ; want++ {
			c.SetReadDeadline(time.Now().Add(readWait))
			var m wireMsg
			if err := c.ReadJSON(&m); err != nil {
				readErr <- err
				return
			}
			if m.Seq != want {
				readErr <- fmt.Errorf("got seq %d, want %d: events in order, none lost", m.Seq, want)
				return
			}
			if m.Seq%3 == 0 {
				batchRead <- struct{}{}
			}
		}
	}()
	stop := make(chan struct{})
	published := make(chan struct{})
	batches := 0
	go func() {
		defer close(published)
		for {
			h.publishBatch(`call {}`, `ticket {}`, `queue {}`)
			batches++
			select {
			case <-batchRead:
			case <-stop:
				return
			}
		}
	}()
	for range 20 { // 20 pings ≈ 400 ms, each possibly joining a batch
		select {
		case <-pings:
		case err := <-readErr:
			close(stop)
			t.Fatalf("client: %v", err)
		case <-time.After(readWait):
			close(stop)
			t.Fatal("no ping from the server while batches flow")
		}
	}
	close(stop)
	<-published
	select {
	case err := <-readErr:
		t.Fatalf("client: %v", err)
	default:
	}
	if got := h.b.Count(); got != 1 {
		t.Errorf("Count: got %d, want the client still connected", got)
	}
	t.Logf("%d batches of 3 events while 20 pings came", batches)
}

// testCounts is a Fold of queue events as the hall screens use it: the
// newest count of each service.
type testCounts map[string]int

func (c testCounts) Add(ev *motcua.Event) {
	var body struct {
		Waiting map[string]int `json:"waiting"`
	}
	json.Unmarshal(ev.Body, &body)
	for k, v := range body.Waiting {
		c[k] = v
	}
}

func (c testCounts) Body() []byte {
	b, _ := json.Marshal(map[string]any{"waiting": map[string]int(c)})
	return b
}

var testFold = &Fold{
	Accept: func(ev *motcua.Event) bool { return ev.Type == motcua.EventQueue },
	New:    func() Folder { return testCounts{} },
}

// expectQueue reads a queue frame at seq with exactly these counts.
func expectQueue(t *testing.T, c *websocket.Conn, seq int64, want string) {
	t.Helper()
	m := readRaw(t, c)
	got, _ := json.Marshal(m["waiting"])
	if m["type"] != "queue" || seqOf(m) != seq || string(got) != want {
		t.Fatalf("got %v seq %d waiting %s, want queue seq %d waiting %s", m["type"], seqOf(m), got, seq, want)
	}
}

// virtualTimers are timers with their own clock, which moves only when
// the test says so.
type virtualTimers struct {
	manualTimers
	mu  sync.Mutex
	now time.Time
}

func (v *virtualTimers) clock() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.now
}

func (v *virtualTimers) advance(d time.Duration) {
	v.mu.Lock()
	v.now = v.now.Add(d)
	v.mu.Unlock()
}

// hallScreens serves subscriptions as the hall screens have them: queue
// counts folded, the first at once, then at most one every period, on
// timers whose clock moves only when the test says so.
func hallScreens(t *testing.T, every time.Duration) (*fakeHub, *virtualTimers, *httptest.Server) {
	t.Helper()
	timers := &virtualTimers{now: time.Unix(1700000000, 0)}
	h := newFakeHub(Options{AfterFunc: timers.afterFunc, Now: timers.clock})
	sub := h.subscription(nil)
	sub.Fold, sub.CoalesceEvery, sub.CoalesceAtOnce = testFold, every, true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.b.Serve(w, r, sub) }))
	t.Cleanup(func() {
		h.b.Close()
		srv.Close()
	})
	return h, timers, srv
}

func TestCoalesceAtOnceWithFold(t *testing.T) {
	const every = time.Second
	h, timers, srv := hallScreens(t, every)
	h.publish("queue", `{"waiting":{"1":1}}`) // 1

	c := dial(t, wsURL(srv, ""))
	if m := readMsg(t, c); m.Type != "snapshot" || m.Seq != 1 {
		t.Fatalf("got %+v, want snapshot at seq 1", m)
	}
	waitLive(t, h.b, 1)

	// After a quiet time: at once, and no timer while nothing waits.
	h.publish("queue", `{"waiting":{"2":5}}`) // 2
	expectQueue(t, c, 2, `{"2":5}`)
	if armed := timers.armed(); len(armed) != 0 {
		t.Fatalf("armed timers after the first count: got %v, want none", armed)
	}
	// Within the period counts wait for a timer at its end; the newest
	// replaces the older and carries every count folded so far. A call
	// takes it along and stops the timer.
	h.publish("queue", `{"waiting":{"1":2}}`) // 3
	if armed := timers.armed(); len(armed) != 1 || armed[0] != every {
		t.Fatalf("armed timers for a count within the period: got %v, want one of %s", armed, every)
	}
	h.publish("queue", `{"waiting":{"3":7}}`) // 4
	h.publish("call", `{}`)                   // 5
	expectQueue(t, c, 4, `{"1":2,"2":5,"3":7}`)
	expectSeqs(t, c, 5)
	if armed := timers.armed(); len(armed) != 0 {
		t.Fatalf("armed timers after the call took the count along: got %v, want none", armed)
	}
	// One count alone within the period is sent as it is when the period
	// (from the one the call took along) ends.
	h.publish("queue", `{"waiting":{"2":6}}`) // 6
	if armed := timers.armed(); len(armed) != 1 || armed[0] != every {
		t.Fatalf("armed timers: got %v, want one of %s", armed, every)
	}
	timers.advance(every)
	timers.fire()
	expectQueue(t, c, 6, `{"2":6}`)
	// A period later, quiet: the next goes out at once.
	timers.advance(every)
	h.publish("queue", `{"waiting":{"4":1}}`) // 7
	expectQueue(t, c, 7, `{"4":1}`)
	if armed := timers.armed(); len(armed) != 0 {
		t.Fatalf("armed timers: got %v, want none", armed)
	}

	// A replay folds the counts of every queue event it skips into the
	// newest; one alone is sent as it is.
	c2 := dial(t, wsURL(srv, "since=1"))
	expectSeqs(t, c2, 5)
	expectQueue(t, c2, 7, `{"1":2,"2":6,"3":7,"4":1}`)
	c3 := dial(t, wsURL(srv, "since=5"))
	expectQueue(t, c3, 7, `{"2":6,"4":1}`)
	c4 := dial(t, wsURL(srv, "since=6"))
	expectQueue(t, c4, 7, `{"4":1}`)
	h.publish("call", `{}`) // 8
	expectSeqs(t, c4, 8)
}

// TestLateCountDuringCatchUpDoesNotHoldTheNext: the hub publishes a
// commit's events after it answers, so a count committed before a screen
// reconnects can reach the new subscription while its replay is written,
// or even after. The replay already carries it; it must not count as the
// count sent at once, or the screen's next count would wait for the timer.
func TestLateCountDuringCatchUpDoesNotHoldTheNext(t *testing.T) {
	const every = time.Second
	h, timers, srv := hallScreens(t, every)
	h.publish("call", `{}`)                           // 1
	late := h.publish("queue", `{"waiting":{"1":3}}`) // 2
	h.beforeRead = func() { h.b.Publish(late) }       // reaches the subscription again, during the replay

	c := dial(t, wsURL(srv, "since=1"))
	expectQueue(t, c, 2, `{"1":3}`)
	// A count published before the hand-over would be folded with the held
	// one (right, but not what this checks): wait for the catch-up's end.
	waitFor(t, "the catch-up to end", func() bool { return caughtUp(h.b) })
	h.publish("queue", `{"waiting":{"2":4}}`) // 3
	if armed := timers.armed(); len(armed) != 0 {
		t.Fatalf("armed timers for the first live count after the replay: got %v, want none (it goes at once)", armed)
	}
	expectQueue(t, c, 3, `{"2":4}`)

	// Later, live: the count of seq 2 arrives once more, after the catch-up.
	timers.advance(every)
	h.publish("call", `{}`) // 4
	expectSeqs(t, c, 4)
	h.b.Publish(late)
	h.publish("queue", `{"waiting":{"3":1}}`) // 5
	if armed := timers.armed(); len(armed) != 0 {
		t.Fatalf("armed timers for a count after a late old one: got %v, want none (it goes at once)", armed)
	}
	expectQueue(t, c, 5, `{"3":1}`)
}

// waitLive waits until b has n subscribers, each past its snapshot or
// replay: an event published before that is held for the catch-up's end
// rather than sent or coalesced as a live one.
func waitLive(t *testing.T, b *Broadcaster, n int) {
	t.Helper()
	waitFor(t, "the subscribers to be live", func() bool { return b.Count() == n && caughtUp(b) })
}

// caughtUp says whether every subscriber of b has finished its snapshot or
// replay and is live.
func caughtUp(b *Broadcaster) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		s.mu.Lock()
		catchingUp := s.catchingUp
		s.mu.Unlock()
		if catchingUp {
			return false
		}
	}
	return true
}

func TestCoalesceEveryPerSubscription(t *testing.T) {
	timers := &manualTimers{}
	h := newFakeHub(Options{CoalesceEvery: time.Hour, AfterFunc: timers.afterFunc})
	sub := h.subscription(nil)
	sub.Coalesce = func(ev *motcua.Event) bool { return ev.Type == motcua.EventQueue }
	sub.CoalesceEvery = 10 * time.Second
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.b.Serve(w, r, sub) }))
	t.Cleanup(func() {
		h.b.Close()
		srv.Close()
	})
	c := dial(t, wsURL(srv, ""))
	readMsg(t, c)
	waitLive(t, h.b, 1)
	h.publish("queue", `{}`) // 1
	if armed := timers.armed(); len(armed) != 1 || armed[0] >= 5*time.Second {
		t.Fatalf("armed timers: got %v, want one below half of the subscription's 10s", armed)
	}
	timers.fire()
	expectSeqs(t, c, 1)
	h.publish("queue", `{}`) // 2
	if armed := timers.armed(); len(armed) != 1 || armed[0] <= 5*time.Second || armed[0] > 10*time.Second {
		t.Fatalf("armed timers after one went out: got %v, want one near 10s", armed)
	}
}
