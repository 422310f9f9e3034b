package registry_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/auth"
	"github.com/motcua/motcua/hall"
	"github.com/motcua/motcua/internal/netcut"
	"github.com/motcua/motcua/registry"
	"github.com/motcua/motcua/server"
	"github.com/motcua/motcua/server/servertest"
	"github.com/motcua/motcua/store"
	"github.com/motcua/motcua/store/storetest"
)

// The city in one process: a registry (embedded NATS; PostgreSQL when
// MOTCUA_TEST_POSTGRES is set, as CI does, else SQLite) and three halls,
// each on its own SQLite file and its own JetStream files, each joined
// through a TCP proxy the test can cut like a network cable.

const adminPassword = "admin-password"

type cityEnv struct {
	t      *testing.T
	clock  *motcua.ManualClock
	st     *store.Store
	dir    string
	leaf   string // the registry's fixed leaf address, kept across its restarts
	reg    *registry.Registry
	halls  map[string]*hallEnv
	regURL string
}

func registryDSN(t *testing.T) string {
	if os.Getenv(storetest.Env) != "" {
		return storetest.PostgresDSN(t)
	}
	return storetest.SQLiteDSN(t)
}

func newCity(t *testing.T) *cityEnv {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	leaf := ln.Addr().String()
	ln.Close()
	c := &cityEnv{t: t, clock: motcua.NewManualClock(servertest.Start), st: storetest.Open(t, registryDSN(t)),
		dir: t.TempDir(), leaf: leaf, halls: map[string]*hallEnv{}}
	c.startRegistry()
	t.Cleanup(func() {
		for _, h := range c.halls {
			h.stop()
			h.proxy.Close()
		}
		if c.reg != nil {
			c.reg.Close()
		}
	})
	return c
}

func (c *cityEnv) startRegistry() {
	c.t.Helper()
	reg, err := registry.New(context.Background(), registry.Config{Store: c.st, Clock: c.clock, LeafAddr: c.leaf,
		StoreDir: filepath.Join(c.dir, "registry-js"), SyncEvery: 200 * time.Millisecond})
	if err != nil {
		c.t.Fatalf("start registry: %v", err)
	}
	c.reg, c.regURL = reg, reg.LeafURL()
}

// addHall adds a branch at the registry and starts its hall.
func (c *cityEnv) addHall(code, unit string) *hallEnv {
	c.t.Helper()
	pw := c.addBranch(code, unit)
	h := &hallEnv{t: c.t, code: code, unit: unit, password: pw, dir: c.t.TempDir(), clock: c.clock,
		proxy: newProxy(c.t, strings.TrimPrefix(c.regURL, "nats://"))}
	h.start()
	c.halls[code] = h
	return h
}

type hallEnv struct {
	t        *testing.T
	code     string
	unit     string
	password string
	dir      string
	clock    *motcua.ManualClock
	proxy    *netcut.Proxy
	srv      *server.Server
	http     *httptest.Server
	token    string
}

func (h *hallEnv) start() {
	h.t.Helper()
	hl := hall.Sample()
	hl.Branch.Code, hl.Branch.UnitCode, hl.Branch.Name = h.code, h.unit, "Chi nhánh "+h.code
	srv, err := server.New(context.Background(), server.Config{DB: filepath.Join(h.dir, "motcua.db"), Hall: &hl,
		Trusted: "127.0.0.0/8", AdminPassword: adminPassword, BcryptCost: 4, Clock: h.clock,
		City: &server.CityConfig{Registry: "nats://" + h.proxy.Addr(), Password: h.password, Dir: filepath.Join(h.dir, "city")}})
	if err != nil {
		h.t.Fatalf("start hall %s: %v", h.code, err)
	}
	h.srv, h.http = srv, httptest.NewServer(srv.Handler)
	var out struct {
		Token string `json:"token"`
	}
	if st, _ := h.do("POST", "/api/v1/auth/login", map[string]string{"username": "admin", "password": adminPassword}, &out); st != 200 {
		h.t.Fatalf("hall %s: login: %d", h.code, st)
	}
	h.token = out.Token
}

// stop closes the hall; it can start again on the same files.
func (h *hallEnv) stop() {
	if h.srv == nil {
		return
	}
	h.http.Close()
	h.srv.Close()
	h.srv = nil
}

