package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/motcua/motcua/internal/browsertest"
	"github.com/motcua/motcua/internal/idcardtest"
	"github.com/motcua/motcua/server/servertest"
)

// An officer receives a dossier from a called ticket on the counter page,
// prints its receipt, and the citizen's phone shows the dossier live.
func TestCounterCreatesDossierAndPhoneFollowsIt(t *testing.T) {
	env := servertest.New(t)
	tk := env.Issue(1, false) // Tư pháp – Hộ tịch, served at counter 1
	b := browsertest.New(t)

	phone := b.Tab(412, 915)
	browsertest.Do(t, phone, "open the ticket's phone page", chromedp.Navigate(env.URL+"/t/"+tk.Token))
	browsertest.WaitFor(t, phone, "the ticket number", `document.getElementById('number').textContent.includes('`+tk.Number+`')`)

	counter := b.Tab(1366, 768)
	callAtCounterOne(t, counter, env)

	card := idcardtest.IDCard{Number: "001190012345", FullName: "Nguyễn Thị Bình", Sex: "Nữ", Address: "Số 5 phố Hàng Bạc, Hoàn Kiếm, Hà Nội"}
	card.BirthDate = servertest.Start.AddDate(-40, 0, 0)
	card.IssuedDate = servertest.Start.AddDate(-3, 0, 0)
	browsertest.Do(t, counter, "open the form and scan the ID card",
		chromedp.Click("#dp-new"),
		chromedp.WaitVisible("#dp-scan"),
		chromedp.SendKeys("#dp-scan", idcardtest.FormatIDCardQR(card)),
	)
	browsertest.WaitFor(t, counter, "the applicant filled from the card",
		`document.getElementById('dp-id').value === '001190012345' && document.getElementById('dp-name').value === 'Nguyễn Thị Bình' && document.getElementById('dp-scan').value === ''`)

	browsertest.Do(t, counter, "search a procedure without accents",
		chromedp.SendKeys("#dp-proc-search", "xac nhan hon nhan"),
		chromedp.WaitVisible("#dp-match-0"),
		chromedp.Click("#dp-match-0"),
		chromedp.WaitVisible("#dp-doc-0"),
		chromedp.Click("#dp-docs-all"),
	)
	// Forgot the phone: the hub's 422 shows next to the phone field.
	browsertest.Do(t, counter, "submit without a phone", chromedp.Click("#dp-submit"))
	browsertest.WaitFor(t, counter, "the phone's error", `document.querySelector('.dp-err[data-for="applicant.phone"]').textContent.length > 0 && document.getElementById('dp-phone').getAttribute('aria-invalid') === 'true'`)
	browsertest.Screenshot(t, counter, "dossier-counter-field-error")

	browsertest.Do(t, counter, "type the phone and receive the dossier",
		chromedp.SendKeys("#dp-phone", "0912 345 678"),
		chromedp.Click("#dp-submit"),
		chromedp.WaitVisible("#dp-print"),
	)
	code := browsertest.Eval[string](t, counter, `document.querySelector('.dp-created-code').textContent`)
	if !strings.HasPrefix(code, "000.00.01.H26-261127-") {
		t.Fatalf("dossier code: got %q", code)
	}
	browsertest.WaitFor(t, counter, "the dossier in the visit's list", `document.querySelector('#dp-list [data-code="`+code+`"]') !== null`)
	browsertest.Screenshot(t, counter, "dossier-counter-created")

	// The phone page hears of it over its websocket, without a reload.
	browsertest.WaitFor(t, phone, "the dossier on the phone", `document.getElementById('dossier-list').textContent.includes('`+code+`')`)
	text := browsertest.Eval[string](t, phone, `document.body.innerText`)
	for _, p := range []string{"Nguyễn Thị Bình", "001190012345", "0912345678", "345 678", "Hàng Bạc"} {
		if strings.Contains(text, p) {
			t.Errorf("phone page shows %q", p)
		}
	}
	if !strings.Contains(text, "02/12/2026") {
		t.Errorf("phone page: due date 02/12/2026 missing from %q", text)
	}
	browsertest.Screenshot(t, phone, "dossier-phone")

	// The print view opens from the receipt button (a new window, same login cookie).
	href := browsertest.Eval[string](t, counter, `document.getElementById('dp-print').getAttribute('href')`)
	receipt := b.Tab(900, 1100)
	browsertest.Do(t, receipt, "open the receipt", chromedp.Navigate(env.URL+href))
	browsertest.WaitFor(t, receipt, "the receipt's two copies", `document.querySelectorAll('section.sheet').length === 2`)
	got := browsertest.Eval[string](t, receipt, `document.querySelector('.dossier-code').textContent`)
	if got != code {
		t.Errorf("receipt code: got %q, want %q", got, code)
	}
	due := browsertest.Eval[string](t, receipt, `document.querySelector('.due').textContent`)
	if due != "17 giờ 00 phút, ngày 02 tháng 12 năm 2026" {
		t.Errorf("receipt due date: got %q", due)
	}
	browsertest.WaitFor(t, receipt, "the QR image", `[...document.querySelectorAll('img.qr-code')].length === 2 && [...document.querySelectorAll('img.qr-code')].every((i) => i.complete && i.naturalWidth > 0)`)
	copies := browsertest.Eval[string](t, receipt, `[...document.querySelectorAll('.copy')].map((c) => c.textContent).join(' ')`)
	if !strings.Contains(copies, "Liên 1: Lưu") || !strings.Contains(copies, "Liên 2: Giao người nộp") {
		t.Errorf("receipt copies: got %q", copies)
	}
	browsertest.Screenshot(t, receipt, "dossier-receipt")

	// The officer passes the dossier on: the phone shows the new status and the road so far.
	id := browsertest.Eval[float64](t, counter, `Number(document.querySelector('#dp-list [data-code="`+code+`"]').dataset.dossierId)`)
	if status := env.Do("POST", fmt.Sprintf("/api/v1/dossiers/%d/events", int64(id)), env.AdminToken, map[string]string{"type": "transfer"}, nil); status != 200 {
		t.Fatalf("transfer: got %d", status)
	}
	browsertest.WaitFor(t, phone, "the new status and history", `document.querySelector('.d-history') !== null && document.getElementById('dossier-list').textContent.includes('Đã chuyển cơ quan giải quyết')`)
	browsertest.Eval[bool](t, phone, `document.querySelector('.d-history').open = true`)
	browsertest.Screenshot(t, phone, "dossier-phone-history")
}
