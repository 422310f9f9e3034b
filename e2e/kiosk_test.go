package e2e

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/browsertest"
	"github.com/motcua/motcua/internal/qrtest"
	"github.com/motcua/motcua/server/servertest"
)

// trackPageBudget is the most bytes the phone page may fetch (HTML, CSS and
// JS, uncompressed): on a slow 3G line (about 50 KB/s) it shows in a second.
// 36 KiB since the rating form (rating.js, rate.css, issue 15) joined the page; loading it only
// once the visit is done would bring the page back under 30 KiB (open work).
const trackPageBudget = 36 * 1024

// thermalWidthPt is 80 mm in PDF points.
const thermalWidthPt = 80 / 25.4 * 72

// kioskRecorder replaces window.print and wraps fetch on the kiosk page, so
// the test sees what the hub answered to POST /api/v1/tickets and what the
// page looked like each time it printed. Headless Chromium has no printer;
// the test prints to PDF itself.
const kioskRecorder = `(function () {
  window.__issued = [];
  window.__prints = [];
  var f = window.fetch;
  window.fetch = function (url, opts) {
    return f.apply(this, arguments).then(function (res) {
      if (opts && opts.method === 'POST' && String(url).indexOf('/api/v1/tickets') === 0 && res.ok) {
        res.clone().json().then(function (j) { window.__issued.push(j); });
      }
      return res;
    });
  };
  window.print = function () {
    var qr = document.querySelector('#ticket-qr');
    window.__prints.push({
      printing: document.documentElement.classList.contains('printing'),
      qr_loaded: qr.complete && qr.naturalWidth > 0,
      number: document.querySelector('#ticket-number').textContent
    });
  };
  return true;
})()`

type issuedTicket struct {
	ID        int64  `json:"id"`
	Number    string `json:"number"`
	Token     string `json:"token"`
	ShortCode string `json:"short_code"`
	TrackURL  string `json:"track_url"`
	Position  int    `json:"position"`
}

type printRecord struct {
	Printing bool   `json:"printing"`
	QRLoaded bool   `json:"qr_loaded"`
	Number   string `json:"number"`
}

type hallService struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	IssuedToday int    `json:"issued_today"`
}

type hallCounter struct {
	ID     int64 `json:"id"`
	Number int   `json:"number"`
}

func hallServices(t *testing.T, env *servertest.Env) []hallService {
	t.Helper()
	var out []hallService
	if status := env.Do("GET", "/api/v1/services", "", nil, &out); status != http.StatusOK {
		t.Fatalf("services: got %d", status)
	}
	return out
}

func serviceNamed(t *testing.T, env *servertest.Env, name string) hallService {
	t.Helper()
	for _, s := range hallServices(t, env) {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no service %q in the sample hall", name)
	return hallService{}
}

func counterNumbered(t *testing.T, env *servertest.Env, number int) int64 {
	t.Helper()
	var cs []hallCounter
	if status := env.Do("GET", "/api/v1/counters", env.AdminToken, nil, &cs); status != http.StatusOK {
		t.Fatalf("counters: got %d", status)
	}
	for _, c := range cs {
		if c.Number == number {
			return c.ID
		}
	}
	t.Fatalf("no counter number %d", number)
	return 0
}

// tapKeys types text on the kiosk's on-screen keyboard, as a citizen would.
func tapKeys(t *testing.T, tab context.Context, keyboard, text string) {
	t.Helper()
	for _, r := range strings.ToUpper(text) {
		key := string(r)
		if r == ' ' {
			key = "space"
		}
		browsertest.Do(t, tab, "tap key "+key, chromedp.Click(keyboard+` button[data-key="`+key+`"]`))
	}
}

func saveArtifact(t *testing.T, name string, data []byte) string {
	t.Helper()
	dir := browsertest.ScreenshotDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("saved: %s", path)
	return path
}

func ptr[T any](v T) *T { return &v }

// setMedia emulates a CSS media type ("print", or "" for the screen again).
func setMedia(media string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: media})
		return err
	})
}

func printToPDF(t *testing.T, tab context.Context) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, browsertest.StepTimeout)
	defer cancel()
	pdf, err := chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
		res, err := cdp.Call(ctx, tg, page.PrintToPDF, page.PrintToPDFParams{PreferCSSPageSize: ptr(true), PrintBackground: ptr(true)})
		return res.Data, err
	})
	if err != nil {
		t.Fatalf("print to PDF: %v", err)
	}
	return pdf
}

