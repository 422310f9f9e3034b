package counter_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"image/png"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/qrtest"
	"github.com/motcua/motcua/server/servertest"
)

// The sample hall's marriage-status certificate: 3 working days, one required
// document and one optional.
const (
	marriageCode = "1.004873"
	marriageForm = "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân (theo mẫu)"
)

var applicant = map[string]string{"name": "Trần Văn Cường", "id_number": "001089067890", "phone": "0987 654 321",
	"address": "Số 12 ngõ Văn Chương, Đống Đa, Hà Nội", "email": "cuong@example.vn"}

// personal lists the applicant's data as it could appear anywhere public.
var personal = []string{"Trần Văn Cường", "Tr\\u1ea7n", "001089067890", "0987654321", "0987 654 321", "654321", "Văn Chương", "cuong@example.vn"}

type procedure struct {
	ID                int64    `json:"id"`
	Code              string   `json:"code"`
	Name              string   `json:"name"`
	Documents         []string `json:"documents"`
	RequiredDocuments []string `json:"required_documents"`
	ProcessingDays    int      `json:"processing_days"`
	DueAt             string   `json:"due_at"`
}

type dossier struct {
	ID         int64             `json:"id"`
	Code       string            `json:"code"`
	TicketID   int64             `json:"ticket_id"`
	Status     string            `json:"status"`
	DueAt      string            `json:"due_at"`
	Applicant  map[string]string `json:"applicant"`
	Documents  []string          `json:"documents"`
	TrackURL   string            `json:"track_url"`
	ReceiptURL string            `json:"receipt_url"`
	Events     []struct {
		Type string `json:"type"`
		Note string `json:"note"`
	} `json:"events"`
	NextActions []string `json:"next_actions"`
}

type apiError struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

func findProcedure(t *testing.T, env *servertest.Env, code string) procedure {
	t.Helper()
	var ps []procedure
	if status := env.Do("GET", "/api/v1/procedures", env.AdminToken, nil, &ps); status != http.StatusOK {
		t.Fatalf("procedures: got status %d", status)
	}
	for _, p := range ps {
		if p.Code == code {
			return p
		}
	}
	t.Fatalf("procedure %s not in the sample hall", code)
	return procedure{}
}

// calledTicket takes a ticket for Tư pháp and calls it at counter 1.
func calledTicket(t *testing.T, env *servertest.Env) servertest.Ticket {
	t.Helper()
	issued := env.Issue(1, false)
	tk, ok := env.CallNext(1)
	if !ok || tk.ID != issued.ID {
		t.Fatalf("call next: got %+v, want ticket %d", tk, issued.ID)
	}
	tk.Token = issued.Token
	return tk
}

func createBody(procID int64) map[string]any {
	return map[string]any{"procedure_id": procID, "applicant": applicant, "documents": []string{marriageForm},
		"sets": 1, "delivery": "counter", "note": ""}
}

func createDossier(t *testing.T, env *servertest.Env, ticketID, procID int64) dossier {
	t.Helper()
	var d dossier
	if status := env.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/dossiers", ticketID), env.AdminToken, createBody(procID), &d); status != http.StatusCreated {
		t.Fatalf("create dossier: got status %d", status)
	}
	return d
}

func TestProceduresEndpoint(t *testing.T) {
	env := servertest.New(t)
	p := findProcedure(t, env, marriageCode)
	if len(p.Documents) != 2 || len(p.RequiredDocuments) != 1 || p.RequiredDocuments[0] != marriageForm {
		t.Errorf("documents: got %q required %q", p.Documents, p.RequiredDocuments)
	}
	if p.DueAt != "2026-12-02T17:00:00+07:00" {
		t.Errorf("due_at if received now: got %s, want 2026-12-02T17:00:00+07:00", p.DueAt)
	}
	var found []procedure
	env.Do("GET", "/api/v1/procedures?q=xac+nhan+hon+nhan", env.AdminToken, nil, &found)
	if len(found) != 1 || found[0].Code != marriageCode {
		t.Errorf("search without diacritics: got %+v", found)
	}
	if status := env.Do("GET", "/api/v1/procedures", "", nil, nil); status != http.StatusUnauthorized {
		t.Errorf("without login: got %d, want 401", status)
	}
}

