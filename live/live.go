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
//
// Writes are batched: the events waiting for one client when its writer
// runs go out in one write to the socket (see batcher), and PublishBatch
// hands a commit's events to every client together, so a hall screen gets a
// call and the queue count that came with it in one write.
//
// Coalescing (Subscription.Coalesce, Fold): a client may need only the
// newest of some events. Phones get their queue's count at most every 5 s,
// the first after a random delay; hall screens (display) get the counts at
// once after a quiet second, then at most one frame a second during a burst,
// each carrying every count that changed (a Fold), so a burst of 10,000
// tickets costs a screen a handful of frames, not 10,000. Events that are not
// coalesced (calls) are never held back: one takes the waiting coalesced
// event along in front of it, so seqs only grow.
package live

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"net"
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
	// AfterFunc schedules the timers of coalesced events; nil is
	// time.AfterFunc. Tests replace it to fire the timers themselves instead
	// of waiting for real time to pass (servertest.Timers).
	AfterFunc func(d time.Duration, f func()) (stop func() bool)
	// Now is the clock of coalescing (when the next coalesced event may go
	// out); nil is time.Now. Tests that set AfterFunc set it too, to a
	// clock their timers move.
	Now func() time.Time
	// wrapConn, when set, wraps each hijacked connection under the batching
	// layer: tests count the writes that reach the socket.
	wrapConn func(net.Conn) net.Conn
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
	// most one of them per CoalesceEvery, always the newest, after a short
	// random delay (or at once, see CoalesceAtOnce); an event that Coalesce
	// does not mark takes any waiting coalesced event along in front of it,
	// so seqs stay in order. A replay sends only the newest marked event
	// (folded, see Fold). Nil coalesces nothing.
	// Like Filter, it runs inside Publish and must be cheap.
	Coalesce func(ev *motcua.Event) bool
	// CoalesceEvery is this connection's least time between two coalesced
	// events; zero takes Options.CoalesceEvery.
	CoalesceEvery time.Duration
	// CoalesceAtOnce sends a coalesced event at once when CoalesceEvery has
	// passed since the last one (after a quiet time), with no random delay;
	// the ones that follow sooner wait, the newest going out when the time
	// comes: for a few screens that should show a change as it happens and
	// only be spared a burst. Without it each one waits, the first after a
	// quiet time a random part of half of CoalesceEvery, so that the
	// thousands of phones of one event do not all wake together.
	CoalesceAtOnce bool
	// Fold is for coalesced events that each carry only a part of a state,
	// as queue events carry the counts of the services that changed: a
	// skipped one would take its part with it. With a Fold, the events it
	// accepts are the coalesced ones (Coalesce is not used), and an event
	// that replaces a waiting one is sent as an event at its seq whose body
	// is the whole state folded so far; a replay sends, in place of the
	// newest of several, the replayed ones folded together.
	Fold *Fold
	// Opened, when set, runs once the connection has joined the fan-out,
	// with a function that ends it (a close frame saying the session ended,
	// then the cut); Closed runs once the connection is over. The counter
	// screens use them to seat their officer and to end the screens of a
	// user whose sessions ended.
	Opened func(end func())
	Closed func()
}

// Fold joins coalesced events that each carry part of a state (see
// Subscription.Fold). A Broadcaster keeps one Folder per Fold, from the first
// subscription that names it on, shared by every subscription that names it,
// and adds to it every event Accept selects, whoever receives it: so the
// state it holds is right for every service (or whatever the parts are)
// that changed since, and a client's snapshot or replay holds the rest.
type Fold struct {
	// Accept selects the events folded. It runs inside Publish for every
	// event and must be cheap.
	Accept func(ev *motcua.Event) bool
	// New returns an empty Folder.
	New func() Folder
}

// Folder holds the state of a Fold.
type Folder interface {
	// Add folds ev into the state; it must not keep ev.
	Add(ev *motcua.Event)
	// Body returns the JSON body of an event that carries the whole state.
	Body() []byte
}

// folding is a Broadcaster's Folder for one Fold. Guarded by Broadcaster.mu.
type folding struct {
	fold  *Fold
	state Folder
	// items holds, for each event of the batch being published that the
	// Fold accepted, the folded event at its seq.
	items []queued
}

