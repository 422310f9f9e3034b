package bound

import (
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Broadcaster is the textbook gorilla/websocket fan-out: each message is
// encoded once as a PreparedMessage and handed to every connection's
// bounded queue without blocking; one writer goroutine per connection
// writes it; a connection whose queue is full is dropped (the hub's
// slow-client rule); one reader goroutine per connection answers pongs and
// notices the end.
type Broadcaster struct {
	upgrader  websocket.Upgrader
	queueSize int

	mu     sync.Mutex // serialises Publish and guards conns and seq
	conns  map[*wsConn]struct{}
	seq    int64
	closed bool
}

// Timeouts of a connection, the hub's defaults (live.Default*).
const (
	writeWait      = 10 * time.Second
	pongWait       = 60 * time.Second
	pingPeriod     = pongWait * 9 / 10
	maxMessageSize = 512
)

// NewBroadcaster returns a broadcaster whose connections queue at most
// queueSize messages (0: the hub's 256).
func NewBroadcaster(queueSize int) *Broadcaster {
	if queueSize <= 0 {
		queueSize = 256
	}
	return &Broadcaster{queueSize: queueSize, conns: map[*wsConn]struct{}{},
		upgrader: websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}}
}

type wsConn struct {
	b    *Broadcaster
	ws   *websocket.Conn
	send chan *websocket.PreparedMessage
	done chan struct{}
	once sync.Once
}

// Serve upgrades the request and subscribes the connection. Its first
// message is snapshot(seq), where seq is the last event published before
// it; every later event follows in publish order.
func (b *Broadcaster) Serve(w http.ResponseWriter, r *http.Request, snapshot func(seq int64) []byte) {
	ws, err := b.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered the client
	}
	c := &wsConn{b: b, ws: ws, send: make(chan *websocket.PreparedMessage, b.queueSize+1), done: make(chan struct{})}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		ws.Close()
		return
	}
	pm, err := websocket.NewPreparedMessage(websocket.TextMessage, snapshot(b.seq))
	if err != nil {
		b.mu.Unlock()
		ws.Close()
		return
	}
	c.send <- pm // the queue is empty: this cannot block
	b.conns[c] = struct{}{}
	b.mu.Unlock()
	go c.write()
	go c.read()
}

// Publish sends msg, the event seq, to every connection.
func (b *Broadcaster) Publish(seq int64, msg []byte) {
	pm, err := websocket.NewPreparedMessage(websocket.TextMessage, msg)
	if err != nil {
		return
	}
	var slow []*wsConn
	b.mu.Lock()
	b.seq = seq
	for c := range b.conns {
		select {
		case c.send <- pm:
		default:
			delete(b.conns, c)
			slow = append(slow, c)
		}
	}
	b.mu.Unlock()
	for _, c := range slow {
		c.close()
	}
}

// Conns is the number of subscribed connections.
func (b *Broadcaster) Conns() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.conns)
}

// Close ends every connection.
func (b *Broadcaster) Close() {
	b.mu.Lock()
	b.closed = true
	conns := b.conns
	b.conns = map[*wsConn]struct{}{}
	b.mu.Unlock()
	for c := range conns {
		c.close()
	}
}

func (c *wsConn) close() {
	c.once.Do(func() {
		close(c.done)
		c.ws.Close()
	})
}

func (c *wsConn) write() {
	ping := time.NewTicker(pingPeriod)
	defer ping.Stop()
	for {
		select {
		case pm := <-c.send:
			c.ws.SetWriteDeadline(time.Now().Add(writeWait))
			if err := c.ws.WritePreparedMessage(pm); err != nil {
				c.close()
				return
			}
		case <-ping.C:
			if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)); err != nil {
				c.close()
				return
			}
		case <-c.done:
			return
		}
	}
}

func (c *wsConn) read() {
	defer func() {
		c.b.mu.Lock()
		delete(c.b.conns, c)
		c.b.mu.Unlock()
		c.close()
	}()
	c.ws.SetReadLimit(maxMessageSize)
	c.ws.SetReadDeadline(time.Now().Add(pongWait))
	c.ws.SetPongHandler(func(string) error { return c.ws.SetReadDeadline(time.Now().Add(pongWait)) })
	for {
		if _, _, err := c.ws.NextReader(); err != nil {
			return
		}
	}
}