func TestCreateDossierOverHTTP(t *testing.T) {
	env := servertest.New(t)
	p := findProcedure(t, env, marriageCode)
	tk := calledTicket(t, env)
	d := createDossier(t, env, tk.ID, p.ID)
	if !regexp.MustCompile(`^000\.00\.01\.H26-261127-0001$`).MatchString(d.Code) {
		t.Errorf("code: got %s", d.Code)
	}
	if d.DueAt != "2026-12-02T17:00:00+07:00" || d.Status != "received" || d.TicketID != tk.ID {
		t.Errorf("dossier: got due %s status %s ticket %d", d.DueAt, d.Status, d.TicketID)
	}
	if d.Applicant["phone"] != "0987654321" || d.Applicant["id_number"] != "001089067890" {
		t.Errorf("creator's answer: got applicant %v, want it whole and normalised", d.Applicant)
	}
	if d.TrackURL != env.URL+"/t/"+tk.Token || d.ReceiptURL != fmt.Sprintf("/dossiers/%d/receipt", d.ID) {
		t.Errorf("links: got %s and %s", d.TrackURL, d.ReceiptURL)
	}
}

func TestCreateDossierFieldErrorsOverHTTP(t *testing.T) {
	env := servertest.New(t)
	p := findProcedure(t, env, marriageCode)
	tk := calledTicket(t, env)
	body := createBody(p.ID)
	body["applicant"] = map[string]string{"name": "Trần Văn Cường", "id_number": "12345", "phone": "12ab", "address": ""}
	body["documents"] = []string{}
	body["delivery"] = "post"
	var e apiError
	status := env.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/dossiers", tk.ID), env.AdminToken, body, &e)
	if status != http.StatusUnprocessableEntity || e.Error.Code != "validation_failed" || e.Error.Message == "" {
		t.Fatalf("got %d %+v, want 422 validation_failed with a message", status, e)
	}
	for _, f := range []string{"applicant.id_number", "applicant.phone", "applicant.address", "documents", "delivery_address"} {
		if e.Error.Fields[f] == "" {
			t.Errorf("field %s: no message in %v", f, e.Error.Fields)
		}
	}
	if _, ok := e.Error.Fields["applicant.name"]; ok {
		t.Errorf("applicant.name: got an error for a valid name")
	}
	// An error answer never echoes the personal data it refused.
	raw := mustRaw(t, env, "POST", fmt.Sprintf("/api/v1/tickets/%d/dossiers", tk.ID), body)
	if strings.Contains(raw, "12345") {
		t.Errorf("error body echoes the ID number: %s", raw)
	}
	if status, _ := env.Raw("POST", fmt.Sprintf("/api/v1/tickets/%d/dossiers", tk.ID), env.AdminToken, `{"procedure_id":1,"applicant":{},"colour":"red"}`); status != http.StatusBadRequest {
		t.Errorf("unknown field: got %d, want 400", status)
	}
	if status := env.Do("POST", "/api/v1/tickets/999/dossiers", env.AdminToken, createBody(p.ID), nil); status != http.StatusNotFound {
		t.Errorf("unknown ticket: got %d, want 404", status)
	}
	waiting := env.Issue(1, false)
	if status := env.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/dossiers", waiting.ID), env.AdminToken, createBody(p.ID), nil); status != http.StatusConflict {
		t.Errorf("waiting ticket: got %d, want 409", status)
	}
	var list []dossier
	env.Do("GET", "/api/v1/dossiers", env.AdminToken, nil, &list)
	if len(list) != 0 {
		t.Errorf("dossiers after refusals: got %d, want 0", len(list))
	}
}

func mustRaw(t *testing.T, env *servertest.Env, method, path string, body any) string {
	t.Helper()
	_, raw := env.Raw(method, path, env.AdminToken, body)
	return string(raw)
}

