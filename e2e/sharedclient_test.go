package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/motcua/motcua/internal/browsertest"
	"github.com/motcua/motcua/server/servertest"
)

// apiOutcome is what the page's motcua.api call came to.
type apiOutcome struct {
	OK      bool   `json:"ok"`
	Status  int    `json:"status"`
	Code    string `json:"code"`
	Message string `json:"message"`
	HubDown bool   `json:"hub_down"`
}

// callAPI runs motcua.api in the page and reports how it ended.
const callAPI = `(method, path, body) => motcua.api(method, path, body).then(
  () => ({ok: true}),
  (e) => ({ok: false, status: e.status, code: e.code, message: e.message, hub_down: e.hubDown}))`

// The pages' shared client (static/motcua.js) signs state-changing requests
// of a cookie session with the CSRF token, and turns the hub's error answers
// into {status, code, message}.
func TestSharedClientCookieSessionAndErrors(t *testing.T) {
	env := servertest.New(t)
	env.Issue(1, false)
	b := browsertest.New(t)
	tab := b.Tab(1366, 768)
	browsertest.Do(t, tab, "open the counter page", chromedp.Navigate(env.URL+"/counter"), chromedp.WaitVisible("#login-username"))

	// Signed in by the cookie only: the login's CSRF token is kept, no bearer token.
	browsertest.EvalAsync[bool](t, tab, `motcua.api('POST', '/auth/login', {username: 'admin', password: '`+servertest.AdminPassword+`'})
	  .then((l) => { motcua.session.save({token: '', csrf: l.csrf}); return !!l.csrf; })`)
	if token := browsertest.Eval[string](t, tab, `motcua.session.token`); token != "" {
		t.Fatalf("bearer token kept: %q, want none (cookie session)", token)
	}
	got := browsertest.EvalAsync[apiOutcome](t, tab, `(`+callAPI+`)('POST', '/counters/1/call-next')`)
	if !got.OK {
		t.Fatalf("call-next with the cookie and the CSRF header: got %+v, want it accepted", got)
	}

	// Without the CSRF token the same cookie is refused, and the error reads as the hub wrote it.
	browsertest.Eval[bool](t, tab, `sessionStorage.removeItem('motcua.csrf'), true`)
	got = browsertest.EvalAsync[apiOutcome](t, tab, `(`+callAPI+`)('POST', '/counters/1/recall')`)
	if got.OK || got.Status != 403 || got.Code != "forbidden" || got.Message == "" || got.HubDown {
		t.Errorf("recall without the CSRF header: got %+v, want 403 forbidden with the hub's message", got)
	}
	got = browsertest.EvalAsync[apiOutcome](t, tab, `(`+callAPI+`)('GET', '/track/no-such-token')`)
	if got.OK || got.Status != 404 || got.Code != "not_found" || got.Message == "" {
		t.Errorf("unknown track token: got %+v, want 404 not_found with a message", got)
	}
}