func (h *hallEnv) do(method, path string, body, out any) (int, string) {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = strings.NewReader(string(raw))
	}
	req, _ := http.NewRequest(method, h.http.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if h.token != "" {
		req.Header.Set("Authorization", "Bearer "+h.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("hall %s: %s %s: %v", h.code, method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			h.t.Fatalf("hall %s: %s %s: %v in %s", h.code, method, path, err, raw)
		}
	}
	return resp.StatusCode, string(raw)
}

// issue takes n tickets at the kiosk.
func (h *hallEnv) issue(n int) {
	h.t.Helper()
	for range n {
		if st, raw := h.do("POST", "/api/v1/tickets", map[string]any{"service_id": 1}, nil); st != http.StatusCreated {
			h.t.Fatalf("hall %s: issue: got %d %s, want 201", h.code, st, raw)
		}
	}
}

// dossier calls a fresh ticket to counter 1 and receives a dossier from it;
// it returns the dossier's code.
func (h *hallEnv) dossier() string {
	h.t.Helper()
	code, _ := h.dossierDue()
	return code
}

// dossierDue is dossier, with the dossier's due date.
func (h *hallEnv) dossierDue() (string, time.Time) {
	h.t.Helper()
	var tk struct {
		ID int64 `json:"id"`
	}
	if st, raw := h.do("POST", "/api/v1/tickets", map[string]any{"service_id": 1}, &tk); st != http.StatusCreated {
		h.t.Fatalf("hall %s: issue: %d %s", h.code, st, raw)
	}
	if st, raw := h.do("POST", "/api/v1/counters/1/call", map[string]any{"ticket_id": tk.ID, "reason": "thử liên thông"}, nil); st != 200 {
		h.t.Fatalf("hall %s: call: %d %s", h.code, st, raw)
	}
	var procs []struct {
		ID                int64    `json:"id"`
		ProcessingDays    int      `json:"processing_days"`
		RequiredDocuments []string `json:"required_documents"`
	}
	h.do("GET", "/api/v1/procedures", nil, &procs)
	i := slices.IndexFunc(procs, func(p struct {
		ID                int64    `json:"id"`
		ProcessingDays    int      `json:"processing_days"`
		RequiredDocuments []string `json:"required_documents"`
	}) bool {
		return p.ProcessingDays > 0
	})
	if i < 0 {
		h.t.Fatal("the sample hall has no procedure with processing days")
	}
	var d struct {
		Code  string    `json:"code"`
		DueAt time.Time `json:"due_at"`
	}
	body := map[string]any{"procedure_id": procs[i].ID, "documents": procs[i].RequiredDocuments,
		"applicant": map[string]string{"name": "Nguyễn Thị Bình", "id_number": "001190012345", "phone": "0912345678",
			"address": "Số 5 phố Hàng Bạc, Hoàn Kiếm, Hà Nội"}}
	if st, raw := h.do("POST", fmt.Sprintf("/api/v1/tickets/%d/dossiers", tk.ID), body, &d); st != http.StatusCreated {
		h.t.Fatalf("hall %s: dossier: %d %s", h.code, st, raw)
	}
	// The visit ends, so counter 1 is free for the next one.
	if st, raw := h.do("POST", fmt.Sprintf("/api/v1/tickets/%d/start", tk.ID), nil, nil); st != 200 {
		h.t.Fatalf("hall %s: start: %d %s", h.code, st, raw)
	}
	if st, raw := h.do("POST", fmt.Sprintf("/api/v1/tickets/%d/finish", tk.ID), nil, nil); st != 200 {
		h.t.Fatalf("hall %s: finish: %d %s", h.code, st, raw)
	}
	return d.Code, d.DueAt
}

// cityEvents are the seqs of the hall's logged events that go to the city.
func (h *hallEnv) cityEvents(st *store.Store) []int64 {
	h.t.Helper()
	evs, _, err := st.Events.EventsSince(context.Background(), 0, 1<<30)
	if err != nil {
		h.t.Fatal(err)
	}
	var seqs []int64
	for _, ev := range evs {
		if motcua.IsCityEvent(ev.Type) {
			seqs = append(seqs, ev.Seq)
		}
	}
	return seqs
}

// waitSynced waits until the registry holds every city event of the hall,
// each once, and nothing else of it.
func (c *cityEnv) waitSynced(h *hallEnv) {
	c.t.Helper()
	want := h.cityEvents(h.srv.Store)
	var got []int64
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		var err error
		got, err = c.st.City().EventSeqs(context.Background(), h.code)
		if err != nil {
			c.t.Fatal(err)
		}
		if slices.Equal(got, want) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.t.Fatalf("branch %s at the registry: got %d events (%v…), want %d (%v…)", h.code, len(got), head(got), len(want), head(want))
}

func head(s []int64) []int64 { return s[:min(len(s), 8)] }

// waitFor polls cond until it holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func (c *cityEnv) branch(code string) motcua.CityBranch {
	c.t.Helper()
	bs, err := c.reg.Branches(context.Background())
	if err != nil {
		c.t.Fatal(err)
	}
	for _, b := range bs {
		if b.Code == code {
			return b
		}
	}
	c.t.Fatalf("branch %s not listed", code)
	return motcua.CityBranch{}
}