func TestDossierListsMaskAndFullViewIsAudited(t *testing.T) {
	env := servertest.New(t)
	p := findProcedure(t, env, marriageCode)
	tk := calledTicket(t, env)
	d := createDossier(t, env, tk.ID, p.ID)

	for _, path := range []string{"/api/v1/dossiers", "/api/v1/dossiers?status=received", fmt.Sprintf("/api/v1/tickets/%d/dossiers", tk.ID)} {
		status, raw := env.Raw("GET", path, env.AdminToken, nil)
		if status != http.StatusOK || !strings.Contains(string(raw), d.Code) {
			t.Errorf("%s: got %d %s, want the dossier", path, status, raw)
		}
		for _, p := range []string{"001089067890", "0987654321", "Văn Chương", "cuong@example.vn"} {
			if strings.Contains(string(raw), p) {
				t.Errorf("%s: list shows %q", path, p)
			}
		}
		if !strings.Contains(string(raw), "********7890") || !strings.Contains(string(raw), "*******321") {
			t.Errorf("%s: got %s, want the last digits of ID and phone", path, raw)
		}
	}
	if status := env.Do("GET", "/api/v1/dossiers?status=lost", env.AdminToken, nil, nil); status != http.StatusBadRequest {
		t.Errorf("unknown status filter: got %d, want 400", status)
	}
	trail, err := env.Server.Hub.Dossiers.DossierAudit(t.Context(), d.ID)
	if err != nil || len(trail) != 0 {
		t.Fatalf("audit after lists: got %d, %v; want none", len(trail), err)
	}
	var full dossier
	if status := env.Do("GET", fmt.Sprintf("/api/v1/dossiers/%d", d.ID), env.AdminToken, nil, &full); status != http.StatusOK {
		t.Fatalf("full view: got %d", status)
	}
	if full.Applicant["id_number"] != "001089067890" || full.Applicant["address"] != applicant["address"] || len(full.Events) != 1 {
		t.Errorf("full view: got %+v", full)
	}
	trail, _ = env.Server.Hub.Dossiers.DossierAudit(t.Context(), d.ID)
	if len(trail) != 1 || trail[0].Action != "view_dossier" || trail[0].UserID == nil {
		t.Errorf("audit after the full view: got %+v, want one view by the admin", trail)
	}
	if status := env.Do("GET", "/api/v1/dossiers/999", env.AdminToken, nil, nil); status != http.StatusNotFound {
		t.Errorf("unknown dossier: got %d, want 404", status)
	}
}

func TestDossierEventsOverHTTP(t *testing.T) {
	env := servertest.New(t)
	p := findProcedure(t, env, marriageCode)
	tk := calledTicket(t, env)
	d := createDossier(t, env, tk.ID, p.ID)
	path := fmt.Sprintf("/api/v1/dossiers/%d/events", d.ID)
	var e apiError
	if status := env.Do("POST", path, env.AdminToken, map[string]string{"type": "return", "note": ""}, &e); status != http.StatusConflict || e.Error.Code != "conflict" {
		t.Errorf("return a received dossier: got %d %+v, want 409", status, e)
	}
	if status := env.Do("POST", path, env.AdminToken, map[string]string{"type": "reject"}, &e); status != http.StatusUnprocessableEntity || e.Error.Fields["note"] == "" {
		t.Errorf("reject without a reason: got %d %+v, want 422 on note", status, e)
	}
	var got dossier
	if status := env.Do("POST", path, env.AdminToken, map[string]string{"type": "transfer", "note": "Chuyển UBND phường Văn Miếu"}, &got); status != http.StatusOK || got.Status != "transferred" {
		t.Fatalf("transfer: got %d %+v", status, got)
	}
	if got.Applicant["id_number"] != "********7890" {
		t.Errorf("answer to an action: got applicant %v, want it masked", got.Applicant)
	}
	// A later visit joins the dossier.
	env.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/finish", tk.ID), env.AdminToken, nil, nil)
	later := calledTicket(t, env)
	if status := env.Do("POST", fmt.Sprintf("/api/v1/dossiers/%d/visits", d.ID), env.AdminToken, map[string]any{"ticket_id": later.ID}, &got); status != http.StatusOK {
		t.Fatalf("link visit: got %d", status)
	}
	var track struct {
		Dossiers []struct {
			Code string `json:"code"`
		} `json:"dossiers"`
	}
	env.Do("GET", "/api/v1/track/"+later.Token, "", nil, &track)
	if len(track.Dossiers) != 1 || track.Dossiers[0].Code != d.Code {
		t.Errorf("later ticket's tracking: got %+v, want the dossier", track.Dossiers)
	}
	if status := env.Do("POST", fmt.Sprintf("/api/v1/dossiers/%d/visits", d.ID), env.AdminToken, map[string]any{}, nil); status != http.StatusUnprocessableEntity {
		t.Errorf("visit without ticket: got %d, want 422", status)
	}
}

