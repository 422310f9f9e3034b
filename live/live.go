// Package live fans the branch's events out to websocket clients: hall
// displays, counter screens and citizens' phones.
//
// The hub commits an event to the database and then calls Publish, in seq
// order. Publish encodes the event once and hands the same prepared frame to
// every subscriber's bounded queue without ever blocking: a subscriber whose
// queue is full is dropped, and its client reconnects with ?since=<seq> to
// replay what it missed. A slow phone on a bad network therefore never delays
// the hall screens.
//
// An idle connection costs one goroutine, its reader, which handles
// pong/close frames, discards anything else the client sends and ends the
// connection. Serve sends the snapshot or replay in the HTTP handler
// goroutine and returns; later events are written by a writer goroutine
// that exists only while events wait, and pings go out from a timer.
package live

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/motcua/motcua"
)

// Defaults for Options, in the spirit of gorilla's chat example.
const (
	// DefaultQueueSize is how many events may wait for one slow client
	// before it is dropped.
	DefaultQueueSize = 256
	// DefaultWriteWait is the time allowed to write one message.
	DefaultWriteWait = 10 * time.Second
	// DefaultPongWait is the time allowed between two pongs (or any frame)
	// from the client before the connection counts as dead.
	DefaultPongWait = 60 * time.Second
	// DefaultPingPeriod must be shorter than DefaultPongWait so a healthy
	// client always answers in time.
	DefaultPingPeriod = DefaultPongWait * 9 / 10
	// DefaultMaxMessageSize bounds what a client may send: clients have
	// nothing to say on these sockets, so a small limit is enough.
	DefaultMaxMessageSize = 512
	// DefaultMaxConnsPerAddr bounds connections from one untrusted address.
	DefaultMaxConnsPerAddr = 20
	// DefaultCoalesceEvery is the least time between two coalesced events
	// to one client (see Subscription.Coalesce).
	DefaultCoalesceEvery = 5 * time.Second
	// defaultReadBufferSize holds any frame a client may send (control
	// frames are at most 125 bytes, messages at most MaxMessageSize).
	defaultReadBufferSize = 1024
	// closeGrace is how long a closing connection waits for the client's
	// answering close frame before the TCP connection is cut.
	closeGrace = 2 * time.Second
)

// Options tune a Broadcaster. Zero values take the defaults above.
type Options struct {
	QueueSize       int
	WriteWait       time.Duration
	PongWait        time.Duration
	PingPeriod      time.Duration
	MaxMessageSize  int64
	MaxConnsPerAddr int
	// CoalesceEvery is the least time between two coalesced events to one
	// client; the first one after a quiet time waits a random part of half
	// of it, so that thousands of clients are not woken at once.
	CoalesceEvery time.Duration
	// AllowedOrigins lists browser origins from other hosts that may connect,
	// e.g. "https://portal.example.vn" (a bare host also matches).
	// Requests without an Origin header (kiosks, scripts) and same-host
	// origins are always allowed.
	AllowedOrigins []string
	// Trusted addresses (the hall's own LAN, loopback load tests) are exempt
	// from MaxConnsPerAddr. The caller decides the default.
	Trusted []netip.Prefix

	// Buffers handed to the Upgrader (see bench_test.go). By default each
	// connection has its own small read buffer, which the idle reader needs
	// (clients send only pongs and close frames), and borrows a write
	// buffer from a shared pool only while it writes a snapshot: an idle
	// connection holds 1 KiB instead of the 4 KiB read and 4 KiB write
	// buffers of the HTTP server. reuseHTTPBuffers keeps those instead.
	readBufferSize   int
	writeBufferSize  int
	writeBufferPool  websocket.BufferPool
	reuseHTTPBuffers bool
	// afterFunc schedules coalesced events; tests replace it to fire the
	// timers themselves instead of waiting for real time to pass.
	afterFunc func(d time.Duration, f func()) (stop func() bool)
}

