// Package motcua holds the domain words of a one-stop ("một cửa") branch hall:
// services, counters, tickets, events, staff and the application error type.
// It depends on the standard library only; every other package speaks in these words.
package motcua

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Clock is the single source of "now". The hub and every handler take one, so
// tests can move time across midnight, due dates and holidays without sleeping.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

func (SystemClock) Now() time.Time { return time.Now() }

// Error codes. Each maps to one HTTP status in web.StatusOf; the code is what
// clients see in {"error":{"code":...}}.
const (
	EInvalid          = "invalid_input"      // 400: malformed request
	EValidation       = "validation_failed"  // 422: well-formed but fields are wrong
	ENotFound         = "not_found"          // 404
	EConflict         = "conflict"           // 409: the move is not allowed now
	EClosed           = "service_closed"     // 409: outside service hours or over the daily cap
	EUnauthorized     = "unauthorized"       // 401
	EForbidden        = "forbidden"          // 403
	ETooMany          = "too_many_requests"  // 429
	ETooLarge         = "body_too_large"     // 413
	EUnavailable      = "unavailable"        // 503: the database cannot take writes
	EMethodNotAllowed = "method_not_allowed" // 405: a known path with the wrong method
	EInternal         = "internal"           // 500: a bug; details go to the log only
)

// Error is the one application error. Message is written for a person who can
// act on it (staff, kiosk operator, integrator); Fields carries per-field
// messages for a 422.
type Error struct {
	Code    string
	Message string
	Fields  map[string]string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf builds an *Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of an *Error in err's chain, or EInternal.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EInternal
}

// ErrorMessage returns the person-facing message of err; internal errors get a
// generic text so nothing from the database leaks to clients.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Lỗi hệ thống, vui lòng thử lại. / Internal error, please try again."
}

// ManualClock is a clock that moves only when told to: tests and the load
// tool use it to walk across midnight, due dates and holidays.
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock starts a manual clock at t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{now: t} }

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// RandomToken returns n random bytes, URL-safe encoded: ticket tracking
// tokens, session tokens, generated passwords.
func RandomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
