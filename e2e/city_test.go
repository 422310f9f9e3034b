package e2e

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/auth"
	"github.com/motcua/motcua/hall"
	"github.com/motcua/motcua/internal/browsertest"
	"github.com/motcua/motcua/registry"
	"github.com/motcua/motcua/server"
	"github.com/motcua/motcua/server/servertest"
	"github.com/motcua/motcua/store/storetest"
)

// TestCityPage: the center's /city page at the registry shows a joined
// branch online, in Vietnamese, and its waiting count moves live when the
// hall issues a ticket; a dossier received there is found by its code.
func TestCityPage(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, storetest.SQLiteDSN(t))
	clock := motcua.NewManualClock(servertest.Start)
	reg, err := registry.New(ctx, registry.Config{Store: st, Clock: clock, LeafAddr: "127.0.0.1:0",
		StoreDir: filepath.Join(t.TempDir(), "js"), SyncEvery: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(reg.Close)
	const adminPw = "Tr4m-Ha-Noi-2026!city"
	accounts := auth.New(auth.Config{Store: st, Writer: reg.Writer(), Clock: clock, BcryptCost: 4})
	if err := accounts.EnsureAdmin(ctx, adminPw); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(reg.Handler(accounts, auth.SessionLength, nil))
	t.Cleanup(ts.Close)
	pw, err := registry.AddBranch(ctx, st, clock.Now(), "CN01", "Chi nhánh số 1 – Hoàn Kiếm", "000.00.01.H26")
	if err != nil {
		t.Fatal(err)
	}
	reg.SyncBranches(ctx)
	hall := servertest.New(t, func(c *server.Config) {
		c.Clock = clock
		c.City = &server.CityConfig{Registry: reg.LeafURL(), Password: pw, Dir: filepath.Join(t.TempDir(), "city")}
	})
	code := receiveDossier(t, hall, 3)

	tab := browsertest.New(t).Tab(1280, 900)
	browsertest.Do(t, tab, "log in at /city",
		chromedp.Navigate(ts.URL+"/city"),
		chromedp.WaitVisible("#login-form"),
		chromedp.SendKeys("#login-username", "admin"),
		chromedp.SendKeys("#login-password", adminPw),
		chromedp.Click("#login-submit"),
		chromedp.WaitVisible("#view-work"))
	browsertest.WaitFor(t, tab, "CN01 online with its dossier", `(() => {
		const row = document.querySelector('#branches tbody tr[data-code="CN01"]');
		return !!row && row.textContent.includes('Chi nhánh số 1 – Hoàn Kiếm') && row.textContent.includes('Trực tuyến')
			&& row.cells[6].textContent === '1';
	})()`)
	before := browsertest.Eval[string](t, tab, `document.querySelector('#branches tbody tr[data-code="CN01"]').cells[2].textContent`)
	hall.Issue(1, false)
	browsertest.WaitFor(t, tab, "the waiting count moved live", `document.querySelector('#branches tbody tr[data-code="CN01"]').cells[2].textContent !== `+"'"+before+"'")
	browsertest.Do(t, tab, "find the dossier by code",
		chromedp.Click(`#branches tbody tr[data-code="CN01"]`),
		chromedp.WaitVisible("#detail"),
		chromedp.SendKeys("#lookup-code", code),
		chromedp.Click("#lookup-form button[type=submit]"))
	browsertest.WaitFor(t, tab, "the dossier with its branch", `document.getElementById('lookup-result').textContent.includes('Chi nhánh số 1 – Hoàn Kiếm')`)
	if text := browsertest.Eval[string](t, tab, `document.body.innerText`); containsAny(text, "Nguyễn Thị Bình", "0912345678", "001190012345") {
		t.Error("/city shows personal data")
	}
}

// TestCounterLinksAnotherBranchsDossier: at CN02's counter, "link an
// earlier dossier" with the code of a dossier CN01 received finds it through
// the registry, says which branch received it, and the registry lists the
// visit.
func TestCounterLinksAnotherBranchsDossier(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, storetest.SQLiteDSN(t))
	clock := motcua.NewManualClock(servertest.Start)
	reg, err := registry.New(ctx, registry.Config{Store: st, Clock: clock, LeafAddr: "127.0.0.1:0",
		StoreDir: filepath.Join(t.TempDir(), "js"), SyncEvery: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(reg.Close)
	join := func(code, unit string) *servertest.Env {
		pw, err := registry.AddBranch(ctx, st, clock.Now(), code, "Chi nhánh "+code, unit)
		if err != nil {
			t.Fatal(err)
		}
		reg.SyncBranches(ctx)
		h := hall.Sample()
		h.Branch.Code, h.Branch.UnitCode, h.Branch.Name = code, unit, "Chi nhánh "+code
		return servertest.New(t, servertest.WithHall(h), func(c *server.Config) {
			c.Clock = clock
			c.City = &server.CityConfig{Registry: reg.LeafURL(), Password: pw, Dir: filepath.Join(t.TempDir(), "city")}
		})
	}
	a := join("CN01", "000.00.01.H26")
	b := join("CN02", "000.00.02.H26")
	code := receiveDossier(t, a, 3)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := reg.Dossier(ctx, code); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("dossier %s never reached the registry", code)
		}
		time.Sleep(20 * time.Millisecond)
	}

	tk := b.Issue(1, false)
	counter := browsertest.New(t).Tab(1366, 768)
	browsertest.Do(t, counter, "sign in at CN02's counter 1 and call",
		chromedp.Navigate(b.URL+"/counter?counter=1"),
		chromedp.WaitVisible("#login-username"),
		chromedp.SendKeys("#login-username", "admin"),
		chromedp.SendKeys("#login-password", servertest.AdminPassword),
		chromedp.Click("#login-submit"),
		chromedp.WaitVisible("#btn-next"))
	browsertest.WaitFor(t, counter, "the call-next button", `!document.getElementById('btn-next').disabled`)
	browsertest.Do(t, counter, "call the next ticket", chromedp.Click("#btn-next"))
	browsertest.WaitFor(t, counter, "the dossier panel", `!document.getElementById('dossier-panel').hidden`)
	browsertest.Do(t, counter, "link CN01's dossier",
		chromedp.Click("#dp-link-open"),
		chromedp.WaitVisible("#dp-link-code"),
		chromedp.SendKeys("#dp-link-code", code),
		chromedp.Click("#dp-link-submit"))
	browsertest.WaitFor(t, counter, "the message naming CN01", `document.getElementById('dp-message').textContent.includes('Chi nhánh CN01')`)
	d, err := reg.Dossier(ctx, code)
	for err == nil && len(d.Visits) == 0 && time.Now().Before(deadline.Add(30*time.Second)) {
		time.Sleep(20 * time.Millisecond)
		d, err = reg.Dossier(ctx, code)
	}
	if err != nil || len(d.Visits) != 1 || d.Visits[0].Branch.Code != "CN02" || d.Visits[0].Number != tk.Number {
		t.Errorf("visits of %s at the registry: got %+v, %v; want one at CN02, ticket %s", code, d.Visits, err, tk.Number)
	}
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
