package reports_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/server/servertest"
	"github.com/motcua/motcua/store/storetest"
)

// day is the scripted day's hub and its three officers.
type day struct {
	env             *servertest.Env
	lan, minh, hung motcua.User
	tokLan, tokMinh string
	tokHung         string
	tk              map[string]servertest.Ticket // A..G
}

const officerPassword = "quầy-làm-việc-2026-xanh"

func ip(n int) *int           { return &n }
func fp(f float64) *float64   { return &f }
func id(u motcua.User) string { return strconv.FormatInt(u.ID, 10) }

// scriptDay plays two days of the sample hall (services 1 TP with a 20-minute
// target, 2 CT, 3 DD; counters 1, 2, 3) with three officers: Lan at counter 1,
// Minh at counter 2, Hùng at counter 3. Minutes after 09:00 on Friday
// 27/11/2026:
//
//	0  A, B (TP), C (CT), D (DD), E (CT) issued
//	5  Lan calls A at 1 (wait 300)          6  Lan starts A
//	10 Minh calls C at 2 (wait 600)         11 Minh starts C
//	12 Hùng calls D at 3 (wait 720)         14 Hùng starts D
//	20 Lan calls next: A done (service 840), B called (wait 1200)
//	22 Lan calls next: B no-show, E called (wait 1320)   23 Lan starts E
//	25 Minh transfers C to DD
//	30 Hùng finishes D (service 960), calls next: C (waited 300 since the transfer)
//	31 Hùng starts C                        40 Hùng finishes C (service 540)
//	41 Lan finishes E (service 1080)
//	62 F (TP) issued at 10:02, never called (cancelled at the day's end)
//
// Monday 30/11/2026: G (TP) issued at 09:00, Minh calls it at 2 at 09:21 (wait
// 1260, over TP's target), starts at 09:22, finishes at 09:28 (service 360).
func scriptDay(t *testing.T, dsn string) *day {
	t.Helper()
	// No-shows in this script come from "Gọi tiếp" over a ticket called once.
	env := servertest.New(t, servertest.WithDSN(dsn), servertest.WithNoShowMinCalls(1))
	ctx := context.Background()
	mk := func(username, name string) (motcua.User, string) {
		u, err := env.Server.Hub.Auth.CreateUser(ctx, username, name, motcua.RoleStaff, officerPassword)
		if err != nil {
			t.Fatalf("create %s: %v", username, err)
		}
		return u, env.Login(username, officerPassword)
	}
	d := &day{env: env, tk: map[string]servertest.Ticket{}}
	d.lan, d.tokLan = mk("lan", "Nguyễn Thị Lan")
	d.minh, d.tokMinh = mk("minh", "Trần Văn Minh")
	d.hung, d.tokHung = mk("hung", "=1+2 Hùng") // a name a spreadsheet would run
	start := env.Clock.Now()
	at := func(min int) { env.Clock.Set(start.Add(time.Duration(min) * time.Minute)) }
	post := func(tok, path string, body any) servertest.Ticket {
		t.Helper()
		var out struct {
			servertest.Ticket
			Inner *servertest.Ticket `json:"ticket"`
		}
		if status := env.Do("POST", path, tok, body, &out); status != http.StatusOK {
			t.Fatalf("POST %s: got status %d, want 200", path, status)
		}
		if out.Inner != nil {
			return *out.Inner
		}
		return out.Ticket
	}
	callNext := func(tok string, counter int, want servertest.Ticket) {
		t.Helper()
		got := post(tok, fmt.Sprintf("/api/v1/counters/%d/call-next", counter), nil)
		if got.ID != want.ID {
			t.Fatalf("counter %d called %s, want %s", counter, got.Number, want.Number)
		}
	}
	tkPath := func(tk servertest.Ticket, action string) string {
		return fmt.Sprintf("/api/v1/tickets/%d/%s", tk.ID, action)
	}

	at(0)
	a, b, c, dd, e := env.Issue(1, false), env.Issue(1, false), env.Issue(2, false), env.Issue(3, false), env.Issue(2, false)
	at(5)
	callNext(d.tokLan, 1, a)
	at(6)
	post(d.tokLan, tkPath(a, "start"), nil)
	at(10)
	callNext(d.tokMinh, 2, c)
	at(11)
	post(d.tokMinh, tkPath(c, "start"), nil)
	at(12)
	callNext(d.tokHung, 3, dd)
	at(14)
	post(d.tokHung, tkPath(dd, "start"), nil)
	at(20)
	callNext(d.tokLan, 1, b)
	at(22)
	callNext(d.tokLan, 1, e)
	at(23)
	post(d.tokLan, tkPath(e, "start"), nil)
	at(25)
	post(d.tokMinh, tkPath(c, "transfer"), map[string]any{"service_id": 3})
	at(30)
	post(d.tokHung, tkPath(dd, "finish"), nil)
	callNext(d.tokHung, 3, c)
	at(31)
	post(d.tokHung, tkPath(c, "start"), nil)
	at(40)
	post(d.tokHung, tkPath(c, "finish"), nil)
	at(41)
	post(d.tokLan, tkPath(e, "finish"), nil)
	at(62)
	f := env.Issue(1, false)

	monday := time.Date(2026, 11, 30, 9, 0, 0, 0, servertest.Hanoi)
	env.Clock.Set(monday)
	d.tokMinh = env.Login("minh", officerPassword) // Friday's session has ended
	g := env.Issue(1, false)
	env.Clock.Set(monday.Add(21 * time.Minute))
	callNext(d.tokMinh, 2, g)
	env.Clock.Set(monday.Add(22 * time.Minute))
	post(d.tokMinh, tkPath(g, "start"), nil)
	env.Clock.Set(monday.Add(28 * time.Minute))
	post(d.tokMinh, tkPath(g, "finish"), nil)
	for name, tk := range map[string]servertest.Ticket{"A": a, "B": b, "C": c, "D": dd, "E": e, "F": f, "G": g} {
		d.tk[name] = tk
	}
	// Friday's sessions have ended.
	env.AdminToken = env.Login("admin", servertest.AdminPassword)
	d.tokLan, d.tokHung = env.Login("lan", officerPassword), env.Login("hung", officerPassword)
	return d
}

