package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/motcua/motcua/internal/browsertest"
	"github.com/motcua/motcua/internal/idcardtest"
	"github.com/motcua/motcua/server/servertest"
)

// waitLong is browsertest.WaitFor for what a page only notices on its own
// refresh timer: up to a minute.
func waitLong(t *testing.T, tab context.Context, what, expr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, time.Minute)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr)); err != nil {
		t.Fatalf("waiting for %s (%s): %v", what, expr, err)
	}
}

// Issue 12's browser test: the admin creates a staff member bound to counter
// 2 on /admin (a weak password first, refused next to the field); she signs
// in at /counter, calls a number at counter 2, is refused at counter 3, and
// her full name is on the receipt of the dossier she receives.
func TestAdminCreatesAnOfficerWhoWorksAtHerCounter(t *testing.T) {
	env := servertest.New(t)
	waiting := env.Issue(2, false) // CT: counter 2 serves it first
	b := browsertest.New(t)

	adm := b.Tab(1440, 900)
	browsertest.Do(t, adm, "sign in at /admin",
		chromedp.Navigate(env.URL+"/admin"),
		chromedp.WaitVisible("#login-username"),
		chromedp.SendKeys("#login-username", "admin"),
		chromedp.SendKeys("#login-password", servertest.AdminPassword),
		chromedp.Click("#login-submit"),
		chromedp.WaitVisible("#users-table"),
	)
	browsertest.WaitFor(t, adm, "the admin in the user list and the counters to tick",
		`document.querySelector('#users-table tr[data-username="admin"]') && document.querySelector('input[name="user-counter"][data-number="2"]')`)
	if lang := browsertest.Eval[string](t, adm, `document.documentElement.lang`); lang != "vi" {
		t.Errorf("page language: got %q, want vi", lang)
	}

	browsertest.Do(t, adm, "fill in a new officer with a weak password",
		chromedp.SendKeys("#user-username", "lan"),
		chromedp.SendKeys("#user-fullname", "Phạm Thị Lan"),
		chromedp.SendKeys("#user-password", "1234567890"),
		chromedp.Click(`input[name="user-counter"][data-number="2"]`),
		chromedp.Click("#user-submit"),
	)
	browsertest.WaitFor(t, adm, "the weak password's error next to the password field",
		`document.querySelector('#user-password + .field-error[data-for="password"]')?.textContent.length > 0`)
	if n := browsertest.Eval[int](t, adm, `document.querySelectorAll('#users-table tr[data-username="lan"]').length`); n != 0 {
		t.Fatalf("a refused account is listed %d times, want 0", n)
	}
	browsertest.Screenshot(t, adm, "admin-weak-password")
	browsertest.Eval[bool](t, adm, `(document.getElementById('user-password').value = '', true)`)
	browsertest.Do(t, adm, "a strong password, and create",
		chromedp.SendKeys("#user-password", servertest.StaffPassword),
		chromedp.Click("#user-submit"),
	)
	browsertest.WaitFor(t, adm, "Lan in the user list at counter 2",
		`document.querySelector('#users-table tr[data-username="lan"] .user-counters')?.textContent === '2'`)
	if got := browsertest.Eval[string](t, adm, `document.querySelector('#users-table tr[data-username="lan"]').textContent`); !strings.Contains(got, "Phạm Thị Lan") || !strings.Contains(got, "Cán bộ quầy") {
		t.Errorf("Lan's row: got %q, want her full name and the staff role", got)
	}
	browsertest.Screenshot(t, adm, "admin-users")

	desk := b.Tab(1366, 768)
	browsertest.Do(t, desk, "Lan signs in at counter 2",
		chromedp.Navigate(env.URL+"/counter?counter=2"),
		chromedp.WaitVisible("#login-username"),
		chromedp.SendKeys("#login-username", "lan"),
		chromedp.SendKeys("#login-password", servertest.StaffPassword),
		chromedp.Click("#login-submit"),
		chromedp.WaitVisible("#btn-next"),
	)
	browsertest.WaitFor(t, desk, "the counter connected", `!document.getElementById('btn-next').disabled`)
	browsertest.Do(t, desk, "call the next number", chromedp.Click("#btn-next"))
	browsertest.WaitFor(t, desk, "the waiting ticket called at counter 2",
		`document.querySelector('#current-number').textContent === '`+waiting.Number+`'`)
	if got := browsertest.Eval[string](t, desk, `document.querySelector('#user-name').textContent`); !strings.Contains(got, "Phạm Thị Lan") {
		t.Errorf("counter page user: got %q, want her full name", got)
	}

	// Counter 3 is not hers: the hub refuses, the page says why.
	other := env.Issue(3, false) // DD: counter 3 serves it
	browsertest.Do(t, desk, "go to counter 3 and call",
		chromedp.Click("#btn-change-counter"),
		chromedp.WaitVisible(`#counter-select button[data-counter-id="3"]`),
		chromedp.Click(`#counter-select button[data-counter-id="3"]`),
		chromedp.WaitVisible("#btn-next"),
	)
	browsertest.WaitFor(t, desk, "counter 3's buttons", `!document.getElementById('btn-next').disabled || document.getElementById('status-line').dataset.kind === 'error'`)
	browsertest.Eval[bool](t, desk, `(document.getElementById('btn-next').click(), true)`)
	browsertest.WaitFor(t, desk, "the refusal at counter 3",
		`document.getElementById('status-line').dataset.kind === 'error' && document.getElementById('status-line').textContent.includes('quầy 2')`)
	var tk struct {
		Status string `json:"status"`
	}
	if status := env.Do("GET", "/api/v1/track/"+other.Token, "", nil, &tk); status != 200 || tk.Status != "waiting" {
		t.Errorf("ticket %s after Lan's refused call at counter 3: got %d %q, want still waiting", other.Number, status, tk.Status)
	}
	browsertest.Screenshot(t, desk, "counter-refused")

	// Back at counter 2: she receives a dossier; the receipt names her.
	browsertest.Do(t, desk, "back to counter 2",
		chromedp.Click("#btn-change-counter"),
		chromedp.WaitVisible(`#counter-select button[data-counter-id="2"]`),
		chromedp.Click(`#counter-select button[data-counter-id="2"]`),
	)
	browsertest.WaitFor(t, desk, "the dossier panel for the called ticket", `!document.getElementById('dossier-panel').hidden`)
	card := idcardtest.IDCard{Number: "001190012345", FullName: "Nguyễn Thị Bình", Sex: "Nữ", Address: "Số 5 phố Hàng Bạc, Hoàn Kiếm, Hà Nội"}
	card.BirthDate = servertest.Start.AddDate(-40, 0, 0)
	card.IssuedDate = servertest.Start.AddDate(-3, 0, 0)
	browsertest.Do(t, desk, "receive a dossier",
		chromedp.Click("#dp-new"),
		chromedp.WaitVisible("#dp-scan"),
		chromedp.SendKeys("#dp-scan", idcardtest.FormatIDCardQR(card)),
	)
	browsertest.WaitFor(t, desk, "the applicant from the card", `document.getElementById('dp-name').value === 'Nguyễn Thị Bình'`)
	browsertest.Do(t, desk, "choose the procedure and submit",
		chromedp.SendKeys("#dp-proc-search", "xac nhan hon nhan"),
		chromedp.WaitVisible("#dp-match-0"),
		chromedp.Click("#dp-match-0"),
		chromedp.WaitVisible("#dp-doc-0"),
		chromedp.Click("#dp-docs-all"),
		chromedp.SendKeys("#dp-phone", "0912 345 678"),
		chromedp.Click("#dp-submit"),
		chromedp.WaitVisible("#dp-print"),
	)
	href := browsertest.Eval[string](t, desk, `document.getElementById('dp-print').getAttribute('href')`)
	receipt := b.Tab(900, 1100)
	browsertest.Do(t, receipt, "open the receipt", chromedp.Navigate(env.URL+href))
	browsertest.WaitFor(t, receipt, "the receipt", `document.querySelectorAll('section.sheet').length === 2`)
	if text := browsertest.Eval[string](t, receipt, `document.body.innerText`); !strings.Contains(text, "Phạm Thị Lan") {
		t.Errorf("the receipt does not name the officer who received the dossier, Phạm Thị Lan:\n%s", text)
	}

	// The admin disables her on /admin: her counter page is back at the login
	// at once. A new password and the account enabled again: she signs in.
	row := `#users-table tr[data-username="lan"]`
	browsertest.Do(t, adm, "disable Lan", chromedp.Click(row+` button.user-toggle`))
	browsertest.WaitFor(t, adm, "Lan disabled", `document.querySelector('`+row+`').classList.contains('disabled')`)
	browsertest.WaitFor(t, desk, "her counter page back at the login form",
		`document.getElementById('login-username').offsetParent !== null`)
	const newPassword = "mưa phùn tháng hai trên hồ Tây"
	browsertest.Do(t, adm, "reset her password",
		chromedp.Click(row+` button.user-reset`),
		chromedp.WaitVisible("#reset-password"),
		chromedp.SendKeys("#reset-password", newPassword),
		chromedp.Click("#reset-submit"),
	)
	browsertest.WaitFor(t, adm, "the reset done", `document.getElementById('reset-form').hidden && document.getElementById('banner').textContent.includes('lan')`)
	browsertest.Do(t, adm, "enable Lan", chromedp.Click(row+` button.user-toggle`))
	browsertest.WaitFor(t, adm, "Lan enabled", `!document.querySelector('`+row+`').classList.contains('disabled')`)
	browsertest.Do(t, adm, "edit Lan: counters 2 and 3",
		chromedp.Click(row+` button.user-edit`),
		chromedp.WaitVisible("#user-cancel"),
		chromedp.Click(`input[name="user-counter"][data-number="3"]`),
		chromedp.Click("#user-submit"),
	)
	browsertest.WaitFor(t, adm, "Lan at counters 2 and 3", `document.querySelector('`+row+` .user-counters').textContent === '2, 3'`)
	if status := env.Do("POST", "/api/v1/auth/login", "", map[string]string{"username": "lan", "password": servertest.StaffPassword}, nil); status != 401 {
		t.Errorf("Lan's old password after the reset: got %d, want 401", status)
	}
	token := env.Login("lan", newPassword)
	if status := env.Do("POST", "/api/v1/counters/3/call-next", token, nil, nil); status != 200 {
		t.Errorf("Lan calls at counter 3 once bound to it: got %d, want 200", status)
	}
}

