package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/motcua/motcua/internal/browsertest"
	"github.com/motcua/motcua/server/servertest"
)

// evilPage is another web site open on a kiosk or a staff PC: it tries to
// issue tickets on the hub the ways a page may without asking (no-cors
// fetches with a body without a type, with text/plain, and a form).
const evilPage = `<!doctype html><html><body>
<form id="f" method="post" enctype="text/plain" target="sink" action="HUB/api/v1/tickets">
<input name='{"service_id":1,"x":"' value='"}'></form>
<iframe name="sink"></iframe>
<script>
window.done = false;
const hub = 'HUB';
Promise.allSettled([
  fetch(hub + '/api/v1/tickets', {method: 'POST', mode: 'no-cors', body: new Blob(['{"service_id":1}'])}),
  fetch(hub + '/api/v1/tickets', {method: 'POST', mode: 'no-cors', headers: {'Content-Type': 'text/plain'}, body: '{"service_id":1}'}),
  fetch(hub + '/api/v1/tickets/reactivate', {method: 'POST', mode: 'no-cors', body: new Blob(['{"short_code":"ABCD"}'])}),
]).then(() => {
  document.getElementById('f').submit();
  document.querySelector('iframe').addEventListener('load', () => { window.done = true; });
});
</script></body></html>`

// A page from another origin, in a real browser, cannot issue tickets on
// the hub; the hub's own kiosk page still can.
func TestCrossSitePostsAreRefused(t *testing.T) {
	env := servertest.New(t)
	// The other site: served by localhost, the hub by 127.0.0.1, so the
	// browser sees two sites.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, strings.ReplaceAll(evilPage, "HUB", env.URL))
	}))
	t.Cleanup(evil.Close)
	evilURL := strings.Replace(evil.URL, "127.0.0.1", "localhost", 1)

	b := browsertest.New(t)
	tab := b.Tab(1024, 768)
	browsertest.Do(t, tab, "open the other site", chromedp.Navigate(evilURL))
	browsertest.WaitFor(t, tab, "the other site's attempts", `window.done === true`)
	if n := issuedToday(t, env); n != 0 {
		t.Errorf("tickets issued by another web site: got %d, want 0", n)
	}

	// The hub's own page, same origin, with a JSON body: issued.
	browsertest.Do(t, tab, "open the kiosk", chromedp.Navigate(env.URL+"/kiosk"))
	status := browsertest.EvalAsync[int](t, tab, `fetch('/api/v1/tickets', {method: 'POST',
		headers: {'Content-Type': 'application/json'}, body: '{"service_id":1}'}).then(r => r.status)`)
	if status != http.StatusCreated {
		t.Errorf("ticket from the hub's own kiosk page: got %d, want 201", status)
	}
	if n := issuedToday(t, env); n != 1 {
		t.Errorf("tickets after the kiosk's own: got %d, want 1", n)
	}
}

func issuedToday(t *testing.T, env *servertest.Env) int {
	t.Helper()
	var svcs []struct {
		IssuedToday int `json:"issued_today"`
	}
	if s := env.Do("GET", "/api/v1/services", "", nil, &svcs); s != http.StatusOK {
		t.Fatalf("services: got %d", s)
	}
	n := 0
	for _, s := range svcs {
		n += s.IssuedToday
	}
	return n
}

// cspWatch records every Content-Security-Policy violation of a page and
// stubs the print dialog.
const cspWatch = `window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber));
window.print = () => { window.__printed = true; };`

// Every page works under the hub's Content-Security-Policy: no inline
// script or handler is blocked, and a printout's button still prints.
func TestPagesRunUnderTheContentSecurityPolicy(t *testing.T) {
	env := servertest.New(t)
	receipt := receiptOfNewDossier(t, env) // first: it calls the first ticket
	tk := env.Issue(1, false)
	b := browsertest.New(t)
	tab := b.Tab(1280, 900)
	browsertest.Do(t, tab, "watch for CSP violations", browsertest.BeforeLoad(cspWatch))
	// The supervisor's cookie, for the printout.
	browsertest.Do(t, tab, "open the start page", chromedp.Navigate(env.URL+"/"))
	login := browsertest.EvalAsync[int](t, tab, `fetch('/api/v1/auth/login', {method: 'POST', headers: {'Content-Type': 'application/json'},
		body: JSON.stringify({username: 'admin', password: '`+servertest.AdminPassword+`'})}).then(r => r.status)`)
	if login != http.StatusOK {
		t.Fatalf("login from the page: got %d, want 200", login)
	}
	pages := []struct{ path, ready string }{
		{"/", `document.readyState === 'complete'`},
		{"/kiosk", `document.querySelectorAll('button').length > 0`},
		{"/display?mute=1", `document.body.dataset.connection === 'open'`},
		{"/counter", `document.readyState === 'complete'`},
		{"/supervisor", `document.readyState === 'complete'`},
		{"/t/" + tk.Token, `document.body.textContent.includes('` + tk.Number + `')`},
		{"/rate", `document.readyState === 'complete'`},
		{receipt, `document.querySelector('[data-print]') !== null`},
		{"/reports/ledger?from=2026-11-01&to=2026-11-30", `document.querySelector('[data-print]') !== null`},
	}
	for _, p := range pages {
		browsertest.Do(t, tab, "open "+p.path, chromedp.Navigate(env.URL+p.path))
		browsertest.WaitFor(t, tab, p.path+" ready", p.ready)
		if v := browsertest.Eval[[]string](t, tab, `window.__csp`); len(v) > 0 {
			t.Errorf("%s: Content-Security-Policy violations %v, want none", p.path, v)
		}
	}
	// The page now on screen is the ledger: its print button prints.
	browsertest.Do(t, tab, "print the ledger", chromedp.Click(`[data-print]`))
	browsertest.WaitFor(t, tab, "the print dialog", `window.__printed === true`)
}

// receiptOfNewDossier receives a dossier at counter 1 as the admin and returns
// its receipt's path.
func receiptOfNewDossier(t *testing.T, env *servertest.Env) string {
	t.Helper()
	tk := env.Issue(1, false)
	if called, ok := env.CallNext(1); !ok || called.ID != tk.ID {
		t.Fatalf("call next: got %+v", called)
	}
	var procs []struct {
		ID                int64    `json:"id"`
		RequiredDocuments []string `json:"required_documents"`
	}
	env.Do("GET", "/api/v1/procedures", env.AdminToken, nil, &procs)
	if len(procs) == 0 {
		t.Fatal("no procedures")
	}
	body := map[string]any{"procedure_id": procs[0].ID, "documents": procs[0].RequiredDocuments,
		"applicant": map[string]string{"name": "Nguyễn Văn An", "id_number": "001088001234", "phone": "0912345678", "address": "Hà Nội"}}
	var d struct {
		ReceiptURL string `json:"receipt_url"`
	}
	if status := env.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/dossiers", tk.ID), env.AdminToken, body, &d); status != http.StatusCreated || d.ReceiptURL == "" {
		t.Fatalf("create dossier: got %d %+v", status, d)
	}
	return d.ReceiptURL
}
