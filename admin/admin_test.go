package admin_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/server/servertest"
	"github.com/motcua/motcua/store/storetest"
)

const readTimeout = 10 * time.Second

type change struct {
	Kind   string          `json:"kind"`
	Key    string          `json:"key"`
	Action string          `json:"action"`
	Fields []string        `json:"fields"`
	Before json.RawMessage `json:"before"`
	After  json.RawMessage `json:"after"`
}

type changeList struct {
	Changes []change `json:"changes"`
	DryRun  bool     `json:"dry_run"`
}

type apiError struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

// description is the hall as GET /api/v1/hall answers it, kept loose so a
// test edits it the way a client would.
type description map[string]any

func (d description) list(name string) []any { l, _ := d[name].([]any); return l }

func (d description) item(name string, i int) map[string]any { return d.list(name)[i].(map[string]any) }

// without returns the items of a list whose key field is not key.
func (d description) without(name, field string, key any) []any {
	var out []any
	for _, it := range d.list(name) {
		if fmt.Sprint(it.(map[string]any)[field]) != fmt.Sprint(key) {
			out = append(out, it)
		}
	}
	return out
}

func getHall(t *testing.T, env *servertest.Env) description {
	t.Helper()
	var d description
	if status := env.Do("GET", "/api/v1/hall", env.AdminToken, nil, &d); status != http.StatusOK {
		t.Fatalf("GET /api/v1/hall: got status %d, want 200", status)
	}
	return d
}

// put sends a description and returns the status and the raw answer.
func put(t *testing.T, env *servertest.Env, d any, dryRun bool) (int, []byte) {
	t.Helper()
	path := "/api/v1/hall"
	if dryRun {
		path += "?dry_run=true"
	}
	return env.Raw("PUT", path, env.AdminToken, d)
}

func mustPut(t *testing.T, env *servertest.Env, d any, dryRun bool) []change {
	t.Helper()
	status, raw := put(t, env, d, dryRun)
	if status != http.StatusOK {
		t.Fatalf("PUT /api/v1/hall (dry run %v): got status %d, want 200: %s", dryRun, status, raw)
	}
	var out changeList
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	if out.DryRun != dryRun {
		t.Errorf("dry_run: got %v, want %v", out.DryRun, dryRun)
	}
	return out.Changes
}

type row struct{ kind, key, action string }

func rows(cs []change) []row {
	out := make([]row, len(cs))
	for i, c := range cs {
		out[i] = row{c.Kind, c.Key, c.Action}
	}
	return out
}

type service struct {
	ID     int64  `json:"id"`
	Code   string `json:"code"`
	Name   string `json:"name"`
	Prefix string `json:"prefix"`
}

type counter struct {
	ID         int64   `json:"id"`
	Number     int     `json:"number"`
	Name       string  `json:"name"`
	ServiceIDs []int64 `json:"service_ids"`
}

func services(t *testing.T, env *servertest.Env) []service {
	t.Helper()
	var out []service
	if status := env.Do("GET", "/api/v1/services", "", nil, &out); status != http.StatusOK {
		t.Fatalf("GET /api/v1/services: %d", status)
	}
	return out
}

func counters(t *testing.T, env *servertest.Env) []counter {
	t.Helper()
	var out []counter
	if status := env.Do("GET", "/api/v1/counters", env.AdminToken, nil, &out); status != http.StatusOK {
		t.Fatalf("GET /api/v1/counters: %d", status)
	}
	return out
}

func serviceByCode(t *testing.T, env *servertest.Env, code string) (service, bool) {
	t.Helper()
	for _, s := range services(t, env) {
		if s.Code == code {
			return s, true
		}
	}
	return service{}, false
}

func counterByNumber(t *testing.T, env *servertest.Env, n int) (counter, bool) {
	t.Helper()
	for _, c := range counters(t, env) {
		if c.Number == n {
			return c, true
		}
	}
	return counter{}, false
}