// Subscription tells Serve what one connection wants.
type Subscription struct {
	// Filter reports whether the connection receives ev; nil receives all.
	// It runs inside Publish for every subscriber, so it must be cheap and
	// must not call back into the Broadcaster.
	Filter func(ev *motcua.Event) bool
	// Snapshot returns the full state the client shows, as a complete message
	// {"type":"snapshot","seq":seq,...}, taken at event seq.
	Snapshot func(ctx context.Context) (seq int64, msg []byte, err error)
	// Replay returns the events with seq > since in seq order; ok is false
	// when they are no longer kept, and then a snapshot is sent instead. It
	// should also say false when since is ahead of the log (a client from
	// before the database was replaced), or that client keeps stale state.
	Replay func(ctx context.Context, since int64) (events []motcua.Event, ok bool, err error)
	// Coalesce marks the events (among those Filter accepts) of which only
	// the newest matters to this client: a phone needs to know that its
	// service's queue moved, not every step. The client then receives at
	// most one of them per Options.CoalesceEvery, always the newest, after a
	// short random delay; an event that Coalesce does not mark takes any
	// waiting coalesced event along in front of it, so seqs stay in order.
	// A replay sends only the newest marked event. Nil coalesces nothing.
	// Like Filter, it runs inside Publish and must be cheap.
	Coalesce func(ev *motcua.Event) bool
	// Opened, when set, runs once the connection has joined the fan-out,
	// with a function that ends it (a close frame saying the session ended,
	// then the cut); Closed runs once the connection is over. The counter
	// screens use them to seat their officer and to end the screens of a
	// user whose sessions ended.
	Opened func(end func())
	Closed func()
}

// Encode builds the wire message of ev: its Body object with "type" and
// "seq" spliced in at the front. A body that is empty or not a JSON object
// yields just {"type":...,"seq":...}.
func Encode(ev motcua.Event) []byte {
	typ, _ := json.Marshal(ev.Type) // marshalling a string cannot fail
	body := bytes.TrimSpace(ev.Body)
	var rest []byte // the members of Body, without the braces
	if len(body) >= 2 && body[0] == '{' && body[len(body)-1] == '}' {
		rest = bytes.TrimSpace(body[1 : len(body)-1])
	}
	out := make([]byte, 0, len(`{"type":,"seq":,}`)+len(typ)+20+len(rest))
	out = append(out, `{"type":`...)
	out = append(out, typ...)
	out = append(out, `,"seq":`...)
	out = strconv.AppendInt(out, ev.Seq, 10)
	if len(rest) > 0 {
		out = append(out, ',')
		out = append(out, rest...)
	}
	return append(out, '}')
}

// Broadcaster owns the live connections of one hub.
type Broadcaster struct {
	opts     Options
	upgrader websocket.Upgrader
	trusted  []netip.Prefix

	// mu serialises Publish so every subscriber sees events in call order,
	// and guards the maps and closed.
	mu      sync.Mutex
	subs    map[*subscriber]struct{}
	perAddr map[netip.Addr]int
	closed  bool

	closing chan struct{} // closed by Close: every writer says goodbye
	conns   sync.WaitGroup
}

// queued is one event waiting in a subscriber's queue.
type queued struct {
	seq int64
	msg *websocket.PreparedMessage
}

// subscriber is one connection's place in the fan-out.
//
// An idle connection costs one goroutine: the reader, which also ends the
// connection (see finish). A writer goroutine exists only while events wait
// to be written: push starts one, and it ends when the queue is empty. Pings
// go out from a timer. The queue is a slice that grows only while events
// wait, rather than a channel of QueueSize slots allocated up front.
type subscriber struct {
	b        *Broadcaster
	conn     *websocket.Conn
	filter   func(ev *motcua.Event) bool
	coalesce func(ev *motcua.Event) bool
	closed   func() // Subscription.Closed
	limit    int
	addr     netip.Addr // counted against MaxConnsPerAddr when counted
	counted  bool

	readerDone chan struct{} // closed when the reader goroutine stops reading
	// dropped is closed (once, under Broadcaster.mu) when the subscriber
	// leaves the fan-out: its queue overflowed or its connection ended.
	dropped chan struct{}
	// writers counts the goroutines that may write: the catch-up in Serve,
	// then the on-demand writer. finish waits for them.
	writers sync.WaitGroup
	goodbye sync.Once

	mu       sync.Mutex
	pending  []queued
	writing  bool  // the catch-up or a writer goroutine owns the writing side
	lastSent int64 // the newest seq the client has; only its owner touches it
	ended    bool  // the connection is over: no more writers or timers
	ping     *time.Timer

	// The newest coalesced event not yet queued (latest.msg != nil), and
	// when the next one may go out. stopLatest cancels the armed timer.
	latest     queued
	nextLatest time.Time
	stopLatest func() bool
}

