package supervisor_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/dossiers"
	"github.com/motcua/motcua/notify"
	"github.com/motcua/motcua/server"
	"github.com/motcua/motcua/server/servertest"
)

var hanoi = servertest.Hanoi

const (
	applicantName    = "Nguyễn Thị Bình"
	applicantID      = "001190012345"
	applicantPhone   = "0912345678"
	applicantAddress = "Số 5 phố Hàng Bạc, Hoàn Kiếm, Hà Nội"
)

// setup starts a hub with a supervisor and a counter officer signed in.
type setup struct {
	*servertest.Env
	supervisor, staff string
}

func newSetup(t *testing.T, opts ...servertest.Option) *setup {
	t.Helper()
	env := servertest.New(t, opts...)
	ctx := context.Background()
	if _, err := env.Server.Hub.Auth.CreateUser(ctx, "giamsat", "Trần Văn Giám", motcua.RoleSupervisor, "giamsat-password"); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Server.Hub.Auth.CreateUser(ctx, "quay1", "Lê Thu Quầy", motcua.RoleStaff, "quay1-password"); err != nil {
		t.Fatal(err)
	}
	return &setup{Env: env, supervisor: env.Login("giamsat", "giamsat-password"), staff: env.Login("quay1", "quay1-password")}
}

type dossierOut struct {
	ID       int64  `json:"id"`
	Code     string `json:"code"`
	DueAt    string `json:"due_at"`
	TicketID int64  `json:"ticket_id"`
}

// receive issues a ticket, calls it at counter 1 and receives a dossier of
// the first procedure with 3 processing days (due Wednesday 2/12/2026 when
// received on Friday 27/11).
func (s *setup) receive(t *testing.T) (dossierOut, servertest.Ticket) {
	t.Helper()
	return s.receiveFrom(t, applicantName)
}

// receiveFrom is receive for an applicant of the given name.
func (s *setup) receiveFrom(t *testing.T, name string) (dossierOut, servertest.Ticket) {
	t.Helper()
	tk := s.Issue(1, false)
	if called, ok := s.CallNext(1); !ok || called.ID != tk.ID {
		t.Fatalf("call next: got %+v", called)
	}
	s.Start(tk.ID) // served, so the next call ends it as done
	var procs []struct {
		ID                int64    `json:"id"`
		ProcessingDays    int      `json:"processing_days"`
		RequiredDocuments []string `json:"required_documents"`
	}
	s.Do("GET", "/api/v1/procedures", s.staff, nil, &procs)
	i := slices.IndexFunc(procs, func(p struct {
		ID                int64    `json:"id"`
		ProcessingDays    int      `json:"processing_days"`
		RequiredDocuments []string `json:"required_documents"`
	}) bool {
		return p.ProcessingDays == 3
	})
	if i < 0 {
		t.Fatal("the sample hall has no 3-day procedure")
	}
	body := map[string]any{"procedure_id": procs[i].ID, "documents": procs[i].RequiredDocuments,
		"applicant": map[string]string{"name": name, "id_number": applicantID, "phone": applicantPhone, "address": applicantAddress}}
	var d dossierOut
	if status, raw := s.Raw("POST", fmt.Sprintf("/api/v1/tickets/%d/dossiers", tk.ID), s.staff, body); status != http.StatusCreated {
		t.Fatalf("create dossier: got %d %s", status, raw)
	} else if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	return d, tk
}

// at moves the clock and signs both users in again (a session lasts a working day).
func (s *setup) at(t *testing.T, when time.Time) {
	t.Helper()
	s.Clock.Set(when)
	s.supervisor = s.Login("giamsat", "giamsat-password")
	s.staff = s.Login("quay1", "quay1-password")
}