func lastSeq(t *testing.T, env *servertest.Env) int64 {
	t.Helper()
	seq, err := env.Server.Hub.Writer.LastSeq(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

func auditCount(t *testing.T, env *servertest.Env) int {
	t.Helper()
	var list []json.RawMessage
	if status := env.Do("GET", "/api/v1/hall/audit?limit=1000", env.AdminToken, nil, &list); status != http.StatusOK {
		t.Fatalf("GET /api/v1/hall/audit: %d", status)
	}
	return len(list)
}

// newEnv starts a hub on each configured database.
func eachDB(t *testing.T, run func(t *testing.T, env *servertest.Env)) {
	for _, d := range storetest.Dialects() {
		t.Run(d.Name, func(t *testing.T) { run(t, servertest.New(t, servertest.WithDSN(d.DSN(t)))) })
	}
}

// TestAddServiceAndCounterLive adds a service and a counter that serves it
// and issues and calls a ticket for it, all without a restart.
func TestAddServiceAndCounterLive(t *testing.T) {
	eachDB(t, func(t *testing.T, env *servertest.Env) {
		d := getHall(t, env)
		d["services"] = append(d.list("services"), map[string]any{"code": "HN", "name": "Hôn nhân – Gia đình", "prefix": "7"})
		d["counters"] = append(d.list("counters"), map[string]any{"number": 6, "name": "Quầy 6 – Hôn nhân", "services": []any{"HN", "TP"}})
		got := rows(mustPut(t, env, d, false))
		want := []row{{"service", "HN", "add"}, {"counter", "6", "add"}}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("got changes %v, want %v", got, want)
		}

		svc, ok := serviceByCode(t, env, "HN")
		if !ok || svc.Name != "Hôn nhân – Gia đình" {
			t.Fatalf("the kiosk's services lack the new one: %+v", services(t, env))
		}
		c6, ok := counterByNumber(t, env, 6)
		if !ok || !reflect.DeepEqual(c6.ServiceIDs[:1], []int64{svc.ID}) {
			t.Fatalf("counter 6: got %+v (found %v), want it serving service %d first", c6, ok, svc.ID)
		}
		tk := env.Issue(svc.ID, false)
		if tk.Number != "7001" {
			t.Errorf("first ticket of the new service: got number %q, want 7001", tk.Number)
		}
		called, found := env.CallNext(c6.ID)
		if !found || called.ID != tk.ID {
			t.Fatalf("call next at counter 6: got %+v (found %v), want ticket %d", called, found, tk.ID)
		}
		// The hall read back holds them, in the order written.
		d = getHall(t, env)
		if last := d.item("services", len(d.list("services"))-1); last["code"] != "HN" || last["digits"] != 3.0 {
			t.Errorf("GET /api/v1/hall: last service %v, want HN with its default digits", last)
		}
	})
}

// TestRetireCounterLeavesTheDisplay retires a counter nobody is at while a
// hall display is connected: the display gets a "hall" event, and its fresh
// snapshot (a reconnect) no longer shows the counter; the counters' API
// forgets it, and the replay of a display that was away carries the event.
func TestRetireCounterLeavesTheDisplay(t *testing.T) {
	eachDB(t, func(t *testing.T, env *servertest.Env) {
		disp := dial(t, env, "/ws/display")
		snap := read(t, disp)
		if snap.Type() != "snapshot" || !hasCounter(snap, 5) {
			t.Fatalf("first display message: got %v, want a snapshot with counter 5", snap)
		}
		counterWS := dial(t, env, fmt.Sprintf("/ws/counter/1?token=%s", env.AdminToken))
		if m := read(t, counterWS); m.Type() != "snapshot" {
			t.Fatalf("counter socket: got %v first", m.Type())
		}
		c5, _ := counterByNumber(t, env, 5)

		d := getHall(t, env)
		d["counters"] = d.without("counters", "number", 5)
		c4 := d.item("counters", 3) // takes over Lao động – Xã hội, which only counter 5 served
		c4["services"] = append(c4["services"].([]any), "LDXH")
		if got := rows(mustPut(t, env, d, false)); !reflect.DeepEqual(got, []row{{"counter", "4", "change"}, {"counter", "5", "retire"}}) {
			t.Fatalf("got changes %v, want counter 4 changed and 5 retired", got)
		}

		ev := read(t, disp)
		if ev.Type() != motcua.EventHall || ev.Seq() <= snap.Seq() {
			t.Fatalf("display: got %s seq %d, want a hall event after seq %d", ev.Type(), ev.Seq(), snap.Seq())
		}
		if kinds := fmt.Sprint(ev["kinds"]); kinds != "[counter]" {
			t.Errorf("hall event kinds: got %s, want [counter]", kinds)
		}
		if m := read(t, counterWS); m.Type() != motcua.EventHall {
			t.Errorf("counter socket: got %s, want the hall event", m.Type())
		}
		fresh := read(t, dial(t, env, "/ws/display"))
		if fresh.Type() != "snapshot" || hasCounter(fresh, 5) || !hasCounter(fresh, 4) {
			t.Errorf("display snapshot after the change: got counters %v, want 1–4 without 5", fresh["counters"])
		}
		replay := dial(t, env, fmt.Sprintf("/ws/display?since=%d", snap.Seq()))
		if m := read(t, replay); m.Type() != motcua.EventHall {
			t.Errorf("display replay since %d: got %s, want the hall event", snap.Seq(), m.Type())
		}

		if _, ok := counterByNumber(t, env, 5); ok {
			t.Errorf("GET /api/v1/counters still lists counter 5")
		}
		if status, _ := env.Raw("POST", fmt.Sprintf("/api/v1/counters/%d/call-next", c5.ID), env.AdminToken, nil); status != http.StatusNotFound {
			t.Errorf("call next at the retired counter: got %d, want 404", status)
		}

		// Named again, it comes back with its id.
		d["counters"] = append(d.list("counters"), map[string]any{"number": 5, "name": "Quầy 5", "services": []any{"LDXH"}})
		if got := rows(mustPut(t, env, d, false)); !reflect.DeepEqual(got, []row{{"counter", "5", "add"}}) {
			t.Fatalf("got changes %v, want counter 5 added back", got)
		}
		if back, ok := counterByNumber(t, env, 5); !ok || back.ID != c5.ID {
			t.Errorf("counter 5 back: got %+v (found %v), want id %d", back, ok, c5.ID)
		}
	})
}

// TestRetireServiceWithPeopleWaiting refuses to retire a service someone
// waits for, names the field, applies nothing of the whole change set, and
// lets it go once nobody is left.
func TestRetireServiceWithPeopleWaiting(t *testing.T) {
	eachDB(t, func(t *testing.T, env *servertest.Env) {
		dd, _ := serviceByCode(t, env, "DD")
		tk := env.Issue(dd.ID, false)
		before := getHall(t, env)
		seq, audits := lastSeq(t, env), auditCount(t, env)

		d := getHall(t, env)
		d["services"] = d.without("services", "code", "DD")
		d["procedures"] = d.without("procedures", "service", "DD")
		for _, c := range d.list("counters") {
			m := c.(map[string]any)
			var keep []any
			for _, code := range m["services"].([]any) {
				if code != "DD" {
					keep = append(keep, code)
				}
			}
			m["services"] = keep
		}
		// Valid changes that must not be applied either.
		d["branch"].(map[string]any)["notice"] = "Thông báo mới"
		d["holidays"] = append(d.list("holidays"), map[string]any{"date": "2026-12-31", "name": "Nghỉ thử"})

		for _, dry := range []bool{true, false} {
			status, raw := put(t, env, d, dry)
			var e apiError
			json.Unmarshal(raw, &e)
			if status != http.StatusConflict || e.Error.Fields["services"] == "" || !strings.Contains(e.Error.Fields["services"], "DD") {
				t.Fatalf("retire DD with a ticket waiting (dry run %v): got %d %s, want 409 naming services and DD", dry, status, raw)
			}
		}
		if after := getHall(t, env); !reflect.DeepEqual(after, before) {
			t.Errorf("a refused change left something applied")
		}
		if got := lastSeq(t, env); got != seq {
			t.Errorf("a refused change announced events: last seq %d, want %d", got, seq)
		}
		if got := auditCount(t, env); got != audits {
			t.Errorf("a refused change was audited: %d entries, want %d", got, audits)
		}

		// Once the ticket is served, DD may go.
		c3, _ := counterByNumber(t, env, 3)
		if called, ok := env.CallNext(c3.ID); !ok || called.ID != tk.ID {
			t.Fatalf("call next at counter 3: got %+v", called)
		}
		if status, _ := env.Raw("POST", fmt.Sprintf("/api/v1/tickets/%d/finish", tk.ID), env.AdminToken, nil); status != http.StatusOK {
			t.Fatalf("finish: %d", status)
		}
		changes := mustPut(t, env, d, false)
		if !slices.Contains(rows(changes), row{"service", "DD", "retire"}) {
			t.Fatalf("got %v, want DD retired", rows(changes))
		}
		if _, ok := serviceByCode(t, env, "DD"); ok {
			t.Errorf("the kiosk still lists DD")
		}
		if status, _ := env.Raw("POST", "/api/v1/tickets", "", map[string]any{"service_id": dd.ID}); status != http.StatusNotFound {
			t.Errorf("a ticket for the retired service: got %d, want 404", status)
		}
		// Its history stays: the served ticket is still there.
		var track map[string]any
		if status := env.Do("GET", "/api/v1/track/"+tk.Token, "", nil, &track); status != http.StatusOK || track["number"] != tk.Number {
			t.Errorf("the retired service's ticket: got %d %v", status, track)
		}
	})
}

// TestRetireBusyCounter refuses to retire a counter that is calling someone.
func TestRetireBusyCounter(t *testing.T) {
	env := servertest.New(t)
	env.Issue(1, false)
	if _, ok := env.CallNext(1); !ok {
		t.Fatal("nothing to call at counter 1")
	}
	d := getHall(t, env)
	d["counters"] = d.without("counters", "number", 1)
	status, raw := put(t, env, d, false)
	var e apiError
	json.Unmarshal(raw, &e)
	if status != http.StatusConflict || !strings.Contains(e.Error.Fields["counters"], "1") {
		t.Errorf("retire counter 1 while it calls: got %d %s, want 409 naming counters", status, raw)
	}
}

// TestHolidayMovesNewDueDates adds a holiday inside a dossier's processing
// time: a dossier received afterwards is due a working day later, the one
// received before keeps the date on its receipt.
func TestHolidayMovesNewDueDates(t *testing.T) {
	eachDB(t, func(t *testing.T, env *servertest.Env) {
		proc := findProcedure(t, env, marriageCode) // 3 working days
		first := createDossier(t, env, proc.ID)
		// Received Friday 27/11/2026 09:00: due Wednesday 02/12 at the close of reception.
		if !strings.HasPrefix(first.DueAt, "2026-12-02T17:00") {
			t.Fatalf("first dossier: due %s, want 2026-12-02T17:00", first.DueAt)
		}
		d := getHall(t, env)
		d["holidays"] = append(d.list("holidays"), map[string]any{"date": "2026-12-01", "name": "Nghỉ đột xuất"})
		if got := rows(mustPut(t, env, d, false)); !reflect.DeepEqual(got, []row{{"holiday", "2026-12-01", "add"}}) {
			t.Fatalf("got %v, want the holiday added", got)
		}
		second := createDossier(t, env, proc.ID)
		if !strings.HasPrefix(second.DueAt, "2026-12-03T17:00") {
			t.Errorf("dossier received after the new holiday: due %s, want 2026-12-03T17:00", second.DueAt)
		}
		var again dossierView
		env.Do("GET", fmt.Sprintf("/api/v1/dossiers/%d", first.ID), env.AdminToken, nil, &again)
		if again.DueAt != first.DueAt {
			t.Errorf("dossier received before the holiday: due %s, want it kept at %s", again.DueAt, first.DueAt)
		}
		if p := findProcedure(t, env, marriageCode); !strings.HasPrefix(p.DueAt, "2026-12-03") {
			t.Errorf("the counter's procedure list: due %s, want 2026-12-03", p.DueAt)
		}
	})
}

// TestDryRunChangesNothing lists the same changes as the real PUT and leaves
// the hall, the log and the audit as they were.
func TestDryRunChangesNothing(t *testing.T) {
	env := servertest.New(t)
	before := getHall(t, env)
	seq, audits := lastSeq(t, env), auditCount(t, env)
	d := getHall(t, env)
	d["branch"].(map[string]any)["notice"] = "Sáng nay nghỉ họp / Closed this morning"
	d.item("services", 0)["name"] = "Tư pháp"
	d["procedures"] = d.list("procedures")[1:]
	d["policy"].(map[string]any)["priority"] = "interleave"

	dry := mustPut(t, env, d, true)
	if len(dry) != 4 {
		t.Fatalf("dry run: got %v, want 4 changes", rows(dry))
	}
	if after := getHall(t, env); !reflect.DeepEqual(after, before) {
		t.Errorf("the dry run changed the hall")
	}
	if got := lastSeq(t, env); got != seq {
		t.Errorf("the dry run announced events: last seq %d, want %d", got, seq)
	}
	if got := auditCount(t, env); got != audits {
		t.Errorf("the dry run was audited: %d entries, want %d", got, audits)
	}
	if got := env.Server.Hub.Site.Branch().Notice; got == "Sáng nay nghỉ họp / Closed this morning" {
		t.Errorf("the dry run swapped the running hall")
	}
	real := mustPut(t, env, d, false)
	if !reflect.DeepEqual(dry, real) {
		t.Errorf("dry run and real change lists differ:\n%v\n%v", dry, real)
	}
	if got := env.Server.Hub.Site.Branch().Notice; got != "Sáng nay nghỉ họp / Closed this morning" {
		t.Errorf("running notice: got %q", got)
	}
	if got := env.Server.Hub.Site.Policy().Priority; got != motcua.PolicyInterleave {
		t.Errorf("running policy: got %q, want interleave", got)
	}
	// The same description again changes nothing and announces nothing.
	seq = lastSeq(t, env)
	if again := mustPut(t, env, d, false); len(again) != 0 {
		t.Errorf("PUT of the running hall: got %v, want no change", rows(again))
	}
	if got := lastSeq(t, env); got != seq {
		t.Errorf("an empty change set announced events")
	}
}

// TestAuditListsEveryChange checks who, when, what and before → after.
func TestAuditListsEveryChange(t *testing.T) {
	env := servertest.New(t)
	var initial []motcua.HallAuditEntry
	env.Do("GET", "/api/v1/hall/audit?limit=1000", env.AdminToken, nil, &initial)
	if len(initial) == 0 || initial[0].Source != "load" || initial[0].User != nil {
		t.Fatalf("the first load is audited as such: got %d entries, first %+v", len(initial), initial[0])
	}
	d := getHall(t, env)
	d.item("services", 1)["daily_cap"] = 150
	mustPut(t, env, d, false)
	var list []motcua.HallAuditEntry
	env.Do("GET", "/api/v1/hall/audit?limit=1", env.AdminToken, nil, &list)
	if len(list) != 1 {
		t.Fatalf("audit with limit=1: got %d entries", len(list))
	}
	e := list[0]
	if e.User == nil || e.User.Username != "admin" || e.Source != "api" || e.Kind != "service" || e.Key != "CT" ||
		e.Action != "change" || !reflect.DeepEqual(e.Fields, []string{"daily_cap"}) || e.Seq == 0 {
		t.Errorf("audit entry: got %+v", e)
	}
	if !strings.Contains(string(e.Before), `"daily_cap":0`) || !strings.Contains(string(e.After), `"daily_cap":150`) {
		t.Errorf("before → after: %s → %s", e.Before, e.After)
	}
	if _, off := e.At.Zone(); off != 7*3600 {
		t.Errorf("audit time %v is not in the branch's zone", e.At)
	}
	var page []motcua.HallAuditEntry
	env.Do("GET", fmt.Sprintf("/api/v1/hall/audit?before=%d&limit=1000", e.ID), env.AdminToken, nil, &page)
	if len(page) != len(initial) {
		t.Errorf("the page before the change: got %d entries, want %d", len(page), len(initial))
	}
}

// TestPutBadInput sends wrong descriptions and checks the status and the
// field the error names; nothing is ever applied.
func TestPutBadInput(t *testing.T) {
	env := servertest.New(t)
	if _, err := env.Server.Hub.Auth.CreateUser(context.Background(), "canbo", "Cán bộ", motcua.RoleStaff, "staff-password-long"); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Server.Hub.Auth.CreateUser(context.Background(), "giamsat", "Giám sát", motcua.RoleSupervisor, "super-password-long"); err != nil {
		t.Fatal(err)
	}
	staff, super := env.Login("canbo", "staff-password-long"), env.Login("giamsat", "super-password-long")
	before := getHall(t, env)
	seq := lastSeq(t, env)
	edited := func(f func(d description)) description {
		d := getHall(t, env)
		f(d)
		return d
	}
	cases := []struct {
		name       string
		path       string
		token      string
		body       any
		wantStatus int
		wantField  string
	}{
		{"unknown field", "", "", edited(func(d description) { d.item("services", 0)["prefx"] = "9" }), 422, "services[0].prefx"},
		{"unknown section", "", "", edited(func(d description) { d["quays"] = []any{} }), 422, "quays"},
		{"wrong type: number for prefix", "", "", edited(func(d description) { d.item("services", 1)["prefix"] = 2 }), 422, "services[1].prefix"},
		{"wrong type: text for counter number", "", "", edited(func(d description) { d.item("counters", 0)["number"] = "một" }), 422, "counters[0].number"},
		{"wrong type: list for branch", "", "", edited(func(d description) { d["branch"] = []any{} }), 422, "branch"},
		{"duplicate service code", "", "", edited(func(d description) { d.item("services", 1)["code"] = "TP" }), 422, "services[1].code"},
		{"duplicate prefix", "", "", edited(func(d description) { d.item("services", 1)["prefix"] = "1" }), 422, "services[1].prefix"},
		{"duplicate counter number", "", "", edited(func(d description) { d.item("counters", 1)["number"] = 1 }), 422, "counters[1].number"},
		{"counter serving an unknown service", "", "", edited(func(d description) { d.item("counters", 0)["services"] = []any{"TP", "KHONGCO"} }), 422, "counters[0].services[1]"},
		{"service nobody serves", "", "", edited(func(d description) {
			d["services"] = append(d.list("services"), map[string]any{"code": "MOI", "name": "Mới", "prefix": "8"})
		}), 422, "services[6].code"},
		{"empty hall", "", "", map[string]any{}, 422, "services"},
		{"no services", "", "", edited(func(d description) { d["services"] = []any{} }), 422, "services"},
		{"no counters", "", "", edited(func(d description) { d["counters"] = []any{} }), 422, "counters"},
		{"procedure without days", "", "", edited(func(d description) { delete(d.item("procedures", 0), "processing_days") }), 422, "procedures[0].processing_days"},
		{"bad holiday date", "", "", edited(func(d description) { d.item("holidays", 0)["date"] = "31/12/2026" }), 422, "holidays[0].date"},
		{"weekday as working day", "", "", edited(func(d description) {
			d["working_days"] = []any{map[string]any{"date": "2026-12-02", "name": "Thứ Tư"}}
		}), 422, "working_days[0].date"},
		{"malformed JSON", "", "", `{"branch": `, 400, ""},
		{"two objects", "", "", `{} {}`, 400, ""},
		{"dry_run not a bool", "?dry_run=maybe", "", before, 400, "dry_run"},
		{"staff may not", "", staff, before, 403, ""},
		{"supervisor may not", "", super, before, 403, ""},
		{"nobody logged in", "", "-", before, 401, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			token := env.AdminToken
			switch c.token {
			case "-":
				token = ""
			case "":
			default:
				token = c.token
			}
			status, raw := env.Raw("PUT", "/api/v1/hall"+c.path, token, c.body)
			if status != c.wantStatus {
				t.Fatalf("got status %d, want %d: %s", status, c.wantStatus, raw)
			}
			var e apiError
			if err := json.Unmarshal(raw, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
				t.Fatalf("error body: %s", raw)
			}
			if c.wantField != "" {
				if _, ok := e.Error.Fields[c.wantField]; !ok {
					t.Errorf("got fields %v, want one for %s", e.Error.Fields, c.wantField)
				}
			}
		})
	}
	if after := getHall(t, env); !reflect.DeepEqual(after, before) {
		t.Errorf("a refused description left something applied")
	}
	if got := lastSeq(t, env); got != seq {
		t.Errorf("refused descriptions announced events: last seq %d, want %d", got, seq)
	}
	for _, path := range []string{"/api/v1/hall", "/api/v1/hall/audit"} {
		if status, _ := env.Raw("GET", path, staff, nil); status != http.StatusForbidden {
			t.Errorf("GET %s as staff: got %d, want 403", path, status)
		}
	}
	if status, _ := env.Raw("GET", "/api/v1/hall/audit?limit=0", env.AdminToken, nil); status != http.StatusUnprocessableEntity {
		t.Errorf("audit limit=0: got %d, want 422", status)
	}
}

