package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/server"
	"github.com/motcua/motcua/server/servertest"
	"github.com/motcua/motcua/store/storetest"
)

// Every answer carries the browser hardening headers.
func TestBrowserHardeningHeaders(t *testing.T) {
	env := servertest.New(t)
	tk := env.Issue(1, false)
	for _, path := range []string{"/", "/kiosk", "/t/" + tk.Token, "/api/v1/services", "/no-such-page", "/static/motcua.js"} {
		resp, err := http.Get(env.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := resp.Header
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("%s: Content-Security-Policy %q, want script-src 'self' and frame-ancestors 'none'", path, csp)
		}
		if got := h.Get("Referrer-Policy"); got != "no-referrer" {
			t.Errorf("%s: Referrer-Policy %q, want no-referrer", path, got)
		}
		if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q, want nosniff", path, got)
		}
	}
}

// A JSON endpoint refuses a body that is not declared JSON: a browser sends
// a body without a type, or as text/plain, for any web site.
func TestJSONEndpointsRequireJSON(t *testing.T) {
	env := servertest.New(t)
	cases := []struct{ name, path, contentType, body string }{
		{"ticket, no type", "/api/v1/tickets", "", `{"service_id":1}`},
		{"ticket, text/plain", "/api/v1/tickets", "text/plain", `{"service_id":1}`},
		{"ticket, form", "/api/v1/tickets", "application/x-www-form-urlencoded", `{"service_id":1}`},
		{"ticket, json-ish", "/api/v1/tickets", "application/jsonp", `{"service_id":1}`},
		{"login, no type", "/api/v1/auth/login", "", `{"username":"admin","password":"` + servertest.AdminPassword + `"}`},
		{"reactivate, no type", "/api/v1/tickets/reactivate", "", `{"short_code":"ABCD"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", env.URL+tc.path, strings.NewReader(tc.body))
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(raw), "application/json") {
				t.Errorf("got %d %s, want 400 naming application/json", resp.StatusCode, raw)
			}
		})
	}
	if n := env.Do("GET", "/api/v1/services", "", nil, nil); n != http.StatusOK {
		t.Fatal(n)
	}
	req, _ := http.NewRequest("POST", env.URL+"/api/v1/tickets", strings.NewReader(`{"service_id":1}`))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Errorf("ticket as application/json; charset=utf-8: got %d, want 201", resp.StatusCode)
	}
}

// ?token= authenticates websockets only: never staff API calls or printouts.
func TestTokenInTheQueryOnlyOnWebsockets(t *testing.T) {
	env := servertest.New(t)
	for _, path := range []string{"/api/v1/counters", "/api/v1/dossiers", "/reports/ledger?from=2026-11-01&to=2026-11-30&x=1", "/api/v1/auth/me"} {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		status, _ := env.Raw("GET", path+sep+"token="+env.AdminToken, "", nil)
		if status != http.StatusUnauthorized {
			t.Errorf("GET %s with ?token=: got %d, want 401", path, status)
		}
	}
	ws, _, err := env.WS("/ws/counter/1?token="+env.AdminToken, nil)
	if err != nil {
		t.Fatalf("counter websocket with ?token=: %v", err)
	}
	ws.Close()
}

// Odd bytes in any text field (NUL, invalid UTF-8, controls, bidirectional
// overrides), login included, are a 400 naming the field before any SQL,
// on every database (PostgreSQL refuses NUL and bad UTF-8 with an error the
// hub used to answer as a 500).
func TestOddBytesAreRefusedBeforeSQL(t *testing.T) {
	odd := []struct{ name, raw string }{
		{"NUL", `A\u0000B`},
		{"invalid UTF-8", "A\xff\xfeB"},
		{"control", `A\u0007B`},
		{"bidi override", "A\u202eB"},
	}
	for _, d := range storetest.Dialects() {
		t.Run(d.Name, func(t *testing.T) {
			env := servertest.New(t, servertest.WithDSN(d.DSN(t)))
			tk := env.Issue(1, false)
			env.CallNext(1)
			for _, o := range odd {
				bodies := []struct{ what, path, field, body string }{
					{"login username", "/api/v1/auth/login", "username", `{"username":"` + o.raw + `","password":"whatever-1"}`},
					{"login password", "/api/v1/auth/login", "password", `{"username":"admin","password":"` + o.raw + `"}`},
					{"reactivation code", "/api/v1/tickets/reactivate", "short_code", `{"short_code":"` + o.raw + `"}`},
					{"user full name", "/api/v1/users", "full_name", `{"username":"u1","full_name":"` + o.raw + `","role":"staff","password":"` + servertest.StaffPassword + `","counter_ids":[]}`},
					{"applicant name", "/api/v1/tickets/" + itoa(tk.ID) + "/dossiers", "applicant.name", `{"procedure_id":1,"applicant":{"name":"` + o.raw + `","id_number":"001088001234"},"documents":[]}`},
				}
				for _, b := range bodies {
					status, raw := env.Raw("POST", b.path, env.AdminToken, []byte(b.body))
					var e struct {
						Error struct {
							Fields map[string]string `json:"fields"`
						} `json:"error"`
					}
					json.Unmarshal(raw, &e)
					wantField := b.field
					if o.name == "invalid UTF-8" {
						wantField = "body"
					}
					if status != http.StatusBadRequest || e.Error.Fields[wantField] == "" {
						t.Errorf("%s with %s: got %d %s, want 400 naming %s", b.what, o.name, status, raw, wantField)
					}
				}
			}
			for _, path := range []string{"/t/A%00B", "/api/v1/track/A%00B", "/api/v1/track/A%FFB", "/api/v1/dossiers?q=A%00B", "/api/v1/procedures?q=%E2%80%AE"} {
				if status, raw := env.Raw("GET", path, env.AdminToken, nil); status != http.StatusBadRequest {
					t.Errorf("GET %s: got %d %s, want 400", path, status, raw)
				}
			}
		})
	}
}

// Reactivation codes are limited for every address, the hall's trusted
// kiosks included: at most 20 tries a minute.
func TestReactivationCodesAreLimitedEverywhere(t *testing.T) {
	env := servertest.New(t) // loopback is trusted: no ticket limit, but this one
	statuses := map[int]int{}
	for i := range 30 {
		status, _ := env.Raw("POST", "/api/v1/tickets/reactivate", "", map[string]string{"short_code": fmt.Sprintf("ZZZ%03d", i)})
		statuses[status]++
	}
	if statuses[http.StatusNotFound] != 20 || statuses[http.StatusTooManyRequests] != 10 {
		t.Errorf("30 codes from one trusted address: got %v, want 20×404 then 10×429", statuses)
	}
	// Another address is not held back by the first.
	status, _ := env.RawVia(servertest.ClientFrom("127.0.0.5"), "POST", "/api/v1/tickets/reactivate", "", map[string]string{"short_code": "ZZZ999"})
	if status != http.StatusNotFound {
		t.Errorf("a code from another address: got %d, want 404", status)
	}
}

// A service whose numbers would outgrow their digits stops for the day with
// a clear message ("hết số hôm nay") instead of making another service's
// number: prefix "1" with one digit would go on to 110 and 111, the numbers
// of prefix "11".
func TestNumbersNeverOutgrowTheirDigits(t *testing.T) {
	h := motcua.Hall{
		Branch: motcua.Branch{Code: "CN09", Name: "Chi nhánh thử", CenterName: "Trung tâm thử", UnitCode: "000.00.09.H26",
			TimeZone: "Asia/Ho_Chi_Minh"},
		Policy: motcua.QueuePolicy{Priority: motcua.PolicyStrict, InterleaveN: 3, NoShowMinCalls: 2, ReactivateMinutes: 15},
		Services: []motcua.ServiceSpec{
			{Code: "A", Name: "Dịch vụ A", Field: "Thử", Prefix: "1", Digits: 1},
			{Code: "B", Name: "Dịch vụ B", Field: "Thử", Prefix: "11", Digits: 1},
		},
		Counters: []motcua.CounterSpec{{Number: 1, Name: "Quầy 1", Services: []string{"A", "B"}}},
	}
	env := servertest.New(t, servertest.WithHall(h))
	if tk := env.Issue(2, false); tk.Number != "111" {
		t.Fatalf("service B's first number: got %q, want 111", tk.Number)
	}
	for i := 1; i <= 9; i++ {
		if tk := env.Issue(1, false); tk.Number != "1"+itoa(int64(i)) {
			t.Fatalf("service A's number %d: got %q", i, tk.Number)
		}
	}
	for range 2 {
		status, raw := env.Raw("POST", "/api/v1/tickets", "", map[string]any{"service_id": 1})
		if status != http.StatusConflict || !strings.Contains(string(raw), "hết số hôm nay") {
			t.Errorf("service A's tenth number: got %d %s, want 409 hết số hôm nay", status, raw)
		}
	}
	if tk := env.Issue(2, false); tk.Number != "112" {
		t.Errorf("service B after A ran out: got %q, want 112", tk.Number)
	}
}

// QR codes and tracking links never follow a forged Host header: without
// a base URL they name the address the client connected to.
func TestTrackLinksIgnoreAForgedHost(t *testing.T) {
	issue := func(env *servertest.Env, host string) servertest.Ticket {
		req, _ := http.NewRequest("POST", env.URL+"/api/v1/tickets", strings.NewReader(`{"service_id":1}`))
		req.Header.Set("Content-Type", "application/json")
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var tk servertest.Ticket
		if err := json.NewDecoder(resp.Body).Decode(&tk); err != nil || resp.StatusCode != http.StatusCreated {
			t.Fatalf("issue with Host %s: got %d %v", host, resp.StatusCode, err)
		}
		return tk
	}
	env := servertest.New(t)
	tk := issue(env, "evil.example")
	if !strings.HasPrefix(tk.TrackURL, env.URL+"/t/") || !strings.HasPrefix(tk.QRURL, env.URL+"/") {
		t.Errorf("Host evil.example: track_url %q, qr_url %q, want them on %s", tk.TrackURL, tk.QRURL, env.URL)
	}
	if tk := issue(env, strings.TrimPrefix(env.URL, "http://")); !strings.HasPrefix(tk.TrackURL, env.URL+"/t/") {
		t.Errorf("the hub's own address as Host: track_url %q, want it on %s", tk.TrackURL, env.URL)
	}
	fixed := servertest.New(t, servertest.WithConfig(func(c *server.Config) { c.BaseURL = "https://motcua.example.gov.vn" }))
	if tk := issue(fixed, "evil.example"); !strings.HasPrefix(tk.TrackURL, "https://motcua.example.gov.vn/t/") {
		t.Errorf("with a base URL: track_url %q, want it on the base URL", tk.TrackURL)
	}
}

// The login cookie is Secure with -secure-cookies or a base URL on https.
func TestSecureCookies(t *testing.T) {
	cases := []struct {
		name string
		set  func(*server.Config)
		want bool
	}{
		{"default", func(*server.Config) {}, false},
		{"-secure-cookies", func(c *server.Config) { c.SecureCookies = true }, true},
		{"https base URL", func(c *server.Config) { c.BaseURL = "https://motcua.example.gov.vn" }, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := servertest.New(t, servertest.WithConfig(tc.set))
			req, _ := http.NewRequest("POST", env.URL+"/api/v1/auth/login", strings.NewReader(`{"username":"admin","password":"`+servertest.AdminPassword+`"}`))
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			var secure, found bool
			for _, c := range resp.Cookies() {
				if c.Name == "motcua_session" {
					found, secure = true, c.Secure
				}
			}
			if !found || secure != tc.want {
				t.Errorf("session cookie found %v, Secure %v; want Secure %v", found, secure, tc.want)
			}
		})
	}
}

// The hall description sent to PUT /api/v1/hall is checked for odd text
// too, each bad field named, and nothing is applied.
func TestHallDescriptionRefusesOddText(t *testing.T) {
	env := servertest.New(t)
	var hall map[string]any
	if status := env.Do("GET", "/api/v1/hall", env.AdminToken, nil, &hall); status != http.StatusOK {
		t.Fatalf("GET /api/v1/hall: %d", status)
	}
	branch := hall["branch"].(map[string]any)
	name := branch["name"]
	branch["name"] = "Chi nhánh\u202e1"
	status, raw := env.Raw("PUT", "/api/v1/hall", env.AdminToken, hall)
	if status != http.StatusUnprocessableEntity || !strings.Contains(string(raw), "branch.name") {
		t.Errorf("a bidirectional override in the branch name: got %d %s, want 422 naming branch.name", status, raw)
	}
	var after map[string]any
	env.Do("GET", "/api/v1/hall", env.AdminToken, nil, &after)
	if got := after["branch"].(map[string]any)["name"]; got != name {
		t.Errorf("branch name after the refusal: got %q, want %q", got, name)
	}
}

// A client that goes away while its request waits is not an ERROR 500 in
// the log: a login whose password check outlasts the client's patience.
func TestClientGoneIsNotLoggedAsAFailure(t *testing.T) {
	var mu sync.Mutex
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(lockedBuffer{&mu, &buf}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	env := servertest.New(t, servertest.WithBcryptCost(10), servertest.WithConfig(func(c *server.Config) { c.Logger = logger }))
	impatient := &http.Client{Timeout: 5 * time.Millisecond}
	req, _ := http.NewRequest("POST", env.URL+"/api/v1/auth/login", strings.NewReader(`{"username":"admin","password":"`+servertest.AdminPassword+`"}`))
	req.Header.Set("Content-Type", "application/json")
	if resp, err := impatient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("the login answered within 5 ms: bcrypt at cost 10 was faster than this test assumes")
	}
	deadline := time.Now().Add(60 * time.Second) // bcrypt is slow under -race on a loaded machine
	for {
		mu.Lock()
		out := buf.String()
		mu.Unlock()
		if strings.Contains(out, "request failed") {
			t.Fatalf("a client that went away was logged as a failure:\n%s", out)
		}
		if strings.Contains(out, "client went away") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the abandoned login left no trace in 60 s:\n%s", out)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type lockedBuffer struct {
	mu  *sync.Mutex
	buf *bytes.Buffer
}

func (b lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}
