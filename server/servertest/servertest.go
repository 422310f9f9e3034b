// Package servertest starts a whole hub in-process on a real database behind
// an httptest server, with a manual clock, for handler, websocket and browser
// tests.
package servertest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/hall"
	"github.com/motcua/motcua/server"
	"github.com/motcua/motcua/store/storetest"
)

// AdminPassword is the first admin's password in every test hub.
const AdminPassword = "admin-password"

// Hanoi is the branch time zone of the sample hall.
var Hanoi, _ = time.LoadLocation("Asia/Ho_Chi_Minh")

// Start is Friday 27/11/2026 09:00 in Hà Nội: a working morning.
var Start = time.Date(2026, 11, 27, 9, 0, 0, 0, Hanoi)

// Env is a running test hub.
type Env struct {
	T      testing.TB
	Server *server.Server
	HTTP   *httptest.Server
	Clock  *motcua.ManualClock
	URL    string
	// AdminToken is a logged-in admin's bearer token.
	AdminToken string

	closeOnce sync.Once
}

// Option adjusts the hub's configuration before it starts.
type Option func(*server.Config)

// WithDSN runs the hub on the given database (default: SQLite in t.TempDir()).
func WithDSN(dsn string) Option { return func(c *server.Config) { c.DB = dsn } }

// WithHall loads this hall instead of the embedded sample.
func WithHall(h motcua.Hall) Option { return func(c *server.Config) { c.Hall = &h } }

// WithNoShowMinCalls runs the sample hall with this no_show_min_calls: for
// tests about something else that call next over a ticket called only once
// (the sample asks for two calls before a ticket may become a no-show).
func WithNoShowMinCalls(n int) Option {
	return func(c *server.Config) {
		h := hall.Sample()
		if c.Hall != nil {
			h = *c.Hall
		}
		h.Policy.NoShowMinCalls = n
		c.Hall = &h
	}
}

// WithTrusted sets the trusted CIDRs ("" trusts nobody: every limit applies).
func WithTrusted(cidrs string) Option { return func(c *server.Config) { c.Trusted = cidrs } }

// WithBcryptCost sets the password hashing cost (default 4, the fastest).
func WithBcryptCost(cost int) Option { return func(c *server.Config) { c.BcryptCost = cost } }

// WithConfig adjusts any other setting of the hub.
func WithConfig(f func(*server.Config)) Option { return func(c *server.Config) { f(c) } }

// Timers stands in for the timers and the clock of coalesced websocket
// events (the hall screens' queue counts, the phones'): its time moves only
// when the test calls Fire, so a test of coalescing never waits for time to
// pass and never depends on how fast the machine is.
type Timers struct {
	mu     sync.Mutex
	now    time.Time
	timers []*manualTimer
}

type manualTimer struct {
	due     time.Time
	f       func()
	stopped bool
}

// Now is live.Options.Now: the time the fired timers have reached.
func (m *Timers) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

// AfterFunc is live.Options.AfterFunc: it arms a timer that only Fire runs.
func (m *Timers) AfterFunc(d time.Duration, f func()) (stop func() bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t := &manualTimer{due: m.now.Add(d), f: f}
	m.timers = append(m.timers, t)
	return func() bool {
		m.mu.Lock()
		defer m.mu.Unlock()
		was := !t.stopped
		t.stopped = true
		return was
	}
}

// Armed returns how many timers are armed: neither fired nor stopped.
func (m *Timers) Armed() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, t := range m.timers {
		if !t.stopped {
			n++
		}
	}
	return n
}

// Fire moves the time to the latest of the armed timers and runs them (not
// those they arm); it returns how many ran.
func (m *Timers) Fire() int {
	m.mu.Lock()
	var due []func()
	for _, t := range m.timers {
		if !t.stopped {
			t.stopped = true
			due = append(due, t.f)
			if t.due.After(m.now) {
				m.now = t.due
			}
		}
	}
	m.timers = nil // all fired or stopped
	m.mu.Unlock()
	for _, f := range due {
		f()
	}
	return len(due)
}

// WithTimers runs the hub's coalescing timers and clock on timers: the test
// fires them.
func WithTimers(timers *Timers) Option {
	return func(c *server.Config) {
		c.LiveAfterFunc, c.LiveNow = timers.AfterFunc, timers.Now
	}
}

// New starts a hub on the embedded sample hall.
func New(t testing.TB, opts ...Option) *Env {
	t.Helper()
	clock := motcua.NewManualClock(Start)
	cfg := server.Config{DB: storetest.SQLiteDSN(t), Trusted: "127.0.0.0/8,::1/128", AdminPassword: AdminPassword,
		BcryptCost: 4, Clock: clock}
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := server.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("start hub: %v", err)
	}
	// The hub's own HTTP server settings and connection cap, as in production.
	ts := httptest.NewUnstartedServer(srv.Handler)
	ts.Config = srv.HTTP()
	ts.Listener = srv.Listener(ts.Listener)
	ts.Start()
	e := &Env{T: t, Server: srv, HTTP: ts, Clock: clock, URL: ts.URL}
	t.Cleanup(e.Close)
	e.AdminToken = e.Login("admin", AdminPassword)
	return e
}

// Close stops the hub and its HTTP server; a test may call it early (to
// start another hub on the same database), cleanup calls it again.
func (e *Env) Close() {
	e.closeOnce.Do(func() {
		e.Server.Live.Close()
		e.HTTP.Close()
		e.Server.Close()
	})
}

