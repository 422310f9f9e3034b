package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/server/servertest"
)

type apiError struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

// TestBadInputs sends every kind of bad request and checks the status and the
// error body of API.md: a 4xx with a code and a message, never a 500.
func TestBadInputs(t *testing.T) {
	env := servertest.New(t)
	ctx := context.Background()
	if _, err := env.Server.Hub.Auth.CreateUser(ctx, "canbo1", "Nguyễn Thị Cán Bộ", motcua.RoleStaff, "staff-password"); err != nil {
		t.Fatal(err)
	}
	staff := env.Login("canbo1", "staff-password")
	admin := env.AdminToken
	ticket := env.Issue(1, false)

	cases := []struct {
		name         string
		method, path string
		token        string
		body         any
		contentType  string
		wantStatus   int
		wantCode     string
	}{
		{"malformed JSON", "POST", "/api/v1/tickets", "", `{"service_id": 1,`, "", 400, "invalid_input"},
		{"not JSON at all", "POST", "/api/v1/tickets", "", `service_id=1`, "", 400, "invalid_input"},
		{"wrong type", "POST", "/api/v1/tickets", "", `{"service_id": "một"}`, "", 400, "invalid_input"},
		{"wrong type priority", "POST", "/api/v1/tickets", "", `{"service_id": 1, "priority": "yes"}`, "", 400, "invalid_input"},
		{"unknown field", "POST", "/api/v1/tickets", "", `{"service_id": 1, "name": "Nguyễn Văn A"}`, "", 400, "invalid_input"},
		{"two objects", "POST", "/api/v1/tickets", "", `{"service_id": 1}{"service_id": 2}`, "", 400, "invalid_input"},
		{"empty body", "POST", "/api/v1/tickets", "", ``, "", 400, "invalid_input"},
		{"form content type", "POST", "/api/v1/tickets", "", `{"service_id": 1}`, "application/x-www-form-urlencoded", 400, "invalid_input"},
		{"oversized body", "POST", "/api/v1/tickets", "", `{"service_id": 1, "priority_group": "` + strings.Repeat("x", 70<<10) + `"}`, "", 413, "body_too_large"},
		{"missing service", "POST", "/api/v1/tickets", "", `{}`, "", 422, "validation_failed"},
		{"unknown service", "POST", "/api/v1/tickets", "", `{"service_id": 999}`, "", 404, "not_found"},
		{"negative service", "POST", "/api/v1/tickets", "", `{"service_id": -1}`, "", 404, "not_found"},
		{"unknown priority group", "POST", "/api/v1/tickets", "", `{"service_id": 1, "priority_group": "vip"}`, "", 400, "invalid_input"},
		{"unknown token qr", "GET", "/api/v1/tickets/AAAAAAAAAAAAAAAAAAAAAA/qr.png", "", nil, "", 404, "not_found"},
		{"junk token track", "GET", "/api/v1/track/../../etc", "", nil, "", 404, "not_found"},
		{"unknown token track", "GET", "/api/v1/track/AAAAAAAAAAAAAAAAAAAAAA", "", nil, "", 404, "not_found"},
		{"missing token", "POST", "/api/v1/counters/1/call-next", "", nil, "", 401, "unauthorized"},
		{"bad token", "POST", "/api/v1/counters/1/call-next", "not-a-session", nil, "", 401, "unauthorized"},
		{"wrong role", "GET", "/api/v1/audit/manual-calls", staff, nil, "", 403, "forbidden"},
		{"counter id not a number", "POST", "/api/v1/counters/abc/call-next", admin, nil, "", 404, "not_found"},
		{"unknown counter", "POST", "/api/v1/counters/999/call-next", admin, nil, "", 404, "not_found"},
		{"unknown counter queue", "GET", "/api/v1/counters/999/queue", admin, nil, "", 404, "not_found"},
		{"unknown ticket start", "POST", "/api/v1/tickets/99999/start", admin, nil, "", 404, "not_found"},
		{"start a waiting ticket", "POST", "/api/v1/tickets/" + itoa(ticket.ID) + "/start", admin, nil, "", 409, "conflict"},
		{"recall with nothing called", "POST", "/api/v1/counters/2/recall", admin, nil, "", 409, "conflict"},
		{"transfer without service", "POST", "/api/v1/tickets/" + itoa(ticket.ID) + "/transfer", admin, `{}`, "", 422, "validation_failed"},
		{"transfer to unknown service", "POST", "/api/v1/tickets/" + itoa(ticket.ID) + "/transfer", admin, `{"service_id": 999}`, "", 404, "not_found"},
		{"manual call without ticket", "POST", "/api/v1/counters/1/call", admin, `{"reason": "x"}`, "", 422, "validation_failed"},
		{"manual call without reason", "POST", "/api/v1/counters/1/call", admin, `{"ticket_id": ` + itoa(ticket.ID) + `}`, "", 422, "validation_failed"},
		{"manual call unknown ticket", "POST", "/api/v1/counters/1/call", admin, `{"ticket_id": 99999, "reason": "x"}`, "", 404, "not_found"},
		{"login wrong password", "POST", "/api/v1/auth/login", "", `{"username": "admin", "password": "wrong-password"}`, "", 401, "unauthorized"},
		{"login unknown user", "POST", "/api/v1/auth/login", "", `{"username": "nobody", "password": "whatever1"}`, "", 401, "unauthorized"},
		{"login empty", "POST", "/api/v1/auth/login", "", `{}`, "", 422, "validation_failed"},
		{"unknown path", "GET", "/api/v1/nothing-here", "", nil, "", 404, "not_found"},
		{"wrong method", "DELETE", "/api/v1/services", "", nil, "", 405, "method_not_allowed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, err := http.NewRequest(c.method, env.URL+c.path, bodyReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			ct := c.contentType
			if ct == "" && c.body != nil {
				ct = "application/json"
			}
			if ct != "" {
				req.Header.Set("Content-Type", ct)
			}
			if c.token != "" {
				req.Header.Set("Authorization", "Bearer "+c.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var e apiError
			decodeErr := json.NewDecoder(resp.Body).Decode(&e)
			if resp.StatusCode != c.wantStatus {
				t.Errorf("got status %d (%s: %s), want %d", resp.StatusCode, e.Error.Code, e.Error.Message, c.wantStatus)
			}
			if decodeErr != nil {
				t.Fatalf("error body is not JSON: %v", decodeErr)
			}
			if e.Error.Code != c.wantCode {
				t.Errorf("got code %q, want %q", e.Error.Code, c.wantCode)
			}
			if e.Error.Message == "" {
				t.Errorf("got an empty message; a person needs to know what to fix")
			}
			if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Errorf("got Content-Type %q, want application/json", resp.Header.Get("Content-Type"))
			}
		})
	}

	// Nothing half-written: the refused requests issued no ticket.
	var svcs []struct {
		ID          int64 `json:"id"`
		IssuedToday int   `json:"issued_today"`
	}
	env.Do("GET", "/api/v1/services", "", nil, &svcs)
	for _, s := range svcs {
		want := 0
		if s.ID == 1 {
			want = 1
		}
		if s.IssuedToday != want {
			t.Errorf("service %d issued %d tickets, want %d", s.ID, s.IssuedToday, want)
		}
	}
}

