package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/browsertest"
	"github.com/motcua/motcua/server/servertest"
)

// locale makes the tab's browser speak another language, as a supervisor's
// PC set up in English does.
func locale(l string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{Locale: l})
		return err
	})
}

// receiveDossier receives a dossier of a procedure with the given processing
// days on a new ticket called at counter 1, and returns its code.
func receiveDossier(t *testing.T, env *servertest.Env, days int) string {
	t.Helper()
	tk := env.Issue(1, false)
	if c, ok := env.CallNext(1); !ok || c.ID != tk.ID {
		t.Fatalf("call next: got %+v, want %s", c, tk.Number)
	}
	var procs []struct {
		ID                int64    `json:"id"`
		ProcessingDays    int      `json:"processing_days"`
		RequiredDocuments []string `json:"required_documents"`
	}
	env.Do("GET", "/api/v1/procedures", env.AdminToken, nil, &procs)
	for _, p := range procs {
		if p.ProcessingDays != days {
			continue
		}
		body := map[string]any{"procedure_id": p.ID, "documents": p.RequiredDocuments, "applicant": map[string]string{
			"name": "Nguyễn Thị Bình", "id_number": "001190012345", "phone": "0912345678", "address": "Số 5 phố Hàng Bạc, Hoàn Kiếm, Hà Nội"}}
		status, raw := env.Raw("POST", fmt.Sprintf("/api/v1/tickets/%d/dossiers", tk.ID), env.AdminToken, body)
		if status != http.StatusCreated {
			t.Fatalf("create dossier: got %d %s", status, raw)
		}
		var d struct {
			Code string `json:"code"`
		}
		json.Unmarshal(raw, &d)
		return d.Code
	}
	t.Fatalf("the sample hall has no %d-day procedure", days)
	return ""
}

// clearField empties a text field, as select-all and delete would.
func clearField(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`(function () { var e = document.querySelector('` + sel + `'); e.value = ''; e.dispatchEvent(new Event('input', {bubbles: true})); })()`)
}

var dmy = regexp.MustCompile(`^\d\d/\d\d/\d{4}$`)

