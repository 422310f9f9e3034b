package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/motcua/motcua/internal/browsertest"
	"github.com/motcua/motcua/server/servertest"
)

func phoneTab(t *testing.T, b *browsertest.Browser) context.Context {
	t.Helper()
	phone := b.Tab(390, 844)
	browsertest.Do(t, phone, "emulate a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait))
	return phone
}

// The phone names the branch, and after a no-show says until when the
// number can come back at the kiosk, then that it cannot.
func TestPhoneBranchAndReactivationDeadline(t *testing.T) {
	env := servertest.New(t)
	var branch struct {
		Name       string `json:"name"`
		CenterName string `json:"center_name"`
	}
	env.Do("GET", "/api/v1/branch", "", nil, &branch)
	tk := env.Issue(1, false)
	b := browsertest.New(t)
	phone := phoneTab(t, b)
	browsertest.Do(t, phone, "open the phone page", chromedp.Navigate(env.URL+"/t/"+tk.Token))
	browsertest.WaitFor(t, phone, "the ticket", `document.querySelector('#number').textContent === '`+tk.Number+`'`)
	browsertest.WaitFor(t, phone, "the branch", `document.querySelector('#branch').textContent.includes(`+fmt.Sprintf("%q", branch.Name)+`)`)
	if got := browsertest.Eval[string](t, phone, `document.querySelector('#branch').textContent`); !strings.Contains(got, branch.CenterName) {
		t.Errorf("branch line %q lacks the centre %q", got, branch.CenterName)
	}

	// Called twice, not there: a no-show at 09:00; the hall allows 30 minutes.
	if c, ok := env.CallNext(1); !ok || c.ID != tk.ID {
		t.Fatalf("call next: got %+v", c)
	}
	if status := env.Do("POST", "/api/v1/counters/1/recall", env.AdminToken, nil, nil); status != http.StatusOK {
		t.Fatalf("recall: got %d", status)
	}
	if status := env.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/no-show", tk.ID), env.AdminToken, nil, nil); status != http.StatusOK {
		t.Fatalf("no-show: got %d", status)
	}
	browsertest.WaitFor(t, phone, "the reactivation deadline",
		`document.querySelector('#status').textContent === 'Vắng mặt' && document.querySelector('#reactivate-until')?.textContent === '09:30'`)
	if code := browsertest.Eval[string](t, phone, `document.querySelector('#reactivate-code').textContent`); len(code) != 6 {
		t.Errorf("reactivation code on the phone: %q", code)
	}
	checkScreen(t, phone, "phone: no-show")
	browsertest.Screenshot(t, phone, "phone-no-show-deadline")

	// 09:31 on the phone's clock: too late, take a new number; no code offered.
	browsertest.Eval[bool](t, phone, fmt.Sprintf(`(function () { var n = Date.now.bind(Date); Date.now = function () { return n() + %d; };
  document.dispatchEvent(new Event('visibilitychange')); return true; })()`, (31*time.Minute).Milliseconds()))
	browsertest.WaitFor(t, phone, "the deadline passed", `document.querySelector('#note').textContent.includes('Đã quá 09:30') && !document.querySelector('#reactivate-code')`)
	if overflow := browsertest.Eval[bool](t, phone, `document.documentElement.scrollWidth > document.documentElement.clientWidth`); overflow {
		t.Errorf("the phone page scrolls sideways at 390 px")
	}
}

// A dossier received a minute ago, for a procedure done the same day, is at
// risk for the supervisor's desk, but not "Sắp đến hạn" for the citizen.
func TestPhoneFreshDossierNotShownAtRisk(t *testing.T) {
	env := servertest.New(t)
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
	var procID int64
	var docs []string
	for _, p := range procs {
		if p.ProcessingDays == 0 {
			procID, docs = p.ID, p.RequiredDocuments
			break
		}
	}
	body := map[string]any{"procedure_id": procID, "documents": docs, "applicant": map[string]string{
		"name": "Nguyễn Thị Bình", "id_number": "001190012345", "phone": "0912345678", "address": "Số 5 phố Hàng Bạc, Hoàn Kiếm, Hà Nội"}}
	if status, raw := env.Raw("POST", fmt.Sprintf("/api/v1/tickets/%d/dossiers", tk.ID), env.AdminToken, body); status != http.StatusCreated {
		t.Fatalf("create dossier: got %d %s", status, raw)
	}
	env.Clock.Set(servertest.Start.Add(time.Minute))
	if _, err := env.Server.Hub.Dossiers.CheckOverdue(context.Background()); err != nil {
		t.Fatal(err)
	}
	var track struct {
		Dossiers []struct {
			AtRisk bool `json:"at_risk"`
		} `json:"dossiers"`
	}
	env.Do("GET", "/api/v1/track/"+tk.Token, "", nil, &track)
	if len(track.Dossiers) != 1 || !track.Dossiers[0].AtRisk {
		t.Fatalf("the same-day dossier: got %+v, want it at risk for the hub (the case this test is about)", track.Dossiers)
	}

	b := browsertest.New(t)
	phone := phoneTab(t, b)
	// The phone's own clock is days ahead: "today" must be the hub's.
	browsertest.Do(t, phone, "set the phone's clock ahead", browsertest.BeforeLoad(`(function () {
  var n = Date.now.bind(Date); Date.now = function () { return n() + 3 * 86400000; }; })()`))
	browsertest.Do(t, phone, "open the phone page", chromedp.Navigate(env.URL+"/t/"+tk.Token))
	browsertest.WaitFor(t, phone, "the dossier, without 'Sắp đến hạn'",
		`document.querySelectorAll('.dossier').length === 1 && document.querySelector('#branch').textContent !== '' && !document.querySelector('.dossier .d-at-risk')`)
	browsertest.Screenshot(t, phone, "phone-fresh-dossier")
}