// row builds an expected row; waits and services are p50, p90.
func row(key, label string, issued, served, noShow, transferred int, wait, service []int, avg *int, within, targeted int) motcua.QueueRow {
	r := motcua.QueueRow{Key: key, Label: label, Issued: issued, Served: served, NoShow: noShow, Transferred: transferred,
		WaitAvgS: avg, WithinTarget: within, TargetServed: targeted}
	if wait != nil {
		r.WaitP50S, r.WaitP90S = ip(wait[0]), ip(wait[1])
	}
	if service != nil {
		r.ServiceP50S, r.ServiceP90S = ip(service[0]), ip(service[1])
	}
	if targeted > 0 {
		r.WithinTargetRate = fp(float64(within) / float64(targeted))
	}
	return r
}

// perDay sets the days of the range on the row's weekday (weekhour only).
func perDay(r motcua.QueueRow, days int) motcua.QueueRow {
	r.Days = days
	r.IssuedPerDay = fp(float64(r.Issued) / float64(days))
	return r
}

// want computes, by hand, every row of every grouping of the scripted day.
func (d *day) want() map[string][]motcua.QueueRow {
	// Legs: A (TP, 1, Lan, wait 300, served 840), B (TP, 1, Lan, 1200,
	// no-show), C1 (CT, 2, Minh, 600, transferred), C2 (DD, 3, Hùng, 300,
	// served 540; not an issue), D (DD, 3, Hùng, 720, served 960), E (CT, 1,
	// Lan, 1320, served 1080), F (TP, 10:02, never called), G (TP, Monday,
	// 2, Minh, 1260, served 360, over target). p50 is rank ceil(n/2), p90
	// rank ceil(0.9n) of the sorted values.
	return map[string][]motcua.QueueRow{
		"day": {
			// waits 300 300 600 720 1200 1320; services 540 840 960 1080; avg 4440/6
			row("2026-11-27", "27/11/2026", 6, 4, 1, 1, []int{600, 1320}, []int{840, 1080}, ip(740), 1, 1),
			row("2026-11-30", "30/11/2026", 1, 1, 0, 0, []int{1260, 1260}, []int{360, 360}, ip(1260), 0, 1),
		},
		"hour": {
			// waits 300 300 600 720 1200 1260 1320; services 360 540 840 960 1080; avg 5700/7
			row("09", "09:00–10:00", 6, 5, 1, 1, []int{720, 1320}, []int{840, 1080}, ip(814), 1, 2),
			row("10", "10:00–11:00", 1, 0, 0, 0, nil, nil, nil, 0, 0),
		},
		"service": {
			// TP: A B F G; waits 300 1200 1260; services 360 840
			row("1", "Tư pháp – Hộ tịch", 4, 2, 1, 0, []int{1200, 1260}, []int{360, 840}, ip(920), 1, 2),
			// CT: C1 E
			row("2", "Chứng thực", 2, 1, 0, 1, []int{600, 1320}, []int{1080, 1080}, ip(960), 0, 0),
			// DD: D, and C2 which was not issued there
			row("3", "Đất đai", 1, 2, 0, 0, []int{300, 720}, []int{540, 960}, ip(510), 0, 0),
		},
		"counter": {
			// issued = visits called there. 1: A B E; 2: C1 G; 3: C2 D
			row("1", "Quầy 1 – Hộ tịch", 3, 2, 1, 0, []int{1200, 1320}, []int{840, 1080}, ip(940), 1, 1),
			row("2", "Quầy 2 – Chứng thực", 2, 1, 0, 1, []int{600, 1260}, []int{360, 360}, ip(930), 0, 1),
			row("3", "Quầy 3 – Đất đai", 2, 2, 0, 0, []int{300, 720}, []int{540, 960}, ip(510), 0, 0),
		},
		"weekhour": {
			// Monday 09: G. Friday 09: A B C1 C2 D E (C2 began waiting at
			// 09:25; not an issue). Friday 10: F. One Monday and one Friday
			// in the range.
			perDay(row("1-09", "Thứ Hai 09:00", 1, 1, 0, 0, []int{1260, 1260}, []int{360, 360}, ip(1260), 0, 1), 1),
			perDay(row("5-09", "Thứ Sáu 09:00", 5, 4, 1, 1, []int{600, 1320}, []int{840, 1080}, ip(740), 1, 1), 1),
			perDay(row("5-10", "Thứ Sáu 10:00", 1, 0, 0, 0, nil, nil, nil, 0, 0), 1),
		},
		"staff": {
			row(id(d.lan), "Nguyễn Thị Lan", 3, 2, 1, 0, []int{1200, 1320}, []int{840, 1080}, ip(940), 1, 1),
			row(id(d.minh), "Trần Văn Minh", 2, 1, 0, 1, []int{600, 1260}, []int{360, 360}, ip(930), 0, 1),
			row(id(d.hung), "=1+2 Hùng", 2, 2, 0, 0, []int{300, 720}, []int{540, 960}, ip(510), 0, 0),
		},
	}
}