var (
	mediaBoxPattern = regexp.MustCompile(`/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]`)
	pagePattern     = regexp.MustCompile(`/Type\s*/Page[^s]`)
)

// pdfPages returns the width and height in points of every page's MediaBox.
func pdfPages(t *testing.T, pdf []byte) [][2]float64 {
	t.Helper()
	var out [][2]float64
	for _, m := range mediaBoxPattern.FindAllSubmatch(pdf, -1) {
		var f [4]float64
		for i := range f {
			f[i], _ = strconv.ParseFloat(string(m[i+1]), 64)
		}
		out = append(out, [2]float64{f[2] - f[0], f[3] - f[1]})
	}
	if n := len(pagePattern.FindAll(pdf, -1)); n != len(out) {
		t.Fatalf("PDF: %d page objects but %d MediaBoxes; cannot read the page size", n, len(out))
	}
	return out
}

// trackPageBytes fetches /t/{token} and every stylesheet and script it
// references, as a phone would, and returns the total size.
func trackPageBytes(t *testing.T, env *servertest.Env, token string) (int, map[string]int) {
	t.Helper()
	sizes := make(map[string]int)
	status, html := env.Raw("GET", "/t/"+token, "", nil)
	if status != http.StatusOK {
		t.Fatalf("GET /t/%s: got %d", token, status)
	}
	sizes["/t/{token}"] = len(html)
	refs := regexp.MustCompile(`(?:href|src)="(/[^"]+)"`).FindAllSubmatch(html, -1)
	if len(refs) == 0 {
		t.Fatalf("the track page references no CSS or JS: %s", html)
	}
	total := len(html)
	for _, r := range refs {
		path := string(r[1])
		status, body := env.Raw("GET", path, "", nil)
		if status != http.StatusOK {
			t.Fatalf("GET %s: got %d", path, status)
		}
		sizes[path] = len(body)
		total += len(body)
	}
	return total, sizes
}

