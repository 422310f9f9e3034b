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

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/browsertest"
	"github.com/motcua/motcua/internal/idcardtest"
	"github.com/motcua/motcua/server/servertest"
)

// officerPassword is the password of the staff accounts the journey creates.
const officerPassword = "mat-khau-can-bo"

// TestCitizenJourney follows one citizen through a hall as it runs, with every
// screen open at once in one Chromium: the kiosk, two hall displays (one
// behind a cable the test unplugs), two counter workstations, the citizen's
// phone, the receipt and the supervisor's desk. Along the way it checks the
// accessibility basics of each screen, and it takes the pictures in the
// README: MOTCUA_SCREENSHOTS=$PWD/docs/screenshots regenerates them.
func TestCitizenJourney(t *testing.T) {
	env := servertest.New(t)
	ctx := context.Background()
	for _, u := range []struct{ name, full, role string }{
		{"canbo1", "Trần Văn An", motcua.RoleStaff},
		{"canbo2", "Lê Thị Hoa", motcua.RoleStaff},
		{"giamsat", "Phạm Minh Đức", motcua.RoleSupervisor},
	} {
		if _, err := env.Server.Hub.Auth.CreateUser(ctx, u.name, u.full, u.role, officerPassword); err != nil {
			t.Fatalf("create user %s: %v", u.name, err)
		}
	}
	civil := serviceNamed(t, env, "Tư pháp – Hộ tịch")
	counter1, counter2 := counterNumbered(t, env, 1), counterNumbered(t, env, 2) // both serve Tư pháp – Hộ tịch
	hallCable := newCable(t, env.HTTP.Listener.Addr().String())
	b := browsertest.New(t)

	// A citizen took an ordinary number before the hall's screens were up:
	// without priority, they would be called first.
	regular := env.Issue(civil.ID, false)

	// The hall opens: two displays (B behind the cable), two counters.
	displayA, displayB := b.Tab(1920, 1080), b.Tab(1920, 1080)
	browsertest.Do(t, displayA, "open display A", chromedp.Navigate(env.URL+"/display?mute=1"))
	browsertest.Do(t, displayB, "open display B", chromedp.Navigate(hallCable.URL()+"/display?mute=1"))
	for name, d := range map[string]context.Context{"A": displayA, "B": displayB} {
		browsertest.WaitFor(t, d, "display "+name+" connected and counting the waiting number",
			fmt.Sprintf(`document.body.dataset.connection === 'open' &&
			 document.querySelector('li.waiting-item[data-service-id="%d"]')?.dataset.waiting === '1'`, civil.ID))
	}
	desk1 := signInAtCounter(t, b, env, "canbo1", counter1)
	desk2 := signInAtCounter(t, b, env, "canbo2", counter2)

	// 1. The kiosk: tap the service, then a priority group.
	kiosk := b.Tab(1080, 1920)
	browsertest.Do(t, kiosk, "open the kiosk", chromedp.Navigate(env.URL+"/kiosk"))
	browsertest.WaitFor(t, kiosk, "the services", `document.querySelectorAll('button.service:not([disabled])').length >= 6`)
	browsertest.Eval[bool](t, kiosk, kioskRecorder)
	checkScreen(t, kiosk, "kiosk: services")
	checkKioskLargeFont(t, kiosk)
	docShot(t, kiosk, "kiosk", "", 0.5)

	browsertest.Do(t, kiosk, "tap Tư pháp – Hộ tịch", chromedp.Click(fmt.Sprintf(`button.service[data-service-id="%d"]`, civil.ID)))
	browsertest.WaitFor(t, kiosk, "the priority question", `document.body.dataset.screen === 'priority' && document.querySelector('button.priority-group[data-group="elderly"]')`)
	checkScreen(t, kiosk, "kiosk: priority question")
	browsertest.Do(t, kiosk, "tap Người cao tuổi", chromedp.Click(`button.priority-group[data-group="elderly"]`))
	browsertest.WaitFor(t, kiosk, "the printed ticket", `document.body.dataset.screen === 'ticket' && window.__issued.length === 1 && window.__prints.length === 1`)
	tk := browsertest.Eval[journeyTicket](t, kiosk, `window.__issued[0]`)
	if !tk.Priority || tk.PriorityGroup != "elderly" || tk.ServiceID != civil.ID {
		t.Fatalf("kiosk ticket: got %+v, want a priority ticket (elderly) for service %d", tk, civil.ID)
	}
	if got := browsertest.Eval[string](t, kiosk, `document.querySelector('#ticket-priority').hidden ? '' : document.querySelector('#ticket-priority').textContent`); !strings.Contains(got, "Người cao tuổi") {
		t.Errorf("ticket's priority line: got %q, want it to name Người cao tuổi", got)
	}
	checkScreen(t, kiosk, "kiosk: ticket")
	ticketPrintShot(t, kiosk)
	browsertest.Do(t, kiosk, "tap Xong", chromedp.Click("#screen-ticket .done"))
	browsertest.WaitFor(t, kiosk, "the start screen with the reprint button", `document.body.dataset.screen === 'start' && !document.querySelector('#reprint').hidden`)
	checkScreen(t, kiosk, "kiosk: back to start")

	// The phone: the citizen scans the QR.
	phone := b.Tab(390, 844)
	browsertest.Do(t, phone, "emulate a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait))
	browsertest.Do(t, phone, "open the phone page", chromedp.Navigate(tk.TrackURL))
	browsertest.WaitFor(t, phone, "the ticket on the phone", `document.querySelector('#number').textContent === '`+tk.Number+`'`)
	browsertest.WaitFor(t, phone, "nobody ahead of a priority ticket", `document.querySelector('#position').textContent.startsWith('Không có ai')`)
	checkScreen(t, phone, "phone: waiting")

	// Counter 1 sees the priority ticket first, the earlier one after it.
	browsertest.WaitFor(t, desk1, "the priority ticket first in counter 1's queue",
		fmt.Sprintf(`(function () { var ids = Array.from(document.querySelectorAll('#queue-list li')).map(l => l.dataset.ticketId);
		  return ids.length === 2 && ids[0] === '%d' && ids[1] === '%d'; })()`, tk.ID, regular.ID))
	checkScreen(t, desk1, "counter: queue")

	// 2. Gọi tiếp at counter 1: the strict policy calls the priority ticket.
	browsertest.Do(t, desk1, "press Gọi tiếp at counter 1", chromedp.Click("#btn-next"))
	for name, d := range map[string]context.Context{"A": displayA, "B": displayB} {
		browsertest.WaitFor(t, d, "the call on display "+name,
			`document.querySelector('#current-call').dataset.number === '`+tk.Number+`' && document.querySelector('#current-call').dataset.counter === '1'`)
		browsertest.WaitFor(t, d, "display "+name+"'s announcement", `window.motcuaDisplay.announcements.length >= 1`)
		got := announcements(t, d)
		if len(got) != 1 || got[0].Number != tk.Number || got[0].Counter != 1 || got[0].Text != sentence(tk.Number, 1) {
			t.Errorf("display %s announcements: got %+v, want exactly one: %q", name, got, sentence(tk.Number, 1))
		}
	}
	browsertest.WaitFor(t, desk1, "the priority ticket at counter 1",
		`document.querySelector('#current-number').textContent === '`+tk.Number+`' && !document.querySelector('#current-priority').hidden`)
	browsertest.WaitFor(t, phone, "the phone saying which counter", `!document.querySelector('#called-banner').hidden`)
	if got := browsertest.Eval[string](t, phone, `document.querySelector('#called-banner').innerText`); !strings.Contains(got, "Mời bạn đến quầy số 1") {
		t.Errorf("phone's called banner: got %q, want \"Mời bạn đến quầy số 1\"", got)
	}
	checkScreen(t, displayA, "display: a call")
	checkScreen(t, phone, "phone: called")
	docShot(t, phone, "phone", "", 1)

	// 3. Display B loses the network; counter 2 calls the ordinary ticket meanwhile.
	hallCable.Unplug()
	browsertest.WaitFor(t, displayB, "display B noticing the cut", `document.body.dataset.connection === 'reconnecting' && !document.querySelector('#connection').hidden`)
	checkScreen(t, displayB, "display: reconnecting")
	browsertest.Do(t, desk2, "press Gọi tiếp at counter 2", chromedp.Click("#btn-next"))
	browsertest.WaitFor(t, desk2, "the ordinary ticket at counter 2", `document.querySelector('#current-number').textContent === '`+regular.Number+`'`)
	browsertest.WaitFor(t, displayA, "counter 2's call on display A", `document.querySelector('#current-call').dataset.number === '`+regular.Number+`'`)
	hallCable.Plug()
	browsertest.Eval[bool](t, displayB, `window.dispatchEvent(new Event('online'))`) // the page's own reconnect path
	browsertest.WaitFor(t, displayB, "display B showing the call it missed",
		`document.body.dataset.connection === 'open' && document.querySelector('#current-call').dataset.number === '`+regular.Number+`' &&
		 document.querySelector('#current-call').dataset.counter === '2' && document.querySelector('#connection').hidden`)
	browsertest.WaitFor(t, displayB, "display B caught up", fmt.Sprintf(`window.motcuaDisplay.lastSeq === %d`, lastSeq(t, env)))
	if n := browsertest.Eval[int](t, displayB, `document.querySelectorAll('li.recent-call[data-number="`+tk.Number+`"]').length`); n != 1 {
		t.Errorf("display B's recent list holds the priority call %d times, want 1", n)
	}
	docShot(t, displayB, "display", "", 0.5)
	for name, d := range map[string]context.Context{"A": displayA, "B": displayB} {
		got := announcements(t, d)
		if len(got) != 2 || got[1].Number != regular.Number || got[1].Counter != 2 {
			t.Errorf("display %s announcements after counter 2's call: got %+v, want 2, the second %s at counter 2", name, got, regular.Number)
		}
	}

	// 4. The officer at counter 1 receives a dossier and prints the receipt.
	browsertest.Do(t, desk1, "press Bắt đầu", chromedp.Click("#btn-start"))
	browsertest.WaitFor(t, desk1, "serving and the dossier panel",
		`document.querySelector('#current-status').dataset.status === 'serving' && !document.getElementById('dossier-panel').hidden`)
	card := idcardtest.IDCard{Number: "001156012345", FullName: "Nguyễn Văn Bảy", Sex: "Nam", Address: "Số 12 phố Hàng Gai, Hoàn Kiếm, Hà Nội"}
	card.BirthDate = servertest.Start.AddDate(-70, 0, 0)
	card.IssuedDate = servertest.Start.AddDate(-2, 0, 0)
	browsertest.Do(t, desk1, "scan the ID card and choose the procedure",
		chromedp.Click("#dp-new"),
		chromedp.WaitVisible("#dp-scan"),
		chromedp.SendKeys("#dp-scan", idcardtest.FormatIDCardQR(card)),
		chromedp.SendKeys("#dp-proc-search", "xac nhan hon nhan"),
		chromedp.WaitVisible("#dp-match-0"),
		chromedp.Click("#dp-match-0"),
		chromedp.WaitVisible("#dp-doc-0"),
		chromedp.Click("#dp-docs-all"),
		chromedp.SendKeys("#dp-phone", "0912 345 678"),
	)
	browsertest.WaitFor(t, desk1, "the applicant from the card", `document.getElementById('dp-name').value === 'Nguyễn Văn Bảy'`)
	checkScreen(t, desk1, "counter: dossier form")
	browsertest.Do(t, desk1, "receive the dossier", chromedp.Click("#dp-submit"), chromedp.WaitVisible("#dp-print"))
	code := browsertest.Eval[string](t, desk1, `document.querySelector('.dp-created-code').textContent`)
	if !strings.HasPrefix(code, "000.00.01.H26-261127-") {
		t.Fatalf("dossier code: got %q, want 000.00.01.H26-261127-…", code)
	}
	checkScreen(t, desk1, "counter: dossier received")
	docShot(t, desk1, "counter", "", 0.75)
	browsertest.WaitFor(t, phone, "the dossier on the phone", `document.getElementById('dossier-list').textContent.includes('`+code+`')`)

	href := browsertest.Eval[string](t, desk1, `document.getElementById('dp-print').getAttribute('href')`)
	receipt := b.Tab(900, 1100)
	browsertest.Do(t, receipt, "open the receipt", chromedp.Navigate(env.URL+href))
	browsertest.WaitFor(t, receipt, "the receipt with its QR codes",
		`document.querySelectorAll('section.sheet').length === 2 && [...document.querySelectorAll('img.qr-code')].every((i) => i.complete && i.naturalWidth > 0)`)
	if got := browsertest.Eval[string](t, receipt, `document.querySelector('.dossier-code').textContent`); got != code {
		t.Errorf("receipt code: got %q, want %q", got, code)
	}
	due := browsertest.Eval[string](t, receipt, `document.querySelector('.due').textContent`)
	if due != "17 giờ 00 phút, ngày 02 tháng 12 năm 2026" {
		t.Errorf("receipt due date: got %q, want 17 giờ 00 phút, ngày 02 tháng 12 năm 2026 (3 working days)", due)
	}
	docShot(t, receipt, "receipt", "section.sheet", 1)
	browsertest.Do(t, desk1, "press Hoàn thành", chromedp.Click("#btn-finish"))
	browsertest.WaitFor(t, desk1, "the visit finished", `document.querySelector('#current-status').dataset.status !== 'serving'`)

	// 5. Thursday 03/12/2026: the result was due yesterday at 17:00.
	env.Clock.Set(time.Date(2026, 12, 3, 9, 0, 0, 0, servertest.Hanoi))
	if n, err := env.Server.Hub.Dossiers.CheckOverdue(ctx); err != nil || n < 1 {
		t.Fatalf("overdue check: got %d dossiers announced, err %v; want the dossier %s", n, err, code)
	}
	browsertest.WaitFor(t, phone, "the phone marking the dossier overdue", `document.querySelector('.dossier.overdue .d-overdue') !== null`)

	// 6. The supervisor issues the apology with a new date.
	issueApology(t, b, env, code)
	browsertest.WaitFor(t, phone, "the apology on the phone", `document.querySelector('.dossier .apology .a-new') !== null`)
	apology := browsertest.Eval[string](t, phone, `document.querySelector('.dossier .apology').innerText`)
	if !strings.Contains(apology, "07/12/2026") || !strings.Contains(apology, apologyReason) {
		t.Errorf("apology on the phone: got %q, want the reason and the new date 07/12/2026", apology)
	}
	text := browsertest.Eval[string](t, phone, `document.body.innerText`)
	for _, p := range []string{card.FullName, card.Number, "0912345678", "345 678", "Hàng Gai"} {
		if strings.Contains(text, p) {
			t.Errorf("the phone page shows personal data %q", p)
		}
	}
	checkScreen(t, phone, "phone: apology")
	browsertest.Eval[bool](t, phone, `document.querySelector('.dossier .apology').scrollIntoView({block: 'center'}); true`)
	docShot(t, phone, "phone-apology", "", 1)
}

// apologyReason is what the supervisor writes in the apology (Mẫu 04).
const apologyReason = "Cần xác minh thêm thông tin tại nơi cư trú trước đây"

// issueApology signs in on the supervisor's desk, finds the dossier in the
// overdue list and issues the apology (Mẫu 04) with the suggested new date.
func issueApology(t *testing.T, b *browsertest.Browser, env *servertest.Env, code string) {
	t.Helper()
	sup := b.Tab(1440, 900)
	browsertest.Do(t, sup, "sign in as the supervisor",
		chromedp.Navigate(env.URL+"/supervisor"),
		chromedp.WaitVisible("#login-username"),
		chromedp.SendKeys("#login-username", "giamsat"),
		chromedp.SendKeys("#login-password", officerPassword),
		chromedp.Click("#login-submit"),
		chromedp.WaitVisible("#sec-overdue"),
	)
	row := `#list-overdue tr[data-code="` + code + `"]`
	browsertest.WaitFor(t, sup, "the overdue dossier on the supervisor's desk", `document.querySelector('`+row+`') !== null`)
	browsertest.WaitFor(t, sup, "the live queues", `document.querySelectorAll('#queues tbody tr').length > 0`)
	if got := browsertest.Eval[string](t, sup, `document.querySelector('`+row+`').innerText`); !strings.Contains(got, "02/12/2026 17:00") || !strings.Contains(got, "Trần Văn An") {
		t.Errorf("overdue row: got %q, want the due date 02/12/2026 17:00 and the officer Trần Văn An", got)
	}
	checkScreen(t, sup, "supervisor: overdue list")
	docShot(t, sup, "supervisor", "", 0.6)

	browsertest.Do(t, sup, "open the apology form", chromedp.Click(row+` .apology-btn`), chromedp.WaitVisible("#ap-reason"))
	if got := browsertest.Eval[string](t, sup, `document.getElementById('ap-date').value`); got != "07/12/2026" {
		t.Errorf("suggested new date: got %q, want 07/12/2026", got)
	}
	checkScreen(t, sup, "supervisor: apology form")
	browsertest.Do(t, sup, "issue the apology",
		chromedp.SendKeys("#ap-reason", apologyReason), chromedp.Click("#ap-submit"), chromedp.WaitVisible("#ap-done"))
	browsertest.WaitFor(t, sup, "the overdue list emptied", `document.querySelector('`+row+`') === null`)
}

// journeyTicket is the ticket object the kiosk received.
type journeyTicket struct {
	ID            int64  `json:"id"`
	Number        string `json:"number"`
	ServiceID     int64  `json:"service_id"`
	Priority      bool   `json:"priority"`
	PriorityGroup string `json:"priority_group"`
	Token         string `json:"token"`
	TrackURL      string `json:"track_url"`
}

// signInAtCounter opens the counter page for the counter and signs in.
func signInAtCounter(t *testing.T, b *browsertest.Browser, env *servertest.Env, username string, counterID int64) context.Context {
	t.Helper()
	tab := b.Tab(1366, 768)
	browsertest.Do(t, tab, "sign in as "+username,
		chromedp.Navigate(fmt.Sprintf("%s/counter?counter=%d", env.URL, counterID)),
		chromedp.WaitVisible("#login-username"),
		chromedp.SendKeys("#login-username", username),
		chromedp.SendKeys("#login-password", officerPassword),
		chromedp.Click("#login-submit"),
		chromedp.WaitVisible("#btn-next"),
	)
	browsertest.WaitFor(t, tab, username+"'s counter ready", `!document.getElementById('btn-next').disabled`)
	return tab
}

// checkScreen checks what every screen a citizen or officer meets must pass:
// each control has an accessible name (from the accessibility tree for what
// is shown, from the DOM for every button, shown or not), and the text
// contrast meets WCAG AA.
func checkScreen(t *testing.T, tab context.Context, what string) {
	t.Helper()
	if unnamed := browsertest.UnnamedControls(t, tab); len(unnamed) > 0 {
		t.Errorf("%s: controls without an accessible name: %q", what, unnamed)
	}
	if unnamed := browsertest.UnnamedButtons(t, tab); len(unnamed) > 0 {
		t.Errorf("%s: buttons without a name: %q", what, unnamed)
	}
	for _, c := range browsertest.LowContrastText(t, tab) {
		t.Errorf("%s: contrast below WCAG AA: %s", what, c)
	}
}

// checkKioskLargeFont sets Chromium's default font to 200% (as "very large
// text" in the system settings), reloads, and checks every service button
// still shows its whole text without sideways scrolling; then it goes back.
func checkKioskLargeFont(t *testing.T, kiosk context.Context) {
	t.Helper()
	normal := browsertest.Eval[float64](t, kiosk, `parseFloat(getComputedStyle(document.querySelector('.service-name')).fontSize)`)
	browsertest.Do(t, kiosk, "large system font", browsertest.SetDefaultFontSize(32), chromedp.Reload())
	browsertest.WaitFor(t, kiosk, "the services at 200%", `document.querySelectorAll('button.service:not([disabled])').length >= 6`)
	large := browsertest.Eval[float64](t, kiosk, `parseFloat(getComputedStyle(document.querySelector('.service-name')).fontSize)`)
	if large < 1.9*normal {
		t.Errorf("service names at a 200%% system font: %.1f px, normally %.1f px; the kiosk ignores the system size", large, normal)
	}
	if clipped := browsertest.ClippedText(t, kiosk, "button.service, #screen-start, .topbar, .bottombar"); len(clipped) > 0 {
		t.Errorf("kiosk at a 200%% system font: %q", clipped)
	}
	docShot(t, kiosk, "kiosk-large-font", "", 0.5)
	browsertest.Do(t, kiosk, "tap the first service at 200%", chromedp.Click(`button.service`))
	browsertest.WaitFor(t, kiosk, "the priority question at 200%", `document.body.dataset.screen === 'priority' && document.querySelector('button.priority-group')`)
	if clipped := browsertest.ClippedText(t, kiosk, "#screen-priority"); len(clipped) > 0 {
		t.Errorf("kiosk's priority question at a 200%% system font: %q", clipped)
	}
	browsertest.Do(t, kiosk, "tap Quay lại", chromedp.Click(`#screen-priority button[data-action="back"]`))
	browsertest.Do(t, kiosk, "normal system font", browsertest.SetDefaultFontSize(16), chromedp.Reload())
	browsertest.WaitFor(t, kiosk, "the services", `document.querySelectorAll('button.service:not([disabled])').length >= 6`)
	browsertest.Eval[bool](t, kiosk, kioskRecorder)
}

// ticketPrintShot shows the kiosk's ticket as the printer gets it.
func ticketPrintShot(t *testing.T, kiosk context.Context) {
	t.Helper()
	browsertest.Do(t, kiosk, "switch to the print view",
		chromedp.Evaluate[chromedp.Void](`window.dispatchEvent(new Event('beforeprint'))`), setMedia("print"))
	shot, err := chromedp.Run(kiosk, chromedp.ScreenshotScale("#ticket-print", 1))
	if err != nil {
		t.Fatalf("screenshot of the print view: %v", err)
	}
	saveArtifact(t, "ticket-print.png", shot)
	browsertest.Do(t, kiosk, "back to the screen view",
		setMedia(""), chromedp.Evaluate[chromedp.Void](`window.dispatchEvent(new Event('afterprint'))`))
}

// docShot saves the tab's viewport, or only the first element matching
// selector when it is not "", scaled down (the README's pictures must stay
// small) as name.png in browsertest.ScreenshotDir(). Only element shots
// capture beyond the viewport: doing so re-lays the page out and loses a
// default font size set by emulation.
func docShot(t *testing.T, tab context.Context, name, selector string, scale float64) {
	t.Helper()
	sel, _ := json.Marshal(selector)
	clip := browsertest.Eval[page.Viewport](t, tab, `(function () {
  var e = `+string(sel)+` && document.querySelector(`+string(sel)+`);
  if (!e) return {x: scrollX, y: scrollY, width: innerWidth, height: innerHeight};
  var r = e.getBoundingClientRect();
  return {x: Math.round(r.left + scrollX), y: Math.round(r.top + scrollY), width: Math.round(r.width), height: Math.round(r.height)};
})()`)
	clip.Scale = scale
	ctx, cancel := context.WithTimeout(tab, browsertest.StepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
		res, err := cdp.Call(ctx, tg, page.CaptureScreenshot, page.CaptureScreenshotParams{
			Format: page.CaptureScreenshotFormatPng, FromSurface: ptr(true), CaptureBeyondViewport: ptr(selector != ""), Clip: &clip})
		return res.Data, err
	})
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := browsertest.ScreenshotDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d KB)", path, len(png)/1024)
}
