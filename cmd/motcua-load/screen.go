package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// screen is one websocket client: a hall display or a phone following its
// ticket. Like the real pages it remembers the last seq it saw and, when the
// connection drops, reconnects with ?since=<seq>.
type screen struct {
	base   string // ws://host:port
	path   string // /ws/display or /ws/track/<token>
	dialer *websocket.Dialer

	connMu sync.Mutex // conn is replaced by the reader and cut by drop and stop
	conn   *websocket.Conn

	// Owned by the reader goroutine until done is closed.
	lastSeq   int64
	calls     []seenCall // call events in arrival order
	frames    int
	snapshots int // snapshots received after the first (replay not possible)
	redials   int // reconnections, forced or not
	err       error

	dropped     atomic.Bool    // set before a forced disconnect, so the reader redials quietly
	reconnected chan time.Time // when each forced reconnect was back
	stopping    atomic.Bool
	started     atomic.Bool
	done        chan struct{}
	connectedAt time.Time
}

// seenCall is one call frame as a display received it.
type seenCall struct {
	ticketID int64
	seq      int64
	at       time.Time
}

func newScreen(base, path string, dialer *websocket.Dialer) *screen {
	return &screen{base: base, path: path, dialer: dialer, lastSeq: -1,
		reconnected: make(chan time.Time, 1), done: make(chan struct{})}
}

// connect dials and reads the first message (the snapshot), then starts the
// reader goroutine.
func (s *screen) connect(ctx context.Context) error {
	if err := s.dial(ctx, -1); err != nil {
		return err
	}
	s.started.Store(true)
	go s.readLoop()
	return nil
}

// dial opens the connection (with since when >= 0) and handles its first message.
func (s *screen) dial(ctx context.Context, since int64) error {
	url := s.base + s.path
	if since >= 0 {
		url += "?since=" + strconv.FormatInt(since, 10)
	}
	conn, resp, err := s.dialer.DialContext(ctx, url, nil)
	if err != nil {
		if resp != nil {
			return fmt.Errorf("dial %s: %w (status %d)", s.path, err, resp.StatusCode)
		}
		return fmt.Errorf("dial %s: %w", s.path, err)
	}
	s.setConn(conn)
	s.connectedAt = time.Now()
	if since < 0 {
		// A fresh connection always starts with a snapshot.
		conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		_, data, err := conn.ReadMessage()
		if err != nil {
			conn.Close()
			return fmt.Errorf("read snapshot of %s: %w", s.path, err)
		}
		conn.SetReadDeadline(time.Time{})
		s.handle(data, time.Now(), true)
	}
	return nil
}

// readLoop reads until stop, redialling with since after a drop.
func (s *screen) readLoop() {
	defer close(s.done)
	for {
		conn := s.current()
		_, data, err := conn.ReadMessage()
		if err == nil {
			s.handle(data, time.Now(), false)
			continue
		}
		conn.Close()
		if s.stopping.Load() {
			return
		}
		forced := s.dropped.Swap(false)
		if !forced && !s.stopping.Load() {
			// The hub dropped us (slow client, restart): back off a little.
			time.Sleep(100 * time.Millisecond)
		}
		if err := s.redial(); err != nil {
			s.err = err
			return
		}
		if s.stopping.Load() { // stop may have missed the new connection
			s.current().Close()
			return
		}
		if forced {
			select {
			case s.reconnected <- time.Now():
			default:
			}
		}
	}
}

// redial reconnects with since, a few times if the hub is busy.
func (s *screen) redial() error {
	var err error
	for attempt := range 20 {
		if s.stopping.Load() {
			return nil
		}
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		err = s.dial(ctx, s.lastSeq)
		cancel()
		if err == nil {
			s.redials++
			return nil
		}
		if s.stopping.Load() {
			return nil
		}
		time.Sleep(time.Duration(50*(attempt+1)) * time.Millisecond)
	}
	return err
}

// drop cuts the connection as a network failure would; the reader redials.
func (s *screen) drop() {
	s.dropped.Store(true)
	s.current().UnderlyingConn().Close()
}

// stop ends the reader and waits for it.
func (s *screen) stop() {
	s.stopping.Store(true)
	if !s.started.Load() {
		return
	}
	s.current().Close()
	<-s.done
}

func (s *screen) current() *websocket.Conn {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	return s.conn
}

func (s *screen) setConn(c *websocket.Conn) {
	s.connMu.Lock()
	s.conn = c
	s.connMu.Unlock()
}

var (
	prefixCall     = []byte(`{"type":"call","seq":`)
	prefixSnapshot = []byte(`{"type":"snapshot","seq":`)
	prefixAnyEvent = []byte(`{"type":"`)
	keyTicketID    = []byte(`"ticket":{"id":`)
	keySeq         = []byte(`"seq":`)
)

// handle records one message. Events are read without a full JSON decode: the
// hub writes "type" then "seq" first (live.Encode), and this process shares
// two cores with the hub, so decoding every frame of 10,000 clients would
// measure the load tool rather than the hub.
func (s *screen) handle(data []byte, at time.Time, first bool) {
	s.frames++
	switch {
	case bytes.HasPrefix(data, prefixCall):
		seq := leadingInt(data[len(prefixCall):])
		if seq <= s.lastSeq {
			return // already seen: the hub may resend around a reconnect
		}
		s.lastSeq = seq
		if i := bytes.Index(data, keyTicketID); i >= 0 {
			s.calls = append(s.calls, seenCall{ticketID: leadingInt(data[i+len(keyTicketID):]), seq: seq, at: at})
		}
	case bytes.HasPrefix(data, prefixSnapshot):
		if !first {
			s.snapshots++
		}
		s.lastSeq = leadingInt(data[len(prefixSnapshot):])
		// A display's snapshot lists the recent calls: they count as seen.
		var snap struct {
			Calls []struct {
				Seq    int64 `json:"seq"`
				Ticket struct {
					ID int64 `json:"id"`
				} `json:"ticket"`
			} `json:"calls"`
		}
		if !first && json.Unmarshal(data, &snap) == nil {
			for _, c := range snap.Calls {
				s.calls = append(s.calls, seenCall{ticketID: c.Ticket.ID, seq: c.Seq, at: at})
			}
		}
	case bytes.HasPrefix(data, prefixAnyEvent):
		if i := bytes.Index(data, keySeq); i >= 0 {
			if seq := leadingInt(data[i+len(keySeq):]); seq > s.lastSeq {
				s.lastSeq = seq
			}
		}
	}
}

// leadingInt parses the decimal digits at the start of b.
func leadingInt(b []byte) int64 {
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

// connectAll connects screens with at most parallel dials at once (the
// hub's listen backlog is finite) and returns the first error.
func connectAll(ctx context.Context, screens []*screen, parallel int) error {
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	next := make(chan *screen)
	for range max(1, parallel) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range next {
				if err := s.connect(ctx); err != nil {
					once.Do(func() { first = err })
				}
			}
		}()
	}
	for _, s := range screens {
		if ctx.Err() != nil {
			break
		}
		next <- s
	}
	close(next)
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

// newDialer returns a dialer with small buffers: a real display reads a few
// hundred bytes at a time, and 10,000 clients share this process.
func newDialer() *websocket.Dialer {
	return &websocket.Dialer{ReadBufferSize: 2048, WriteBufferSize: 256, HandshakeTimeout: 30 * time.Second}
}