// TestPrefixTakenToday refuses to give a service a prefix whose numbers
// another service already gave today.
func TestPrefixTakenToday(t *testing.T) {
	env := servertest.New(t)
	env.Issue(1, false) // TP gives 1001
	d := getHall(t, env)
	d.item("services", 0)["prefix"] = "9"
	d.item("services", 1)["prefix"] = "1" // CT would give 1001 again
	status, raw := put(t, env, d, false)
	var e apiError
	json.Unmarshal(raw, &e)
	if status != http.StatusConflict || e.Error.Fields["services[1].prefix"] == "" {
		t.Errorf("got %d %s, want 409 naming services[1].prefix", status, raw)
	}
	// Swapping prefixes of services that gave nothing today is fine.
	d = getHall(t, env)
	d.item("services", 1)["prefix"] = "3"
	d.item("services", 2)["prefix"] = "2"
	if got := rows(mustPut(t, env, d, false)); !reflect.DeepEqual(got, []row{{"service", "CT", "change"}, {"service", "DD", "change"}}) {
		t.Errorf("swap prefixes: got %v", got)
	}
	ct, _ := serviceByCode(t, env, "CT")
	if tk := env.Issue(ct.ID, false); tk.Number != "3001" {
		t.Errorf("CT after the swap: got number %s, want 3001", tk.Number)
	}
}

