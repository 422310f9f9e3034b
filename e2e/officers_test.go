package e2e

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/browsertest"
	"github.com/motcua/motcua/server/servertest"
)

// An officer bound to counter 1 signs in at the counter page; the
// supervisor's page names her at counter 1 and nobody at counter 2. When
// the admin disables her account, her counter page is back at the login
// form and the supervisor's page no longer names her.
func TestSupervisorPageShowsWhoWorksAtEachCounter(t *testing.T) {
	env := servertest.New(t)
	hoaID, _ := env.AddUser("hoa", "Nguyễn Thị Hoa", motcua.RoleStaff, 1)
	env.AddUser("giamsat", "Trần Văn Giám", motcua.RoleSupervisor)
	b := browsertest.New(t)

	desk := b.Tab(1366, 768)
	browsertest.Do(t, desk, "sign in at counter 1",
		chromedp.Navigate(env.URL+"/counter?counter=1"),
		chromedp.WaitVisible("#login-username"),
		chromedp.SendKeys("#login-username", "hoa"),
		chromedp.SendKeys("#login-password", servertest.StaffPassword),
		chromedp.Click("#login-submit"),
		chromedp.WaitVisible("#btn-next"),
	)
	browsertest.WaitFor(t, desk, "the counter connected", `!document.getElementById('btn-next').disabled`)

	sup := b.Tab(1440, 900)
	browsertest.Do(t, sup, "sign in as the supervisor",
		chromedp.Navigate(env.URL+"/supervisor"),
		chromedp.WaitVisible("#login-username"),
		chromedp.SendKeys("#login-username", "giamsat"),
		chromedp.SendKeys("#login-password", servertest.StaffPassword),
		chromedp.Click("#login-submit"),
		chromedp.WaitVisible("#counters"),
	)
	officer := func(counter int) string {
		return fmt.Sprintf(`document.querySelector('#counters li[data-counter-id="%d"] .officer')`, counter)
	}
	browsertest.WaitFor(t, sup, "Hoa named at counter 1", officer(1)+`?.textContent.includes('Nguyễn Thị Hoa')`)
	if got := browsertest.Eval[bool](t, sup, officer(2)+`.classList.contains('none')`); !got {
		t.Errorf("counter 2: got an officer, want nobody")
	}

	if status := env.Do("PATCH", fmt.Sprintf("/api/v1/users/%d", hoaID), env.AdminToken, map[string]bool{"disabled": true}, nil); status != 200 {
		t.Fatalf("disable: got %d", status)
	}
	browsertest.WaitFor(t, desk, "the counter page back at the login form", `!document.getElementById('login-username').closest('[hidden]') && document.getElementById('login-username').offsetParent !== null`)
	browsertest.WaitFor(t, sup, "nobody at counter 1", officer(1)+`?.classList.contains('none')`)
}