func (s *setup) check(t *testing.T) {
	t.Helper()
	if _, err := s.Server.Hub.Dossiers.CheckOverdue(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestSupervisorEndpointsNeedTheRole(t *testing.T) {
	s := newSetup(t)
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/v1/supervisor/overview"},
		{"POST", "/api/v1/dossiers/1/apologies"},
		{"GET", "/api/v1/webhook/deliveries"},
		{"GET", "/api/v1/reports/on-time?from=2026-11-01&to=2026-11-30"},
		{"GET", "/api/v1/reports/ledger.csv?from=2026-11-01&to=2026-11-30"},
		{"GET", "/reports/ledger?from=2026-11-01&to=2026-11-30"},
		{"GET", "/dossiers/1/apologies/1/letter"},
	} {
		if status, _ := s.Raw(c.method, c.path, "", nil); status != http.StatusUnauthorized {
			t.Errorf("%s %s without a login: got %d, want 401", c.method, c.path, status)
		}
		if status, _ := s.Raw(c.method, c.path, s.staff, map[string]string{}); status != http.StatusForbidden {
			t.Errorf("%s %s as counter staff: got %d, want 403", c.method, c.path, status)
		}
	}
	if status, _ := s.Raw("GET", "/supervisor", "", nil); status != http.StatusOK {
		t.Errorf("GET /supervisor: got %d, want 200 (the page signs in by itself)", status)
	}
}

// The supervisor sees the dossier go overdue, apologises, and the citizen's
// phone socket hears it at once, with the reason and the new date only.
func TestOverdueApologyReachesThePhone(t *testing.T) {
	s := newSetup(t)
	d, tk := s.receive(t)
	if d.DueAt != "2026-12-02T17:00:00+07:00" {
		t.Fatalf("due_at: got %s", d.DueAt)
	}
	// Thursday 3/12: overdue since yesterday's close.
	s.at(t, time.Date(2026, 12, 3, 9, 30, 0, 0, hanoi))
	s.check(t)

	var ov struct {
		Counts  motcua.WatchCounts `json:"counts"`
		Overdue []struct {
			ID          int64  `json:"id"`
			Code        string `json:"code"`
			LateDays    int    `json:"late_days"`
			StatusSince string `json:"status_since"`
			Suggested   string `json:"suggested_new_due_at"`
			ReceivedBy  struct {
				Username string `json:"username"`
			} `json:"received_by"`
			Applicant map[string]string `json:"applicant"`
		} `json:"overdue"`
		Queues []struct {
			ID      int64 `json:"id"`
			Waiting int   `json:"waiting"`
		} `json:"queues"`
	}
	if status := s.Do("GET", "/api/v1/supervisor/overview", s.supervisor, nil, &ov); status != http.StatusOK {
		t.Fatalf("overview: got %d", status)
	}
	if len(ov.Overdue) != 1 || ov.Overdue[0].Code != d.Code || ov.Overdue[0].LateDays != 1 || ov.Overdue[0].ReceivedBy.Username != "quay1" {
		t.Fatalf("overview overdue: got %+v", ov.Overdue)
	}
	if ov.Counts.Overdue != 1 || ov.Counts.OverdueNoApology != 1 || len(ov.Queues) == 0 {
		t.Errorf("overview counts/queues: got %+v, %d queues", ov.Counts, len(ov.Queues))
	}
	if ov.Overdue[0].Applicant["id_number"] != "********2345" || ov.Overdue[0].Applicant["address"] != "" {
		t.Errorf("overview applicant: got %v, want masked", ov.Overdue[0].Applicant)
	}
	if ov.Overdue[0].Suggested != "2026-12-07T17:00:00+07:00" {
		t.Errorf("suggested new date: got %s, want Monday 7/12 (two working days after today)", ov.Overdue[0].Suggested)
	}

	ws, _, err := s.WS("/ws/track/"+tk.Token, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if m := servertest.Read(t, ws, 3*time.Second); m.Type() != "snapshot" {
		t.Fatalf("first message: got %s, want snapshot", m.Type())
	}

	// A weekend date is refused with the field; the good one is accepted.
	status, raw := s.Raw("POST", fmt.Sprintf("/api/v1/dossiers/%d/apologies", d.ID), s.supervisor,
		map[string]string{"reason": "Cơ quan chuyên môn chưa có kết quả xác minh", "new_due_at": "2026-12-05"})
	if status != http.StatusUnprocessableEntity || !strings.Contains(string(raw), `"new_due_at"`) {
		t.Errorf("apology for a Saturday: got %d %s, want 422 on new_due_at", status, raw)
	}
	var a struct {
		ID            int64  `json:"id"`
		Reason        string `json:"reason"`
		NewDueAt      string `json:"new_due_at"`
		IssuedAt      string `json:"issued_at"`
		OriginalDueAt string `json:"original_due_at"`
		IssuedBy      struct {
			Username string `json:"username"`
		} `json:"issued_by"`
		LetterURL string `json:"letter_url"`
	}
	if status := s.Do("POST", fmt.Sprintf("/api/v1/dossiers/%d/apologies", d.ID), s.supervisor,
		map[string]string{"reason": "Cơ quan chuyên môn chưa có kết quả xác minh", "new_due_at": "2026-12-07"}, &a); status != http.StatusCreated {
		t.Fatalf("apology: got %d, want 201", status)
	}
	if a.NewDueAt != "2026-12-07T17:00:00+07:00" || a.OriginalDueAt != d.DueAt || a.IssuedBy.Username != "giamsat" ||
		a.IssuedAt != "2026-12-03T09:30:00+07:00" || a.LetterURL != fmt.Sprintf("/dossiers/%d/apologies/%d/letter", d.ID, a.ID) {
		t.Errorf("apology: got %+v", a)
	}

	// The phone hears it over its websocket.
	deadline := time.Now().Add(3 * time.Second)
	var heard servertest.Message
	for time.Now().Before(deadline) {
		m := servertest.Read(t, ws, 3*time.Second)
		if m.Type() == "dossier" {
			heard = m
			break
		}
	}
	if heard == nil {
		t.Fatal("the phone socket got no dossier event")
	}
	raw, _ = json.Marshal(heard)
	body := string(raw)
	if !strings.Contains(body, "Cơ quan chuyên môn chưa có kết quả xác minh") || !strings.Contains(body, `"new_due_at":"2026-12-07T17:00:00+07:00"`) ||
		!strings.Contains(body, `"due_at":"2026-12-07T17:00:00+07:00"`) {
		t.Errorf("phone event: got %s", body)
	}
	for _, p := range []string{applicantName, applicantID, applicantPhone, "Hàng Bạc", "giamsat", "Trần Văn Giám", "quay1", "issued_by", "original_due_at"} {
		if strings.Contains(body, p) {
			t.Errorf("phone event carries %q", p)
		}
	}
	// And the tracking JSON keeps it.
	_, raw = s.Raw("GET", "/api/v1/track/"+tk.Token, "", nil)
	if !strings.Contains(string(raw), "Cơ quan chuyên môn chưa có kết quả xác minh") || strings.Contains(string(raw), "giamsat") {
		t.Errorf("track JSON: got %s", raw)
	}

	// Friday 4/12: the new date is at risk in turn. Once only, unless the supervisor says why.
	s.at(t, time.Date(2026, 12, 4, 9, 0, 0, 0, hanoi))
	status, raw = s.Raw("POST", fmt.Sprintf("/api/v1/dossiers/%d/apologies", d.ID), s.supervisor,
		map[string]string{"reason": "Vẫn chưa có kết quả", "new_due_at": "2026-12-09"})
	if status != http.StatusConflict || !strings.Contains(string(raw), "second_reason") {
		t.Errorf("second apology without second_reason: got %d %s, want 409 naming second_reason", status, raw)
	}
	if status := s.Do("POST", fmt.Sprintf("/api/v1/dossiers/%d/apologies", d.ID), s.supervisor,
		map[string]string{"reason": "Vẫn chưa có kết quả", "new_due_at": "2026-12-09", "second_reason": "Cơ quan phối hợp xin thêm thời gian"}, nil); status != http.StatusCreated {
		t.Errorf("second apology with second_reason: got %d, want 201", status)
	}
	var list []map[string]any
	if status := s.Do("GET", fmt.Sprintf("/api/v1/dossiers/%d/apologies", d.ID), s.supervisor, nil, &list); status != http.StatusOK || len(list) != 2 {
		t.Errorf("apologies: got %d, %d items", status, len(list))
	}
	// The dossier object shows the new due date, not overdue any more.
	var got struct {
		DueAt   string `json:"due_at"`
		Overdue bool   `json:"overdue"`
	}
	s.Do("GET", fmt.Sprintf("/api/v1/dossiers/%d", d.ID), s.supervisor, nil, &got)
	if got.DueAt != "2026-12-09T17:00:00+07:00" || got.Overdue {
		t.Errorf("dossier after the apologies: got %+v", got)
	}

	// The letter (Mẫu 04) prints with the applicant; the print is audited.
	resp := s.get(t, a.LetterURL, s.supervisor)
	page := resp.body
	if resp.status != http.StatusOK || resp.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("letter: got %d, Cache-Control %q", resp.status, resp.header.Get("Cache-Control"))
	}
	for _, want := range []string{"Mẫu 04", "Văn bản xin lỗi và đề nghị gia hạn", d.Code, applicantName, "Cơ quan chuyên môn chưa có kết quả xác minh",
		"17 giờ 00 phút, ngày 07 tháng 12 năm 2026", "17 giờ 00 phút, ngày 02 tháng 12 năm 2026", "chưa giải quyết xong", "Trần Văn Giám"} {
		if !strings.Contains(page, want) {
			t.Errorf("letter lacks %q", want)
		}
	}
	audit, err := s.Server.Hub.Dossiers.DossierAudit(context.Background(), d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(audit); n == 0 || audit[n-1].Action != dossiers.AuditPrintDossier || audit[n-1].Reason != "apology_letter" {
		t.Errorf("letter audit: got %+v", audit)
	}
	if status, _ := s.Raw("GET", fmt.Sprintf("/dossiers/%d/apologies/9999/letter", d.ID), s.supervisor, nil); status != http.StatusNotFound {
		t.Errorf("unknown letter: got %d, want 404", status)
	}
}

func TestApologyRefusedForADossierOnTime(t *testing.T) {
	s := newSetup(t)
	d, _ := s.receive(t)
	status, raw := s.Raw("POST", fmt.Sprintf("/api/v1/dossiers/%d/apologies", d.ID), s.supervisor,
		map[string]string{"reason": "Dự phòng", "new_due_at": "2026-12-04"})
	if status != http.StatusConflict {
		t.Errorf("apology on the day of receipt: got %d %s, want 409", status, raw)
	}
	if status, _ := s.Raw("POST", "/api/v1/dossiers/9999/apologies", s.supervisor, map[string]string{"reason": "x", "new_due_at": "2026-12-04"}); status != http.StatusNotFound {
		t.Errorf("unknown dossier: got %d, want 404", status)
	}
	if status, _ := s.Raw("POST", fmt.Sprintf("/api/v1/dossiers/%d/apologies", d.ID), s.supervisor, `{"reason":"x","new_due_at":"2026-12-04","extra":1}`); status != http.StatusBadRequest {
		t.Errorf("unknown field: got %d, want 400", status)
	}
}

type response struct {
	status int
	header http.Header
	body   string
}

func (s *setup) get(t *testing.T, path, token string) response {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	return response{resp.StatusCode, resp.Header, buf.String()}
}

// The ledger (Mẫu 07) opens in a spreadsheet: UTF-8 with a byte order mark,
// the circular's columns, Vietnamese intact; every export is audited.
func TestLedgerCSV(t *testing.T) {
	s := newSetup(t)
	d, _ := s.receive(t)
	s.at(t, time.Date(2026, 12, 3, 9, 0, 0, 0, hanoi))
	s.Do("POST", fmt.Sprintf("/api/v1/dossiers/%d/apologies", d.ID), s.supervisor,
		map[string]string{"reason": "Chờ kết quả xác minh", "new_due_at": "2026-12-07"}, nil)

	resp := s.get(t, "/api/v1/reports/ledger.csv?from=2026-11-27&to=2026-12-03", s.supervisor)
	if resp.status != http.StatusOK || resp.header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		!strings.Contains(resp.header.Get("Content-Disposition"), "so-theo-doi-ho-so_2026-11-27_2026-12-03.csv") {
		t.Fatalf("ledger.csv: got %d %q %q", resp.status, resp.header.Get("Content-Type"), resp.header.Get("Content-Disposition"))
	}
	if !strings.HasPrefix(resp.body, "\ufeff") {
		t.Fatalf("ledger.csv does not start with the UTF-8 byte order mark: %q", resp.body[:min(20, len(resp.body))])
	}
	records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(resp.body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatalf("parse the CSV: %v", err)
	}
	wantHeader := []string{"STT", "Mã hồ sơ", "Tên thủ tục hành chính", "Số lượng hồ sơ (bộ)", "Tên cá nhân, tổ chức",
		"Địa chỉ, số điện thoại", "Cơ quan chủ trì giải quyết", "Ngày nhận hồ sơ", "Ngày hẹn trả kết quả",
		"Ngày chuyển hồ sơ", "Ngày có kết quả", "Ngày trả kết quả", "Ký nhận kết quả", "Giao nhận hồ sơ (Mẫu 06)",
		"Người tiếp nhận", "Trạng thái", "Ghi chú"}
	if len(records) != 2 || !slices.Equal(records[0], wantHeader) {
		t.Fatalf("ledger: got %d records, header %q", len(records), records[0])
	}
	row := map[string]string{}
	for i, h := range records[0] {
		row[h] = records[1][i]
	}
	for col, want := range map[string]string{
		"STT": "1", "Mã hồ sơ": d.Code, "Tên cá nhân, tổ chức": applicantName, "Địa chỉ, số điện thoại": applicantAddress + "; ĐT: " + applicantPhone,
		"Ngày nhận hồ sơ": "27/11/2026 09:00", "Ngày hẹn trả kết quả": "02/12/2026 17:00", "Người tiếp nhận": "Lê Thu Quầy",
		"Trạng thái": "Đã tiếp nhận", "Số lượng hồ sơ (bộ)": "1",
	} {
		if row[col] != want {
			t.Errorf("ledger column %q: got %q, want %q", col, row[col], want)
		}
	}
	if !strings.Contains(row["Ghi chú"], "Xin lỗi ngày 03/12/2026, hẹn lại 07/12/2026 17:00: Chờ kết quả xác minh") {
		t.Errorf("ledger notes: got %q", row["Ghi chú"])
	}
	exports, err := s.Server.Hub.Dossiers.LedgerExports(context.Background(), 10)
	if err != nil || len(exports) != 1 || exports[0].Reason != "2026-11-27..2026-12-03 csv, 1 dossiers" {
		t.Errorf("ledger audit: got %+v, %v", exports, err)
	}

	page := s.get(t, "/reports/ledger?from=2026-11-27&to=2026-12-03", s.supervisor)
	if page.status != http.StatusOK || !strings.Contains(page.body, "Sổ theo dõi hồ sơ") || !strings.Contains(page.body, applicantName) ||
		!strings.Contains(page.body, "A4 landscape") {
		t.Errorf("ledger page: got %d", page.status)
	}
	if status, raw := s.Raw("GET", "/api/v1/reports/ledger.csv?from=2026-12-03&to=2026-11-27", s.supervisor, nil); status != http.StatusBadRequest || !strings.Contains(string(raw), `"to"`) {
		t.Errorf("reversed range: got %d %s, want 400 on to", status, raw)
	}
}

func TestOnTimeEndpoint(t *testing.T) {
	s := newSetup(t)
	s.receive(t)
	s.at(t, time.Date(2026, 12, 4, 9, 0, 0, 0, hanoi))
	var rep motcua.OnTimeReport
	if status := s.Do("GET", "/api/v1/reports/on-time?from=2026-11-27&to=2026-11-27&by=officer", s.supervisor, nil, &rep); status != http.StatusOK {
		t.Fatalf("on-time: got %d", status)
	}
	if len(rep.Rows) != 1 || rep.Rows[0].Name != "Lê Thu Quầy" || rep.Rows[0].PendingOverdue != 1 || rep.Rows[0].WorstLateDays != 2 || rep.Rows[0].OnTimeRate != nil {
		t.Errorf("on-time by officer: got %+v", rep.Rows)
	}
	if status, _ := s.Raw("GET", "/api/v1/reports/on-time?from=2026-11-27&to=2026-11-27&by=counter", s.supervisor, nil); status != http.StatusBadRequest {
		t.Errorf("by counter: got %d, want 400", status)
	}
}

// Notifications leave through the configured webhook, and the supervisor
// sees every attempt.
func TestWebhookDeliveriesVisible(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	first := true
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		buf.ReadFrom(r.Body)
		mu.Lock()
		defer mu.Unlock()
		bodies = append(bodies, buf.String())
		if first {
			first = false
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	t.Cleanup(rcv.Close)
	s := newSetup(t, func(c *server.Config) {
		c.Webhook = notify.Config{URL: rcv.URL, Secret: "s3cret", Backoff: time.Minute}
	})
	d, _ := s.receive(t)
	if _, err := s.Server.Hub.Notify.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.Clock.Advance(2 * time.Minute)
	if _, err := s.Server.Hub.Notify.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
	var list []motcua.WebhookDelivery
	if status := s.Do("GET", "/api/v1/webhook/deliveries", s.supervisor, nil, &list); status != http.StatusOK {
		t.Fatalf("deliveries: got %d", status)
	}
	if len(list) != 1 || list[0].DossierCode != d.Code || list[0].State != motcua.DeliveryDelivered || len(list[0].Attempts) != 2 ||
		list[0].Attempts[0].StatusCode != 500 || list[0].Attempts[1].StatusCode != 200 {
		t.Errorf("deliveries: got %+v", list)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, b := range bodies {
		for _, p := range []string{applicantName, applicantID, applicantPhone, "Hàng Bạc"} {
			if strings.Contains(b, p) {
				t.Errorf("webhook body carries %q", p)
			}
		}
	}
}

// A name that a spreadsheet would run as a formula is written to ledger.csv
// as text (a leading apostrophe), the byte order mark still first.
func TestLedgerCSVNeutralisesFormulas(t *testing.T) {
	s := newSetup(t)
	names := []string{"=HYPERLINK(\"http://x\",\"Bấm\")", "+84 Nguyễn", "@SUM(A1)", "-1+2"}
	for _, n := range names {
		s.receiveFrom(t, n)
	}
	resp := s.get(t, "/api/v1/reports/ledger.csv?from=2026-11-27&to=2026-11-27", s.supervisor)
	if !strings.HasPrefix(resp.body, "\ufeff") {
		t.Fatalf("ledger.csv does not start with the byte order mark: %q", resp.body[:min(20, len(resp.body))])
	}
	records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(resp.body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatalf("parse the CSV: %v", err)
	}
	col := slices.Index(records[0], "Tên cá nhân, tổ chức")
	var got []string
	for _, r := range records[1:] {
		got = append(got, r[col])
	}
	for _, n := range names {
		if !slices.Contains(got, "'"+n) {
			t.Errorf("ledger names %q: want %q written as '%s", got, n, n)
		}
	}
}