// add folds the accepted events of evs and prepares, for each, the folded
// event at its seq.
func (f *folding) add(evs []motcua.Event) {
	f.items = append(f.items[:0], make([]queued, len(evs))...)
	for i := range evs {
		ev := &evs[i]
		if !f.fold.Accept(ev) {
			continue
		}
		f.state.Add(ev)
		msg, err := websocket.NewPreparedMessage(websocket.TextMessage,
			Encode(motcua.Event{Seq: ev.Seq, Type: ev.Type, Body: f.state.Body()}))
		if err == nil {
			f.items[i] = queued{seq: ev.Seq, msg: msg}
		}
	}
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
	folds   []*folding // one per Fold, never removed (see Fold)

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
// to be written: offer starts one, and it ends when the queue is empty. Pings
// go out from a timer. The queue is a slice that grows only while events
// wait, rather than a channel of QueueSize slots allocated up front.
type subscriber struct {
	b        *Broadcaster
	conn     *websocket.Conn
	bc       *batcher // gathers a batch into one write to conn's socket
	filter   func(ev *motcua.Event) bool
	coalesce func(ev *motcua.Event) bool
	fold     *folding // with a Fold: its state, shared
	every    time.Duration
	atOnce   bool
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
	// when the next one may go out. stopLatest cancels the armed timer: one
	// is armed only while a coalesced event waits.
	latest     queued
	nextLatest time.Time
	stopLatest func() bool

	// While the snapshot or replay is written (catchingUp), a coalesced
	// event may arrive that the client gets in it: the hub publishes after
	// it answers, so an event committed before the connection can reach its
	// subscription late. Such an event must not count as the one sent at
	// once, or the next real one would wait for the timer. heldSeq is the
	// newest coalesced event queued meanwhile; handOver decides.
	catchingUp bool
	heldSeq    int64
	// caughtUpTo is the newest seq the snapshot or replay gave the client:
	// an event at or below it that still arrives (published late) is
	// dropped, never taken for news.
	caughtUpTo int64
}

// isCoalesced reports whether ev is one of the events of which only the
// newest matters to s.
func (s *subscriber) isCoalesced(ev *motcua.Event) bool {
	if s.fold != nil {
		return s.fold.fold.Accept(ev)
	}
	return s.coalesce != nil && s.coalesce(ev)
}

// offer queues, without blocking, the events of one batch that s accepts
// (items[i] is evs[i] prepared), under one lock, and starts its writer once,
// so that they go out together. false means the queue was full when the
// batch came (a batch may take it over its limit: one commit's events are
// bounded by the writer's batch, and a healthy client must not be dropped
// for a large commit). Called with Broadcaster.mu held, in seq order.
func (s *subscriber) offer(evs []motcua.Event, items []queued, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	full := len(s.pending) >= s.limit
	for i := range evs {
		ev := &evs[i]
		if items[i].msg == nil || (s.filter != nil && !s.filter(ev)) || items[i].seq <= s.caughtUpTo {
			continue
		}
		if s.isCoalesced(ev) {
			var folded queued
			if s.fold != nil {
				folded = s.fold.items[i]
			}
			if !s.pushLatestLocked(items[i], folded, now, full) {
				return false
			}
			continue
		}
		if full {
			return false
		}
		s.queueLatestLocked() // an older coalesced event goes first
		s.pending = append(s.pending, items[i])
	}
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
		if err := s.writeBatch(batch); err != nil {
			// The reader notices the closed connection and finishes it;
			// writing stays true so no other writer starts.
			s.conn.Close()
			return
		}
	}
}

// maxBatchBytes is how much of a batch is gathered before it is written:
// a client far behind gets its events in a few large writes, never in one
// buffer as large as its whole queue.
const maxBatchBytes = 64 << 10

// writeBatch writes the events of batch the client does not have yet, in
// seq order, with one write deadline for the batch; several go out in one
// write to the socket.
func (s *subscriber) writeBatch(batch []queued) error {
	n := 0
	for _, item := range batch {
		if item.seq > s.lastSent {
			n++
		}
	}
	if n == 0 {
		return nil // already in the snapshot or the replay
	}
	deadline := time.Now().Add(s.b.opts.WriteWait)
	s.conn.SetWriteDeadline(deadline)
	gather := n > 1 && s.bc != nil
	if gather {
		s.bc.gather()
	}
	for _, item := range batch {
		if item.seq <= s.lastSent {
			continue
		}
		if err := s.conn.WritePreparedMessage(item.msg); err != nil {
			if gather {
				s.bc.drop()
			}
			return err
		}
		s.lastSent = item.seq
		if gather && s.bc.gathered() >= maxBatchBytes {
			if err := s.bc.flush(deadline); err != nil {
				return err
			}
			s.bc.gather()
		}
	}
	if gather {
		return s.bc.flush(deadline)
	}
	return nil
}

