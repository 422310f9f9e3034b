package e2e

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/motcua/motcua/internal/browsertest"
	"github.com/motcua/motcua/server/servertest"
)

// formInView reports, in the counter tab, whether the dossier form's top is
// on screen with its first field, the ID card scan, fully visible and focused.
const formInView = `(function () {
  var form = document.getElementById('dp-form').getBoundingClientRect();
  var scan = document.getElementById('dp-scan').getBoundingClientRect();
  var box = document.querySelector('.work-left').getBoundingClientRect();
  var top = Math.max(0, box.top), bottom = Math.min(innerHeight, box.bottom);
  return form.top >= top - 1 && form.top < bottom && scan.top >= top && scan.bottom <= bottom &&
    document.activeElement === document.getElementById('dp-scan');
})()`

// On a 1366×768 counter PC, "Tạo hồ sơ" brings the form into view, and a
// field's error goes as soon as the officer corrects the field.
func TestCounterDossierFormInViewAndErrorsClear(t *testing.T) {
	env := servertest.New(t)
	env.Issue(1, false)
	b := browsertest.New(t)
	counter := b.Tab(1366, 768)
	callAtCounterOne(t, counter, env)
	browsertest.Do(t, counter, "press Tạo hồ sơ", chromedp.Click("#dp-new"))
	browsertest.WaitFor(t, counter, "the form in view at 1366×768", formInView)
	browsertest.Screenshot(t, counter, "counter-dossier-form")

	// Submitted without a procedure, a name or a phone: three errors.
	browsertest.Do(t, counter, "submit an empty form", chromedp.Click("#dp-submit"))
	errText := func(field string) string {
		return `document.querySelector('.dp-err[data-for="` + field + `"]').textContent`
	}
	browsertest.WaitFor(t, counter, "the errors", errText("applicant.name")+`.length > 0 && `+errText("applicant.phone")+`.length > 0`)

	// The officer types the name: its error goes at once, the phone's stays.
	browsertest.Do(t, counter, "type the name", chromedp.SendKeys("#dp-name", "Nguyễn Thị Bình"))
	browsertest.WaitFor(t, counter, "the name's error gone", errText("applicant.name")+` === '' && !document.getElementById('dp-name').hasAttribute('aria-invalid')`)
	if still := browsertest.Eval[bool](t, counter, errText("applicant.phone")+`.length > 0 && document.getElementById('dp-phone').getAttribute('aria-invalid') === 'true'`); !still {
		t.Errorf("the phone's error went with the name's, want it kept until the phone is corrected")
	}
	// A field emptied again shows its error again only after the next submit.
	browsertest.Do(t, counter, "type the phone", chromedp.SendKeys("#dp-phone", "0912 345 678"))
	browsertest.WaitFor(t, counter, "the phone's error gone", errText("applicant.phone")+` === '' && !document.getElementById('dp-phone').hasAttribute('aria-invalid')`)
	if n := browsertest.Eval[int](t, counter, `document.querySelectorAll('#dossier-panel [aria-invalid="true"]').length`); n == 0 {
		t.Errorf("no field marked any more, want the procedure still marked")
	}
}

// callAtCounterOne signs the admin in at counter 1 in tab, presses Gọi tiếp
// and waits for the visit's dossier panel.
func callAtCounterOne(t *testing.T, counter context.Context, env *servertest.Env) {
	t.Helper()
	browsertest.Do(t, counter, "sign in at counter 1",
		chromedp.Navigate(env.URL+"/counter?counter=1"),
		chromedp.WaitVisible("#login-username"),
		chromedp.SendKeys("#login-username", "admin"),
		chromedp.SendKeys("#login-password", servertest.AdminPassword),
		chromedp.Click("#login-submit"),
		chromedp.WaitVisible("#btn-next"),
	)
	browsertest.WaitFor(t, counter, "the call-next button", `!document.getElementById('btn-next').disabled`)
	browsertest.Do(t, counter, "call the next ticket", chromedp.Click("#btn-next"))
	browsertest.WaitFor(t, counter, "the dossier panel", `!document.getElementById('dossier-panel').hidden`)
}