func TestImportProcedures(t *testing.T) {
	env := servertest.New(t)
	csvText := "code,name,agency,processing_days,documents,service\n" +
		"2.002000,Cấp bản sao trích lục hộ tịch,UBND cấp xã,1,Tờ khai,TP\n"
	var out struct {
		Procedures []map[string]any `json:"procedures"`
	}
	if status := env.Do("POST", "/api/v1/hall/procedures/import?format=csv", env.AdminToken, csvText, &out); status != http.StatusOK {
		t.Fatalf("import: got %d", status)
	}
	if len(out.Procedures) != 1 || out.Procedures[0]["code"] != "2.002000" || out.Procedures[0]["service"] != "TP" {
		t.Fatalf("import: got %v", out.Procedures)
	}
	// Merged into the hall, it is one procedure added.
	d := getHall(t, env)
	d["procedures"] = append(d.list("procedures"), out.Procedures[0])
	if got := rows(mustPut(t, env, d, false)); !reflect.DeepEqual(got, []row{{"procedure", "2.002000", "add"}}) {
		t.Errorf("got %v", got)
	}
	status, raw := env.Raw("POST", "/api/v1/hall/procedures/import?format=csv", env.AdminToken, "code,name\n")
	var e apiError
	json.Unmarshal(raw, &e)
	if status != http.StatusUnprocessableEntity || e.Error.Fields["columns"] == "" {
		t.Errorf("a catalogue without its columns: got %d %s", status, raw)
	}
}

