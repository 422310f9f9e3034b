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
// Each streaming connection has exactly two goroutines: the HTTP handler
// goroutine that runs Serve and is the only writer, and a reader goroutine that handles
// pong/close frames and discards anything else the client sends. Serve
// returns only after both are done.
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

	// Buffer sizes handed to the Upgrader. Zero reuses the 4 KiB buffers the
	// HTTP server already allocated for the connection and keeps alive anyway,
	// which measured as the cheapest idle connection (see bench_test.go).
	readBufferSize  int
	writeBufferSize int
	writeBufferPool websocket.BufferPool
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

// subscriber is one connection's place in the fan-out. Its queue is a slice
// that grows only while events wait, rather than a channel of QueueSize
// slots allocated up front: most connections are idle most of the time, and
// a 256-slot channel was the largest item of an idle connection's memory.
type subscriber struct {
	conn     *websocket.Conn
	filter   func(ev *motcua.Event) bool
	coalesce func(ev *motcua.Event) bool
	limit    int
	b        *Broadcaster

	mu      sync.Mutex
	pending []queued
	spare   []queued      // the writer's last batch, reused to save allocations
	wake    chan struct{} // capacity 1: "pending is not empty"

	// The newest coalesced event not yet queued (latest.msg != nil), and
	// when the next one may go out. stopLatest cancels the armed timer.
	latest     queued
	nextLatest time.Time
	stopLatest func() bool
	ended      bool // the connection is over: arm no more timers

	// dropped is closed (once, under Broadcaster.mu) when Publish gives up on
	// this subscriber because its queue is full.
	dropped chan struct{}
}

// push queues item without blocking; false means the queue is full.
func (s *subscriber) push(item queued) bool {
	s.mu.Lock()
	if len(s.pending) >= s.limit {
		s.mu.Unlock()
		return false
	}
	s.queueLatestLocked() // an older coalesced event goes first
	s.pending = append(s.pending, item)
	s.mu.Unlock()
	s.signal()
	return true
}

func (s *subscriber) signal() {
	select {
	case s.wake <- struct{}{}:
	default: // already signalled
	}
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
	queued := s.queueLatestLocked()
	s.mu.Unlock()
	if queued {
		s.signal()
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

// end stops the coalescing timer for good.
func (s *subscriber) end() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ended = true
	if s.stopLatest != nil {
		s.stopLatest()
		s.stopLatest = nil
	}
}

// take hands the writer every queued event, oldest first.
func (s *subscriber) take() []queued {
	s.mu.Lock()
	defer s.mu.Unlock()
	batch := s.pending
	clear(s.spare) // let delivered messages be collected
	s.pending = s.spare[:0]
	s.spare = batch
	return batch
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
	if !b.closed {
		b.closed = true
		close(b.closing)
	}
	b.mu.Unlock()
	b.conns.Wait()
}

// Serve upgrades the request to a websocket and streams sub's snapshot or
// replay followed by live events, until the connection ends.
// ?since=<seq> asks for the events after seq instead of a snapshot.
func (b *Broadcaster) Serve(w http.ResponseWriter, r *http.Request, sub Subscription) {
	if !b.originAllowed(r) {
		writeError(w, http.StatusForbidden, motcua.EForbidden,
			"Nguồn truy cập (Origin) không được phép. / This origin is not allowed.")
		return
	}
	since := int64(-1)
	if v := r.URL.Query().Get("since"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, motcua.EInvalid,
				"Tham số since phải là số thứ tự sự kiện (số nguyên không âm). / The since parameter must be an event seq (a non-negative integer).")
			return
		}
		since = n
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
	defer b.release(addr, counted)

	conn, err := b.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has already answered the client
	}
	defer conn.Close()

	s := &subscriber{
		conn:     conn,
		filter:   sub.Filter,
		coalesce: sub.Coalesce,
		b:        b,
		limit:    b.opts.QueueSize,
		wake:     make(chan struct{}, 1),
		dropped:  make(chan struct{}),
	}
	// Register before taking the snapshot or replay, so that every event
	// committed after them is already being buffered: nothing falls between.
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		b.dropLocked(s)
		b.mu.Unlock()
		s.end()
	}()

	readerDone := make(chan struct{})
	go b.read(conn, readerDone)
	defer func() {
		conn.Close() // unblocks the reader if it is still waiting
		<-readerDone
	}()

	// Stop a slow snapshot or replay as soon as the client is gone or the
	// hub shuts down. This helper lives only while catching up.
	ctx, cancel := context.WithCancel(r.Context())
	go func() {
		select {
		case <-readerDone:
		case <-s.dropped:
		case <-b.closing:
		case <-ctx.Done():
		}
		cancel()
	}()

	lastSent, err := b.catchUp(ctx, conn, sub, since)
	cancel()
	if err != nil {
		if b.isClosing() {
			b.goodbye(conn, readerDone)
		} else {
			// The snapshot or replay failed (database trouble): say so, and
			// the client reconnects as after any drop.
			msg := websocket.FormatCloseMessage(websocket.CloseInternalServerErr, "try again")
			conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(b.opts.WriteWait))
		}
		return
	}
	b.stream(conn, s, lastSent, readerDone)
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