// In a browser set up in English, the supervisor still reads and types
// dates as dd/mm/yyyy; at 1366×768 the tables fit and read whole.
func TestSupervisorDatesAndTablesAt1366(t *testing.T) {
	env := servertest.New(t)
	if _, err := env.Server.Hub.Auth.CreateUser(context.Background(), "giamsat", "Trần Văn Giám", motcua.RoleSupervisor, "giamsat-password"); err != nil {
		t.Fatal(err)
	}
	// Friday 27/11 and Monday 30/11: dossiers of 3 working days; Thursday 3/12
	// the first is late, the second due that day.
	late := receiveDossier(t, env, 3)
	env.Clock.Set(time.Date(2026, 11, 30, 9, 0, 0, 0, servertest.Hanoi))
	env.AdminToken = env.Login("admin", servertest.AdminPassword) // the sessions of Friday have expired
	receiveDossier(t, env, 3)
	env.Clock.Set(time.Date(2026, 12, 3, 9, 30, 0, 0, servertest.Hanoi))
	if _, err := env.Server.Hub.Dossiers.CheckOverdue(context.Background()); err != nil {
		t.Fatal(err)
	}

	b := browsertest.New(t)
	sup := b.Tab(1366, 768)
	browsertest.Do(t, sup, "an English browser", locale("en-US"))
	browsertest.Do(t, sup, "sign in as the supervisor",
		chromedp.Navigate(env.URL+"/supervisor"),
		chromedp.WaitVisible("#login-username"),
		chromedp.SendKeys("#login-username", "giamsat"),
		chromedp.SendKeys("#login-password", "giamsat-password"),
		chromedp.Click("#login-submit"),
		chromedp.WaitVisible("#sec-overdue"),
	)
	row := `#list-overdue tr[data-code="` + late + `"]`
	browsertest.WaitFor(t, sup, "the lists", `document.querySelector('`+row+`') && document.querySelectorAll('#list-atrisk tbody tr').length > 0 && document.querySelectorAll('#queues tbody tr').length > 0`)

	// The report's dates, as the page fills them: the month so far.
	from := browsertest.Eval[string](t, sup, `document.getElementById('r-from').value`)
	to := browsertest.Eval[string](t, sup, `document.getElementById('r-to').value`)
	if from != "01/12/2026" || to != "03/12/2026" {
		t.Errorf("report range: got %q – %q, want 01/12/2026 – 03/12/2026", from, to)
	}
	browsertest.Do(t, sup, "type a range from November",
		clearField("#r-from"), chromedp.SendKeys("#r-from", "27/11/2026"),
		chromedp.Click("#r-run"))
	browsertest.WaitFor(t, sup, "the on-time report", `!document.getElementById('report').hidden && document.querySelectorAll('#report tbody tr').length > 0`)
	if href := browsertest.Eval[string](t, sup, `document.getElementById('r-csv').getAttribute('href')`); !strings.Contains(href, "from=2026-11-27") || !strings.Contains(href, "to=2026-12-03") {
		t.Errorf("ledger link: %q, want from=2026-11-27 and to=2026-12-03 for the hub", href)
	}
	browsertest.Do(t, sup, "type a date that does not exist", clearField("#r-to"), chromedp.SendKeys("#r-to", "31/02/2026"), chromedp.Click("#r-run"))
	browsertest.WaitFor(t, sup, "the date's error", `document.getElementById('r-error').textContent.includes('dd/mm/yyyy')`)
	browsertest.Do(t, sup, "correct the date", clearField("#r-to"), chromedp.SendKeys("#r-to", "03/12/2026"))

	// Tables at 1366 px: nothing cut, nothing beyond its card, nothing sideways.
	browsertest.Eval[bool](t, sup, `(window.scrollTo(0, 0), true)`)
	if clipped := browsertest.ClippedText(t, sup, ".list"); len(clipped) > 0 {
		t.Errorf("cut at 1366 px: %q", clipped)
	}
	wide := browsertest.Eval[[]string](t, sup, `Array.from(document.querySelectorAll('.list table')).filter(function (tb) {
  var card = tb.closest('.list');
  return !tb.hidden && tb.getBoundingClientRect().right > card.getBoundingClientRect().right - 1;
}).map(tb => tb.id)`)
	if len(wide) > 0 {
		t.Errorf("tables wider than their card at 1366 px: %q", wide)
	}
	// Column headings and short values are not broken into one word a line.
	broken := browsertest.Eval[[]string](t, sup, `Array.from(document.querySelectorAll('.list th, .list td .code, .list td.due, .list td .status, .list td.late, .list td.left, .list td .apology-btn')).filter(function (e) {
  var words = e.textContent.trim().split(/\s+/).filter(Boolean).length;
  if (words < 2) return false;
  var r = document.createRange();
  r.selectNodeContents(e);
  var tops = new Set(Array.from(r.getClientRects()).filter(x => x.width > 0).map(x => Math.round(x.top)));
  return tops.size >= words;
}).map(e => e.textContent.trim())`)
	if len(broken) > 0 {
		t.Errorf("one word a line at 1366 px: %q", broken)
	}
	if px := browsertest.Eval[float64](t, sup, `Math.min.apply(null, Array.from(document.querySelectorAll('.list td, .list th')).filter(e => e.textContent.trim()).map(e => parseFloat(getComputedStyle(e).fontSize)))`); px < 13 {
		t.Errorf("smallest table text: %.1f px, want at least 13 px", px)
	}
	browsertest.Screenshot(t, sup, "supervisor-1366")

	// The apology's new date: shown and typed as dd/mm/yyyy.
	browsertest.Do(t, sup, "open the apology form", chromedp.Click(row+` .apology-btn`), chromedp.WaitVisible("#ap-reason"))
	if got := browsertest.Eval[string](t, sup, `document.getElementById('ap-date').value`); !dmy.MatchString(got) || got != "07/12/2026" {
		t.Errorf("suggested new date: got %q, want 07/12/2026", got)
	}
	browsertest.Do(t, sup, "type a Saturday",
		chromedp.SendKeys("#ap-reason", "Cơ quan chuyên môn chưa có kết quả xác minh"),
		clearField("#ap-date"), chromedp.SendKeys("#ap-date", "05/12/2026"), chromedp.Click("#ap-submit"))
	browsertest.WaitFor(t, sup, "the hub refusing the Saturday", `document.querySelector('.field-error[data-for="new_due_at"]').textContent.includes('không phải ngày làm việc')`)
	browsertest.Screenshot(t, sup, "supervisor-apology-date")
	browsertest.Do(t, sup, "type the Monday", clearField("#ap-date"), chromedp.SendKeys("#ap-date", "07/12/2026"), chromedp.Click("#ap-submit"))
	browsertest.WaitFor(t, sup, "the apology issued", `!document.getElementById('ap-done').hidden`)
}
