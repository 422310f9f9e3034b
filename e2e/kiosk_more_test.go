package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/motcua/motcua/internal/browsertest"
	"github.com/motcua/motcua/server/servertest"
)

// vietnameseLetters are letters English never uses.
var vietnameseLetters = regexp.MustCompile(`(?i)[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]`)

// visibleHeadings returns the text of the headings shown in the kiosk now.
const visibleHeadings = `Array.from(document.querySelectorAll('h1, h2, h3, legend, dt, .lead, .group-lead, .t-label, .short-code-hint'))
  .filter(e => e.offsetParent !== null && e.textContent.trim() !== '').map(e => e.textContent.trim())`

func untranslated(headings []string) []string {
	var out []string
	for _, h := range headings {
		if vietnameseLetters.MatchString(h) {
			out = append(out, h)
		}
	}
	return out
}

// In English every heading of every kiosk screen is in English, the field
// headings of the services included.
func TestKioskEnglishHeadings(t *testing.T) {
	env := servertest.New(t)
	b := browsertest.New(t)
	kiosk := b.Tab(1080, 1920)
	browsertest.Do(t, kiosk, "open the kiosk", chromedp.Navigate(env.URL+"/kiosk"))
	browsertest.WaitFor(t, kiosk, "the services", `document.querySelectorAll('button.service:not([disabled])').length >= 6`)
	browsertest.Eval[bool](t, kiosk, kioskRecorder)
	browsertest.Do(t, kiosk, "tap English", chromedp.Click("#lang-toggle"))
	browsertest.WaitFor(t, kiosk, "English", `document.documentElement.lang === 'en'`)

	check := func(screen string) {
		t.Helper()
		headings := browsertest.Eval[[]string](t, kiosk, visibleHeadings)
		if len(headings) == 0 {
			t.Fatalf("%s: no heading found", screen)
		}
		if vi := untranslated(headings); len(vi) > 0 {
			t.Errorf("%s in English: headings still in Vietnamese: %q", screen, vi)
		}
	}
	check("start")
	fields := browsertest.Eval[[]string](t, kiosk, `Array.from(document.querySelectorAll('#services .field h2')).map(h => h.textContent)`)
	if strings.Join(fields, "|") != "Justice|Agriculture and environment|Finance|Construction|Home affairs; Health" {
		t.Errorf("field headings in English: got %q", fields)
	}
	browsertest.Screenshot(t, kiosk, "kiosk-english")

	browsertest.Do(t, kiosk, "tap the first service", chromedp.Click(`button.service`))
	browsertest.WaitFor(t, kiosk, "the priority question", `document.body.dataset.screen === 'priority'`)
	check("priority question")
	browsertest.Do(t, kiosk, "tap No", chromedp.Click("#priority-none"))
	browsertest.WaitFor(t, kiosk, "the ticket", `document.body.dataset.screen === 'ticket' && window.__prints.length === 1`)
	check("ticket")
	browsertest.Do(t, kiosk, "tap Done", chromedp.Click("#screen-ticket .done"))
	browsertest.WaitFor(t, kiosk, "the start screen in Vietnamese again", `document.body.dataset.screen === 'start' && document.documentElement.lang === 'vi'`)

	browsertest.Do(t, kiosk, "tap English", chromedp.Click("#lang-toggle"))
	browsertest.Do(t, kiosk, "open reactivation", chromedp.Click("#reactivate-open"))
	browsertest.WaitFor(t, kiosk, "the reactivation screen", `document.body.dataset.screen === 'reactivate'`)
	check("reactivation")
	tapKeys(t, kiosk, "#code-keyboard", "AAAAAA")
	browsertest.Do(t, kiosk, "tap Reactivate", chromedp.Click("#reactivate-submit"))
	browsertest.WaitFor(t, kiosk, "the refusal", `document.body.dataset.screen === 'message'`)
	check("message")
}

// The reactivation field's example reads as an example, not as a code
// already typed into the field.
func TestKioskReactivationFieldExample(t *testing.T) {
	env := servertest.New(t)
	b := browsertest.New(t)
	kiosk := b.Tab(1080, 1920)
	browsertest.Do(t, kiosk, "open the kiosk", chromedp.Navigate(env.URL+"/kiosk"))
	browsertest.WaitFor(t, kiosk, "the services", `document.querySelectorAll('button.service').length >= 6`)
	browsertest.Do(t, kiosk, "open reactivation", chromedp.Click("#reactivate-open"))
	browsertest.WaitFor(t, kiosk, "the reactivation screen", `document.body.dataset.screen === 'reactivate'`)
	for _, lang := range []string{"vi", "en"} {
		if lang == "en" {
			browsertest.Do(t, kiosk, "tap English", chromedp.Click("#lang-toggle"))
		}
		placeholder := browsertest.Eval[string](t, kiosk, `document.querySelector('#short-code').placeholder`)
		if regexp.MustCompile(`^[A-Z0-9]{6}$`).MatchString(placeholder) || !strings.Contains(placeholder, " ") {
			t.Errorf("%s placeholder %q: want words saying what to type, not a code", lang, placeholder)
		}
		hint := browsertest.Eval[string](t, kiosk, `document.querySelector('#short-code-hint').textContent`)
		if want := map[string]string{"vi": "ví dụ: K7M2QX", "en": "for example: K7M2QX"}[lang]; !strings.Contains(hint, want) {
			t.Errorf("%s hint %q: want the example given as one (%q)", lang, hint, want)
		}
		if v := browsertest.Eval[string](t, kiosk, `document.querySelector('#short-code').value`); v != "" {
			t.Errorf("%s: the field holds %q before anything is typed", lang, v)
		}
	}
	style := browsertest.Eval[[]string](t, kiosk, `(function () {
  var s = getComputedStyle(document.querySelector('#short-code'), '::placeholder');
  return [s.fontStyle, s.letterSpacing, s.fontWeight];
})()`)
	if style[0] != "italic" || style[2] == "700" {
		t.Errorf("placeholder style %q: want italic, not bold like a typed code", style)
	}
	browsertest.Screenshot(t, kiosk, "kiosk-reactivate")
}