// A hall change made on /admin — a new service, served by counter 1, a new
// priority group and a new notice, after the dry run and the confirmation —
// reaches a kiosk and a hall display that are already open, without anyone
// reloading them.
func TestAdminHallChangeReachesAnOpenKiosk(t *testing.T) {
	env := servertest.New(t)
	b := browsertest.New(t)

	// A field the page does not show (a service's target wait, issue 15) must
	// survive the page's save: it edits the hall it got and sends it back whole.
	var hall map[string]any
	env.Do("GET", "/api/v1/hall", env.AdminToken, nil, &hall)
	hall["services"].([]any)[0].(map[string]any)["target_wait_minutes"] = 25
	if status, raw := env.Raw("PUT", "/api/v1/hall", env.AdminToken, hall); status != 200 {
		t.Fatalf("set a target wait: got %d %s", status, raw)
	}

	kiosk := b.Tab(1080, 1920)
	browsertest.Do(t, kiosk, "open the kiosk", chromedp.Navigate(env.URL+"/kiosk"))
	browsertest.WaitFor(t, kiosk, "the kiosk's services", `document.querySelectorAll('button.service').length > 0`)
	before := browsertest.Eval[int](t, kiosk, `document.querySelectorAll('button.service').length`)
	display := b.Tab(1920, 1080)
	browsertest.Do(t, display, "open a hall display", chromedp.Navigate(env.URL+"/display?mute=1"))
	browsertest.WaitFor(t, display, "the display's websocket", `document.body.dataset.connection === 'open'`)

	adm := b.Tab(1440, 900)
	browsertest.Do(t, adm, "sign in at /admin",
		chromedp.Navigate(env.URL+"/admin#services"),
		chromedp.WaitVisible("#login-username"),
		chromedp.SendKeys("#login-username", "admin"),
		chromedp.SendKeys("#login-password", servertest.AdminPassword),
		chromedp.Click("#login-submit"),
		chromedp.WaitVisible("#services-table"),
	)
	browsertest.WaitFor(t, adm, "the hall's services", `document.querySelectorAll('#services-table tbody tr').length > 0`)
	browsertest.Do(t, adm, "add a service",
		chromedp.Click("#add-service"),
		chromedp.SendKeys(`#services-table tbody tr:last-child input[data-path$=".code"]`, "HN"),
		chromedp.SendKeys(`#services-table tbody tr:last-child input[data-path$=".name"]`, "Hôn nhân gia đình"),
		chromedp.SendKeys(`#services-table tbody tr:last-child input[data-path$=".name_en"]`, "Marriage and family"),
		chromedp.SendKeys(`#services-table tbody tr:last-child input[data-path$=".prefix"]`, "8"),
	)
	browsertest.WaitFor(t, adm, "the unsaved-changes bar", `!document.getElementById('save-bar').hidden`)

	// Nobody serves it yet: the hub refuses, naming the field, next to it.
	browsertest.Do(t, adm, "review", chromedp.Click("#btn-review"))
	browsertest.WaitFor(t, adm, "the refusal next to the new service's code",
		`document.querySelector('#services-table tbody tr:last-child .field-error')?.textContent.length > 0`)
	browsertest.Screenshot(t, adm, "admin-field-error")

	browsertest.Do(t, adm, "counter 1 serves it too",
		chromedp.Click(`#tabs button[data-tab="counters"]`),
		chromedp.WaitVisible(`.counter-card[data-number="1"] select.add-service`),
	)
	browsertest.Eval[bool](t, adm, `(() => { const s = document.querySelector('.counter-card[data-number="1"] select.add-service'); s.value = 'HN'; s.dispatchEvent(new Event('change')); return true })()`)
	browsertest.WaitFor(t, adm, "HN third at counter 1", `document.querySelector('.counter-card[data-number="1"] .chips').textContent.includes('3. HN')`)

	browsertest.Do(t, adm, "add a local priority group",
		chromedp.Click(`#tabs button[data-tab="priority"]`),
		chromedp.WaitVisible("#add-group"),
		chromedp.Click("#add-group"),
		chromedp.SendKeys(`#groups-table tbody tr:last-child input[data-path$=".code"]`, "veteran"),
		chromedp.SendKeys(`#groups-table tbody tr:last-child input[data-path$=".name"]`, "Cựu chiến binh"),
		chromedp.SendKeys(`#groups-table tbody tr:last-child input[data-path$=".name_en"]`, "Veteran"),
	)

	browsertest.Do(t, adm, "a new notice for the hall screens",
		chromedp.Click(`#tabs button[data-tab="notice"]`),
		chromedp.WaitVisible("#branch-notice"),
	)
	browsertest.Eval[bool](t, adm, `(document.getElementById('branch-notice').value = '', true)`)
	browsertest.Do(t, adm, "type the notice", chromedp.SendKeys("#branch-notice", "Từ 01/12 nhận hồ sơ hôn nhân tại quầy 1."))

	browsertest.Do(t, adm, "review again", chromedp.Click("#btn-review"))
	browsertest.WaitFor(t, adm, "the confirmation with the changes", `document.getElementById('confirm').open`)
	got := browsertest.Eval[[]string](t, adm, `[...document.querySelectorAll('#confirm-list li')].map(li => li.dataset.action + ' ' + li.dataset.kind + ' ' + li.dataset.key)`)
	want := []string{"change branch branch", "add service HN", "change counter 1", "add priority_group veteran"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("changes listed for confirmation: got %v, want %v", got, want)
	}
	// The dry run applied nothing.
	if n := browsertest.Eval[int](t, kiosk, `document.querySelectorAll('button.service').length`); n != before {
		t.Errorf("kiosk services after the dry run: got %d, want %d", n, before)
	}
	var audit []any
	env.Do("GET", "/api/v1/hall/audit?limit=1000", env.AdminToken, nil, &audit)
	auditBefore := len(audit)
	browsertest.Screenshot(t, adm, "admin-confirm")
	browsertest.Do(t, adm, "apply", chromedp.Click("#confirm-apply"))
	browsertest.WaitFor(t, adm, "applied", `!document.getElementById('confirm').open && document.getElementById('banner').textContent.includes('4')`)

	// The kiosk refreshes its services every 10 s: on a loaded machine give it
	// more than one step's time.
	waitLong(t, kiosk, "the new service on the open kiosk",
		`[...document.querySelectorAll('button.service')].some(b => b.textContent.includes('Hôn nhân gia đình'))`)
	browsertest.WaitFor(t, display, "the new service on the open display",
		`[...document.querySelectorAll('li.waiting-item')].some(li => li.textContent.includes('Hôn nhân gia đình'))`)
	browsertest.WaitFor(t, display, "the new notice on the open display",
		`document.getElementById('notice-text').textContent === 'Từ 01/12 nhận hồ sơ hôn nhân tại quầy 1.'`)
	browsertest.Eval[bool](t, kiosk, `([...document.querySelectorAll('button.service')].find(b => b.textContent.includes('Hôn nhân gia đình')).click(), true)`)
	browsertest.WaitFor(t, kiosk, "the new priority group offered", `document.querySelector('button.priority-group[data-group="veteran"]')?.textContent === 'Cựu chiến binh'`)
	if got := browsertest.Eval[string](t, kiosk, `document.querySelector('button.priority-group[data-group="elderly"]').textContent`); got != "Người cao tuổi (từ 60 tuổi)" {
		t.Errorf("the elderly group on the kiosk: got %q, want the age said", got)
	}

	hall = nil
	env.Do("GET", "/api/v1/hall", env.AdminToken, nil, &hall)
	if got := hall["services"].([]any)[0].(map[string]any)["target_wait_minutes"]; got != float64(25) {
		t.Errorf("target_wait_minutes of the first service after the page saved the hall: got %v, want 25", got)
	}
	env.Do("GET", "/api/v1/hall/audit?limit=1000", env.AdminToken, nil, &audit)
	if len(audit) != auditBefore+4 {
		t.Errorf("audit entries: got %d, want %d (four changes)", len(audit), auditBefore+4)
	}
	browsertest.Do(t, adm, "the audit tab", chromedp.Click(`#tabs button[data-tab="audit"]`))
	browsertest.WaitFor(t, adm, "the change in the audit list, by the admin",
		`[...document.querySelectorAll('#audit-table tr[data-kind="service"][data-key="HN"]')].some(tr => tr.textContent.includes('Quản trị'))`)
}

