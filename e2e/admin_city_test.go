package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/browsertest"
	"github.com/motcua/motcua/server/servertest"
)

// Issue 14 on /admin: the city's procedure catalogue the hall applied is on
// a tab of its own, read only: the version, the procedures that came from
// the city with their processing time, and the clashes, where the hall's own
// is kept. Taking a city procedure over as the hall's own lists the clash in
// the confirmation, and the tab follows once it is applied.
func TestAdminShowsTheCityCatalogue(t *testing.T) {
	env := servertest.New(t)
	proc := func(code, name string, days int, time string) motcua.Procedure {
		return motcua.Procedure{Code: code, Name: name, Field: "Hộ tịch", Agency: "Ủy ban nhân dân cấp xã",
			ProcessingDays: days, ProcessingTime: time, Documents: []string{"Tờ khai (theo mẫu)"}, ServiceCode: "TP"}
	}
	// As the link to the registry applies a new revision.
	if err := env.Server.Hub.SetCityProcedures(context.Background(), motcua.CityCatalogue{Revision: 12, Version: 4,
		PublishedAt: env.Clock.Now(), Procedures: []motcua.Procedure{
			proc("1.004873", "Xác nhận tình trạng hôn nhân (danh mục thành phố)", 5, ""),
			proc("9.000001", "Đăng ký giám hộ", 3, ""),
			proc("9.000002", "Đăng ký nhận cha, mẹ, con", 0, "4 giờ"),
		}}); err != nil {
		t.Fatal(err)
	}

	adm := browsertest.New(t).Tab(1440, 900)
	browsertest.Do(t, adm, "sign in at /admin, the city's catalogue",
		chromedp.Navigate(env.URL+"/admin#city"),
		chromedp.WaitVisible("#login-username"),
		chromedp.SendKeys("#login-username", "admin"),
		chromedp.SendKeys("#login-password", servertest.AdminPassword),
		chromedp.Click("#login-submit"),
		chromedp.WaitVisible("#city-table"),
	)
	const cityRows = `[...document.querySelectorAll('#city-table tbody tr')].map(tr => [...tr.cells].map(c => c.textContent).join(' | '))`
	const clashRows = `[...document.querySelectorAll('#city-clashes tbody tr')].map(tr => [...tr.cells].map(c => c.textContent).join(' | '))`
	browsertest.WaitFor(t, adm, "the city's procedures", `document.querySelectorAll('#city-table tbody tr').length === 2`)
	want := []string{"9.000001 | Đăng ký giám hộ | Hộ tịch | 3 ngày làm việc", "9.000002 | Đăng ký nhận cha, mẹ, con | Hộ tịch | 4 giờ làm việc"}
	if got := browsertest.Eval[[]string](t, adm, cityRows); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("procedures from the city: got %q, want %q", got, want)
	}
	wantClash := []string{"1.004873 | Thủ tục cấp Giấy xác nhận tình trạng hôn nhân | Xác nhận tình trạng hôn nhân (danh mục thành phố)"}
	if got := browsertest.Eval[[]string](t, adm, clashRows); fmt.Sprint(got) != fmt.Sprint(wantClash) {
		t.Errorf("clashes: got %q, want %q", got, wantClash)
	}
	if summary := browsertest.Eval[string](t, adm, `document.getElementById('city-summary').textContent`); !strings.Contains(summary, "phiên bản 4") ||
		!strings.Contains(summary, "27/11/2026 09:00") {
		t.Errorf("summary: got %q, want version 4 published 27/11/2026 09:00", summary)
	}
	if !browsertest.Eval[bool](t, adm, `!document.getElementById('tab-city').hidden && document.getElementById('tab-city').getAttribute('aria-current') === 'page'`) {
		t.Error("the city tab is not shown as the current tab")
	}
	if n := browsertest.Eval[int](t, adm, `document.querySelectorAll('[data-panel="city"] input, [data-panel="city"] textarea, [data-panel="city"] select, [data-panel="city"] button').length`); n != 0 {
		t.Errorf("the city tab has %d controls, want none: it is read only", n)
	}
	browsertest.Screenshot(t, adm, "admin-city")
	if unnamed := browsertest.UnnamedControls(t, adm); len(unnamed) > 0 {
		t.Errorf("city tab: controls without a name: %v", unnamed)
	}
	if low := browsertest.LowContrastText(t, adm); len(low) > 0 {
		t.Errorf("city tab: text below WCAG AA contrast: %v", low)
	}

	// The hall takes 9.000002 over as its own.
	browsertest.Do(t, adm, "add 9.000002 as the hall's own",
		chromedp.Click(`#tabs button[data-tab="procedures"]`),
		chromedp.Click("#add-procedure"),
		chromedp.SendKeys(`[data-path="procedures[0].code"]`, "9.000002"),
		chromedp.SendKeys(`[data-path="procedures[0].name"]`, "Nhận cha, mẹ, con (của sảnh)"),
		chromedp.SendKeys(`[data-path="procedures[0].agency"]`, "Ủy ban nhân dân cấp xã"),
		chromedp.SendKeys(`[data-path="procedures[0].processing_days"]`, "2"),
		chromedp.SendKeys(`[data-path="procedures[0].documents"]`, "Tờ khai đăng ký nhận cha, mẹ, con"),
		chromedp.Click("#btn-review"),
	)
	browsertest.WaitFor(t, adm, "the confirmation", `document.getElementById('confirm').open || !document.getElementById('hall-errors').hidden`)
	if msg := browsertest.Eval[string](t, adm, `document.getElementById('hall-errors').hidden ? '' : document.getElementById('hall-errors').textContent`); msg != "" {
		t.Fatalf("the dry run was refused: %s", msg)
	}
	if !browsertest.Eval[bool](t, adm, `!document.getElementById('confirm-city').hidden`) {
		t.Error("the confirmation does not show the clashes with the city's catalogue")
	}
	got := browsertest.Eval[[]string](t, adm, `[...document.querySelectorAll('#confirm-clashes li')].map(li => li.dataset.code + ' ' + li.textContent)`)
	wantConfirm := []string{"9.000002 Mới / new 9.000002 – Nhận cha, mẹ, con (của sảnh) (thành phố / city: Đăng ký nhận cha, mẹ, con)",
		"1.004873 1.004873 – Thủ tục cấp Giấy xác nhận tình trạng hôn nhân (thành phố / city: Xác nhận tình trạng hôn nhân (danh mục thành phố))"}
	if fmt.Sprint(got) != fmt.Sprint(wantConfirm) {
		t.Errorf("clashes in the confirmation: got %q, want %q", got, wantConfirm)
	}
	browsertest.Do(t, adm, "apply, back to the city's tab",
		chromedp.Click("#confirm-apply"))
	browsertest.WaitFor(t, adm, "applied", `!document.getElementById('confirm').open && document.getElementById('save-bar').hidden`)
	browsertest.Do(t, adm, "the city's tab", chromedp.Click(`#tabs button[data-tab="city"]`))
	browsertest.WaitFor(t, adm, "9.000002 among the clashes", `document.querySelectorAll('#city-clashes tbody tr').length === 2`)
	want = want[:1]
	if got := browsertest.Eval[[]string](t, adm, cityRows); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("procedures from the city after the change: got %q, want %q", got, want)
	}
	wantClash = append(wantClash, "9.000002 | Nhận cha, mẹ, con (của sảnh) | Đăng ký nhận cha, mẹ, con")
	if got := browsertest.Eval[[]string](t, adm, clashRows); fmt.Sprint(got) != fmt.Sprint(wantClash) {
		t.Errorf("clashes after the change: got %q, want %q", got, wantClash)
	}
}