func TestCookieSessionsNeedCSRF(t *testing.T) {
	env := servertest.New(t)
	env.Issue(1, false)
	var login struct {
		Token string `json:"token"`
		CSRF  string `json:"csrf"`
	}
	env.Do("POST", "/api/v1/auth/login", "", map[string]string{"username": "admin", "password": servertest.AdminPassword}, &login)
	call := func(csrf string) int {
		req, _ := http.NewRequest("POST", env.URL+"/api/v1/counters/1/call-next", nil)
		req.AddCookie(&http.Cookie{Name: "motcua_session", Value: login.Token})
		if csrf != "" {
			req.Header.Set("X-CSRF-Token", csrf)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := call(""); got != http.StatusForbidden {
		t.Errorf("cookie without CSRF token: got %d, want 403", got)
	}
	if got := call("wrong"); got != http.StatusForbidden {
		t.Errorf("cookie with a wrong CSRF token: got %d, want 403", got)
	}
	if got := call(login.CSRF); got != http.StatusOK {
		t.Errorf("cookie with the CSRF token: got %d, want 200", got)
	}
	// A GET with the cookie alone works (pages such as receipts).
	req, _ := http.NewRequest("GET", env.URL+"/api/v1/counters", nil)
	req.AddCookie(&http.Cookie{Name: "motcua_session", Value: login.Token})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET with the session cookie: got %d, want 200", resp.StatusCode)
	}
}

func TestLogoutEndsTheSession(t *testing.T) {
	env := servertest.New(t)
	tok := env.Login("admin", servertest.AdminPassword)
	if got := env.Do("POST", "/api/v1/auth/logout", tok, nil, nil); got != http.StatusNoContent {
		t.Fatalf("logout: got %d, want 204", got)
	}
	if got := env.Do("GET", "/api/v1/counters", tok, nil, nil); got != http.StatusUnauthorized {
		t.Errorf("after logout: got %d, want 401", got)
	}
}

func TestIssueRateLimitForUntrustedClients(t *testing.T) {
	env := servertest.New(t, servertest.WithTrusted("")) // loopback is not trusted here
	var got []int
	for range 8 {
		got = append(got, env.Do("POST", "/api/v1/tickets", "", map[string]any{"service_id": 1}, nil))
	}
	created, limited := 0, 0
	for _, s := range got {
		switch s {
		case http.StatusCreated:
			created++
		case http.StatusTooManyRequests:
			limited++
		}
	}
	if created != 5 || limited != 3 {
		t.Errorf("8 tickets from one untrusted address: got statuses %v, want 5×201 then 3×429", got)
	}
	trusted := servertest.New(t)
	for i := range 20 {
		if s := trusted.Do("POST", "/api/v1/tickets", "", map[string]any{"service_id": 1}, nil); s != http.StatusCreated {
			t.Fatalf("ticket %d from a trusted address: got %d, want 201", i+1, s)
		}
	}
}

func TestLoginAttemptsAreLimited(t *testing.T) {
	env := servertest.New(t)
	var last int
	for range 12 {
		last = env.Do("POST", "/api/v1/auth/login", "", map[string]string{"username": "admin", "password": "guess-guess"}, nil)
	}
	if last != http.StatusTooManyRequests {
		t.Errorf("12th wrong login in a row: got %d, want 429", last)
	}
}
