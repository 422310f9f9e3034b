package live

import (
	"bufio"
	"net"
	"net/http"
	"sync"
	"time"
)

// batcher gathers the writes to a websocket's socket. gorilla/websocket
// writes each frame with its own Write (and SetWriteDeadline) on the
// connection it hijacked, under the websocket's write lock: one system call
// per frame. Between gather and flush, writes are gathered in a buffer
// instead, so that a batch of frames goes out in one write.
//
// Any write made meanwhile by another goroutine (a ping from the timer, a
// pong or a close frame from the reader) joins the buffer after the frames
// already in it, and returns at once: it is never held back behind a long
// flush. flush keeps writing until the buffer is empty, then stops
// gathering. Frames stay whole and in order, since each Write is one frame.
//
// gorilla gets the socket as a batchConn, or as a tcpBatchConn for a TCP
// socket: reads go straight to the socket either way, but the TCP one
// embeds the concrete *net.TCPConn so that an idle connection's reader,
// parked in Read, has no extra frame on its stack (one more frame took it
// over 2 KiB, to a 4 KiB stack per idle connection).
type batcher struct {
	conn net.Conn // the socket

	mu        sync.Mutex
	gathering bool
	buf       *[]byte // what was gathered, from bufPool
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// gather starts gathering writes.
func (c *batcher) gather() {
	c.mu.Lock()
	c.gathering = true
	c.mu.Unlock()
}

// gathered returns how many bytes wait to be flushed.
func (c *batcher) gathered() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.buf == nil {
		return 0
	}
	return len(*c.buf)
}

// flush writes what was gathered, and what joins it while that is written,
// with one deadline, then stops gathering.
func (c *batcher) flush(deadline time.Time) error {
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
		c.conn.SetWriteDeadline(deadline)
		_, err := c.conn.Write(*buf)
		putBuf(buf)
		if err != nil {
			c.drop()
			return err
		}
	}
}

// drop stops gathering and forgets what was gathered: the connection
// failed and is being closed.
func (c *batcher) drop() {
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

// write gathers p while a batch is gathered, and writes it otherwise.
func (c *batcher) write(p []byte) (int, error) {
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
	return c.conn.Write(p)
}

// setWriteDeadline is ignored while a batch is gathered: flush sets the
// batch's deadline.
func (c *batcher) setWriteDeadline(t time.Time) error {
	c.mu.Lock()
	gathering := c.gathering
	c.mu.Unlock()
	if gathering {
		return nil
	}
	return c.conn.SetWriteDeadline(t)
}

// batchConn is a socket whose writes go through a batcher.
type batchConn struct {
	net.Conn
	*batcher
}

func (c *batchConn) Write(p []byte) (int, error)        { return c.write(p) }
func (c *batchConn) SetWriteDeadline(t time.Time) error { return c.setWriteDeadline(t) }

// tcpBatchConn is a batchConn over a TCP socket (see batcher).
type tcpBatchConn struct {
	*net.TCPConn
	*batcher
}

func (c *tcpBatchConn) Write(p []byte) (int, error)        { return c.write(p) }
func (c *tcpBatchConn) SetWriteDeadline(t time.Time) error { return c.setWriteDeadline(t) }

// hijacker hands gorilla's Upgrader the connection with its writes going
// through a batcher when it hijacks it: the handshake, every frame and
// every control message then go through the batcher.
type hijacker struct {
	http.ResponseWriter
	wrap  func(net.Conn) net.Conn // Options.wrapConn
	batch *batcher                // set by Hijack
}

func (h *hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	if h.wrap != nil {
		c = h.wrap(c)
	}
	h.batch = &batcher{conn: c}
	if tc, ok := c.(*net.TCPConn); ok {
		return &tcpBatchConn{TCPConn: tc, batcher: h.batch}, rw, nil
	}
	return &batchConn{Conn: c, batcher: h.batch}, rw, nil
}