// push queues item without blocking; false means the queue is full.
func (s *subscriber) push(item queued) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.pending) >= s.limit {
		return false
	}
	s.queueLatestLocked() // an older coalesced event goes first
	s.pending = append(s.pending, item)
	s.startWriterLocked()
	return true
}

// startWriterLocked starts a writer goroutine when events wait and nobody
// writes. s.mu must be held.
func (s *subscriber) startWriterLocked() {
	if s.writing || s.ended || len(s.pending) == 0 {
		return
	}
	s.writing = true
	s.writers.Add(1)
	go s.writeQueued()
}

// writeQueued writes the queued events, oldest first, and ends when the
// queue is empty: an idle connection keeps no writer goroutine, and each
// burst starts on a fresh, small stack.
func (s *subscriber) writeQueued() {
	defer s.writers.Done()
	for {
		s.mu.Lock()
		batch := s.pending
		if len(batch) == 0 || s.ended {
			s.writing = false
			s.pending = nil // an idle connection keeps no queue either
			s.mu.Unlock()
			return
		}
		s.pending = nil
		s.mu.Unlock()
		for _, item := range batch {
			if item.seq <= s.lastSent {
				continue // already in the snapshot or the replay
			}
			s.conn.SetWriteDeadline(time.Now().Add(s.b.opts.WriteWait))
			if err := s.conn.WritePreparedMessage(item.msg); err != nil {
				// The reader notices the closed connection and finishes it;
				// writing stays true so no other writer starts.
				s.conn.Close()
				return
			}
			s.lastSent = item.seq
		}
	}
}

// sendPing runs on the ping timer. WriteControl may run alongside a writer.
func (s *subscriber) sendPing() {
	if err := s.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(s.b.opts.WriteWait)); err != nil {
		s.conn.Close()
		return
	}
	s.mu.Lock()
	if !s.ended {
		s.ping.Reset(s.b.opts.PingPeriod)
	}
	s.mu.Unlock()
}

// pushLatest keeps item as the newest coalesced event and, unless a timer
// is already armed for the previous one, arms one: at the earliest
// CoalesceEvery after the last one sent, and after a random part of half of
// CoalesceEvery so that the clients of one event do not all wake together.
func (s *subscriber) pushLatest(item queued, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	armed := s.latest.msg != nil
	s.latest = item
	if armed || s.ended {
		return
	}
	every := s.b.opts.CoalesceEvery
	due := now.Add(rand.N(every / 2))
	if due.Before(s.nextLatest) {
		due = s.nextLatest
	}
	s.stopLatest = s.b.opts.afterFunc(due.Sub(now), s.releaseLatest)
}

// releaseLatest runs when the coalesced event's time has come.
func (s *subscriber) releaseLatest() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.queueLatestLocked() {
		s.startWriterLocked()
	}
}

// queueLatestLocked moves the waiting coalesced event, if any, to the queue.
// The queue may go one over its limit here: the coalesced slot was already
// accepted. s.mu must be held.
func (s *subscriber) queueLatestLocked() bool {
	if s.latest.msg == nil {
		return false
	}
	s.pending = append(s.pending, s.latest)
	s.latest = queued{}
	s.nextLatest = time.Now().Add(s.b.opts.CoalesceEvery)
	if s.stopLatest != nil {
		s.stopLatest()
		s.stopLatest = nil
	}
	return true
}

// handOver ends the catch-up: from now on queued events are written by
// on-demand writers, and pings by the timer.
func (s *subscriber) handOver(lastSent int64) {
	s.mu.Lock()
	s.lastSent = lastSent
	s.writing = false
	if !s.ended {
		s.ping = time.AfterFunc(s.b.opts.PingPeriod, s.sendPing)
		s.startWriterLocked()
	}
	s.mu.Unlock()
	s.writers.Done() // the catch-up's share
}

// read handles control frames and discards everything else, until any read
// error: the client closed, stopped answering pings, or sent a frame over
// the limit or that breaks the protocol. Then it finishes the connection.
func (s *subscriber) read() {
	defer s.finish()
	conn, opts := s.conn, &s.b.opts
	conn.SetReadLimit(opts.MaxMessageSize)
	conn.SetReadDeadline(time.Now().Add(opts.PongWait))
	conn.SetPongHandler(func(string) error {
		return conn.SetReadDeadline(time.Now().Add(opts.PongWait))
	})
	for {
		if _, _, err := conn.NextReader(); err != nil {
			return
		}
		// Any message proves the client is alive, too; its content is
		// dropped unread by the next NextReader call.
		conn.SetReadDeadline(time.Now().Add(opts.PongWait))
	}
}