// sendPing runs on the ping timer. WriteControl may run alongside a writer:
// while a batch is being written the ping joins it (batcher) instead of
// waiting for it.
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

// pushLatestLocked keeps item as the newest coalesced event; folded, when
// set, is the same event carrying the whole folded state, sent instead when
// item replaces a waiting one. The next coalesced event may go out every
// after the last one (nextLatest). With atOnce, item goes out now if that
// time has come; otherwise it waits, and a timer is armed for it: at
// nextLatest, and for a subscriber without atOnce also after a random part
// of half of every, so that the clients of one event do not all wake
// together. No timer is armed while nothing waits. false means the queue is
// full and item would go into it. s.mu must be held.
func (s *subscriber) pushLatestLocked(item, folded queued, now time.Time, full bool) bool {
	if s.ended {
		return true
	}
	if s.catchingUp { // kept for handOver, which knows what the client has
		if s.latest.msg != nil && folded.msg != nil {
			item = folded
		}
		s.latest = item
		return true
	}
	if s.latest.msg != nil { // a timer is armed for the one it replaces
		if folded.msg != nil {
			item = folded
		}
		s.latest = item
		return true
	}
	if s.atOnce && !now.Before(s.nextLatest) {
		if full {
			return false
		}
		s.pending = append(s.pending, item)
		s.nextLatest = now.Add(s.every)
		return true
	}
	s.latest = item
	due := s.nextLatest
	if !s.atOnce {
		jitter := now
		if half := s.every / 2; half > 0 {
			jitter = now.Add(rand.N(half))
		}
		if jitter.After(due) {
			due = jitter
		}
	}
	s.stopLatest = s.b.opts.AfterFunc(due.Sub(now), s.releaseLatest)
	return true
}

// releaseLatest runs when the coalesced event's time has come.
func (s *subscriber) releaseLatest() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.queueLatestLocked() {
		s.startWriterLocked()
	}
}