// --- helpers shared with the tests above ---

const marriageCode = "1.004873" // 3 working days in the sample hall

type procedureView struct {
	ID     int64  `json:"id"`
	Code   string `json:"code"`
	DueAt  string `json:"due_at"`
	Retire string `json:"retired_at"`
}

type dossierView struct {
	ID    int64  `json:"id"`
	DueAt string `json:"due_at"`
}

func findProcedure(t *testing.T, env *servertest.Env, code string) procedureView {
	t.Helper()
	var ps []procedureView
	env.Do("GET", "/api/v1/procedures", env.AdminToken, nil, &ps)
	for _, p := range ps {
		if p.Code == code {
			return p
		}
	}
	t.Fatalf("procedure %s not in the catalogue", code)
	return procedureView{}
}

// createDossier receives a dossier for the procedure from a new ticket called at counter 1.
func createDossier(t *testing.T, env *servertest.Env, procID int64) dossierView {
	t.Helper()
	issued := env.Issue(1, false)
	if tk, ok := env.CallNext(1); !ok || tk.ID != issued.ID {
		t.Fatalf("call next: got %+v", tk)
	}
	env.Start(issued.ID) // served, so the next call ends it as done, not as a no-show
	body := map[string]any{"procedure_id": procID, "documents": []string{"Tờ khai cấp Giấy xác nhận tình trạng hôn nhân (theo mẫu)"},
		"applicant": map[string]string{"name": "Trần Văn Cường", "id_number": "001089067890", "phone": "0987654321",
			"address": "Số 12 ngõ Văn Chương, Hà Nội"}, "sets": 1, "delivery": "counter"}
	var d dossierView
	if status, raw := env.Raw("POST", fmt.Sprintf("/api/v1/tickets/%d/dossiers", issued.ID), env.AdminToken, body); status != http.StatusCreated {
		t.Fatalf("create dossier: got %d %s", status, raw)
	} else if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func dial(t *testing.T, env *servertest.Env, path string) *websocket.Conn {
	t.Helper()
	c, _, err := env.WS(path, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func read(t *testing.T, c *websocket.Conn) servertest.Message {
	t.Helper()
	return servertest.Read(t, c, readTimeout)
}

func hasCounter(snap servertest.Message, number int) bool {
	list, _ := snap["counters"].([]any)
	for _, c := range list {
		if m, ok := c.(map[string]any); ok && m["number"] == float64(number) {
			return true
		}
	}
	return false
}

// TestDeadlineFieldsThroughPut: a procedure's cut-off, processing time and
// extension and a holiday's "assumed" travel through GET and PUT
// /api/v1/hall and the database (SQLite and PostgreSQL), a change of each is
// a change of its entity, and a new cut-off moves new due dates (issue 17).
func TestDeadlineFieldsThroughPut(t *testing.T) {
	eachDB(t, func(t *testing.T, env *servertest.Env) {
		d := getHall(t, env)
		var cert, marriage map[string]any
		for _, it := range d.list("procedures") {
			p := it.(map[string]any)
			switch p["code"] {
			case "2.000815":
				cert = p
			case marriageCode:
				marriage = p
			}
		}
		if cert["cutoff"] != "15:00" || marriage["extended_days"] != float64(3) || marriage["processing_time"] != "3 ngày" {
			t.Fatalf("GET /api/v1/hall: certification %v, marriage status %v; want the sample's cut-off and extension", cert, marriage)
		}
		var newYear map[string]any
		for _, it := range d.list("holidays") {
			if h := it.(map[string]any); h["date"] == "2027-01-01" {
				newYear = h
			}
		}
		if newYear["assumed"] != true {
			t.Fatalf("GET /api/v1/hall: 2027-01-01 is %v, want assumed", newYear)
		}
		cert["cutoff"] = "16:00"
		marriage["processing_time"], marriage["processing_days"] = "0.5 ngày", 0
		delete(newYear, "assumed") // announced: no longer an assumption
		changes := mustPut(t, env, d, false)
		got := map[string]string{}
		for _, c := range changes {
			got[c.Kind+" "+c.Key+" "+c.Action] = strings.Join(c.Fields, ",")
		}
		want := map[string]string{
			"procedure 2.000815 change":             "cutoff",
			"procedure " + marriageCode + " change": "processing_days,processing_time",
			"holiday 2027-01-01 change":             "assumed",
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("PUT: got changes %v, want %v", got, want)
		}
		if again := mustPut(t, env, getHall(t, env), false); len(again) != 0 {
			t.Errorf("PUT of what GET gives back: got %v, want no change (stored and read back whole)", rows(again))
		}
		// Received at 15:30: before the new 16:00 cut-off, the same day.
		env.Clock.Set(time.Date(2026, 11, 27, 15, 30, 0, 0, servertest.Hanoi))
		if p := findProcedure(t, env, "2.000815"); !strings.HasPrefix(p.DueAt, "2026-11-27T17:00") {
			t.Errorf("certification at 15:30 with a 16:00 cut-off: due %s, want the same day", p.DueAt)
		}
		// Half a day from 15:30: 1.5 hours today, 2.5 from Monday's opening.
		if p := findProcedure(t, env, marriageCode); !strings.HasPrefix(p.DueAt, "2026-11-30T10:00") {
			t.Errorf("half a day from Friday 15:30: due %s, want Monday 10:00", p.DueAt)
		}
	})
}