// finish ends the connection once the reader has stopped: out of the
// fan-out, timers stopped, socket closed, writers gone, place released.
func (s *subscriber) finish() {
	close(s.readerDone)
	s.b.mu.Lock()
	s.b.dropLocked(s)
	s.b.mu.Unlock()
	s.mu.Lock()
	s.ended = true
	if s.ping != nil {
		s.ping.Stop()
	}
	if s.stopLatest != nil {
		s.stopLatest()
		s.stopLatest = nil
	}
	s.pending, s.latest = nil, queued{}
	s.mu.Unlock()
	s.conn.Close()
	s.writers.Wait()
	if s.closed != nil {
		s.closed()
	}
	s.b.release(s.addr, s.counted)
}

// sayGoodbye sends "going away" and gives the client a moment to answer, so
// it reads a clean close instead of a reset connection; then the connection
// is cut, which ends the reader.
func (s *subscriber) sayGoodbye() {
	s.closeWith(websocket.CloseGoingAway, "Máy chủ khởi động lại / server restarting")
}

// closeWith sends a close frame with code and text, waits briefly for the
// client's answer, then cuts the connection. Only the first call does it.
func (s *subscriber) closeWith(code int, text string) {
	s.goodbye.Do(func() {
		msg := websocket.FormatCloseMessage(code, text)
		if err := s.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(s.b.opts.WriteWait)); err == nil {
			grace := time.NewTimer(closeGrace)
			select {
			case <-s.readerDone:
			case <-grace.C:
			}
			grace.Stop()
		}
		s.conn.Close()
	})
}

// New returns a Broadcaster with opts, defaults filled in.
func New(opts Options) *Broadcaster {
	if opts.QueueSize <= 0 {
		opts.QueueSize = DefaultQueueSize
	}
	if opts.WriteWait <= 0 {
		opts.WriteWait = DefaultWriteWait
	}
	if opts.PongWait <= 0 {
		opts.PongWait = DefaultPongWait
	}
	if opts.PingPeriod <= 0 || opts.PingPeriod >= opts.PongWait {
		opts.PingPeriod = opts.PongWait * 9 / 10
	}
	if opts.MaxMessageSize <= 0 {
		opts.MaxMessageSize = DefaultMaxMessageSize
	}
	if opts.MaxConnsPerAddr <= 0 {
		opts.MaxConnsPerAddr = DefaultMaxConnsPerAddr
	}
	if opts.CoalesceEvery <= 0 {
		opts.CoalesceEvery = DefaultCoalesceEvery
	}
	if !opts.reuseHTTPBuffers {
		if opts.readBufferSize <= 0 {
			opts.readBufferSize = defaultReadBufferSize
		}
		if opts.writeBufferPool == nil {
			opts.writeBufferPool = &sync.Pool{}
		}
	}
	if opts.afterFunc == nil {
		opts.afterFunc = func(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }
	}
	b := &Broadcaster{
		opts:    opts,
		subs:    make(map[*subscriber]struct{}),
		perAddr: make(map[netip.Addr]int),
		closing: make(chan struct{}),
	}
	for _, p := range opts.Trusted {
		b.trusted = append(b.trusted, p.Masked())
	}
	b.upgrader = websocket.Upgrader{
		HandshakeTimeout: opts.WriteWait,
		ReadBufferSize:   opts.readBufferSize,
		WriteBufferSize:  opts.writeBufferSize,
		WriteBufferPool:  opts.writeBufferPool,
		// Serve checks the origin itself, before counting the connection,
		// and answers with the API's JSON error.
		CheckOrigin: func(*http.Request) bool { return true },
	}
	return b
}

// Count returns the number of live subscribed connections.
func (b *Broadcaster) Count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}

// Publish hands ev to every subscriber whose Filter accepts it. It never
// blocks on a client: a subscriber whose queue is full is dropped and its
// connection cut. Callers publish in seq order; concurrent calls are safe and
// each subscriber receives events in the order the calls took the lock.
func (b *Broadcaster) Publish(ev motcua.Event) {
	msg, err := websocket.NewPreparedMessage(websocket.TextMessage, Encode(ev))
	if err != nil {
		return // only compression can fail, and it is off
	}
	item := queued{seq: ev.Seq, msg: msg}
	now := time.Now()
	var slow []*subscriber
	b.mu.Lock()
	for s := range b.subs {
		if s.filter != nil && !s.filter(&ev) {
			continue
		}
		if s.coalesce != nil && s.coalesce(&ev) {
			s.pushLatest(item, now)
			continue
		}
		if !s.push(item) {
			b.dropLocked(s)
			slow = append(slow, s)
		}
	}
	b.mu.Unlock()
	// The writer of a slow client is most likely stuck in a write to a full
	// TCP window; closing the socket frees it now instead of after WriteWait.
	for _, s := range slow {
		s.conn.Close()
	}
}