// "In lại phiếu" prints the ticket again for the citizen who just took it,
// never for the next person.
func TestKioskReprintOnlyForItsCitizen(t *testing.T) {
	env := servertest.New(t)
	b := browsertest.New(t)
	kiosk := b.Tab(1080, 1920)
	browsertest.Do(t, kiosk, "open the kiosk", chromedp.Navigate(env.URL+"/kiosk"))
	browsertest.WaitFor(t, kiosk, "the services", `document.querySelectorAll('button.service:not([disabled])').length >= 6`)
	browsertest.Eval[bool](t, kiosk, kioskRecorder)
	// The page's clock, under the test's control.
	browsertest.Eval[bool](t, kiosk, `(function () { window.__skew = 0; var n = Date.now.bind(Date); Date.now = function () { return n() + window.__skew; }; return true; })()`)

	take := func(n int) string {
		t.Helper()
		browsertest.Do(t, kiosk, "tap a service", chromedp.Click(`button.service[data-service-id="1"]`))
		browsertest.WaitFor(t, kiosk, "the priority question", `document.body.dataset.screen === 'priority'`)
		browsertest.Do(t, kiosk, "tap Không", chromedp.Click("#priority-none"))
		browsertest.WaitFor(t, kiosk, "the printed ticket", fmt.Sprintf(`document.body.dataset.screen === 'ticket' && window.__prints.length === %d`, n))
		if hidden := browsertest.Eval[bool](t, kiosk, `document.querySelector('#reprint').hidden`); hidden {
			t.Errorf("no reprint button on the ticket screen")
		}
		browsertest.Do(t, kiosk, "tap Xong", chromedp.Click("#screen-ticket .done"))
		browsertest.WaitFor(t, kiosk, "the start screen with the reprint button", `document.body.dataset.screen === 'start' && !document.querySelector('#reprint').hidden`)
		return browsertest.Eval[string](t, kiosk, `document.querySelector('#ticket-number').textContent`)
	}
	prints := func() int { return browsertest.Eval[int](t, kiosk, `window.__prints.length`) }

	// The next person touches the screen: the button goes, and nothing reprints.
	take(1)
	browsertest.Do(t, kiosk, "the next person taps the search box", chromedp.Click("#search"))
	if hidden := browsertest.Eval[bool](t, kiosk, `document.querySelector('#reprint').hidden`); !hidden {
		t.Errorf("reprint button still shown after the next person's touch")
	}
	browsertest.Eval[bool](t, kiosk, `(document.querySelector('#reprint').click(), true)`)
	if n := prints(); n != 1 {
		t.Errorf("prints after the next person's touch and a reprint: got %d, want 1", n)
	}
	browsertest.Do(t, kiosk, "close the keyboard", chromedp.Click(`#search-keyboard button[data-key="hide"]`))

	// Nobody touches it, but the window is over.
	take(2)
	browsertest.Eval[bool](t, kiosk, fmt.Sprintf(`(window.__skew = %d, true)`, (31*time.Second).Milliseconds()))
	browsertest.Eval[bool](t, kiosk, `(document.querySelector('#reprint').click(), true)`)
	if n := prints(); n != 2 {
		t.Errorf("prints after the reprint window: got %d, want 2", n)
	}
	if hidden := browsertest.Eval[bool](t, kiosk, `document.querySelector('#reprint').hidden`); !hidden {
		t.Errorf("reprint button still shown after its window")
	}
	browsertest.Eval[bool](t, kiosk, `(window.__skew = 0, true)`)

	// Within the window, the citizen's own reprint works.
	number := take(3)
	browsertest.Do(t, kiosk, "tap In lại phiếu", chromedp.Click("#reprint"))
	browsertest.WaitFor(t, kiosk, "the reprint", `window.__prints.length === 4`)
	if got := browsertest.Eval[[]printRecord](t, kiosk, `window.__prints`)[3].Number; got != number {
		t.Errorf("reprinted %s, want %s", got, number)
	}
}