func TestKioskPrintedTicketAndPhone(t *testing.T) {
	env := servertest.New(t)
	land := serviceNamed(t, env, "Đất đai")
	// Someone already waits for Đất đai, so the kiosk's ticket has one person ahead.
	before := env.Issue(land.ID, false)

	b := browsertest.New(t)
	kiosk := b.Tab(1080, 1920)
	browsertest.Do(t, kiosk, "open the kiosk", chromedp.Navigate(env.URL+"/kiosk"))
	browsertest.WaitFor(t, kiosk, "the services", `document.querySelectorAll('button.service').length >= 6`)
	browsertest.Eval[bool](t, kiosk, kioskRecorder)
	browsertest.Screenshot(t, kiosk, "kiosk-start")

	// Search without diacritics, on the on-screen keyboard.
	browsertest.Do(t, kiosk, "open the search keyboard", chromedp.Click("#search"), chromedp.WaitVisible("#search-keyboard"))
	tapKeys(t, kiosk, "#search-keyboard", "dat dai")
	if got := browsertest.Eval[string](t, kiosk, `document.querySelector('#search').value`); got != "dat dai" {
		t.Fatalf("search box: got %q, want \"dat dai\"", got)
	}
	names := browsertest.Eval[[]string](t, kiosk,
		`Array.from(document.querySelectorAll('button.service .service-name')).map(e => e.textContent)`)
	if len(names) != 1 || names[0] != "Đất đai" {
		t.Fatalf("services found by \"dat dai\": got %q, want only \"Đất đai\"", names)
	}

	// Tap the service, no priority: the ticket.
	browsertest.Do(t, kiosk, "tap Đất đai", chromedp.Click(fmt.Sprintf(`button.service[data-service-id="%d"]`, land.ID)))
	browsertest.WaitFor(t, kiosk, "the priority question", `document.body.dataset.screen === 'priority'`)
	if n := browsertest.Eval[int](t, kiosk, `document.querySelectorAll('button.priority-group').length`); n != 5 {
		t.Errorf("priority groups offered: got %d, want the 5 legal groups", n)
	}
	browsertest.Do(t, kiosk, "tap Không", chromedp.Click("#priority-none"))
	browsertest.WaitFor(t, kiosk, "the ticket screen", `document.body.dataset.screen === 'ticket' && window.__issued.length === 1`)
	browsertest.WaitFor(t, kiosk, "the automatic print", `window.__prints.length === 1`)

	issued := browsertest.Eval[issuedTicket](t, kiosk, `window.__issued[0]`)
	if issued.TrackURL != env.URL+"/t/"+issued.Token {
		t.Errorf("track_url: got %q, want %q", issued.TrackURL, env.URL+"/t/"+issued.Token)
	}
	// The hub's own record: the queue of counter 3 (Đất đai) and the day's count.
	var queue []struct {
		ID     int64  `json:"id"`
		Number string `json:"number"`
	}
	env.Do("GET", fmt.Sprintf("/api/v1/counters/%d/queue", counterNumbered(t, env, 3)), env.AdminToken, nil, &queue)
	if len(queue) != 2 || queue[0].ID != before.ID || queue[1].ID != issued.ID || queue[1].Number != issued.Number {
		t.Fatalf("counter 3's queue: got %+v, want ticket %d then the kiosk's %d (%s)", queue, before.ID, issued.ID, issued.Number)
	}
	if got := serviceNamed(t, env, "Đất đai").IssuedToday; got != 2 {
		t.Errorf("Đất đai issued_today: got %d, want 2", got)
	}
	if got := browsertest.Eval[string](t, kiosk, `document.querySelector('#ticket-number').textContent`); got != queue[1].Number {
		t.Errorf("#ticket-number: got %q, want the hub's %q", got, queue[1].Number)
	}
	if got := browsertest.Eval[string](t, kiosk, `document.querySelector('#ticket-short-code').textContent`); got != issued.ShortCode || len(got) != 6 {
		t.Errorf("#ticket-short-code: got %q, want %q", got, issued.ShortCode)
	}
	if got := browsertest.Eval[string](t, kiosk, `document.querySelector('#ticket-ahead').textContent`); !strings.HasPrefix(got, "1 ") {
		t.Errorf("#ticket-ahead: got %q, want one person ahead", got)
	}
	prints := browsertest.Eval[[]printRecord](t, kiosk, `window.__prints`)
	if p := prints[0]; !p.Printing || !p.QRLoaded || p.Number != issued.Number {
		t.Errorf("the kiosk printed %+v, want the paper layout with the QR loaded and number %s", p, issued.Number)
	}
	browsertest.Screenshot(t, kiosk, "kiosk-ticket")

	// The print view, as the printer gets it: the same preparation as a real print, print media.
	browsertest.Do(t, kiosk, "switch to the print view",
		chromedp.Evaluate[chromedp.Void](`window.dispatchEvent(new Event('beforeprint'))`),
		setMedia("print"))
	widthPx := browsertest.Eval[float64](t, kiosk, `document.querySelector('#ticket-print').getBoundingClientRect().width`)
	if mm := widthPx * 25.4 / 96; mm < 79 || mm > 81 {
		t.Errorf("ticket width in the print view: got %.1f mm, want 80 mm", mm)
	}
	if got := browsertest.Eval[string](t, kiosk, `document.querySelector('#ticket-number').innerText`); got != issued.Number {
		t.Errorf("number in the print view: got %q, want %q", got, issued.Number)
	}
	if visible := browsertest.Eval[bool](t, kiosk, `!!document.querySelector('.done').offsetParent || !!document.querySelector('#lang-toggle').offsetParent`); visible {
		t.Errorf("print view shows kiosk controls, want only the ticket")
	}
	shot, err := chromedp.Run(kiosk, chromedp.ScreenshotScale("#ticket-print", 2))
	if err != nil {
		t.Fatalf("screenshot of the print view: %v", err)
	}
	saveArtifact(t, "ticket-print.png", shot)
	// Read the QR as printed: the code's own box in the print view.
	qrShot, err := chromedp.Run(kiosk, chromedp.ScreenshotScale("#ticket-qr", 2))
	if err != nil {
		t.Fatalf("screenshot of the printed QR: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(qrShot))
	if err != nil {
		t.Fatal(err)
	}
	if got := qrtest.Decode(t, img); got != issued.TrackURL {
		t.Errorf("QR on the print view: got %q, want track_url %q", got, issued.TrackURL)
	}

	pdf := printToPDF(t, kiosk)
	saveArtifact(t, "ticket-print.pdf", pdf)
	pages := pdfPages(t, pdf)
	if len(pages) != 1 {
		t.Errorf("printed ticket: got %d pages, want 1 (one ticket per cut)", len(pages))
	}
	for i, p := range pages {
		if p[0] < thermalWidthPt-2 || p[0] > thermalWidthPt+2 {
			t.Errorf("page %d width: got %.2f pt, want %.2f pt (80 mm)", i+1, p[0], thermalWidthPt)
		}
		if p[1] > 842 {
			t.Errorf("page %d height: got %.0f pt, want a ticket, not an A4 sheet", i+1, p[1])
		}
	}
	browsertest.Do(t, kiosk, "back to the screen view",
		setMedia(""), chromedp.Evaluate[chromedp.Void](`window.dispatchEvent(new Event('afterprint'))`))

	// The citizen taps Xong; the next one lost the paper: reprint within the minute.
	browsertest.Do(t, kiosk, "tap Xong", chromedp.Click("#screen-ticket .done"))
	browsertest.WaitFor(t, kiosk, "the start screen", `document.body.dataset.screen === 'start'`)
	if got := browsertest.Eval[string](t, kiosk, `document.querySelector('#reprint').hidden ? '' : document.querySelector('#reprint').textContent`); !strings.Contains(got, issued.Number) {
		t.Errorf("reprint button on the start screen: got %q, want one naming %s", got, issued.Number)
	}
	browsertest.Do(t, kiosk, "tap In lại", chromedp.Click("#reprint"))
	browsertest.WaitFor(t, kiosk, "the reprint", `window.__prints.length === 2`)
	if p := browsertest.Eval[[]printRecord](t, kiosk, `window.__prints`)[1]; !p.Printing || !p.QRLoaded || p.Number != issued.Number {
		t.Errorf("the reprint printed %+v, want the paper layout, the QR and number %s", p, issued.Number)
	}
	if n := browsertest.Eval[int](t, kiosk, `window.__issued.length`); n != 1 {
		t.Errorf("tickets issued after a reprint: got %d, want still 1", n)
	}

	// The citizen scans the QR: the phone page.
	total, sizes := trackPageBytes(t, env, issued.Token)
	if total > trackPageBudget {
		t.Errorf("/t/{token} weighs %d bytes (%v), want at most %d", total, sizes, trackPageBudget)
	}
	t.Logf("track page weight: %d bytes %v", total, sizes)

	phone := b.Tab(390, 844)
	browsertest.Do(t, phone, "open the tracking page", chromedp.Navigate(issued.TrackURL))
	browsertest.WaitFor(t, phone, "the ticket on the phone", `document.querySelector('#number').textContent === '`+issued.Number+`'`)
	browsertest.WaitFor(t, phone, "the position", `document.querySelector('#position').textContent === '1 người'`)
	if got := browsertest.Eval[string](t, phone, `document.querySelector('#status').textContent`); got != "Đang chờ" {
		t.Errorf("phone status: got %q, want \"Đang chờ\"", got)
	}
	if got := browsertest.Eval[string](t, phone, `document.querySelector('#wait').textContent`); !strings.HasPrefix(got, "Khoảng") {
		t.Errorf("phone estimated wait: got %q, want \"Khoảng … phút\"", got)
	}
	if overflow := browsertest.Eval[bool](t, phone, `document.documentElement.scrollWidth > document.documentElement.clientWidth`); overflow {
		t.Errorf("the phone page scrolls sideways at 390 px")
	}
	browsertest.Screenshot(t, phone, "phone-waiting")

	// Counter 4 takes the person ahead: the phone moves up live.
	first, ok := env.CallNext(counterNumbered(t, env, 4))
	if !ok || first.ID != before.ID {
		t.Fatalf("counter 4 call next: got %+v, want ticket %s", first, before.Number)
	}
	browsertest.WaitFor(t, phone, "the phone moving up", `document.querySelector('#position').textContent.startsWith('Không có ai')`)

	// Counter 3 calls the kiosk's ticket.
	called, ok := env.CallNext(counterNumbered(t, env, 3))
	if !ok || called.ID != issued.ID {
		t.Fatalf("counter 3 call next: got %+v, want ticket %s", called, issued.Number)
	}
	browsertest.WaitFor(t, phone, "the called banner", `!document.querySelector('#called-banner').hidden`)
	if got := browsertest.Eval[string](t, phone, `document.querySelector('#called-banner').innerText`); !strings.Contains(got, "Mời bạn đến quầy số 3") {
		t.Errorf("called banner: got %q, want \"Mời bạn đến quầy số 3\"", got)
	}
	browsertest.Screenshot(t, phone, "phone-called")

	// Not there after two calls: a no-show. The phone shows the code, the kiosk takes it back.
	if status := env.Do("POST", fmt.Sprintf("/api/v1/counters/%d/recall", counterNumbered(t, env, 3)), env.AdminToken, nil, nil); status != http.StatusOK {
		t.Fatalf("recall: got %d", status)
	}
	if status := env.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/no-show", issued.ID), env.AdminToken, nil, nil); status != http.StatusOK {
		t.Fatalf("no-show: got %d", status)
	}
	browsertest.WaitFor(t, phone, "the no-show with its code",
		`document.querySelector('#status').textContent === 'Vắng mặt' && document.querySelector('#reactivate-code')?.textContent === '`+issued.ShortCode+`'`)
	browsertest.Screenshot(t, phone, "phone-no-show")

	browsertest.Do(t, kiosk, "open reactivation", chromedp.Click("#reactivate-open"))
	browsertest.WaitFor(t, kiosk, "the reactivation screen", `document.body.dataset.screen === 'reactivate'`)
	tapKeys(t, kiosk, "#code-keyboard", issued.ShortCode)
	browsertest.Do(t, kiosk, "tap Kích hoạt lại", chromedp.Click("#reactivate-submit"))
	browsertest.WaitFor(t, kiosk, "the reactivated ticket", `document.body.dataset.screen === 'ticket'`)
	if got := browsertest.Eval[string](t, kiosk, `document.querySelector('#ticket-number').textContent`); got != issued.Number {
		t.Errorf("reactivated ticket on the kiosk: got %q, want %q", got, issued.Number)
	}
	browsertest.WaitFor(t, phone, "the phone waiting again", `document.querySelector('#status').textContent === 'Đang chờ'`)
	browsertest.Screenshot(t, kiosk, "kiosk-reactivated")
}

// A citizen who set a larger font still reads every service name whole.
func TestKioskLargeFont(t *testing.T) {
	env := servertest.New(t)
	b := browsertest.New(t)
	kiosk := b.Tab(1080, 1920)
	browsertest.Do(t, kiosk, "open the kiosk", chromedp.Navigate(env.URL+"/kiosk"))
	browsertest.WaitFor(t, kiosk, "the services", `document.querySelectorAll('button.service').length >= 6`)
	normal := browsertest.Eval[float64](t, kiosk, `parseFloat(getComputedStyle(document.querySelector('.service-name')).fontSize)`)

	// 200% of the kiosk's own size (the page already sets 162.5% on the root).
	browsertest.Eval[bool](t, kiosk, `document.documentElement.style.fontSize = (2 * parseFloat(getComputedStyle(document.documentElement).fontSize)) + 'px'; true`)
	large := browsertest.Eval[float64](t, kiosk, `parseFloat(getComputedStyle(document.querySelector('.service-name')).fontSize)`)
	if large < 1.9*normal {
		t.Fatalf("service name font: %.1f px at 200%%, %.1f px normally; the page does not follow the root size", large, normal)
	}
	overflowing := browsertest.Eval[[]string](t, kiosk, `Array.from(document.querySelectorAll('button.service, button.service *'))
		.filter(e => e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0)
		.map(e => (e.closest('button.service').dataset.serviceId) + ': ' + e.className + ' ' + e.scrollWidth + '>' + e.clientWidth)`)
	if len(overflowing) > 0 {
		t.Errorf("text overflows at 200%%: %q", overflowing)
	}
	if sideways := browsertest.Eval[bool](t, kiosk, `document.documentElement.scrollWidth > document.documentElement.clientWidth`); sideways {
		t.Errorf("the kiosk scrolls sideways at 200%%")
	}
	browsertest.Screenshot(t, kiosk, "kiosk-large-font")
}

// When the kiosk cannot reach the hub it says so and issues nothing.
func TestKioskOfflineIssuesNothing(t *testing.T) {
	env := servertest.New(t)
	hallCable := newCable(t, env.HTTP.Listener.Addr().String())
	b := browsertest.New(t)
	kiosk := b.Tab(1080, 1920)
	browsertest.Do(t, kiosk, "open the kiosk", chromedp.Navigate(hallCable.URL()+"/kiosk"))
	browsertest.WaitFor(t, kiosk, "the services", `document.querySelectorAll('button.service:not([disabled])').length >= 6`)
	if visible := browsertest.Eval[bool](t, kiosk, `!document.querySelector('#offline-banner').hidden`); visible {
		t.Fatalf("offline banner shown while the hub is reachable")
	}

	// The citizen chooses a service; the cable goes before the ticket is asked for.
	browsertest.Do(t, kiosk, "tap the first service", chromedp.Click(`button.service[data-service-id="1"]`))
	browsertest.WaitFor(t, kiosk, "the priority question", `document.body.dataset.screen === 'priority'`)
	hallCable.Unplug()
	browsertest.Do(t, kiosk, "tap Không", chromedp.Click("#priority-none"))
	browsertest.WaitFor(t, kiosk, "the offline message", `document.body.dataset.screen === 'message' && !document.querySelector('#offline-banner').hidden`)
	if got := browsertest.Eval[string](t, kiosk, `document.querySelector('#message-body').textContent`); !strings.Contains(got, "gián đoạn") {
		t.Errorf("message: got %q, want it to say the system is interrupted", got)
	}
	if got := browsertest.Eval[string](t, kiosk, `document.querySelector('#offline-banner').innerText`); !strings.Contains(got, "chưa cấp số") {
		t.Errorf("offline banner: got %q, want it to say no numbers are issued", got)
	}
	browsertest.Do(t, kiosk, "back to start", chromedp.Click(`#screen-message button[data-action="home"]`))
	browsertest.WaitFor(t, kiosk, "the start screen", `document.body.dataset.screen === 'start'`)
	enabled := browsertest.Eval[int](t, kiosk, `document.querySelectorAll('button.service:not([disabled])').length`)
	if enabled != 0 {
		t.Errorf("service buttons enabled while offline: %d, want 0", enabled)
	}
	if disabled := browsertest.Eval[bool](t, kiosk, `document.querySelector('#reactivate-open').disabled`); !disabled {
		t.Errorf("reactivation enabled while offline, want disabled")
	}
	// A tap on a greyed button does nothing.
	browsertest.Do(t, kiosk, "tap a disabled service", chromedp.Click(`button.service[data-service-id="1"]`))
	if got := browsertest.Eval[string](t, kiosk, `document.body.dataset.screen`); got != "start" {
		t.Errorf("screen after tapping a disabled service: got %q, want start", got)
	}
	browsertest.Screenshot(t, kiosk, "kiosk-offline")
	for _, s := range hallServices(t, env) {
		if s.IssuedToday != 0 {
			t.Errorf("service %s issued %d tickets while offline, want 0", s.Name, s.IssuedToday)
		}
	}

	// Back online: the kiosk notices by itself and the buttons come back; still nothing was issued.
	hallCable.Plug()
	browsertest.WaitFor(t, kiosk, "the kiosk back online",
		`document.querySelector('#offline-banner').hidden && document.querySelectorAll('button.service:not([disabled])').length >= 6 &&
		 !document.querySelector('#reactivate-open').disabled`)
	for _, s := range hallServices(t, env) {
		if s.IssuedToday != 0 {
			t.Errorf("service %s issued %d tickets after the cut, want 0 (nothing queued while offline)", s.Name, s.IssuedToday)
		}
	}
}

// limitedHall has an afternoon-only service and one with a daily cap of one.
func limitedHall() motcua.Hall {
	return motcua.Hall{
		Branch: motcua.Branch{Code: "CN09", Name: "Chi nhánh thử", CenterName: "Trung tâm thử", UnitCode: "000.00.09.H26",
			TimeZone: "Asia/Ho_Chi_Minh"},
		Policy: motcua.QueuePolicy{Priority: motcua.PolicyStrict, InterleaveN: 3, NoShowMinCalls: 2, ReactivateMinutes: 15},
		Services: []motcua.ServiceSpec{
			{Code: "TP", Name: "Tư pháp – Hộ tịch", Field: "Tư pháp", Prefix: "1", Digits: 3},
			{Code: "DD", Name: "Đất đai", Field: "Nông nghiệp và Môi trường", Prefix: "2", Digits: 3,
				Hours: []motcua.Session{{From: "13:00", To: "16:45"}}},
			{Code: "KD", Name: "Đăng ký kinh doanh", Field: "Tài chính", Prefix: "3", Digits: 3, DailyCap: 1},
		},
		Counters: []motcua.CounterSpec{{Number: 1, Name: "Quầy 1", Services: []string{"TP", "DD", "KD"}}},
	}
}

// Closed and full services are greyed with a reason; a service that closes
// while the citizen is choosing gets the hub's plain answer, and no ticket.
func TestKioskClosedServices(t *testing.T) {
	env := servertest.New(t, servertest.WithHall(limitedHall()))
	env.Issue(3, false) // the one number of the day

	b := browsertest.New(t)
	kiosk := b.Tab(1080, 1920)
	browsertest.Do(t, kiosk, "open the kiosk", chromedp.Navigate(env.URL+"/kiosk"))
	browsertest.WaitFor(t, kiosk, "the services", `document.querySelectorAll('button.service').length === 3`)
	type button struct {
		Disabled bool   `json:"disabled"`
		Closed   bool   `json:"closed"`
		Text     string `json:"text"`
	}
	buttons := browsertest.Eval[map[string]button](t, kiosk, `Object.fromEntries(Array.from(document.querySelectorAll('button.service'))
		.map(b => [b.dataset.serviceId, {disabled: b.disabled, closed: b.classList.contains('closed'), text: b.innerText.replace(/\u2060/g, '')}]))`)
	if b := buttons["1"]; b.Disabled || b.Closed {
		t.Errorf("open service: got %+v, want enabled", b)
	}
	if b := buttons["2"]; !b.Disabled || !b.Closed || !strings.Contains(b.Text, "Mở lại lúc 13:00") || !strings.Contains(b.Text, "13:00–16:45") {
		t.Errorf("afternoon service at 09:00: got %+v, want greyed, \"Mở lại lúc 13:00\" and its hours 13:00–16:45", b)
	}
	if b := buttons["3"]; !b.Disabled || !b.Closed || !strings.Contains(b.Text, "Đã hết số hôm nay") {
		t.Errorf("service over its cap: got %+v, want greyed, \"Đã hết số hôm nay\"", b)
	}
	browsertest.Screenshot(t, kiosk, "kiosk-closed")

	// 16:44: the afternoon service is open; the citizen takes a minute too long.
	env.Clock.Set(time.Date(2026, 11, 27, 16, 44, 0, 0, servertest.Hanoi))
	browsertest.Do(t, kiosk, "reload the kiosk", chromedp.Navigate(env.URL+"/kiosk"))
	browsertest.WaitFor(t, kiosk, "Đất đai open", `document.querySelector('button.service[data-service-id="2"]:not([disabled])')`)
	browsertest.Do(t, kiosk, "tap Đất đai", chromedp.Click(`button.service[data-service-id="2"]`))
	browsertest.WaitFor(t, kiosk, "the priority question", `document.body.dataset.screen === 'priority'`)
	env.Clock.Set(time.Date(2026, 11, 27, 16, 46, 0, 0, servertest.Hanoi))
	browsertest.Do(t, kiosk, "tap Không", chromedp.Click("#priority-none"))
	browsertest.WaitFor(t, kiosk, "the refusal", `document.body.dataset.screen === 'message'`)
	if got := browsertest.Eval[string](t, kiosk, `document.querySelector('#message-title').textContent`); got != "Chưa lấy được số" {
		t.Errorf("message title: got %q, want \"Chưa lấy được số\"", got)
	}
	body := browsertest.Eval[string](t, kiosk, `document.querySelector('#message-body').textContent`)
	if !strings.Contains(body, "13:00 30/11/2026") || strings.Contains(body, " / ") {
		t.Errorf("message body: got %q, want the Vietnamese half saying it opens 13:00 30/11/2026", body)
	}
	if offline := browsertest.Eval[bool](t, kiosk, `!document.querySelector('#offline-banner').hidden`); offline {
		t.Errorf("a refusal from the hub shows the offline banner")
	}
	browsertest.Screenshot(t, kiosk, "kiosk-refused")
	for _, s := range hallServices(t, env) {
		if want := map[int64]int{3: 1}[s.ID]; s.IssuedToday != want {
			t.Errorf("service %s issued %d, want %d", s.Name, s.IssuedToday, want)
		}
	}
}