// Login returns a bearer token for the user.
func (e *Env) Login(username, password string) string {
	e.T.Helper()
	var out struct {
		Token string `json:"token"`
	}
	status := e.Do("POST", "/api/v1/auth/login", "", map[string]string{"username": username, "password": password}, &out)
	if status != http.StatusOK {
		e.T.Fatalf("login %s: got status %d, want 200", username, status)
	}
	return out.Token
}

// Published waits until the hub has handed every committed event to the
// screens' fan-out: the writer answers before it publishes, so a test that
// fires the coalescing timers must first let the events arm them.
func (e *Env) Published() {
	e.T.Helper()
	if err := e.Server.Hub.Writer.Published(context.Background()); err != nil {
		e.T.Fatalf("waiting for the events to be published: %v", err)
	}
}

// Do sends a JSON request (body nil for none) and decodes a JSON answer into
// out when out is not nil; it returns the status.
func (e *Env) Do(method, path, token string, body any, out any) int {
	e.T.Helper()
	status, raw := e.Raw(method, path, token, body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			e.T.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return status
}

// Raw sends a request and returns status and body bytes. body may be a
// string or []byte (sent as is) or any value (sent as JSON).
func (e *Env) Raw(method, path, token string, body any) (int, []byte) {
	e.T.Helper()
	return e.RawVia(http.DefaultClient, method, path, token, body)
}

// ClientFrom is an HTTP client whose connections leave from the given
// loopback address (any of 127.0.0.0/8 on Linux), so a test can play
// several clients of the hall.
func ClientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

// RawVia is Raw through the given client (see ClientFrom).
func (e *Env) RawVia(c *http.Client, method, path, token string, body any) (int, []byte) {
	e.T.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.T.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.URL+path, rd)
	if err != nil {
		e.T.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		e.T.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// Ticket is the ticket object of the API, as tests read it.
type Ticket struct {
	ID        int64  `json:"id"`
	Number    string `json:"number"`
	ServiceID int64  `json:"service_id"`
	Priority  bool   `json:"priority"`
	Status    string `json:"status"`
	Token     string `json:"token"`
	ShortCode string `json:"short_code"`
	TrackURL  string `json:"track_url"`
	QRURL     string `json:"qr_url"`
	SVGURL    string `json:"svg_url"`
	Position  int    `json:"position"`
	EstWaitS  int    `json:"est_wait_s"`
	Calls     int    `json:"calls"`
	Counter   *struct {
		ID     int64  `json:"id"`
		Number int    `json:"number"`
		Name   string `json:"name"`
	} `json:"counter"`
}

// Issue takes a ticket at the kiosk.
func (e *Env) Issue(serviceID int64, priority bool) Ticket {
	e.T.Helper()
	var tk Ticket
	if status := e.Do("POST", "/api/v1/tickets", "", map[string]any{"service_id": serviceID, "priority": priority}, &tk); status != http.StatusCreated {
		e.T.Fatalf("issue ticket for service %d: got status %d, want 201", serviceID, status)
	}
	return tk
}

// Start begins serving a called ticket, as the admin.
func (e *Env) Start(ticketID int64) {
	e.T.Helper()
	if status := e.Do("POST", "/api/v1/tickets/"+itoa(ticketID)+"/start", e.AdminToken, nil, nil); status != http.StatusOK {
		e.T.Fatalf("start ticket %d: got status %d, want 200", ticketID, status)
	}
}

// CallNext calls next at the counter as the admin: the ticket and true, or
// false when nobody waits.
func (e *Env) CallNext(counterID int64) (Ticket, bool) {
	e.T.Helper()
	var out struct {
		Ticket Ticket `json:"ticket"`
	}
	status := e.Do("POST", "/api/v1/counters/"+itoa(counterID)+"/call-next", e.AdminToken, nil, &out)
	switch status {
	case http.StatusOK:
		return out.Ticket, true
	case http.StatusNoContent:
		return Ticket{}, false
	}
	e.T.Fatalf("call next at counter %d: got status %d", counterID, status)
	return Ticket{}, false
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// WS dials a websocket path of the hub (e.g. "/ws/display?since=3").
func (e *Env) WS(path string, header http.Header) (*websocket.Conn, *http.Response, error) {
	return websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(e.URL, "http")+path, header)
}

// Message is a websocket message as tests read it.
type Message map[string]any

// Type is the message's "type".
func (m Message) Type() string { s, _ := m["type"].(string); return s }

// Seq is the message's "seq".
func (m Message) Seq() int64 { f, _ := m["seq"].(float64); return int64(f) }

// Read reads one JSON message within the timeout.
func Read(t testing.TB, c *websocket.Conn, timeout time.Duration) Message {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(timeout))
	var m Message
	if err := c.ReadJSON(&m); err != nil {
		t.Fatalf("read websocket message: %v", err)
	}
	return m
}

// StaffPassword is the password of the accounts AddUser creates: strong
// enough for the password rules.
const StaffPassword = "trâu vàng gặm cỏ non"

// AddUser creates an account through the API as the admin (counterIDs bind a
// staff member to those counters) and signs it in: its id and bearer token.
func (e *Env) AddUser(username, fullName, role string, counterIDs ...int64) (int64, string) {
	e.T.Helper()
	if counterIDs == nil {
		counterIDs = []int64{}
	}
	var u struct {
		ID int64 `json:"id"`
	}
	status, raw := e.Raw("POST", "/api/v1/users", e.AdminToken, map[string]any{"username": username, "full_name": fullName,
		"role": role, "password": StaffPassword, "counter_ids": counterIDs})
	if status != http.StatusCreated {
		e.T.Fatalf("create user %s: got status %d %s, want 201", username, status, raw)
	}
	if err := json.Unmarshal(raw, &u); err != nil {
		e.T.Fatal(err)
	}
	return u.ID, e.Login(username, StaffPassword)
}