// dropLocked removes s from the fan-out. b.mu must be held.
func (b *Broadcaster) dropLocked(s *subscriber) {
	if _, ok := b.subs[s]; !ok {
		return
	}
	delete(b.subs, s)
	close(s.dropped)
}

// Close sends a "going away" close frame to every connection, refuses new
// ones with 503, and returns once every connection has ended (at most about
// WriteWait plus a short grace for the client's answer).
func (b *Broadcaster) Close() {
	b.mu.Lock()
	var subs []*subscriber
	if !b.closed {
		b.closed = true
		close(b.closing)
		for s := range b.subs {
			subs = append(subs, s)
		}
	}
	b.mu.Unlock()
	for _, s := range subs {
		go s.sayGoodbye()
	}
	b.conns.Wait()
}

// ParseSince reads a websocket's ?since=<seq>: "" is -1 (no replay: a
// snapshot), anything but a non-negative integer is an EInvalid error.
func ParseSince(v string) (int64, error) {
	if v == "" {
		return -1, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, motcua.Errorf(motcua.EInvalid,
			"Tham số since phải là số thứ tự sự kiện (số nguyên không âm). / The since parameter must be an event seq (a non-negative integer).")
	}
	return n, nil
}

// Serve upgrades the request to a websocket and sends sub's snapshot or
// replay, then hands the connection to its reader goroutine and returns:
// live events are written by short-lived writers (see subscriber), so the
// handler goroutine, whose stack grew while it built the snapshot, does not
// stay behind for the life of the connection.
// ?since=<seq> asks for the events after seq instead of a snapshot.
func (b *Broadcaster) Serve(w http.ResponseWriter, r *http.Request, sub Subscription) {
	if !b.originAllowed(r) {
		writeError(w, http.StatusForbidden, motcua.EForbidden,
			"Nguồn truy cập (Origin) không được phép. / This origin is not allowed.")
		return
	}
	since, err := ParseSince(r.URL.Query().Get("since"))
	if err != nil {
		writeError(w, http.StatusBadRequest, motcua.EInvalid, motcua.ErrorMessage(err))
		return
	}
	addr, counted, status := b.admit(r)
	if status != 0 {
		if status == http.StatusServiceUnavailable {
			writeError(w, status, motcua.EUnavailable,
				"Máy chủ đang tắt, vui lòng kết nối lại sau. / The server is shutting down, please reconnect later.")
		} else {
			writeError(w, status, motcua.ETooMany,
				"Quá nhiều kết nối từ một địa chỉ. / Too many connections from one address.")
		}
		return
	}

	conn, err := b.upgrader.Upgrade(w, r, nil)
	if err != nil {
		b.release(addr, counted)
		return // the upgrader has already answered the client
	}
	s := &subscriber{
		b:          b,
		conn:       conn,
		filter:     sub.Filter,
		coalesce:   sub.Coalesce,
		closed:     sub.Closed,
		limit:      b.opts.QueueSize,
		addr:       addr,
		counted:    counted,
		readerDone: make(chan struct{}),
		dropped:    make(chan struct{}),
		writing:    true, // the catch-up below writes first
	}
	// Register before taking the snapshot or replay, so that every event
	// committed after them is already being buffered: nothing falls between.
	b.mu.Lock()
	closed := b.closed
	if !closed {
		b.subs[s] = struct{}{}
	}
	b.mu.Unlock()
	if closed { // Close ran since admit and did not see this connection
		close(s.readerDone)
		s.sayGoodbye()
		b.release(addr, counted)
		return
	}
	if sub.Opened != nil {
		sub.Opened(func() {
			go s.closeWith(websocket.ClosePolicyViolation, "Phiên đăng nhập đã kết thúc / session ended")
		})
	}
	s.writers.Add(1) // the catch-up, until handOver
	go s.read()      // from here on the reader ends the connection

	// Stop a slow snapshot or replay as soon as the client is gone or the
	// hub shuts down. This helper lives only while catching up.
	ctx, cancel := context.WithCancel(r.Context())
	go func() {
		select {
		case <-s.readerDone:
		case <-s.dropped:
		case <-b.closing:
		case <-ctx.Done():
		}
		cancel()
	}()
	lastSent, err := b.catchUp(ctx, conn, sub, since)
	cancel()
	if err != nil {
		if !b.isClosing() { // on shutdown Close says goodbye
			// The snapshot or replay failed (database trouble): say so, and
			// the client reconnects as after any drop.
			msg := websocket.FormatCloseMessage(websocket.CloseInternalServerErr, "try again")
			conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(b.opts.WriteWait))
			conn.Close()
		}
		s.writers.Done()
		return
	}
	s.handOver(lastSent)
}