// queueLatestLocked moves the waiting coalesced event, if any, to the queue,
// and the time of the next one to every from now. The queue may go one
// over its limit here: the coalesced slot was already accepted. s.mu must
// be held.
func (s *subscriber) queueLatestLocked() bool {
	if s.latest.msg == nil {
		return false
	}
	s.pending = append(s.pending, s.latest)
	if s.catchingUp {
		s.heldSeq = s.latest.seq // handOver sets the next time, if it is news
	} else {
		s.nextLatest = s.b.opts.Now().Add(s.every)
	}
	s.latest = queued{}
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
	s.catchingUp, s.caughtUpTo = false, lastSent
	if s.latest.msg != nil { // the newest coalesced event that came meanwhile
		s.pending = append(s.pending, s.latest)
		s.heldSeq, s.latest = s.latest.seq, queued{}
	}
	if s.heldSeq > lastSent { // news to the client: it goes now, and counts
		s.nextLatest = s.b.opts.Now().Add(s.every)
	}
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
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.AfterFunc == nil {
		opts.AfterFunc = func(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }
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
	b.PublishBatch([]motcua.Event{ev})
}

// PublishBatch publishes the events of one commit, in seq order, as Publish
// would one by one, but hands each subscriber all the events it accepts
// before its writer starts: a display gets a commit's call and queue count
// in one write. The writer calls it when its publisher has it.
func (b *Broadcaster) PublishBatch(evs []motcua.Event) {
	if len(evs) == 0 {
		return
	}
	// Each event encoded once, outside the lock; a nil msg is skipped (only
	// compression can fail, and it is off).
	items := make([]queued, len(evs))
	for i := range evs {
		if msg, err := websocket.NewPreparedMessage(websocket.TextMessage, Encode(evs[i])); err == nil {
			items[i] = queued{seq: evs[i].Seq, msg: msg}
		}
	}
	now := b.opts.Now()
	var slow []*subscriber
	b.mu.Lock()
	for _, f := range b.folds {
		f.add(evs)
	}
	for s := range b.subs {
		if !s.offer(evs, items, now) {
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

// foldingLocked returns the Broadcaster's state of fold, made on first use.
// b.mu must be held.
func (b *Broadcaster) foldingLocked(fold *Fold) *folding {
	for _, f := range b.folds {
		if f.fold == fold {
			return f
		}
	}
	f := &folding{fold: fold, state: fold.New()}
	b.folds = append(b.folds, f)
	return f
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

	hw := &hijacker{ResponseWriter: w, wrap: b.opts.wrapConn}
	conn, err := b.upgrader.Upgrade(hw, r, nil)
	if err != nil {
		b.release(addr, counted)
		return // the upgrader has already answered the client
	}
	every := sub.CoalesceEvery
	if every <= 0 {
		every = b.opts.CoalesceEvery
	}
	s := &subscriber{
		b:          b,
		conn:       conn,
		bc:         hw.batch,
		filter:     sub.Filter,
		coalesce:   sub.Coalesce,
		every:      every,
		atOnce:     sub.CoalesceAtOnce,
		closed:     sub.Closed,
		limit:      b.opts.QueueSize,
		addr:       addr,
		counted:    counted,
		readerDone: make(chan struct{}),
		dropped:    make(chan struct{}),
		writing:    true, // the catch-up below writes first
		catchingUp: true,
	}
	// Register before taking the snapshot or replay, so that every event
	// committed after them is already being buffered: nothing falls between.
	// A Fold's state starts here at the latest, so it holds every part
	// that changed after the snapshot below.
	b.mu.Lock()
	closed := b.closed
	if !closed {
		b.subs[s] = struct{}{}
		if sub.Fold != nil {
			s.fold = b.foldingLocked(sub.Fold)
		}
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
	lastSent, err := b.catchUp(ctx, conn, hw.batch, sub, since)
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
// returns the seq of the last event the client now knows. A replay goes out
// in as few writes to the socket as bc gathers.
func (b *Broadcaster) catchUp(ctx context.Context, conn *websocket.Conn, bc *batcher, sub Subscription, since int64) (int64, error) {
	if since >= 0 && sub.Replay != nil {
		events, ok, err := sub.Replay(ctx, since)
		if err != nil {
			return 0, err
		}
		if ok {
			return b.replay(conn, bc, sub, since, events)
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

// replay sends the events after since that sub accepts; of the coalesced
// ones only the newest, and with a Fold, when it stands for several, it
// carries them all folded together.
func (b *Broadcaster) replay(conn *websocket.Conn, bc *batcher, sub Subscription, since int64, events []motcua.Event) (int64, error) {
	coalesced := sub.Coalesce
	if sub.Fold != nil {
		coalesced = sub.Fold.Accept
	}
	// Filter first, then send.
	type kept struct {
		ev        *motcua.Event
		coalesced bool
	}
	var send []kept
	newestCoalesced, nCoalesced := -1, 0
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
		c := coalesced != nil && coalesced(ev)
		if c {
			newestCoalesced = len(send)
			nCoalesced++
		}
		send = append(send, kept{ev, c})
	}
	var folded []byte
	if sub.Fold != nil && nCoalesced > 1 {
		f := sub.Fold.New()
		for _, k := range send {
			if k.coalesced {
				f.Add(k.ev)
			}
		}
		folded = f.Body()
	}
	gather := len(send) > 1 && bc != nil
	if gather {
		bc.gather()
	}
	deadline := time.Now().Add(b.opts.WriteWait)
	for i, k := range send {
		if k.coalesced && i != newestCoalesced {
			continue
		}
		ev := *k.ev
		if k.coalesced && folded != nil {
			ev = motcua.Event{Seq: ev.Seq, Type: ev.Type, Body: folded}
		}
		if err := b.write(conn, websocket.TextMessage, Encode(ev)); err != nil {
			if gather {
				bc.drop()
			}
			return 0, err
		}
		if gather && bc.gathered() >= maxBatchBytes {
			if err := bc.flush(deadline); err != nil {
				return 0, err
			}
			bc.gather()
		}
	}
	if gather {
		if err := bc.flush(deadline); err != nil {
			return 0, err
		}
	}
	return last, nil
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