// The admin imports a procedure catalogue (CSV) on /admin: a broken file is
// refused with the row and field; a good one is merged into the hall's
// procedures (a new one added, an existing one updated), listed for
// confirmation and applied; the counters' procedure list has it at once.
// Every control on the page's tabs has a name a screen reader can say.
func TestAdminImportsACatalogue(t *testing.T) {
	env := servertest.New(t)
	b := browsertest.New(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "hong.csv")
	good := filepath.Join(dir, "danh-muc.csv")
	const header = "code,name,field,agency,processing_days,fee,documents,service\n"
	if err := os.WriteFile(bad, []byte(header+"2.000001,Thủ tục thử,Hộ tịch,UBND cấp xã,ba,,Tờ khai,TP\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(good, []byte("\uFEFF"+header+
		"2.000001,Đăng ký giám hộ,Hộ tịch,UBND cấp xã,3,,Tờ khai đăng ký giám hộ|Giấy tờ chứng minh,TP\n"+
		"1.004873,Cấp Giấy xác nhận tình trạng hôn nhân,Hộ tịch,UBND cấp xã,5,,Tờ khai,TP\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	adm := b.Tab(1440, 900)
	browsertest.Do(t, adm, "sign in at /admin, procedures",
		chromedp.Navigate(env.URL+"/admin#procedures"),
		chromedp.WaitVisible("#login-username"),
		chromedp.SendKeys("#login-username", "admin"),
		chromedp.SendKeys("#login-password", servertest.AdminPassword),
		chromedp.Click("#login-submit"),
		chromedp.WaitVisible("#procedures-table"),
	)
	browsertest.WaitFor(t, adm, "the hall's procedures", `document.querySelectorAll('#procedures-table tbody tr').length > 0`)
	n := browsertest.Eval[int](t, adm, `document.querySelectorAll('#procedures-table tbody tr').length`)

	browsertest.Do(t, adm, "import a broken file", chromedp.SetUploadFiles("#procedures-file", []string{bad}))
	browsertest.WaitFor(t, adm, "the row and field of the problem", `document.getElementById('import-error').textContent.includes('procedures[0].processing_days')`)
	if got := browsertest.Eval[bool](t, adm, `document.getElementById('save-bar').hidden`); !got {
		t.Errorf("a refused import left the hall edited")
	}

	browsertest.Do(t, adm, "import the catalogue", chromedp.SetUploadFiles("#procedures-file", []string{good}))
	browsertest.WaitFor(t, adm, "the new procedure in the list", `document.querySelector('#procedures-table tbody tr[data-code="2.000001"]')`)
	if got := browsertest.Eval[int](t, adm, `document.querySelectorAll('#procedures-table tbody tr').length`); got != n+1 {
		t.Errorf("procedures after the import: got %d rows, want %d (one new, one updated)", got, n+1)
	}
	browsertest.Do(t, adm, "review", chromedp.Click("#btn-review"))
	browsertest.WaitFor(t, adm, "the confirmation", `document.getElementById('confirm').open`)
	got := browsertest.Eval[[]string](t, adm, `[...document.querySelectorAll('#confirm-list li')].map(li => li.dataset.action + ' ' + li.dataset.kind + ' ' + li.dataset.key)`)
	if want := []string{"change procedure 1.004873", "add procedure 2.000001"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("changes listed: got %v, want %v", got, want)
	}
	browsertest.Do(t, adm, "apply", chromedp.Click("#confirm-apply"))
	browsertest.WaitFor(t, adm, "applied", `!document.getElementById('confirm').open && document.getElementById('save-bar').hidden`)

	var procs []struct {
		Code           string   `json:"code"`
		ProcessingDays int      `json:"processing_days"`
		Documents      []string `json:"documents"`
	}
	env.Do("GET", "/api/v1/procedures", env.AdminToken, nil, &procs)
	found := map[string]int{}
	for _, p := range procs {
		found[p.Code] = p.ProcessingDays
		if p.Code == "2.000001" && len(p.Documents) != 2 {
			t.Errorf("documents of the imported procedure: got %v, want two", p.Documents)
		}
	}
	if found["2.000001"] != 3 || found["1.004873"] != 5 {
		t.Errorf("procedures after the import: 2.000001 takes %d days, 1.004873 %d; want 3 and 5", found["2.000001"], found["1.004873"])
	}

	for _, tab := range []string{"users", "counters", "services", "procedures", "calendar", "hours", "policy", "priority", "notice", "audit"} {
		browsertest.Do(t, adm, "open the "+tab+" tab", chromedp.Click(`#tabs button[data-tab="`+tab+`"]`))
		browsertest.WaitFor(t, adm, tab+" shown", `!document.querySelector('[data-panel="`+tab+`"]').hidden`)
		browsertest.Screenshot(t, adm, "admin-"+tab)
		if unnamed := browsertest.UnnamedControls(t, adm); len(unnamed) > 0 {
			t.Errorf("%s tab: controls without a name: %v", tab, unnamed)
		}
		if low := browsertest.LowContrastText(t, adm); len(low) > 0 {
			t.Errorf("%s tab: text below WCAG AA contrast: %v", tab, low)
		}
	}
}

// fieldsFromANewerHub makes the page's GET /api/v1/hall answer carry fields
// this page does not know (as a newer hub's would: a holiday's "assumed",
// a procedure's "processing_time") and records the bodies the page PUTs.
const fieldsFromANewerHub = `(() => {
  const real = window.fetch.bind(window);
  window.__puts = [];
  window.fetch = (url, init) => {
    if (init && init.method === 'PUT') window.__puts.push(init.body);
    return real(url, init).then((res) => {
      if (!(init && init.method === 'GET') || !/\/api\/v1\/hall$/.test(url)) return res;
      return res.json().then((h) => {
        h.holidays[0].assumed = true;
        h.procedures[0].processing_time = '4 giờ';
        return new Response(JSON.stringify(h), {status: 200, headers: {'Content-Type': 'application/json'}});
      });
    });
  };
})()`

// The page edits the hall it got in place and sends it back whole: fields
// it does not show survive a save, and a holiday marked assumed is shown as
// "dự kiến / assumed".
func TestAdminKeepsFieldsItDoesNotShow(t *testing.T) {
	env := servertest.New(t)
	b := browsertest.New(t)
	adm := b.Tab(1440, 900)
	browsertest.Do(t, adm, "sign in at /admin, holidays",
		browsertest.BeforeLoad(fieldsFromANewerHub),
		chromedp.Navigate(env.URL+"/admin#calendar"),
		chromedp.WaitVisible("#login-username"),
		chromedp.SendKeys("#login-username", "admin"),
		chromedp.SendKeys("#login-password", servertest.AdminPassword),
		chromedp.Click("#login-submit"),
		chromedp.WaitVisible("#holidays-years"),
	)
	browsertest.WaitFor(t, adm, "the assumed holiday marked", `document.querySelector('#holidays-years tr .badge.assumed')?.textContent === 'dự kiến / assumed'`)
	// The sample marks next year's dates assumed itself; the first holiday is this year's.
	var real struct {
		Holidays []struct {
			Assumed bool `json:"assumed"`
		} `json:"holidays"`
	}
	env.Do("GET", "/api/v1/hall", env.AdminToken, nil, &real)
	want := 0
	for i, h := range real.Holidays {
		if h.Assumed || i == 0 {
			want++
		}
	}
	if n := browsertest.Eval[int](t, adm, `document.querySelectorAll('#holidays-years .badge.assumed').length`); n != want {
		t.Errorf("holidays marked assumed: got %d, want %d (the hall's own and the injected one)", n, want)
	}
	browsertest.Do(t, adm, "edit the notice and review",
		chromedp.Click(`#tabs button[data-tab="notice"]`),
		chromedp.WaitVisible("#branch-notice"),
		chromedp.SendKeys("#branch-notice", " Xin cảm ơn."),
		chromedp.Click("#btn-review"),
	)
	browsertest.WaitFor(t, adm, "the page's dry run", `window.__puts.length === 1`)
	var sent struct {
		Branch   struct{ Notice string } `json:"branch"`
		Holidays []map[string]any        `json:"holidays"`
		Procs    []map[string]any        `json:"procedures"`
	}
	body := browsertest.Eval[string](t, adm, `window.__puts[0]`)
	if err := json.Unmarshal([]byte(body), &sent); err != nil {
		t.Fatalf("the PUT body: %v: %s", err, body)
	}
	if !strings.HasSuffix(sent.Branch.Notice, " Xin cảm ơn.") {
		t.Errorf("notice sent: got %q, want the edit", sent.Branch.Notice)
	}
	if len(sent.Holidays) == 0 || sent.Holidays[0]["assumed"] != true {
		t.Errorf("the first holiday as sent back: got %v, want assumed: true kept", sent.Holidays[0])
	}
	if pt := sent.Procs[0]["processing_time"]; pt != "4 giờ" {
		t.Errorf("the first procedure's processing_time was not sent back: %v", sent.Procs[0]["processing_time"])
	}
}

// An officer changes her own password on /account: a wrong current password
// and a weak new one are refused next to their fields; then the new one
// works and the old one no longer does.
func TestOfficerChangesHerOwnPassword(t *testing.T) {
	env := servertest.New(t)
	env.AddUser("lan", "Phạm Thị Lan", "staff", 2)
	b := browsertest.New(t)
	tab := b.Tab(1024, 768)
	browsertest.Do(t, tab, "sign in at /account",
		chromedp.Navigate(env.URL+"/account"),
		chromedp.WaitVisible("#login-username"),
		chromedp.SendKeys("#login-username", "lan"),
		chromedp.SendKeys("#login-password", servertest.StaffPassword),
		chromedp.Click("#login-submit"),
		chromedp.WaitVisible("#current-password"),
	)
	browsertest.WaitFor(t, tab, "her name", `document.getElementById('user-name').textContent === 'Phạm Thị Lan'`)
	const newPassword = "sông Hồng chảy qua phố cổ"
	browsertest.Do(t, tab, "a wrong current password",
		chromedp.SendKeys("#current-password", "không phải mật khẩu"),
		chromedp.SendKeys("#new-password", newPassword),
		chromedp.Click("#password-submit"),
	)
	browsertest.WaitFor(t, tab, "the refusal next to the current password", `document.querySelector('#current-password + .field-error[data-for="current_password"]')`)
	browsertest.Eval[bool](t, tab, `(document.getElementById('current-password').value = '', document.getElementById('new-password').value = '', true)`)
	browsertest.Do(t, tab, "a weak new password",
		chromedp.SendKeys("#current-password", servertest.StaffPassword),
		chromedp.SendKeys("#new-password", "phamthilan"),
		chromedp.Click("#password-submit"),
	)
	browsertest.WaitFor(t, tab, "the refusal next to the new password", `document.querySelector('#new-password + .field-error[data-for="new_password"]') && !document.querySelector('#current-password + .field-error')`)
	browsertest.Eval[bool](t, tab, `(document.getElementById('new-password').value = '', true)`)
	browsertest.Do(t, tab, "a good new password",
		chromedp.SendKeys("#new-password", newPassword),
		chromedp.Click("#password-submit"),
	)
	browsertest.WaitFor(t, tab, "done", `!document.getElementById('password-done').hidden && !document.querySelector('.field-error')`)
	if status := env.Do("POST", "/api/v1/auth/login", "", map[string]string{"username": "lan", "password": servertest.StaffPassword}, nil); status != 401 {
		t.Errorf("the old password: got %d, want 401", status)
	}
	if status := env.Do("POST", "/api/v1/auth/login", "", map[string]string{"username": "lan", "password": newPassword}, nil); status != 200 {
		t.Errorf("the new password: got %d, want 200", status)
	}
	if unnamed := browsertest.UnnamedControls(t, tab); len(unnamed) > 0 {
		t.Errorf("controls without a name: %v", unnamed)
	}
}

// The admin edits hours, a cap, the queue policy and adds a holiday on
// /admin: a wrong time is refused next to its field; fixed, the changes are
// listed, confirmed and applied, and the audit tab shows before → after.
func TestAdminEditsHoursPolicyAndHolidays(t *testing.T) {
	env := servertest.New(t)
	b := browsertest.New(t)
	adm := b.Tab(1440, 900)
	browsertest.Do(t, adm, "sign in at /admin, hours",
		chromedp.Navigate(env.URL+"/admin#hours"),
		chromedp.WaitVisible("#login-username"),
		chromedp.SendKeys("#login-username", "admin"),
		chromedp.SendKeys("#login-password", servertest.AdminPassword),
		chromedp.Click("#login-submit"),
		chromedp.WaitVisible(`#hours-table input[data-path="services[0].hours"]`),
	)
	browsertest.Do(t, adm, "TP hours with a wrong time, and a cap",
		chromedp.SendKeys(`#hours-table input[data-path="services[0].hours"]`, "07:30-11:30, 13:00-25:00"),
		chromedp.SendKeys(`#hours-table input[data-path="services[0].daily_cap"]`, "\b120"),
		chromedp.Click("#btn-review"),
	)
	browsertest.WaitFor(t, adm, "the wrong time named next to TP's hours",
		`document.querySelector('#hours-table input[data-path="services[0].hours"] + .field-error')?.textContent.includes('25:00')`)
	browsertest.Eval[bool](t, adm, `(document.querySelector('#hours-table input[data-path="services[0].hours"]').value = '', true)`)
	browsertest.Do(t, adm, "fix the hours",
		chromedp.SendKeys(`#hours-table input[data-path="services[0].hours"]`, "07:30-11:30, 13:00-16:30"),
		chromedp.Click(`#tabs button[data-tab="policy"]`),
		chromedp.WaitVisible(`#policy-box select[data-path="policy.priority"]`),
	)
	browsertest.Eval[bool](t, adm, `(() => { const s = document.querySelector('#policy-box select[data-path="policy.priority"]'); s.value = 'interleave'; s.dispatchEvent(new Event('change')); return true })()`)
	browsertest.Eval[bool](t, adm, `(document.querySelector('#policy-box input[data-path="policy.interleave_n"]').value = '', true)`)
	browsertest.Do(t, adm, "interleave every 2; a new holiday",
		chromedp.SendKeys(`#policy-box input[data-path="policy.interleave_n"]`, "2"),
		chromedp.Click(`#tabs button[data-tab="calendar"]`),
		chromedp.WaitVisible("#new-holiday-date"),
	)
	browsertest.Eval[bool](t, adm, `(document.getElementById('new-holiday-date').value = '2026-12-31', true)`)
	browsertest.Do(t, adm, "add it and review",
		chromedp.SendKeys("#new-holiday-name", "Nghỉ cuối năm"),
		chromedp.Click("#add-holiday"),
		chromedp.WaitVisible(`#holidays-years tr[data-date="2026-12-31"]`),
		chromedp.Click("#btn-review"),
	)
	browsertest.WaitFor(t, adm, "the confirmation", `document.getElementById('confirm').open`)
	got := browsertest.Eval[[]string](t, adm, `[...document.querySelectorAll('#confirm-list li')].map(li => li.dataset.action + ' ' + li.dataset.kind + ' ' + li.dataset.key)`)
	if want := []string{"change policy policy", "change service TP", "add holiday 2026-12-31"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("changes listed: got %v, want %v", got, want)
	}
	browsertest.Do(t, adm, "apply", chromedp.Click("#confirm-apply"))
	browsertest.WaitFor(t, adm, "applied", `!document.getElementById('confirm').open && document.getElementById('save-bar').hidden`)

	var h struct {
		Policy struct {
			Priority    string `json:"priority"`
			InterleaveN int    `json:"interleave_n"`
		} `json:"policy"`
		Services []struct {
			Hours    []struct{ From, To string } `json:"hours"`
			DailyCap int                         `json:"daily_cap"`
		} `json:"services"`
		Holidays []struct{ Date, Name string } `json:"holidays"`
	}
	env.Do("GET", "/api/v1/hall", env.AdminToken, nil, &h)
	if h.Policy.Priority != "interleave" || h.Policy.InterleaveN != 2 {
		t.Errorf("policy: got %+v, want interleave every 2", h.Policy)
	}
	if s := h.Services[0]; s.DailyCap != 120 || fmt.Sprint(s.Hours) != "[{07:30 11:30} {13:00 16:30}]" {
		t.Errorf("TP: got cap %d, hours %v; want 120 and 07:30–11:30, 13:00–16:30", s.DailyCap, s.Hours)
	}
	found := false
	for _, d := range h.Holidays {
		found = found || (d.Date == "2026-12-31" && d.Name == "Nghỉ cuối năm")
	}
	if !found {
		t.Errorf("the new holiday is not in the hall")
	}
	browsertest.Do(t, adm, "the audit", chromedp.Click(`#tabs button[data-tab="audit"]`))
	browsertest.WaitFor(t, adm, "the policy change before → after",
		`document.querySelector('#audit-table tr[data-kind="policy"]')?.textContent.includes('priority: strict → interleave')`)
}

// Counter pages follow a hall change live: a counter that now also serves a
// new service shows it (its waiting count and name) and its new name without
// a reload, and an officer at a counter that was retired is sent back to
// choose another.
func TestCounterPagesFollowHallChanges(t *testing.T) {
	env := servertest.New(t)
	b := browsertest.New(t)
	signIn := func(counter int) context.Context {
		tab := b.Tab(1366, 768)
		browsertest.Do(t, tab, fmt.Sprintf("sign in at counter %d", counter),
			chromedp.Navigate(fmt.Sprintf("%s/counter?counter=%d", env.URL, counter)),
			chromedp.WaitVisible("#login-username"),
			chromedp.SendKeys("#login-username", "admin"),
			chromedp.SendKeys("#login-password", servertest.AdminPassword),
			chromedp.Click("#login-submit"),
			chromedp.WaitVisible("#btn-next"),
		)
		browsertest.WaitFor(t, tab, "the counter connected", `!document.getElementById('btn-next').disabled`)
		return tab
	}
	desk1, desk3 := signIn(1), signIn(3)

	var hall map[string]any
	env.Do("GET", "/api/v1/hall", env.AdminToken, nil, &hall)
	hall["services"] = append(hall["services"].([]any), map[string]any{"code": "HN", "name": "Hôn nhân gia đình", "prefix": "8"})
	counters := hall["counters"].([]any)
	c1 := counters[0].(map[string]any)
	c1["services"] = append(c1["services"].([]any), "HN")
	c1["name"] = "Quầy 1 – Hộ tịch, Hôn nhân"
	hall["counters"] = append(counters[:2:2], counters[3:]...) // counter 3 retired; counter 4 serves its services
	if status, raw := env.Raw("PUT", "/api/v1/hall", env.AdminToken, hall); status != 200 {
		t.Fatalf("PUT the hall: got %d %s", status, raw)
	}
	var services []struct {
		ID   int64  `json:"id"`
		Code string `json:"code"`
	}
	env.Do("GET", "/api/v1/services", "", nil, &services)
	var hn int64
	for _, s := range services {
		if s.Code == "HN" {
			hn = s.ID
		}
	}
	tk := env.Issue(hn, false)

	browsertest.WaitFor(t, desk1, "counter 1's new name", `document.getElementById('counter-title').textContent === 'Quầy 1 – Hộ tịch, Hôn nhân'`)
	browsertest.WaitFor(t, desk1, "the new service's waiting count at counter 1",
		`[...document.querySelectorAll('#service-counts li')].some(li => li.textContent.includes('Hôn nhân gia đình') && li.querySelector('.svc-count').textContent === '1')`)
	browsertest.WaitFor(t, desk1, "its ticket in the queue, named", `document.querySelector('#queue-list li[data-ticket-id="`+fmt.Sprint(tk.ID)+`"] .q-service')?.textContent === 'Hôn nhân gia đình'`)

	browsertest.WaitFor(t, desk3, "counter 3's officer sent to choose another counter",
		`!document.getElementById('view-pick').hidden && document.getElementById('status-line').textContent.includes('Quầy 3') && !document.querySelector('#counter-select button[data-counter-id="3"]')`)
}