// newProxy puts a cuttable TCP proxy in front of the registry.
func newProxy(t *testing.T, target string) *netcut.Proxy {
	p, err := netcut.New(target)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCity(t *testing.T) {
	c := newCity(t)
	a := c.addHall("CN01", "000.00.01.H26")
	b := c.addHall("CN02", "000.00.02.H26")
	h3 := c.addHall("CN03", "000.00.03.H26")
	for _, h := range []*hallEnv{a, b, h3} {
		waitFor(t, h.code+" online at the registry", func() bool {
			if err := c.reg.SyncBranches(context.Background()); err != nil {
				t.Fatalf("sync branches: %v", err)
			}
			return c.branch(h.code).Online
		})
	}

	t.Run("flow", func(t *testing.T) {
		a.issue(3)
		b.issue(2)
		h3.issue(1)
		a.dossier()
		for _, h := range []*hallEnv{a, b, h3} {
			c.waitSynced(h)
		}
		got := c.branch("CN01")
		// Three waiting, the dossier's visit done; one dossier today.
		if got.Waiting != 3 || got.Serving != 0 || got.Received != 1 || got.Overdue != 0 {
			t.Errorf("CN01 at the registry: got waiting %d serving %d received %d overdue %d, want 3 0 1 0",
				got.Waiting, got.Serving, got.Received, got.Overdue)
		}
		if got := c.branch("CN02"); got.Waiting != 2 || !got.Online || got.OnlineSince == nil {
			t.Errorf("CN02 at the registry: got waiting %d online %v since %v, want 2, online", got.Waiting, got.Online, got.OnlineSince)
		}
	})

	t.Run("the city API and its live page", func(t *testing.T) {
		accounts := auth.New(auth.Config{Store: c.st, Writer: c.reg.Writer(), Clock: c.clock, BcryptCost: 4})
		if err := accounts.EnsureAdmin(context.Background(), "Tr4m-Ha-Noi-2026!city"); err != nil {
			t.Fatal(err)
		}
		ts := httptest.NewServer(c.reg.Handler(accounts, auth.SessionLength, nil))
		defer ts.Close()
		resp, err := http.Get(ts.URL + "/api/v1/city/branches")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("branches without a login: got %d, want 401", resp.StatusCode)
		}
		resp, err = http.Post(ts.URL+"/api/v1/auth/login", "application/json",
			strings.NewReader(`{"username":"admin","password":"Tr4m-Ha-Noi-2026!city"}`))
		if err != nil {
			t.Fatal(err)
		}
		var login struct {
			Token string `json:"token"`
		}
		json.NewDecoder(resp.Body).Decode(&login)
		resp.Body.Close()
		req, _ := http.NewRequest("GET", ts.URL+"/api/v1/city/branches", nil)
		req.Header.Set("Authorization", "Bearer "+login.Token)
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var list []motcua.CityBranch
		json.NewDecoder(resp.Body).Decode(&list)
		resp.Body.Close()
		if len(list) != 3 || list[0].Code != "CN01" || list[0].Name != "Chi nhánh CN01" {
			t.Fatalf("GET /api/v1/city/branches: got %+v, want CN01..CN03", list)
		}
		ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(ts.URL, "http")+"/ws/city?token="+login.Token, nil)
		if err != nil {
			t.Fatalf("dial /ws/city: %v", err)
		}
		defer ws.Close()
		waiting := func() int {
			var msg struct {
				Type     string              `json:"type"`
				Branches []motcua.CityBranch `json:"branches"`
			}
			ws.SetReadDeadline(time.Now().Add(30 * time.Second))
			if err := ws.ReadJSON(&msg); err != nil {
				t.Fatalf("read /ws/city: %v", err)
			}
			if msg.Type != "snapshot" || len(msg.Branches) != 3 {
				t.Fatalf("/ws/city: got %+v, want a snapshot of 3 branches", msg)
			}
			return msg.Branches[1].Waiting
		}
		before := waiting()
		b.issue(1)
		for got := waiting(); got != before+1; got = waiting() {
		}
	})

	t.Run("unit codes are unique city-wide", func(t *testing.T) {
		_, err := registry.AddBranch(context.Background(), c.st, c.clock.Now(), "CN09", "Chi nhánh 9", "000.00.02.H26")
		if motcua.ErrorCode(err) != motcua.EConflict {
			t.Fatalf("a second branch with unit code 000.00.02.H26: got %v, want a conflict", err)
		}
	})

	var codeA string
	t.Run("lookup across branches", func(t *testing.T) {
		codeA = a.dossier()
		c.waitSynced(a)
		var d struct {
			Code   string `json:"code"`
			Status string `json:"status"`
			Branch struct {
				Code string `json:"code"`
				Name string `json:"name"`
			} `json:"branch"`
		}
		if st, raw := b.do("GET", "/api/v1/city/dossiers/"+codeA, nil, &d); st != 200 {
			t.Fatalf("lookup %s at CN02: got %d %s, want 200", codeA, st, raw)
		}
		if d.Code != codeA || d.Branch.Code != "CN01" || d.Branch.Name != "Chi nhánh CN01" || d.Status != "received" {
			t.Errorf("lookup at CN02: got %+v, want %s received at CN01", d, codeA)
		}
		if st, _ := b.do("GET", "/api/v1/city/dossiers/000.00.01.H26-261127-9999", nil, nil); st != 404 {
			t.Errorf("lookup of an unknown code: got %d, want 404", st)
		}
		if strings.Contains(fmt.Sprint(d), "0912345678") {
			t.Error("the city answer carries the applicant's phone")
		}

		// The citizen comes back to CN02 with the missing paper: the visit is
		// linked to CN01's dossier, and the registry lists it.
		var tk struct {
			ID     int64  `json:"id"`
			Number string `json:"number"`
		}
		b.do("POST", "/api/v1/tickets", map[string]any{"service_id": 1}, &tk)
		if st, raw := b.do("POST", "/api/v1/city/dossiers/"+codeA+"/visits", map[string]any{"ticket_id": tk.ID}, nil); st != http.StatusCreated {
			t.Fatalf("link a CN02 visit to %s: got %d %s, want 201", codeA, st, raw)
		}
		if st, _ := b.do("POST", "/api/v1/city/dossiers/"+codeA+"/visits", map[string]any{"ticket_id": 99999}, nil); st != http.StatusNotFound {
			t.Errorf("link an unknown ticket: got %d, want 404", st)
		}
		if st, _ := a.do("POST", "/api/v1/city/dossiers/"+codeA+"/visits", map[string]any{"ticket_id": 1}, nil); st != http.StatusConflict {
			t.Errorf("link at CN01 its own dossier through the city: got %d, want 409", st)
		}
		c.waitSynced(b)
		got, err := c.reg.Dossier(context.Background(), codeA)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Visits) != 1 || got.Visits[0].Branch.Code != "CN02" || got.Visits[0].Number != tk.Number {
			t.Errorf("visits of %s at the registry: got %+v, want one at CN02, ticket %s", codeA, got.Visits, tk.Number)
		}
	})

	t.Run("a holiday published at the registry moves due dates at every hall", func(t *testing.T) {
		monday := time.Date(2026, 11, 30, 10, 0, 0, 0, servertest.Hanoi) // the next working day
		before := map[string]time.Time{}
		for _, h := range []*hallEnv{a, b, h3} {
			_, before[h.code] = h.dossierDue()
		}
		cal, err := c.reg.PublishCalendar(context.Background(), motcua.CityCalendar{
			Holidays: []motcua.Holiday{{Date: "2026-11-30", Name: "Ngày nghỉ của thành phố"}}})
		if err != nil {
			t.Fatal(err)
		}
		if cal.Revision == 0 {
			t.Errorf("published calendar: got revision 0, want one")
		}
		for _, h := range []*hallEnv{a, b, h3} {
			waitFor(t, h.code+" applying the city's holiday", func() bool { return !h.srv.Hub.Site.Calendar().IsWorkingDay(monday) })
			_, due := h.dossierDue()
			if !due.After(before[h.code]) {
				t.Errorf("%s: due date after the city's holiday: got %v, want later than %v", h.code, due, before[h.code])
			}
		}
		// A change of the hall made at the hall keeps the city's days.
		cur, err := a.srv.Hub.Hall(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		cur.Branch.Notice = "Thông báo mới của chi nhánh"
		if _, err := a.srv.Hub.ApplyHall(context.Background(), cur, motcua.User{ID: 1, Username: "admin", Role: motcua.RoleAdmin}, false); err != nil {
			t.Fatalf("apply the hall at CN01: %v", err)
		}
		if a.srv.Hub.Site.Calendar().IsWorkingDay(monday) {
			t.Error("CN01 after a local change of its hall: the city's holiday is gone")
		}
		// And so does a restart.
		a.stop()
		a.start()
		if a.srv.Hub.Site.Calendar().IsWorkingDay(monday) {
			t.Error("CN01 after a restart: the city's holiday is gone")
		}
	})

	t.Run("the city's procedure catalogue reaches every hall", func(t *testing.T) {
		api := c.api(t)
		// Bad input is a 4xx naming the field.
		if st, raw := api.put(t, "/api/v1/city/procedures", "", "code,name\n"); st != http.StatusBadRequest || !strings.Contains(raw, `"format"`) {
			t.Errorf("PUT a catalogue with no format: got %d %s, want 400 naming format", st, raw)
		}
		bad := "code,name,agency,processing_days,documents\n9.000001,Thủ tục thử,UBND phường,,Tờ khai\n"
		if st, raw := api.put(t, "/api/v1/city/procedures?format=csv", "text/csv", bad); st != http.StatusUnprocessableEntity ||
			!strings.Contains(raw, "procedures[0].processing_days") {
			t.Errorf("PUT a catalogue with no processing time: got %d %s, want 422 naming procedures[0].processing_days", st, raw)
		}
		if st, raw := api.put(t, "/api/v1/city/procedures?format=xls", "", "x"); st != http.StatusBadRequest || !strings.Contains(raw, `"format"`) {
			t.Errorf("PUT a catalogue as xls: got %d %s, want 400 naming format", st, raw)
		}
		if v := c.catalogueVersion(t); v != 0 {
			t.Fatalf("after refused catalogues: version %d published, want none", v)
		}

		// A hall's own procedure, whose code the city's catalogue also has.
		own := a.procedures(t)[0]
		for _, h := range []*hallEnv{a, b, h3} {
			if h.procedure(t, "9.000001") != nil {
				t.Fatalf("%s has 9.000001 before the city published it", h.code)
			}
		}
		b.proxy.Cut() // CN02 is away when the city publishes
		defer b.proxy.Restore()
		waitFor(t, "CN02's link down", func() bool { return !b.srv.City.Online() })

		catalogue := "code,name,agency,processing_days,documents\n" +
			"9.000001,Thủ tục thử của thành phố (3 ngày),UBND phường,3,Tờ khai (theo mẫu)\n" +
			"9.000002,Thủ tục thử của thành phố (12 ngày),UBND phường,12,Tờ khai (theo mẫu)|Bản sao giấy tờ (nếu có)\n" +
			own.Code + ",Tên thủ tục của thành phố,UBND thành phố,30,Đơn đề nghị\n"
		st, raw := api.put(t, "/api/v1/city/procedures?format=csv", "text/csv", catalogue)
		if st != http.StatusOK {
			t.Fatalf("PUT the city's catalogue: got %d %s, want 200", st, raw)
		}
		var pub struct {
			Version    int64 `json:"version"`
			Procedures []struct {
				Code string `json:"code"`
			} `json:"procedures"`
		}
		json.Unmarshal([]byte(raw), &pub)
		if pub.Version == 0 || len(pub.Procedures) != 3 {
			t.Fatalf("published catalogue: got %s, want a version and 3 procedures", raw)
		}

		// Every hall online receives dossiers under the new procedures, their
		// processing time deciding the due date.
		for _, h := range []*hallEnv{a, h3} {
			waitFor(t, h.code+" applying the city's catalogue", func() bool { return h.procedure(t, "9.000002") != nil })
			h.checkDue(t, "9.000001", 3)
			h.checkDue(t, "9.000002", 12)
			// The hall's own procedure is kept on the clashing code.
			if got := h.procedure(t, own.Code); got == nil || got.Name != own.Name || got.ProcessingDays != own.ProcessingDays {
				t.Errorf("%s: its own %s after the city's catalogue: got %+v, want its own %q, %d days", h.code, own.Code, got, own.Name, own.ProcessingDays)
			}
			var view struct {
				Version int64    `json:"version"`
				Clashes []string `json:"clashes"`
			}
			if st, raw := h.do("GET", "/api/v1/city/procedures", nil, &view); st != 200 || view.Version != pub.Version ||
				!slices.Equal(view.Clashes, []string{own.Code}) {
				t.Errorf("%s: GET /api/v1/city/procedures: got %d %s, want version %d and the clash %s", h.code, st, raw, pub.Version, own.Code)
			}
			// Audited like a change of the hall.
			var audit []motcua.HallAuditEntry
			h.do("GET", "/api/v1/hall/audit", nil, &audit)
			source := fmt.Sprintf("city:%d", pub.Version)
			added := slices.ContainsFunc(audit, func(e motcua.HallAuditEntry) bool {
				return e.Source == source && e.Key == "9.000001" && e.Action == motcua.ChangeAdd && e.Kind == motcua.KindProcedure
			})
			clash := slices.ContainsFunc(audit, func(e motcua.HallAuditEntry) bool {
				return e.Source == source && e.Key == own.Code && e.Action == motcua.ChangeClash
			})
			if !added || !clash {
				t.Errorf("%s: the audit of the city's catalogue: got %+v, want 9.000001 added and %s a clash, source %s", h.code, audit, own.Code, source)
			}
		}
		if b.procedure(t, "9.000001") != nil {
			t.Error("CN02 cut off has the city's catalogue")
		}

		// The city's procedures are kept apart: the hall description does not
		// list them, and a local change of the hall and a restart keep them.
		cur, err := a.srv.Hub.Hall(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(cur.Procedures, func(p motcua.Procedure) bool { return p.Code == "9.000001" }) {
			t.Error("CN01's hall description lists the city's procedure 9.000001")
		}
		cur.Branch.Notice = "Thông báo sau danh mục của thành phố"
		admin := motcua.User{ID: 1, Username: "admin", Role: motcua.RoleAdmin}
		if _, err := a.srv.Hub.ApplyHall(context.Background(), cur, admin, false); err != nil {
			t.Fatalf("apply the hall at CN01: %v", err)
		}
		if a.procedure(t, "9.000001") == nil {
			t.Error("CN01 after a local change of its hall: the city's procedure is gone")
		}
		a.stop()
		a.start()
		if mine := a.procedure(t, own.Code); a.procedure(t, "9.000001") == nil || mine == nil || mine.Name != own.Name {
			t.Error("CN01 after a restart: the city's procedure is gone or its own was replaced")
		}
		// The hall drops its own procedure: the city's one of that code comes in.
		cur, _ = a.srv.Hub.Hall(context.Background())
		cur.Procedures = slices.DeleteFunc(cur.Procedures, func(p motcua.Procedure) bool { return p.Code == own.Code })
		if _, err := a.srv.Hub.ApplyHall(context.Background(), cur, admin, false); err != nil {
			t.Fatalf("drop CN01's own %s: %v", own.Code, err)
		}
		if got := a.procedure(t, own.Code); got == nil || got.Name != "Tên thủ tục của thành phố" || got.ProcessingDays != 30 {
			t.Errorf("CN01 without its own %s: got %+v, want the city's (30 days)", own.Code, got)
		}

		// CN02 returns and gets the newest catalogue.
		b.proxy.Restore()
		waitFor(t, "CN02 applying the city's catalogue after its return", func() bool { return b.procedure(t, "9.000001") != nil })
		b.checkDue(t, "9.000001", 3)
		if got := b.procedure(t, own.Code); got == nil || got.Name != own.Name {
			t.Errorf("CN02: its own %s after the city's catalogue: got %+v, want its own", own.Code, got)
		}

		// A catalogue published from the command line, without 9.000002: the
		// running registry sends it, and the halls stop offering 9.000002.
		procs, err := registry.ParseCatalogue([]byte("procedures:\n  - code: \"9.000001\"\n    name: Thủ tục thử của thành phố (5 ngày)\n"+
			"    agency: UBND phường\n    processing_time: 5 ngày\n    documents: [\"Tờ khai (theo mẫu)\"]\n"), "yaml")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := registry.PublishCatalogue(context.Background(), c.st, c.clock.Now(), procs, "cli:test.yaml"); err != nil {
			t.Fatal(err)
		}
		for _, h := range []*hallEnv{a, b, h3} {
			waitFor(t, h.code+" retiring 9.000002", func() bool { return h.procedure(t, "9.000002") == nil })
			h.checkDue(t, "9.000001", 5)
		}
	})

	t.Run("a hall cut off works alone and catches up exactly once", func(t *testing.T) {
		b.proxy.Cut()
		waitFor(t, "CN02's link down", func() bool { return !b.srv.City.Online() })
		b.issue(5)
		code := b.dossier()
		start := time.Now()
		if st, raw := b.do("GET", "/api/v1/city/dossiers/"+codeA, nil, nil); st != http.StatusServiceUnavailable {
			t.Errorf("lookup while cut off: got %d %s, want 503", st, raw)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("lookup while cut off took %v, want an answer at once", d)
		}
		// Its own displays still get the calls: the hall is whole without the city.
		if st, _ := b.do("GET", "/api/v1/services", nil, nil); st != 200 {
			t.Errorf("services while cut off: got %d, want 200", st)
		}
		b.proxy.Restore()
		c.waitSynced(b)
		d, err := c.reg.Dossier(context.Background(), code)
		if err != nil || d.Branch.Code != "CN02" {
			t.Errorf("dossier %s made offline, at the registry: got %+v, %v", code, d, err)
		}
	})

	t.Run("a hall killed mid-send loses and duplicates nothing", func(t *testing.T) {
		h3.issue(40)
		h3.stop() // at once: the sender is stopped between two messages
		h3.start()
		h3.issue(2)
		c.waitSynced(h3)
	})

	t.Run("the registry restarted mid-stream loses and duplicates nothing", func(t *testing.T) {
		a.issue(10)
		c.reg.Close()
		a.issue(10) // while the registry is down
		done := make(chan struct{})
		go func() {
			defer close(done)
			for range 30 {
				a.do("POST", "/api/v1/tickets", map[string]any{"service_id": 1}, nil)
			}
		}()
		start := time.Now()
		c.startRegistry()
		<-done
		for _, h := range []*hallEnv{a, b, h3} {
			c.waitSynced(h)
		}
		t.Logf("caught up %v after the registry's start", time.Since(start))
	})

	t.Run("a revoked branch is disconnected", func(t *testing.T) {
		if err := registry.RevokeBranch(context.Background(), c.st, "CN03", c.clock.Now()); err != nil {
			t.Fatal(err)
		}
		c.reg.SyncBranches(context.Background())
		waitFor(t, "CN03 disconnected", func() bool { return !h3.srv.City.Online() })
		// It keeps working alone; what it makes waits for a new password.
		h3.issue(1)
		if got := c.branch("CN03"); !got.Revoked || got.Online {
			t.Errorf("CN03 after revocation: got revoked %v online %v, want revoked and offline", got.Revoked, got.Online)
		}
	})
}

// registryAPI is the registry's HTTP API with an admin's session.
type registryAPI struct {
	url, token string
}

func (c *cityEnv) api(t *testing.T) registryAPI {
	t.Helper()
	const password = "Tr4m-Ha-Noi-2026!city"
	accounts := auth.New(auth.Config{Store: c.st, Writer: c.reg.Writer(), Clock: c.clock, BcryptCost: 4})
	if err := accounts.EnsureAdmin(context.Background(), password); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(c.reg.Handler(accounts, auth.SessionLength, nil))
	t.Cleanup(ts.Close)
	resp, err := http.Post(ts.URL+"/api/v1/auth/login", "application/json",
		strings.NewReader(`{"username":"admin","password":"`+password+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var login struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&login); err != nil || login.Token == "" {
		t.Fatalf("registry login: %d %v", resp.StatusCode, err)
	}
	return registryAPI{url: ts.URL, token: login.Token}
}

func (a registryAPI) put(t *testing.T, path, contentType, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("PUT", a.url+path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

// catalogueVersion is the version of the city's catalogue at the registry.
func (c *cityEnv) catalogueVersion(t *testing.T) int64 {
	t.Helper()
	cat, err := c.reg.Procedures(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return cat.Version
}

// hallProcedure is a procedure as the counter lists it.
type hallProcedure struct {
	ID                int64    `json:"id"`
	Code              string   `json:"code"`
	Name              string   `json:"name"`
	ProcessingDays    int      `json:"processing_days"`
	RequiredDocuments []string `json:"required_documents"`
}

// procedures lists the procedures the hall's counter offers.
func (h *hallEnv) procedures(t *testing.T) []hallProcedure {
	t.Helper()
	var procs []hallProcedure
	if st, raw := h.do("GET", "/api/v1/procedures", nil, &procs); st != 200 {
		t.Fatalf("%s: GET /api/v1/procedures: %d %s", h.code, st, raw)
	}
	return procs
}

// procedure is the counter's procedure of code, nil when not offered.
func (h *hallEnv) procedure(t *testing.T, code string) *hallProcedure {
	t.Helper()
	for _, p := range h.procedures(t) {
		if p.Code == code {
			return &p
		}
	}
	return nil
}

// checkDue receives a dossier under the procedure of code at counter 1
// and checks its due date: days working days from its receipt, by the
// hall's calendar.
func (h *hallEnv) checkDue(t *testing.T, code string, days int) {
	t.Helper()
	p := h.procedure(t, code)
	if p == nil {
		t.Fatalf("%s does not offer %s", h.code, code)
	}
	if p.ProcessingDays != days {
		t.Errorf("%s: %s takes %d days, want %d", h.code, code, p.ProcessingDays, days)
	}
	var tk struct {
		ID int64 `json:"id"`
	}
	if st, raw := h.do("POST", "/api/v1/tickets", map[string]any{"service_id": 1}, &tk); st != http.StatusCreated {
		t.Fatalf("%s: issue: %d %s", h.code, st, raw)
	}
	if st, raw := h.do("POST", "/api/v1/counters/1/call", map[string]any{"ticket_id": tk.ID, "reason": "thử danh mục thành phố"}, nil); st != 200 {
		t.Fatalf("%s: call: %d %s", h.code, st, raw)
	}
	var d struct {
		Code       string    `json:"code"`
		ReceivedAt time.Time `json:"received_at"`
		DueAt      time.Time `json:"due_at"`
	}
	body := map[string]any{"procedure_id": p.ID, "documents": p.RequiredDocuments,
		"applicant": map[string]string{"name": "Trần Văn An", "id_number": "001190054321", "phone": "0987654321",
			"address": "Số 12 phố Lò Đúc, Hai Bà Trưng, Hà Nội"}}
	if st, raw := h.do("POST", fmt.Sprintf("/api/v1/tickets/%d/dossiers", tk.ID), body, &d); st != http.StatusCreated {
		t.Fatalf("%s: dossier under %s: %d %s", h.code, code, st, raw)
	}
	want := h.srv.Hub.Site.Calendar().DueFor(d.ReceivedAt, motcua.Procedure{ProcessingDays: days})
	if !d.DueAt.Equal(want) {
		t.Errorf("%s: dossier under %s (%d days) received %v: due %v, want %v", h.code, code, days, d.ReceivedAt, d.DueAt, want)
	}
	for _, step := range []string{"start", "finish"} {
		if st, raw := h.do("POST", fmt.Sprintf("/api/v1/tickets/%d/%s", tk.ID, step), nil, nil); st != 200 {
			t.Fatalf("%s: %s: %d %s", h.code, step, st, raw)
		}
	}
}
