package kiosk_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/server/servertest"
)

// fairUseHall has one service for every rule the kiosk enforces, all served
// by one counter so call-next order is easy to follow.
func fairUseHall() motcua.Hall {
	return motcua.Hall{
		Branch: motcua.Branch{Code: "CN09", Name: "Chi nhánh thử", CenterName: "Trung tâm thử", UnitCode: "000.00.09.H26",
			TimeZone: "Asia/Ho_Chi_Minh"},
		Policy: motcua.QueuePolicy{Priority: motcua.PolicyStrict, InterleaveN: 3, NoShowMinCalls: 2, ReactivateMinutes: 15},
		Services: []motcua.ServiceSpec{
			// Service 1: no limits.
			{Code: "TP", Name: "Tư pháp – Hộ tịch", Field: "Tư pháp", Prefix: "1", Digits: 3},
			// Service 2: afternoon only; the test clock starts at 09:00.
			{Code: "DD", Name: "Đất đai", Field: "Nông nghiệp và Môi trường", Prefix: "2", Digits: 3,
				Hours: []motcua.Session{{From: "13:00", To: "16:45"}}},
			// Service 3: two numbers a day.
			{Code: "KD", Name: "Đăng ký kinh doanh", Field: "Tài chính", Prefix: "3", Digits: 3, DailyCap: 2},
		},
		Counters: []motcua.CounterSpec{
			{Number: 1, Name: "Quầy 1", Services: []string{"TP", "DD", "KD"}},
		},
	}
}

type apiError struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

