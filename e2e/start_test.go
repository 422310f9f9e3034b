package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/motcua/motcua/internal/browsertest"
	"github.com/motcua/motcua/server/servertest"
)

// The start page tells a new operator what each screen is for and where to
// sign in, and writes a hall TV's address from the names the hall uses.
func TestStartPage(t *testing.T) {
	env := servertest.New(t)
	ids := serviceIDsByCode(t, env)
	b := browsertest.New(t)
	tab := b.Tab(1366, 768)
	browsertest.Do(t, tab, "open the start page", chromedp.Navigate(env.URL+"/"))
	var branch struct {
		Name string `json:"name"`
	}
	env.Do("GET", "/api/v1/branch", "", nil, &branch)
	browsertest.WaitFor(t, tab, "the branch's name", `document.querySelector('#branch-name').textContent === `+fmt.Sprintf("%q", branch.Name))

	for _, screen := range []string{"/kiosk", "/display", "/counter", "/supervisor", "/admin", "/account"} {
		what := browsertest.Eval[string](t, tab, `(function () {
  var a = document.querySelector('.start-links a[href="`+screen+`"]');
  return a ? a.closest('li').querySelector('p').textContent.trim() : '';
})()`)
		if len(what) < 40 {
			t.Errorf("link to %s: says %q, want it there with what the screen is for", screen, what)
		}
	}
	signIn := browsertest.Eval[string](t, tab, `document.querySelector('#sign-in').innerText`)
	for _, want := range []string{"Đăng nhập", "/counter", "admin", "MOTCUA_ADMIN_PASSWORD"} {
		if want == "/counter" {
			if n := browsertest.Eval[int](t, tab, `document.querySelectorAll('#sign-in a[href="/counter"], #sign-in a[href="/supervisor"]').length`); n != 2 {
				t.Errorf("where to sign in: %d links to the counter and supervisor pages, want 2", n)
			}
			continue
		}
		if !strings.Contains(signIn, want) {
			t.Errorf("where to sign in: %q lacks %q", signIn, want)
		}
	}

	// A TV for counter 3: its address names the counter by its number.
	browsertest.WaitFor(t, tab, "the hall's counters and services", `document.querySelectorAll('#choose-counters input').length === 5 && document.querySelectorAll('#choose-services input').length === 6`)
	browsertest.Do(t, tab, "choose counter 3",
		chromedp.Click(`input[name="mode"][value="counters"]`),
		chromedp.Click(`#choose-counters input[value="q3"]`))
	if got := browsertest.Eval[string](t, tab, `document.querySelector('#display-link').getAttribute('href')`); got != "/display?counters=q3" {
		t.Errorf("address for counter 3: got %q, want /display?counters=q3", got)
	}
	if label := browsertest.Eval[string](t, tab, `document.querySelector('#choose-counters input[value="q3"]').parentNode.textContent`); !strings.Contains(label, "Quầy 3") || !strings.Contains(label, "Đất đai") {
		t.Errorf("counter 3's choice reads %q, want its name and its services", label)
	}
	checkScreen(t, tab, "start page")
	browsertest.Screenshot(t, tab, "start-page")

	// A TV for two services, by their codes; the address opens that display.
	browsertest.Do(t, tab, "choose Tư pháp and Chứng thực",
		chromedp.Click(`input[name="mode"][value="services"]`),
		chromedp.Click(`#choose-services input[value="TP"]`),
		chromedp.Click(`#choose-services input[value="CT"]`))
	if got := browsertest.Eval[string](t, tab, `document.querySelector('#display-link').getAttribute('href')`); got != "/display?services=TP,CT" {
		t.Errorf("address for two services: got %q, want /display?services=TP,CT", got)
	}
	browsertest.Do(t, tab, "open the address", chromedp.Navigate(env.URL+"/display?services=TP,CT"))
	browsertest.WaitFor(t, tab, "the display for those services", `document.body.classList.contains('display') && document.querySelectorAll('#waiting li').length === 2`)
	got := browsertest.Eval[[]string](t, tab, `Array.from(document.querySelectorAll('#waiting li')).map(l => l.dataset.serviceId)`)
	if want := []string{fmt.Sprint(ids["TP"]), fmt.Sprint(ids["CT"])}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("display's services: got %v, want %v", got, want)
	}
}
