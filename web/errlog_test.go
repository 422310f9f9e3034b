package web

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua"
)

// The same failure is logged once every errorLogEvery, naming its cause,
// with a count of the lines left out; another failure gets its own line.
func TestErrorLogIsRateLimited(t *testing.T) {
	var buf bytes.Buffer
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	errs := newErrorLog(slog.New(slog.NewTextHandler(&buf, nil)), func() time.Time { return now })
	full := &motcua.Error{Code: motcua.EUnavailable, Message: "x / y", Cause: fmt.Errorf("disk full: %w", fmt.Errorf("database or disk is full"))}
	send := func(err error) {
		r := httptest.NewRequest("POST", "/api/v1/tickets", nil)
		r = r.WithContext(context.WithValue(r.Context(), loggerKey{}, errs))
		Error(httptest.NewRecorder(), r, err)
	}
	for range 500 {
		send(full)
		now = now.Add(10 * time.Millisecond) // 500 failures in 5 s
	}
	if n := strings.Count(buf.String(), "request failed"); n != 1 || !strings.Contains(buf.String(), "disk full") {
		t.Fatalf("500 identical failures in 5 s: got %d lines %q, want 1 naming disk full", n, buf.String())
	}
	send(motcua.Errorf(motcua.EInternal, "another"))
	now = now.Add(errorLogEvery)
	send(full)
	out := buf.String()
	if n := strings.Count(out, "request failed"); n != 3 || !strings.Contains(out, "similar_since_last=499") {
		t.Errorf("after another failure and the quiet period: got %d lines, want 3 and a count of 499 left out:\n%s", n, out)
	}
}

// A client that went away while its request waited is not a failure of the
// hub: no error line, no 500.
func TestClientGoneIsNotAnError(t *testing.T) {
	var buf bytes.Buffer
	errs := newErrorLog(slog.New(slog.NewTextHandler(&buf, nil)), time.Now)
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), loggerKey{}, errs))
	cancel()
	r := httptest.NewRequest("POST", "/api/v1/tickets", nil).WithContext(ctx)
	w := httptest.NewRecorder()
	Error(w, r, fmt.Errorf("write ticket: %w", context.Canceled))
	if buf.Len() > 0 || w.Code == http.StatusInternalServerError && w.Body.Len() > 0 {
		t.Errorf("client gone: logged %q, answered %d %q; want nothing", buf.String(), w.Code, w.Body.String())
	}
}