type serviceItem struct {
	ID          int64   `json:"id"`
	Name        string  `json:"name"`
	Open        bool    `json:"open"`
	OpensAt     *string `json:"opens_at"`
	DailyCap    int     `json:"daily_cap"`
	IssuedToday int     `json:"issued_today"`
	Hours       []struct {
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"hours"`
}

func services(t *testing.T, env *servertest.Env) map[int64]serviceItem {
	t.Helper()
	var list []serviceItem
	if status := env.Do("GET", "/api/v1/services", "", nil, &list); status != http.StatusOK {
		t.Fatalf("GET /api/v1/services: got %d, want 200", status)
	}
	out := make(map[int64]serviceItem)
	for _, s := range list {
		out[s.ID] = s
	}
	return out
}

func issueStatus(t *testing.T, env *servertest.Env, serviceID int64) (int, apiError) {
	t.Helper()
	var e apiError
	status := env.Do("POST", "/api/v1/tickets", "", map[string]any{"service_id": serviceID}, &e)
	return status, e
}

func TestIssueOutsideHoursSaysWhenTheServiceOpens(t *testing.T) {
	env := servertest.New(t, servertest.WithHall(fairUseHall()))

	status, e := issueStatus(t, env, 2)
	if status != http.StatusConflict || e.Error.Code != motcua.EClosed {
		t.Fatalf("issue at 09:00 for an afternoon service: got %d %q, want 409 %q", status, e.Error.Code, motcua.EClosed)
	}
	if !strings.Contains(e.Error.Message, "13:00") || !strings.Contains(e.Error.Message, "Đất đai") {
		t.Errorf("closed message: got %q, want the service name and its opening time 13:00", e.Error.Message)
	}

	svc := services(t, env)[2]
	if svc.Open {
		t.Errorf("services at 09:00: Đất đai open=true, want false")
	}
	if svc.OpensAt == nil || *svc.OpensAt != "2026-11-27T13:00:00+07:00" {
		t.Errorf("opens_at: got %v, want 2026-11-27T13:00:00+07:00", svc.OpensAt)
	}
	if len(svc.Hours) != 1 || svc.Hours[0].From != "13:00" || svc.Hours[0].To != "16:45" {
		t.Errorf("hours: got %+v, want 13:00–16:45", svc.Hours)
	}
	if other := services(t, env)[1]; !other.Open || other.OpensAt != nil {
		t.Errorf("service without hours: got open=%v opens_at=%v, want open and no opens_at", other.Open, other.OpensAt)
	}

	// In the afternoon the same request succeeds and the service lists as open.
	env.Clock.Set(time.Date(2026, 11, 27, 13, 0, 0, 0, servertest.Hanoi))
	if status, e := issueStatus(t, env, 2); status != http.StatusCreated {
		t.Fatalf("issue at 13:00: got %d %+v, want 201", status, e)
	}
	if svc := services(t, env)[2]; !svc.Open || svc.OpensAt != nil {
		t.Errorf("services at 13:00: got open=%v opens_at=%v, want open, opens_at null", svc.Open, svc.OpensAt)
	}

	// After closing time it opens again on the next working day (Monday).
	env.Clock.Set(time.Date(2026, 11, 27, 17, 0, 0, 0, servertest.Hanoi))
	status, e = issueStatus(t, env, 2)
	if status != http.StatusConflict || !strings.Contains(e.Error.Message, "13:00 30/11/2026") {
		t.Errorf("issue on Friday evening: got %d %q, want 409 saying 13:00 30/11/2026", status, e.Error.Message)
	}
}

func TestIssueOverTheDailyCap(t *testing.T) {
	env := servertest.New(t, servertest.WithHall(fairUseHall()))
	for i := range 2 {
		if status, e := issueStatus(t, env, 3); status != http.StatusCreated {
			t.Fatalf("ticket %d of 2: got %d %+v, want 201", i+1, status, e)
		}
	}
	status, e := issueStatus(t, env, 3)
	if status != http.StatusConflict || e.Error.Code != motcua.EClosed {
		t.Fatalf("third ticket with daily_cap 2: got %d %q, want 409 %q", status, e.Error.Code, motcua.EClosed)
	}
	if !strings.Contains(e.Error.Message, "hết số hôm nay") {
		t.Errorf("cap message: got %q, want it to say the numbers for today are gone", e.Error.Message)
	}
	svc := services(t, env)[3]
	if svc.DailyCap != 2 || svc.IssuedToday != 2 {
		t.Errorf("services: got daily_cap=%d issued_today=%d, want 2 and 2", svc.DailyCap, svc.IssuedToday)
	}

	// The cap is per day: Monday morning the service issues again.
	env.Clock.Set(time.Date(2026, 11, 30, 8, 0, 0, 0, servertest.Hanoi))
	if status, e := issueStatus(t, env, 3); status != http.StatusCreated {
		t.Errorf("next working day: got %d %+v, want 201", status, e)
	}
	if svc := services(t, env)[3]; svc.IssuedToday != 1 {
		t.Errorf("issued_today on Monday: got %d, want 1", svc.IssuedToday)
	}
}

type track struct {
	Number    string `json:"number"`
	Status    string `json:"status"`
	Position  int    `json:"position"`
	ShortCode string `json:"short_code"`
}

func getTrack(t *testing.T, env *servertest.Env, token string) track {
	t.Helper()
	var tr track
	if status := env.Do("GET", "/api/v1/track/"+token, "", nil, &tr); status != http.StatusOK {
		t.Fatalf("track %s: got %d, want 200", token, status)
	}
	return tr
}

// markNoShow calls ticket tk at counter 1 the minimum number of times and
// marks it absent, checking that the hub refuses too early a no-show.
func markNoShow(t *testing.T, env *servertest.Env, tk servertest.Ticket) {
	t.Helper()
	called, ok := env.CallNext(1)
	if !ok || called.ID != tk.ID {
		t.Fatalf("call next: got %+v, want ticket %s", called, tk.Number)
	}
	noShow := fmt.Sprintf("/api/v1/tickets/%d/no-show", tk.ID)
	if status := env.Do("POST", noShow, env.AdminToken, nil, nil); status != http.StatusConflict {
		t.Fatalf("no-show after one call: got %d, want 409 (no_show_min_calls is 2)", status)
	}
	if status := env.Do("POST", "/api/v1/counters/1/recall", env.AdminToken, nil, nil); status != http.StatusOK {
		t.Fatalf("recall: got %d, want 200", status)
	}
	var out servertest.Ticket
	if status := env.Do("POST", noShow, env.AdminToken, nil, &out); status != http.StatusOK || out.Status != "no_show" {
		t.Fatalf("no-show after two calls: got %d %q, want 200 no_show", status, out.Status)
	}
}

func reactivate(t *testing.T, env *servertest.Env, code string) (int, servertest.Ticket, apiError) {
	t.Helper()
	status, raw := env.Raw("POST", "/api/v1/tickets/reactivate", "", map[string]string{"short_code": code})
	var tk servertest.Ticket
	var e apiError
	if status == http.StatusOK {
		json.Unmarshal(raw, &tk)
	} else {
		json.Unmarshal(raw, &e)
	}
	return status, tk, e
}

func TestReactivateANoShowByShortCode(t *testing.T) {
	env := servertest.New(t, servertest.WithHall(fairUseHall()))
	missed := env.Issue(1, false)
	behind := env.Issue(1, false)
	if len(missed.ShortCode) != 6 {
		t.Fatalf("short_code: got %q, want 6 characters", missed.ShortCode)
	}

	markNoShow(t, env, missed)
	if tr := getTrack(t, env, missed.Token); tr.Status != "no_show" || tr.ShortCode != missed.ShortCode {
		t.Errorf("track after the no-show: got status %q short_code %q, want no_show and %q (the phone shows it to reactivate)",
			tr.Status, tr.ShortCode, missed.ShortCode)
	}
	if tr := getTrack(t, env, behind.Token); tr.Position != 0 {
		t.Fatalf("ticket behind after the no-show: position %d, want 0", tr.Position)
	}

	// Ten minutes later, typed in lower case with spaces, as people do.
	env.Clock.Advance(10 * time.Minute)
	status, tk, e := reactivate(t, env, " "+strings.ToLower(missed.ShortCode)+" ")
	if status != http.StatusOK {
		t.Fatalf("reactivate within 15 minutes: got %d %+v, want 200", status, e)
	}
	if tk.ID != missed.ID || tk.Status != "waiting" || tk.Number != missed.Number {
		t.Errorf("reactivated ticket: got id %d %s %q, want id %d %s waiting", tk.ID, tk.Number, tk.Status, missed.ID, missed.Number)
	}
	if tk.Position != 0 || tk.TrackURL == "" || tk.QRURL == "" {
		t.Errorf("reactivated ticket: got position %d track_url %q qr_url %q, want its old place (0 ahead) and URLs for a reprint",
			tk.Position, tk.TrackURL, tk.QRURL)
	}
	if tr := getTrack(t, env, behind.Token); tr.Position != 1 {
		t.Errorf("ticket issued after it: position %d, want 1 (the reactivated ticket is back ahead)", tr.Position)
	}
	if again, ok := env.CallNext(1); !ok || again.ID != missed.ID {
		t.Errorf("next call after reactivation: got %+v, want ticket %s again", again, missed.Number)
	}

	// A ticket that is not a no-show has nothing to reactivate, and gets
	// the answer of an unknown code: a guesser learns nothing from it.
	status, _, waiting := reactivate(t, env, behind.ShortCode)
	_, _, unknown := reactivate(t, env, unknownCode(behind.ShortCode))
	sameAnswer := strings.ReplaceAll(waiting.Error.Message, behind.ShortCode, "X") == strings.ReplaceAll(unknown.Error.Message, unknownCode(behind.ShortCode), "X")
	if status != http.StatusNotFound || waiting.Error.Code != unknown.Error.Code || !sameAnswer {
		t.Errorf("reactivate a waiting ticket: got %d %+v, want 404 and the answer to an unknown code %+v", status, waiting, unknown)
	}
}

func TestReactivateRefusals(t *testing.T) {
	env := servertest.New(t, servertest.WithHall(fairUseHall()))
	missed := env.Issue(1, false)
	markNoShow(t, env, missed)
	env.Clock.Advance(16 * time.Minute)

	tests := []struct {
		name    string
		code    string
		status  int
		errCode string
	}{
		{"too late", missed.ShortCode, http.StatusConflict, motcua.EConflict},
		{"unknown code", unknownCode(missed.ShortCode), http.StatusNotFound, motcua.ENotFound},
		{"too short", "AB12", http.StatusUnprocessableEntity, motcua.EValidation},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, _, e := reactivate(t, env, tc.code)
			if status != tc.status || e.Error.Code != tc.errCode {
				t.Errorf("reactivate %q: got %d %q, want %d %q", tc.code, status, e.Error.Code, tc.status, tc.errCode)
			}
			if e.Error.Message == "" {
				t.Errorf("reactivate %q: empty error message", tc.code)
			}
		})
	}
	if tr := getTrack(t, env, missed.Token); tr.Status != "no_show" {
		t.Errorf("after refused reactivations: status %q, want no_show", tr.Status)
	}
}

// unknownCode is a 6-character code that differs from code.
func unknownCode(code string) string {
	if code == "ZZZZZZ" {
		return "YYYYYY"
	}
	return "ZZZZZZ"
}

func TestTrackPageForAnUnknownTokenIs404HTML(t *testing.T) {
	env := servertest.New(t)
	for _, path := range []string{"/t/AAAAAAAAAAAAAAAAAAAAAA", "/t/short", "/t/%3Cscript%3E"} {
		req, _ := http.NewRequest("GET", env.URL+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("GET %s: got %d %s, want 404 text/html", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	if status, _ := env.Raw("GET", "/api/v1/track/AAAAAAAAAAAAAAAAAAAAAA", "", nil); status != http.StatusNotFound {
		t.Errorf("track JSON for an unknown token: got %d, want 404", status)
	}
}

// trackFields is everything the citizen's track object may carry; anything
// else is a new field someone must check for personal data first.
var trackFields = map[string][]string{
	"":        {"number", "status", "service", "counter", "position", "est_wait_s", "issued_at", "priority", "short_code", "calls", "dossiers"},
	"service": {"id", "name"},
	"counter": {"id", "number", "name"},
	// Issue 17: "stop_reason" is written by staff for the citizen (Mẫu 05);
	// "handovers" name units and times only (see handoverFields).
	"dossiers[]": {"code", "procedure", "status", "received_at", "due_at", "overdue", "at_risk", "apologies", "history",
		"stop_reason", "handovers"},
}

// handoverFields is everything a public hand-over may carry: units, times, timing; never the officer or a note.
var handoverFields = []string{"at", "from", "to", "due_at", "timing"}

func TestTrackCarriesNoPersonalData(t *testing.T) {
	env := servertest.New(t)
	tk := env.Issue(1, false)
	called, ok := env.CallNext(1)
	if !ok || called.ID != tk.ID {
		t.Fatalf("call next: got %+v, want %s", called, tk.Number)
	}
	applicant := map[string]string{"name": "Lê Thị Hoa", "id_number": "001190012345", "phone": "0912 345 678",
		"address": "Số 5 phố Huế, Hai Bà Trưng, Hà Nội"}
	var procs []struct {
		ID                int64    `json:"id"`
		RequiredDocuments []string `json:"required_documents"`
	}
	if status := env.Do("GET", "/api/v1/procedures", env.AdminToken, nil, &procs); status != http.StatusOK || len(procs) == 0 {
		t.Fatalf("procedures: got %d, %d procedures", status, len(procs))
	}
	body := map[string]any{"procedure_id": procs[0].ID, "applicant": applicant, "documents": procs[0].RequiredDocuments,
		"sets": 1, "delivery": "counter", "note": ""}
	var created struct {
		ID int64 `json:"id"`
	}
	if status, raw := env.Raw("POST", fmt.Sprintf("/api/v1/tickets/%d/dossiers", tk.ID), env.AdminToken, body); status != http.StatusCreated {
		t.Fatalf("create dossier: got %d %s", status, raw)
	} else if err := json.Unmarshal(raw, &created); err != nil {
		t.Fatal(err)
	}
	// A hand-over with a note that names the citizen: the note stays with staff.
	if status := env.Do("POST", fmt.Sprintf("/api/v1/dossiers/%d/events", created.ID), env.AdminToken, map[string]string{"type": "transfer"}, nil); status != http.StatusOK {
		t.Fatalf("transfer: got %d", status)
	}
	if status, raw := env.Raw("POST", fmt.Sprintf("/api/v1/dossiers/%d/handovers", created.ID), env.AdminToken,
		map[string]any{"to": "Phòng Tư pháp", "due_at": "2026-12-01T17:00:00+07:00", "note": "Bà Lê Thị Hoa gọi hỏi"}); status != http.StatusCreated {
		t.Fatalf("hand-over: got %d %s", status, raw)
	}

	status, raw := env.Raw("GET", "/api/v1/track/"+tk.Token, "", nil)
	if status != http.StatusOK {
		t.Fatalf("track: got %d", status)
	}
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		t.Fatal(err)
	}
	if ds, _ := obj["dossiers"].([]any); len(ds) != 1 {
		t.Fatalf("track dossiers: got %v, want the one dossier", obj["dossiers"])
	}
	checkFields(t, "", obj)

	_, page := env.Raw("GET", "/t/"+tk.Token, "", nil)
	for what, text := range map[string]string{"track JSON": string(raw), "track page": string(page)} {
		for _, v := range []string{"Lê Thị Hoa", `L\u00ea`, "001190012345", "0912 345 678", "0912345678", "phố Huế"} {
			if strings.Contains(text, v) {
				t.Errorf("%s contains personal data %q", what, v)
			}
		}
	}
}

func checkFields(t *testing.T, path string, obj map[string]any) {
	t.Helper()
	allowed, ok := trackFields[path]
	if !ok {
		t.Errorf("track object: unexpected nested object at %q", path)
		return
	}
	for k, v := range obj {
		if !slices.Contains(allowed, k) {
			t.Errorf("track object %q: field %q is not in the reviewed list %v", path, k, allowed)
			continue
		}
		switch v := v.(type) {
		case map[string]any:
			checkFields(t, k, v)
		case []any:
			for _, item := range v {
				if m, ok := item.(map[string]any); ok && k == "dossiers" {
					checkDossier(t, m)
				}
			}
		}
	}
}

// checkDossier checks the top level of a public dossier; its apologies and
// history carry only dates, reasons and step names (the counter tests check
// their text).
func checkDossier(t *testing.T, d map[string]any) {
	t.Helper()
	for k := range d {
		if !slices.Contains(trackFields["dossiers[]"], k) {
			t.Errorf("track dossier: field %q is not in the reviewed list", k)
		}
	}
	hs, _ := d["handovers"].([]any)
	for _, h := range hs {
		m, _ := h.(map[string]any)
		for k := range m {
			if !slices.Contains(handoverFields, k) {
				t.Errorf("track hand-over: field %q is not in the reviewed list %v", k, handoverFields)
			}
		}
	}
}
