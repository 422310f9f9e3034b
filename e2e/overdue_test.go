package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/browsertest"
	"github.com/motcua/motcua/server/servertest"
)

// A dossier runs past its due date: the supervisor's page lists it, the
// supervisor issues the apology (Mẫu 04) from the page, and the citizen's
// phone shows the reason and the new date without a reload.
func TestSupervisorApologisesForAnOverdueDossier(t *testing.T) {
	env := servertest.New(t)
	if _, err := env.Server.Hub.Auth.CreateUser(context.Background(), "giamsat", "Trần Văn Giám", motcua.RoleSupervisor, "giamsat-password"); err != nil {
		t.Fatal(err)
	}

	// Friday 27/11/2026 09:00: a dossier with 3 working days, due Wednesday 2/12 17:00.
	tk := env.Issue(1, false)
	if _, ok := env.CallNext(1); !ok {
		t.Fatal("call next: nobody waiting")
	}
	var procs []struct {
		ID                int64    `json:"id"`
		ProcessingDays    int      `json:"processing_days"`
		RequiredDocuments []string `json:"required_documents"`
	}
	env.Do("GET", "/api/v1/procedures", env.AdminToken, nil, &procs)
	procID, docs := int64(0), []string(nil)
	for _, p := range procs {
		if p.ProcessingDays == 3 {
			procID, docs = p.ID, p.RequiredDocuments
			break
		}
	}
	if procID == 0 {
		t.Fatal("the sample hall has no 3-day procedure")
	}
	body := map[string]any{"procedure_id": procID, "documents": docs, "applicant": map[string]string{
		"name": "Nguyễn Thị Bình", "id_number": "001190012345", "phone": "0912345678", "address": "Số 5 phố Hàng Bạc, Hoàn Kiếm, Hà Nội"}}
	status, raw := env.Raw("POST", fmt.Sprintf("/api/v1/tickets/%d/dossiers", tk.ID), env.AdminToken, body)
	if status != http.StatusCreated {
		t.Fatalf("create dossier: got %d %s", status, raw)
	}
	var d struct {
		ID   int64  `json:"id"`
		Code string `json:"code"`
	}
	json.Unmarshal(raw, &d)

	b := browsertest.New(t)
	phone := b.Tab(412, 915)
	browsertest.Do(t, phone, "open the ticket's phone page", chromedp.Navigate(env.URL+"/t/"+tk.Token))
	browsertest.WaitFor(t, phone, "the dossier on the phone", `document.getElementById('dossier-list').textContent.includes('`+d.Code+`')`)

	// The morning of the due date it is at risk, and the phone says so.
	env.Clock.Set(time.Date(2026, 12, 2, 8, 0, 0, 0, servertest.Hanoi))
	if n, err := env.Server.Hub.Dossiers.CheckOverdue(context.Background()); err != nil || n != 1 {
		t.Fatalf("at-risk check: got %d crossings, %v; want 1", n, err)
	}
	browsertest.WaitFor(t, phone, "the at-risk mark on the phone", `document.querySelector('.dossier .d-at-risk') !== null`)

	// Thursday 3/12 09:30: a day late. The scheduled check runs now.
	env.Clock.Set(time.Date(2026, 12, 3, 9, 30, 0, 0, servertest.Hanoi))
	if n, err := env.Server.Hub.Dossiers.CheckOverdue(context.Background()); err != nil || n != 1 {
		t.Fatalf("overdue check: got %d, %v; want 1 crossing", n, err)
	}
	browsertest.WaitFor(t, phone, "the overdue mark on the phone", `document.querySelector('.dossier.overdue .d-overdue') !== null`)

	sup := b.Tab(1440, 900)
	browsertest.Do(t, sup, "sign in as the supervisor",
		chromedp.Navigate(env.URL+"/supervisor"),
		chromedp.WaitVisible("#login-username"),
		chromedp.SendKeys("#login-username", "giamsat"),
		chromedp.SendKeys("#login-password", "giamsat-password"),
		chromedp.Click("#login-submit"),
		chromedp.WaitVisible("#sec-overdue"),
	)
	row := `#list-overdue tr[data-code="` + d.Code + `"]`
	browsertest.WaitFor(t, sup, "the overdue dossier listed", `document.querySelector('`+row+`') !== null`)
	if got := browsertest.Eval[string](t, sup, `document.getElementById('count-overdue').textContent`); got != "1" {
		t.Errorf("overdue count: got %q, want 1", got)
	}
	text := browsertest.Eval[string](t, sup, `document.querySelector('`+row+`').innerText`)
	for _, want := range []string{"Đã tiếp nhận, chưa chuyển", "02/12/2026 17:00", "1 ngày LV", "Quản trị viên", "Chưa"} {
		if !strings.Contains(text, want) {
			t.Errorf("overdue row %q lacks %q", text, want)
		}
	}
	// Not passed to the agency on the day of receipt either.
	browsertest.WaitFor(t, sup, "the late transfer listed", `document.querySelector('#list-transfer tr[data-code="`+d.Code+`"]') !== null`)
	browsertest.WaitFor(t, sup, "the live queues", `document.querySelectorAll('#queues tbody tr').length > 0`)
	browsertest.Screenshot(t, sup, "supervisor-overdue")

	const reason = "Cơ quan chuyên môn chưa có kết quả xác minh"
	browsertest.Do(t, sup, "open the apology form", chromedp.Click(row+` .apology-btn`), chromedp.WaitVisible("#ap-reason"))
	if got := browsertest.Eval[string](t, sup, `document.getElementById('ap-date').value`); got != "07/12/2026" {
		t.Errorf("suggested new date: got %q, want 07/12/2026 (two working days after today)", got)
	}
	// A Saturday is refused next to the date field.
	browsertest.Eval[bool](t, sup, `(document.getElementById('ap-date').value = '05/12/2026', true)`)
	browsertest.Do(t, sup, "issue with a Saturday", chromedp.SendKeys("#ap-reason", reason), chromedp.Click("#ap-submit"))
	browsertest.WaitFor(t, sup, "the date's error", `document.querySelector('.field-error[data-for="new_due_at"]').textContent.includes('không phải ngày làm việc')`)
	browsertest.Eval[bool](t, sup, `(document.getElementById('ap-date').value = '07/12/2026', true)`)
	browsertest.Do(t, sup, "issue the apology", chromedp.Click("#ap-submit"), chromedp.WaitVisible("#ap-done"))
	browsertest.Screenshot(t, sup, "supervisor-apology-issued")
	letter := browsertest.Eval[string](t, sup, `document.getElementById('ap-letter').getAttribute('href')`)

	// The phone hears it over its websocket and shows the reason and the new date.
	browsertest.WaitFor(t, phone, "the apology on the phone", `document.querySelector('.apology') !== null && document.querySelector('.apology').textContent.includes('`+reason+`')`)
	phoneText := browsertest.Eval[string](t, phone, `document.getElementById('dossier-list').innerText`)
	if !strings.Contains(phoneText, "07/12/2026") {
		t.Errorf("phone: new date 07/12/2026 missing from %q", phoneText)
	}
	for _, p := range []string{"Nguyễn Thị Bình", "001190012345", "0912345678", "Hàng Bạc", "giamsat", "Trần Văn Giám"} {
		if strings.Contains(browsertest.Eval[string](t, phone, `document.body.innerText`), p) {
			t.Errorf("phone page shows %q", p)
		}
	}
	browsertest.Eval[bool](t, phone, `(document.querySelector('.apology').scrollIntoView(), true)`)
	browsertest.Screenshot(t, phone, "phone-apology")

	// The list updates: the dossier is no longer overdue (its date moved).
	browsertest.WaitFor(t, sup, "the overdue list emptied", `document.querySelector('`+row+`') === null && document.getElementById('count-overdue').textContent === '0'`)

	// The letter prints from the supervisor's login cookie.
	paper := b.Tab(900, 1100)
	browsertest.Do(t, paper, "open the letter", chromedp.Navigate(env.URL+letter))
	browsertest.WaitFor(t, paper, "the letter", `document.querySelector('.new-due') !== null`)
	if got := browsertest.Eval[string](t, paper, `document.querySelector('.new-due').textContent`); got != "17 giờ 00 phút, ngày 07 tháng 12 năm 2026" {
		t.Errorf("letter's new date: got %q", got)
	}
	browsertest.Screenshot(t, paper, "apology-letter")
}