// catchUp sends the snapshot, or the replayed events after since, and
// returns the seq of the last event the client now knows.
func (b *Broadcaster) catchUp(ctx context.Context, conn *websocket.Conn, sub Subscription, since int64) (int64, error) {
	if since >= 0 && sub.Replay != nil {
		events, ok, err := sub.Replay(ctx, since)
		if err != nil {
			return 0, err
		}
		if ok {
			// Filter first, then send; of the coalesced events only the
			// newest is sent.
			type kept struct {
				ev        *motcua.Event
				coalesced bool
			}
			var send []kept
			newestCoalesced := -1
			last := since
			for i := range events {
				ev := &events[i]
				if ev.Seq <= last {
					continue
				}
				last = ev.Seq // skipped by the filter, still known
				if sub.Filter != nil && !sub.Filter(ev) {
					continue
				}
				coalesced := sub.Coalesce != nil && sub.Coalesce(ev)
				if coalesced {
					newestCoalesced = len(send)
				}
				send = append(send, kept{ev, coalesced})
			}
			for i, k := range send {
				if k.coalesced && i != newestCoalesced {
					continue
				}
				if err := b.write(conn, websocket.TextMessage, Encode(*k.ev)); err != nil {
					return 0, err
				}
			}
			return last, nil
		}
	}
	if sub.Snapshot == nil {
		return since, nil
	}
	seq, msg, err := sub.Snapshot(ctx)
	if err != nil {
		return 0, err
	}
	if err := b.write(conn, websocket.TextMessage, msg); err != nil {
		return 0, err
	}
	return seq, nil
}

func (b *Broadcaster) write(conn *websocket.Conn, messageType int, data []byte) error {
	conn.SetWriteDeadline(time.Now().Add(b.opts.WriteWait))
	return conn.WriteMessage(messageType, data)
}

func (b *Broadcaster) isClosing() bool {
	select {
	case <-b.closing:
		return true
	default:
		return false
	}
}

// admit counts the connection against its address. status is non-zero when
// the connection must be refused. Only RemoteAddr is used: forwarded headers
// are trivially forged.
func (b *Broadcaster) admit(r *http.Request) (addr netip.Addr, counted bool, status int) {
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		addr = ap.Addr().Unmap()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return addr, false, http.StatusServiceUnavailable
	}
	b.conns.Add(1)
	if !addr.IsValid() || b.isTrusted(addr) {
		return addr, false, 0
	}
	if b.perAddr[addr] >= b.opts.MaxConnsPerAddr {
		b.conns.Done()
		return addr, false, http.StatusTooManyRequests
	}
	b.perAddr[addr]++
	return addr, true, 0
}

func (b *Broadcaster) release(addr netip.Addr, counted bool) {
	b.mu.Lock()
	if counted {
		if b.perAddr[addr]--; b.perAddr[addr] <= 0 {
			delete(b.perAddr, addr)
		}
	}
	b.mu.Unlock()
	b.conns.Done()
}

func (b *Broadcaster) isTrusted(addr netip.Addr) bool {
	for _, p := range b.trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// originAllowed lets in clients that send no Origin (kiosks, scripts, apps),
// pages served by this hub, and the configured extra origins.
func (b *Broadcaster) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	host := origin
	if i := strings.Index(origin, "://"); i >= 0 {
		host = origin[i+3:]
	}
	if strings.EqualFold(host, r.Host) {
		return true
	}
	for _, allowed := range b.opts.AllowedOrigins {
		if strings.EqualFold(allowed, origin) || strings.EqualFold(allowed, host) {
			return true
		}
	}
	return false
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	body, _ := json.Marshal(map[string]any{"error": map[string]string{"code": code, "message": message}})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(body)
}
