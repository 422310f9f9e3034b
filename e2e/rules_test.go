package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/motcua/motcua/internal/browsertest"
	"github.com/motcua/motcua/internal/idcardtest"
	"github.com/motcua/motcua/server/servertest"
)

// Issue 17: the officer scans a thẻ căn cước (its QR carries more fields than
// the CCCD's) and receives the dossier; then receives an enterprise's
// dossier, whose bad tax code is refused next to its field, and whose
// receipt names the enterprise.
func TestCounterReceivesCanCuocAndEnterprise(t *testing.T) {
	env := servertest.New(t)
	env.Issue(1, false)
	env.Issue(1, false)
	b := browsertest.New(t)
	counter := b.Tab(1366, 900)
	callAtCounterOne(t, counter, env)

	card := idcardtest.IDCard{Number: "001189012346", FullName: "Lê Thị Căn Cước", Sex: "Nữ",
		Address: "Số 3 phố Lý Thái Tổ, Hoàn Kiếm, Hà Nội", BirthDate: time.Date(1989, 8, 15, 0, 0, 0, 0, time.UTC),
		IssuedDate: time.Date(2024, 9, 2, 0, 0, 0, 0, time.UTC), Extra: []string{"Lê Văn Cha", "001060012345", "Trần Thị Mẹ", "001062012345"}}
	browsertest.Do(t, counter, "open the form and scan the thẻ căn cước",
		chromedp.Click("#dp-new"),
		chromedp.WaitVisible("#dp-scan"),
		chromedp.SendKeys("#dp-scan", idcardtest.FormatIDCardQR(card)+"\n"),
	)
	browsertest.WaitFor(t, counter, "the applicant filled from the card, as a thẻ căn cước",
		`document.getElementById('dp-kind').value === 'can_cuoc' && document.getElementById('dp-id').value === '001189012346' && document.getElementById('dp-name').value === 'Lê Thị Căn Cước' && document.getElementById('dp-scan').value === ''`)
	if label := browsertest.Eval[string](t, counter, `document.getElementById('dp-id-label').textContent`); !strings.Contains(label, "thẻ căn cước") {
		t.Errorf("ID label: got %q, want it to name the thẻ căn cước", label)
	}
	t.Cleanup(func() {
		if t.Failed() {
			browsertest.Screenshot(t, counter, "dossier-counter-can-cuoc-failed")
		}
	})
	browsertest.Do(t, counter, "choose the procedure",
		chromedp.SendKeys("#dp-proc-search", "xac nhan hon nhan"),
		chromedp.WaitVisible("#dp-match-0"),
		chromedp.Click("#dp-match-0"),
		chromedp.WaitVisible("#dp-doc-0"),
		chromedp.Click("#dp-docs-all"),
	)
	browsertest.Do(t, counter, "type the phone and receive",
		chromedp.SendKeys("#dp-phone", "0912 000 111"),
		chromedp.Click("#dp-submit"),
		chromedp.WaitVisible("#dp-print"),
	)
	code := browsertest.Eval[string](t, counter, `document.querySelector('.dp-created-code').textContent`)
	browsertest.WaitFor(t, counter, "the dossier in the visit's list", `document.querySelector('#dp-list [data-code="`+code+`"]') !== null`)
	id := browsertest.Eval[float64](t, counter, `Number(document.querySelector('#dp-list [data-code="`+code+`"]').dataset.dossierId)`)
	_, raw := env.Raw("GET", fmt.Sprintf("/api/v1/dossiers/%d", int64(id)), env.AdminToken, nil)
	if !strings.Contains(string(raw), `"kind":"can_cuoc"`) || !strings.Contains(string(raw), `"id_number":"001189012346"`) {
		t.Errorf("stored dossier: got %s, want a thẻ căn cước holder 001189012346", raw)
	}
	for _, other := range []string{"Lê Văn Cha", "001060012345", "Trần Thị Mẹ"} {
		if strings.Contains(string(raw), other) {
			t.Errorf("stored dossier keeps %q from the card's extra fields", other)
		}
	}

	// Verification needed: the officer extends it by the procedure's 3 days, with the reason.
	item := `#dp-list [data-code="` + code + `"]`
	if due := browsertest.Eval[string](t, counter, `document.querySelector('`+item+` .dp-due').textContent`); !strings.Contains(due, "02/12/2026") {
		t.Errorf("due before the extension: got %q, want 02/12/2026", due)
	}
	browsertest.Do(t, counter, "extend the dossier with a reason",
		chromedp.Click(item+` .dp-act[data-action="extend"]`),
		chromedp.WaitVisible(item+` .dp-note-row input`),
		chromedp.SendKeys(item+` .dp-note-row input`, "Cần xác minh tình trạng hôn nhân tại nơi cư trú trước"),
		chromedp.Click(item+` .dp-note-row button[type="submit"]`),
	)
	browsertest.WaitFor(t, counter, "the extended due date", `(document.querySelector('`+item+` .dp-due') || {textContent: ''}).textContent.includes('07/12/2026') && document.querySelector('`+item+` .dp-act[data-action="extend"]') === null`)

	// An enterprise: its code with a wrong check digit is refused by the hub, next to the field.
	// Served, then the next visitor (a ticket called once may not be skipped).
	browsertest.WaitFor(t, counter, "the start button", `!document.getElementById('btn-start').disabled`)
	browsertest.Do(t, counter, "start serving 1001", chromedp.Click("#btn-start"))
	browsertest.WaitFor(t, counter, "the call-next button", `!document.getElementById('btn-next').disabled && document.getElementById('btn-start').disabled`)
	browsertest.Do(t, counter, "next visitor: an enterprise with a mistyped tax code",
		chromedp.Click("#btn-next"),
	)
	browsertest.WaitFor(t, counter, "the panel on the second visit", `document.getElementById('dp-ticket').textContent === '1002' && document.querySelector('#dp-list [data-code]') === null && !document.getElementById('dp-new').disabled`)
	browsertest.Do(t, counter, "open the form", chromedp.Click("#dp-new"), chromedp.WaitVisible("#dp-kind"))
	browsertest.Eval[bool](t, counter, `(() => { const s = document.getElementById('dp-kind'); s.value = 'organisation'; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`)
	browsertest.Do(t, counter, "fill the enterprise's dossier",
		chromedp.WaitVisible("#dp-org-code"),
		chromedp.SendKeys("#dp-org-code", "0101248142"),
		chromedp.SendKeys("#dp-org-name", "Công ty Cổ phần Ánh Dương"),
		chromedp.SendKeys("#dp-name", "Phạm Thu Hà"),
		chromedp.SendKeys("#dp-id", "001190054321"),
		chromedp.SendKeys("#dp-phone", "0243 123 4567"),
		chromedp.SendKeys("#dp-address", "Số 9 phố Huế, Hà Nội"),
		chromedp.SendKeys("#dp-proc-search", "xac nhan hon nhan"),
		chromedp.WaitVisible("#dp-match-0"),
		chromedp.Click("#dp-match-0"),
		chromedp.WaitVisible("#dp-doc-0"),
		chromedp.Click("#dp-docs-all"),
		chromedp.Click("#dp-submit"),
	)
	browsertest.WaitFor(t, counter, "the tax code's error", `document.querySelector('.dp-err[data-for="applicant.org_code"]').textContent.includes('mã số thuế') && document.getElementById('dp-org-code').getAttribute('aria-invalid') === 'true'`)
	browsertest.Screenshot(t, counter, "dossier-counter-enterprise-error")
	browsertest.Eval[bool](t, counter, `(() => { document.getElementById('dp-org-code').value = ''; return true; })()`)
	browsertest.Do(t, counter, "correct the tax code and receive",
		chromedp.SendKeys("#dp-org-code", "0101248141"),
		chromedp.Click("#dp-submit"),
		chromedp.WaitVisible("#dp-print"),
	)
	code = browsertest.Eval[string](t, counter, `document.querySelector('.dp-created-code').textContent`)
	browsertest.WaitFor(t, counter, "the enterprise in the visit's list", `(document.querySelector('#dp-list [data-code="`+code+`"]') || {textContent: ''}).textContent.includes('Công ty Cổ phần Ánh Dương')`)
	href := browsertest.Eval[string](t, counter, `document.getElementById('dp-print').getAttribute('href')`)
	receipt := b.Tab(900, 1100)
	browsertest.Do(t, receipt, "open the receipt", chromedp.Navigate(env.URL+href))
	browsertest.WaitFor(t, receipt, "the receipt's two copies", `document.querySelectorAll('section.sheet').length === 2`)
	org := browsertest.Eval[string](t, receipt, `document.querySelector('.applicant-org').textContent`)
	if !strings.Contains(org, "Công ty Cổ phần Ánh Dương") || !strings.Contains(org, "0101248141") || !strings.Contains(org, "Phạm Thu Hà") {
		t.Errorf("receipt's organisation line: got %q", org)
	}
}
