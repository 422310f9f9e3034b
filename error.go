package motcua

import (
	"errors"
	"fmt"
)

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
	// Cause is what went wrong underneath (the disk is full, the database
	// is read-only): for the log only, never shown to a client.
	Cause error
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return e.Code + ": " + e.Message + ": " + e.Cause.Error()
	}
	return e.Code + ": " + e.Message
}

// Unwrap gives the cause.
func (e *Error) Unwrap() error { return e.Cause }

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
