package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/httprate"

	"github.com/motcua/motcua"
)

// ContentSecurityPolicy is sent with every answer: scripts and everything
// else only from the hub itself (no inline script, no inline event handler:
// pages bind their handlers in static/*.js), inline styles allowed (the
// printouts carry their own print styles), no framing by another site.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; media-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// SecurityHeaders is middleware that sends the browser hardening headers
// with every answer: the CSP above, no Referer (a tracking link's token must
// not leak to another site), no MIME sniffing, no framing.
func SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// CrossOrigin is middleware that refuses state-changing requests a browser
// sends on behalf of another web site (Go's http.CrossOriginProtection reads
// Sec-Fetch-Site, then Origin against Host): a page on another origin open
// on a kiosk or a staff PC can then neither issue tickets nor act with the
// staff's cookie. Requests without those headers (kiosk scripts, curl, load
// tests) pass; safe methods (GET, HEAD, OPTIONS) always pass. trusted are
// origins ("https://portal.example.vn") allowed anyway.
func CrossOrigin(trusted []string) func(http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	for _, o := range trusted {
		if strings.Contains(o, "://") {
			_ = cop.AddTrustedOrigin(o) // a malformed entry only trusts nothing more
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Error(w, r, motcua.Errorf(motcua.EForbidden,
			"Yêu cầu từ một trang web khác bị từ chối. / A request from another web site was refused."))
	}))
	return cop.Handler
}

// LimitPerAddress is middleware that lets every client address, trusted or
// not, make at most n requests a window (chi's httprate, a sliding window
// counter), and answers the rest with ETooMany and message. It guards what
// can be guessed: the reactivation codes, typed at the hall's own kiosks.
func LimitPerAddress(n int, window time.Duration, message string) func(http.Handler) http.Handler {
	return httprate.LimitBy(n, window, func(r *http.Request) (string, error) {
		return Addr(r).String(), nil
	}, httprate.WithLimitHandler(func(w http.ResponseWriter, r *http.Request) {
		Error(w, r, motcua.Errorf(motcua.ETooMany, "%s", message))
	}))
}
