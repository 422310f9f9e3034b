package web

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/motcua/motcua"
)

// Clients knows which addresses are the hall's own (trusted: no per-client
// limits) and builds absolute URLs for QR codes and tracking links.
type Clients struct {
	Trusted []netip.Prefix
	// BaseURL, when set, fixes scheme and host of absolute URLs.
	BaseURL string
}

// ParseTrusted reads a comma-separated CIDR list; an empty string trusts nobody.
func ParseTrusted(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// Addr is the client's address as the connection shows it. Forwarded headers
// are not trusted: a hall hub faces its clients directly.
func Addr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

// IsTrusted reports whether the request comes from a trusted address.
func (c Clients) IsTrusted(r *http.Request) bool {
	a := Addr(r)
	for _, p := range c.Trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// URL makes an absolute URL for path on BaseURL. Without BaseURL it uses
// the request's Host only when it names the address the client connected to,
// else that address itself: a forged Host header never ends up in a QR code
// or a tracking link (cmd/motcua warns at start when BaseURL is unset).
func (c Clients) URL(r *http.Request, path string) string {
	if c.BaseURL != "" {
		return strings.TrimRight(c.BaseURL, "/") + path
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + hostOf(r) + path
}

// hostOf is the request's Host when it is the connection's own local
// address (as an IP literal and port), else that local address.
func hostOf(r *http.Request) string {
	local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return r.Host // not served by net/http (a unit test's recorder)
	}
	lhost, lport, err := net.SplitHostPort(local.String())
	if err != nil {
		return r.Host
	}
	la, err := netip.ParseAddr(lhost)
	if err != nil {
		return r.Host
	}
	la = la.Unmap().WithZone("")
	if h, p, err := net.SplitHostPort(r.Host); err == nil && p == lport {
		if ha, err := netip.ParseAddr(strings.Trim(h, "[]")); err == nil && ha.Unmap() == la {
			return r.Host
		}
	}
	return net.JoinHostPort(la.String(), lport)
}

// RateLimiter limits requests per client address with a token bucket each;
// trusted addresses are never limited. Idle buckets are forgotten.
type RateLimiter struct {
	Clients Clients
	Every   time.Duration
	Burst   int

	mu      sync.Mutex
	buckets map[netip.Addr]*bucket
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// Allow reports whether the request may go on, counting it.
func (l *RateLimiter) Allow(r *http.Request) bool {
	if l.Clients.IsTrusted(r) {
		return true
	}
	now := time.Now()
	a := Addr(r)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = map[netip.Addr]*bucket{}
	}
	if now.Sub(l.swept) > time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > 10*time.Minute {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b, ok := l.buckets[a]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(rate.Every(l.Every), l.Burst)}
		l.buckets[a] = b
	}
	b.seen = now
	return b.lim.Allow()
}

// ErrTooMany is the answer to a client over its limit.
var ErrTooMany = motcua.Errorf(motcua.ETooMany, "Bạn đã lấy quá nhiều số, vui lòng chờ một lát. / Too many requests from this device; please wait a moment.")
