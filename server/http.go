package server

import (
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/motcua/motcua/live"
)

// Defaults for slow and greedy clients (Config can change them).
const (
	// DefaultHeaderTimeout bounds reading a request's headers.
	DefaultHeaderTimeout = 10 * time.Second
	// DefaultBodyTimeout bounds reading a request's body and writing its
	// answer (websockets excepted: they live long by design).
	DefaultBodyTimeout = 30 * time.Second
	// DefaultIdleTimeout closes a kept-alive connection nobody uses.
	DefaultIdleTimeout = 120 * time.Second
	// DefaultMaxConnsPerAddr bounds the open HTTP connections of one
	// untrusted address: its websockets (live.DefaultMaxConnsPerAddr) and a
	// browser's few page connections fit.
	DefaultMaxConnsPerAddr = live.DefaultMaxConnsPerAddr + 12
)

// HTTP is the http.Server to serve the hub with: deadlines for reading each
// request's headers, for its body and answer, and for idle connections, so
// a client sending one byte every few seconds is cut off instead of held
// forever. Serve it on Listener(ln).
func (s *Server) HTTP() *http.Server {
	return &http.Server{Handler: s.Handler, ReadHeaderTimeout: s.timeouts.header, IdleTimeout: DefaultIdleTimeout}
}

// Listener wraps ln so one untrusted address holds at most the configured
// number of connections at once; further connections are closed as soon as
// they are accepted. Trusted addresses (the hall's own kiosks and screens)
// are never capped.
func (s *Server) Listener(ln net.Listener) net.Listener {
	return &capListener{Listener: ln, max: s.timeouts.maxConns, trusted: s.trusted, open: map[netip.Addr]int{}, log: s.log}
}

type httpLimits struct {
	header, body time.Duration
	maxConns     int
}

// withDeadlines is middleware that gives each ordinary request BodyTimeout
// to send its body and receive its answer. Websocket upgrades keep the
// connection's own deadlines (live pings them).
func withDeadlines(d time.Duration) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
				rc := http.NewResponseController(w)
				deadline := time.Now().Add(d)
				_ = rc.SetReadDeadline(deadline) // not every writer can (httptest recorders)
				_ = rc.SetWriteDeadline(deadline)
			}
			next.ServeHTTP(w, r)
		})
	}
}

type capListener struct {
	net.Listener
	max     int
	trusted []netip.Prefix
	log     *slog.Logger

	mu     sync.Mutex
	open   map[netip.Addr]int
	warned time.Time // the last warning: at most one a minute
}

func (l *capListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		addr := remoteAddr(c)
		if !addr.IsValid() || l.isTrusted(addr) {
			return c, nil
		}
		l.mu.Lock()
		if l.open[addr] >= l.max {
			warn := time.Since(l.warned) > time.Minute
			if warn {
				l.warned = time.Now()
			}
			l.mu.Unlock()
			c.Close() // over the cap: refused at once, no descriptor held
			if warn {
				l.log.Warn("connections refused: an untrusted address holds the most it may (-max-conns-per-addr); "+
					"if it is a NAT for many devices (the guest Wi-Fi), raise the cap", "addr", addr, "max", l.max)
			}
			continue
		}
		l.open[addr]++
		l.mu.Unlock()
		return &countedConn{Conn: c, release: func() { l.release(addr) }}, nil
	}
}

func (l *capListener) release(addr netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[addr]--; l.open[addr] <= 0 {
		delete(l.open, addr)
	}
}

func (l *capListener) isTrusted(a netip.Addr) bool {
	for _, p := range l.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func remoteAddr(c net.Conn) netip.Addr {
	if tcp, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		a, _ := netip.AddrFromSlice(tcp.IP)
		return a.Unmap()
	}
	return netip.Addr{}
}

type countedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *countedConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}