// stream is the writer loop: queued events newer than lastSent, pings, and
// the goodbye on shutdown.
func (b *Broadcaster) stream(conn *websocket.Conn, s *subscriber, lastSent int64, readerDone <-chan struct{}) {
	ping := time.NewTicker(b.opts.PingPeriod)
	defer ping.Stop()
	for {
		select {
		case <-s.wake:
			for _, item := range s.take() {
				if item.seq <= lastSent {
					continue // already in the snapshot or the replay
				}
				conn.SetWriteDeadline(time.Now().Add(b.opts.WriteWait))
				if err := conn.WritePreparedMessage(item.msg); err != nil {
					return
				}
				lastSent = item.seq
			}
		case <-ping.C:
			if err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(b.opts.WriteWait)); err != nil {
				return
			}
		case <-s.dropped:
			return
		case <-readerDone:
			return
		case <-b.closing:
			b.goodbye(conn, readerDone)
			return
		}
	}
}

// goodbye sends "going away" and gives the client a moment to answer, so
// it reads a clean close instead of a reset connection.
func (b *Broadcaster) goodbye(conn *websocket.Conn, readerDone <-chan struct{}) {
	msg := websocket.FormatCloseMessage(websocket.CloseGoingAway,
		"Máy chủ khởi động lại / server restarting")
	if err := conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(b.opts.WriteWait)); err != nil {
		return
	}
	grace := time.NewTimer(closeGrace)
	defer grace.Stop()
	select {
	case <-readerDone:
	case <-grace.C:
	}
}

func (b *Broadcaster) write(conn *websocket.Conn, messageType int, data []byte) error {
	conn.SetWriteDeadline(time.Now().Add(b.opts.WriteWait))
	return conn.WriteMessage(messageType, data)
}

// read handles control frames and discards everything else. It ends on any
// read error: the client closed, stopped answering pings, or sent a frame
// over the limit or that breaks the protocol.
func (b *Broadcaster) read(conn *websocket.Conn, done chan<- struct{}) {
	defer close(done)
	conn.SetReadLimit(b.opts.MaxMessageSize)
	conn.SetReadDeadline(time.Now().Add(b.opts.PongWait))
	conn.SetPongHandler(func(string) error {
		return conn.SetReadDeadline(time.Now().Add(b.opts.PongWait))
	})
	for {
		if _, _, err := conn.NextReader(); err != nil {
			return
		}
		// Any message proves the client is alive, too; its content is
		// dropped unread by the next NextReader call.
		conn.SetReadDeadline(time.Now().Add(b.opts.PongWait))
	}
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