// The citizen's tracking JSON, page and websocket show the dossier but none
// of the applicant's data.
func TestTrackingShowsNoApplicantData(t *testing.T) {
	env := servertest.New(t)
	p := findProcedure(t, env, marriageCode)
	tk := calledTicket(t, env)
	ws, _, err := env.WS("/ws/track/"+tk.Token, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if m := servertest.Read(t, ws, 5*time.Second); m.Type() != "snapshot" {
		t.Fatalf("first message: got %s, want snapshot", m.Type())
	}
	d := createDossier(t, env, tk.ID, p.ID)
	env.Do("POST", fmt.Sprintf("/api/v1/dossiers/%d/events", d.ID), env.AdminToken,
		map[string]string{"type": "request_supplement", "note": "Thiếu giấy của Trần Văn Cường"}, nil)

	var dossierMsgs []servertest.Message
	for len(dossierMsgs) < 2 {
		m := servertest.Read(t, ws, 5*time.Second)
		if m.Type() == "dossier" {
			dossierMsgs = append(dossierMsgs, m)
		}
	}
	for _, m := range dossierMsgs {
		checkNoPersonal(t, "websocket message", fmt.Sprint(map[string]any(m)))
		body, _ := m["dossier"].(map[string]any)
		if body["code"] != d.Code {
			t.Errorf("websocket dossier: got %v, want code %s", body, d.Code)
		}
	}
	status, raw := env.Raw("GET", "/api/v1/track/"+tk.Token, "", nil)
	if status != http.StatusOK || !strings.Contains(string(raw), d.Code) || !strings.Contains(string(raw), `"status":"supplement_requested"`) {
		t.Errorf("track JSON: got %d %s, want the dossier", status, raw)
	}
	checkNoPersonal(t, "track JSON", string(raw))
	for _, f := range []string{"applicant", "note", "id_number", "events"} {
		if strings.Contains(string(raw), `"`+f+`"`) {
			t.Errorf("track JSON has field %q: %s", f, raw)
		}
	}
	status, raw = env.Raw("GET", "/t/"+tk.Token, "", nil)
	if status != http.StatusOK {
		t.Errorf("track page: got %d", status)
	}
	checkNoPersonal(t, "track page", string(raw))
}

func checkNoPersonal(t *testing.T, where, body string) {
	t.Helper()
	for _, p := range append(personal, "Thiếu giấy") {
		if strings.Contains(body, p) {
			t.Errorf("%s contains %q", where, p)
		}
	}
}

func TestReceiptPrintout(t *testing.T) {
	env := servertest.New(t)
	p := findProcedure(t, env, marriageCode)
	tk := calledTicket(t, env)
	d := createDossier(t, env, tk.ID, p.ID)

	// The print view opens in a new window and authenticates by the login cookie.
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	resp, err := client.Post(env.URL+"/api/v1/auth/login", "application/json",
		strings.NewReader(`{"username":"admin","password":"`+servertest.AdminPassword+`"}`))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("login: %v %v", resp, err)
	}
	resp.Body.Close()
	resp, err = client.Get(env.URL + d.ReceiptURL)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	resp.Body.Close()
	page := buf.String()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("receipt: got %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control: got %q, want no-store", cc)
	}
	for _, want := range []string{"GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "Giấy tiếp nhận hồ sơ và hẹn trả kết quả", d.Code, "Liên 1: Lưu", "Liên 2: Giao người nộp",
		"17 giờ 00 phút, ngày 02 tháng 12 năm 2026", "09 giờ 00 phút, ngày 27 tháng 11 năm 2026", "3 ngày làm việc",
		"Trần Văn Cường", marriageForm, "Số lượng hồ sơ: 1 (bộ)", tk.Number, "size: A5", "NGƯỜI TIẾP NHẬN HỒ SƠ", "Người nộp hồ sơ"} {
		if !strings.Contains(page, want) && !strings.Contains(strings.ToUpper(page), strings.ToUpper(want)) {
			t.Errorf("receipt: missing %q", want)
		}
	}
	if n := strings.Count(page, `class="sheet"`); n != 2 {
		t.Errorf("copies: got %d sheets, want 2", n)
	}
	m := regexp.MustCompile(`src="data:image/png;base64,([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("receipt: no QR image")
	}
	if got := decodeQR(t, m[1]); got != env.URL+"/t/"+tk.Token {
		t.Errorf("QR: got %q, want the tracking page %s", got, env.URL+"/t/"+tk.Token)
	}
	trail, _ := env.Server.Hub.Dossiers.DossierAudit(t.Context(), d.ID)
	if len(trail) != 1 || trail[0].Action != "print_dossier" || trail[0].Reason != "receipt" {
		t.Errorf("audit of the printout: got %+v", trail)
	}
	if status, _ := env.Raw("GET", d.ReceiptURL, "", nil); status != http.StatusUnauthorized {
		t.Errorf("receipt without login: got %d, want 401", status)
	}
}

func decodeQR(t *testing.T, b64 string) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(html.UnescapeString(b64))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return qrtest.Decode(t, img)
}

func TestSupplementAndRefusalPrintouts(t *testing.T) {
	env := servertest.New(t)
	p := findProcedure(t, env, marriageCode)
	tk := calledTicket(t, env)
	d := createDossier(t, env, tk.ID, p.ID)
	for _, form := range []string{"supplement", "refusal"} {
		if status, raw := env.Raw("GET", fmt.Sprintf("/dossiers/%d/%s", d.ID, form), env.AdminToken, nil); status != http.StatusConflict || !strings.Contains(string(raw), "Không in được") {
			t.Errorf("%s before any: got %d %s, want a 409 page", form, status, raw)
		}
	}
	events := fmt.Sprintf("/api/v1/dossiers/%d/events", d.ID)
	env.Do("POST", events, env.AdminToken, map[string]string{"type": "request_supplement", "note": "Bản sao quyết định ly hôn"}, nil)
	status, raw := env.Raw("GET", fmt.Sprintf("/dossiers/%d/supplement", d.ID), env.AdminToken, nil)
	if status != http.StatusOK || !strings.Contains(string(raw), "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ") || !strings.Contains(string(raw), "Bản sao quyết định ly hôn") {
		t.Errorf("supplement: got %d, want Mẫu 02 with the missing paper", status)
	}
	env.Do("POST", events, env.AdminToken, map[string]string{"type": "reject", "note": "Quá thời hạn bổ sung"}, nil)
	status, raw = env.Raw("GET", fmt.Sprintf("/dossiers/%d/refusal", d.ID), env.AdminToken, nil)
	if status != http.StatusOK || !strings.Contains(string(raw), "Phiếu từ chối tiếp nhận giải quyết hồ sơ") || !strings.Contains(string(raw), "Quá thời hạn bổ sung") {
		t.Errorf("refusal: got %d, want Mẫu 03 with the reason", status)
	}
}