func jsonOf(v any) string { b, _ := json.Marshal(v); return string(b) }

func compareRows(t *testing.T, what string, got, want []motcua.QueueRow) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: got %d rows %s, want %d rows %s", what, len(got), jsonOf(got), len(want), jsonOf(want))
		return
	}
	for i := range want {
		if g, w := jsonOf(got[i]), jsonOf(want[i]); g != w {
			t.Errorf("%s row %d:\n got %s\nwant %s", what, i, g, w)
		}
	}
}

const reportPath = "/api/v1/reports/queue?from=2026-11-27&to=2026-11-30&group_by="

func TestQueueReportScriptedDay(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		t.Run(dialect.Name, func(t *testing.T) {
			d := scriptDay(t, dialect.DSN(t))
			want := d.want()
			for _, by := range []string{"day", "hour", "service", "counter", "staff", "weekhour"} {
				var got []motcua.QueueRow
				if status := d.env.Do("GET", reportPath+by, d.env.AdminToken, nil, &got); status != http.StatusOK {
					t.Fatalf("group_by=%s: got status %d, want 200", by, status)
				}
				compareRows(t, "group_by="+by, got, want[by])
				checkCSV(t, d.env, by, got)
				checkXLSX(t, d.env, by, got)
			}
		})
	}
}

// cells is a row as its CSV/XLSX cells read.
func cells(r motcua.QueueRow) []string {
	n := func(p *int) string {
		if p == nil {
			return ""
		}
		return strconv.Itoa(*p)
	}
	rate := ""
	if r.WithinTargetRate != nil {
		rate = strconv.FormatFloat(*r.WithinTargetRate, 'f', -1, 64)
	}
	label := r.Label
	if strings.HasPrefix(label, "=") {
		label = "'" + label // neutralised: read as text
	}
	return []string{r.Key, label, strconv.Itoa(r.Issued), strconv.Itoa(r.Served), strconv.Itoa(r.NoShow),
		strconv.Itoa(r.Transferred), n(r.WaitP50S), n(r.WaitP90S), n(r.ServiceP50S), n(r.ServiceP90S), n(r.WaitAvgS),
		strconv.Itoa(r.WithinTarget), strconv.Itoa(r.TargetServed), rate}
}

