package live

import (
	"bufio"
	"net"
	"net/http"
	"sync"
	"time"
)

// batchConn is a websocket's hijacked connection. gorilla/websocket writes
// each frame with its own Write (and SetWriteDeadline) on it, under the
// websocket's write lock: one system call per frame. Between gather and
// flush, writes are gathered in a buffer instead, so that a batch of frames
// goes out in one write.
//
// Any write made meanwhile by another goroutine (a ping from the timer, a
// pong or a close frame from the reader) joins the buffer after the frames
// already in it, and returns at once: it is never held back behind a long
// flush. flush keeps writing until the buffer is empty, then stops
// gathering. Frames stay whole and in order, since each Write is one frame.
type batchConn struct {
	net.Conn

	mu        sync.Mutex
	gathering bool
	buf       *[]byte // what was gathered, from bufPool
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// gather starts gathering writes.
func (c *batchConn) gather() {
	c.mu.Lock()
	c.gathering = true
	c.mu.Unlock()
}

// gathered returns how many bytes wait to be flushed.
func (c *batchConn) gathered() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.buf == nil {
		return 0
	}
	return len(*c.buf)
}

// flush writes what was gathered, and what joins it while that is written,
// with one deadline, then stops gathering.
func (c *batchConn) flush(deadline time.Time) error {
	for {
		c.mu.Lock()
		buf := c.buf
		c.buf = nil
		if buf == nil || len(*buf) == 0 {
			c.gathering = false
			c.mu.Unlock()
			putBuf(buf)
			return nil
		}
		c.mu.Unlock()
		c.Conn.SetWriteDeadline(deadline)
		_, err := c.Conn.Write(*buf)
		putBuf(buf)
		if err != nil {
			c.drop()
			return err
		}
	}
}

// drop stops gathering and forgets what was gathered: the connection
// failed and is being closed.
func (c *batchConn) drop() {
	c.mu.Lock()
	buf := c.buf
	c.buf, c.gathering = nil, false
	c.mu.Unlock()
	putBuf(buf)
}

func putBuf(buf *[]byte) {
	if buf != nil && cap(*buf) <= maxBatchBytes*2 {
		*buf = (*buf)[:0]
		bufPool.Put(buf)
	}
}

// Write gathers p while a batch is gathered, and writes it otherwise.
func (c *batchConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	if c.gathering {
		if c.buf == nil {
			c.buf = bufPool.Get().(*[]byte)
		}
		*c.buf = append(*c.buf, p...)
		c.mu.Unlock()
		return len(p), nil
	}
	c.mu.Unlock()
	return c.Conn.Write(p)
}

// SetWriteDeadline is ignored while a batch is gathered: flush sets the
// batch's deadline.
func (c *batchConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	gathering := c.gathering
	c.mu.Unlock()
	if gathering {
		return nil
	}
	return c.Conn.SetWriteDeadline(t)
}

// hijacker hands gorilla's Upgrader the connection wrapped in a batchConn
// when it hijacks it: the handshake, every frame and every control message
// then go through the batchConn.
type hijacker struct {
	http.ResponseWriter
	wrap func(net.Conn) net.Conn // Options.wrapConn
	conn *batchConn              // set by Hijack
}

func (h *hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	if h.wrap != nil {
		c = h.wrap(c)
	}
	h.conn = &batchConn{Conn: c}
	return h.conn, rw, nil
}