func checkCSV(t *testing.T, env *servertest.Env, by string, rows []motcua.QueueRow) {
	t.Helper()
	req, _ := http.NewRequest("GET", env.URL+reportPath+by+"&format=csv", nil)
	req.Header.Set("Authorization", "Bearer "+env.AdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	if got := resp.Header.Get("Content-Type"); !strings.HasPrefix(got, "text/csv") {
		t.Errorf("csv %s: got Content-Type %q, want text/csv", by, got)
	}
	raw := buf.Bytes()
	if !bytes.HasPrefix(raw, []byte("\ufeff")) {
		t.Fatalf("csv %s: no UTF-8 BOM at the start: %q", by, raw[:min(10, len(raw))])
	}
	recs, err := csv.NewReader(bytes.NewReader(raw[3:])).ReadAll()
	if err != nil {
		t.Fatalf("csv %s: %v", by, err)
	}
	if len(recs) != len(rows)+1 {
		t.Fatalf("csv %s: got %d records, want %d (header and rows)", by, len(recs), len(rows)+1)
	}
	for i, r := range rows {
		if got, want := strings.Join(recs[i+1], "|"), strings.Join(cells(r), "|"); got != want {
			t.Errorf("csv %s row %d:\n got %s\nwant %s", by, i, got, want)
		}
	}
}

func checkXLSX(t *testing.T, env *servertest.Env, by string, rows []motcua.QueueRow) {
	t.Helper()
	status, raw := env.Raw("GET", reportPath+by+"&format=xlsx", env.AdminToken, nil)
	if status != http.StatusOK {
		t.Fatalf("xlsx %s: got status %d, want 200", by, status)
	}
	f, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("xlsx %s: %v", by, err)
	}
	defer f.Close()
	recs, err := f.GetRows(f.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(rows)+1 {
		t.Fatalf("xlsx %s: got %d rows, want %d", by, len(recs), len(rows)+1)
	}
	for i, r := range rows {
		got := recs[i+1]
		want := cells(r)
		for len(got) < len(want) {
			got = append(got, "")
		}
		if g, w := strings.Join(got, "|"), strings.Join(want, "|"); g != w {
			t.Errorf("xlsx %s row %d:\n got %s\nwant %s", by, i, g, w)
		}
		if strings.HasPrefix(r.Label, "=") {
			cell := fmt.Sprintf("B%d", i+2)
			if formula, _ := f.GetCellFormula(f.GetSheetName(0), cell); formula != "" {
				t.Errorf("xlsx %s %s: got formula %q, want plain text", by, cell, formula)
			}
		}
	}
}

func TestQueueReportAccess(t *testing.T) {
	d := scriptDay(t, storetest.SQLiteDSN(t))
	// An officer sees only their own figures.
	if status := d.env.Do("GET", reportPath+"day", d.tokLan, nil, nil); status != http.StatusForbidden {
		t.Errorf("officer, group_by=day: got status %d, want 403", status)
	}
	var got []motcua.QueueRow
	if status := d.env.Do("GET", reportPath+"staff", d.tokLan, nil, &got); status != http.StatusOK {
		t.Fatalf("officer, group_by=staff: got status %d, want 200", status)
	}
	compareRows(t, "Lan's staff report", got, d.want()["staff"][:1])
	got = nil
	if status := d.env.Do("GET", reportPath+"service&staff=me", d.tokHung, nil, &got); status != http.StatusOK {
		t.Fatalf("officer, staff=me: got status %d, want 200", status)
	}
	// Hùng's legs: D (issued at DD) and C2 (transferred in, not issued there).
	compareRows(t, "Hùng's service report", got, []motcua.QueueRow{
		row("3", "Đất đai", 1, 2, 0, 0, []int{300, 720}, []int{540, 960}, ip(510), 0, 0),
	})
}

func TestQueueReportRange(t *testing.T) {
	env := servertest.New(t)
	for _, tc := range []struct {
		query string
		want  int
	}{
		{"from=2026-01-01&to=2026-12-31&group_by=day", http.StatusOK},  // 365 days
		{"from=2028-01-01&to=2028-12-31&group_by=day", http.StatusOK},  // 366 days (leap year)
		{"from=2026-01-01&to=2027-01-01&group_by=day", http.StatusOK},  // 366 days
		{"from=2026-01-01&to=2027-01-02&group_by=day", 422},            // 367 days
		{"from=2026-02-01&to=2026-01-01&group_by=day", 422},            // backwards
		{"from=01/02/2026&to=2026-03-01&group_by=day", 422},            // not YYYY-MM-DD
		{"from=2026-01-01&to=2026-01-31&group_by=week", 422},           // unknown grouping
		{"from=2026-01-01&to=2026-01-31&group_by=day&format=pdf", 422}, // unknown format
	} {
		if status, raw := env.Raw("GET", "/api/v1/reports/queue?"+tc.query, env.AdminToken, nil); status != tc.want {
			t.Errorf("%s: got status %d (%s), want %d", tc.query, status, raw, tc.want)
		}
	}
	if status := env.Do("GET", "/api/v1/reports/queue?from=2026-01-01&to=2026-01-02", "", nil, nil); status != http.StatusUnauthorized {
		t.Errorf("no login: got status %d, want 401", status)
	}
}
