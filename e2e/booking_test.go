package e2e

import (
	"bytes"
	"context"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/motcua/motcua/internal/browsertest"
	"github.com/motcua/motcua/internal/qrtest"
	"github.com/motcua/motcua/server/servertest"
)

// TestBookOnlineCheckInAtKiosk: a citizen books a number on a phone-sized
// page, gets the QR, checks in at the kiosk by typing what the scanner
// reads, gets the printed ticket, and sees it called on the hall display and
// on the phone. The ID number and the phone appear on no page.
func TestBookOnlineCheckInAtKiosk(t *testing.T) {
	env := servertest.New(t) // the sample hall: Hà Nội's booking rules for TP and CT
	const idNumber, phoneNumber = "001089012345", "0912345678"
	b := browsertest.New(t)

	// Book on the phone: Tư pháp – Hộ tịch, today, 09:30.
	phone := b.Tab(390, 844)
	browsertest.Do(t, phone, "open /book", chromedp.Navigate(env.URL+"/book"))
	browsertest.WaitFor(t, phone, "the slots", `document.querySelectorAll('#slots input').length > 0`)
	if got := browsertest.Eval[string](t, phone, `document.querySelector('#service').selectedOptions[0].textContent`); got != "Tư pháp – Hộ tịch" {
		t.Fatalf("first bookable service: got %q, want Tư pháp – Hộ tịch", got)
	}
	if got := browsertest.Eval[string](t, phone, `document.querySelector('#date').value`); got != "2026-11-27" {
		t.Fatalf("first bookable day: got %q, want today 2026-11-27", got)
	}
	if full := browsertest.Eval[bool](t, phone, `document.querySelector('#slots input[value="08:30"]').disabled`); !full {
		t.Errorf("the 08:30 slot has started at 09:00: want it disabled")
	}
	browsertest.Do(t, phone, "choose 09:30 and fill the form",
		chromedp.Click(`#slots label:has(input[value="09:30"])`),
		chromedp.SendKeys("#id_number", idNumber),
		chromedp.SendKeys("#phone", phoneNumber))
	browsertest.Screenshot(t, phone, "book-form")
	a11y(t, phone, "the booking form")
	browsertest.Do(t, phone, "tap Đặt số", chromedp.Click("#submit"))
	browsertest.WaitFor(t, phone, "the booking with its QR",
		`!document.querySelector('#result').hidden && document.querySelector('#qr').complete && document.querySelector('#qr').naturalWidth > 0`)
	if overflow := browsertest.Eval[bool](t, phone, `document.documentElement.scrollWidth > document.documentElement.clientWidth`); overflow {
		t.Errorf("the booking page scrolls sideways at 390 px")
	}
	code := browsertest.Eval[string](t, phone, `document.querySelector('#code').textContent`)
	manage := browsertest.Eval[string](t, phone, `location.href`)
	if len(code) != 8 || !strings.Contains(manage, "/book/") {
		t.Fatalf("booking: got code %q at %s, want 8 characters on the manage page", code, manage)
	}
	if got := browsertest.Eval[string](t, phone, `document.querySelector('#status').textContent`); !strings.HasPrefix(got, "Đã đặt") {
		t.Errorf("booking status: got %q, want Đã đặt…", got)
	}
	browsertest.Screenshot(t, phone, "book-result")
	a11y(t, phone, "the booking")
	shot, err := chromedp.Run(phone, chromedp.ScreenshotScale("#qr", 2))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatal(err)
	}
	scanned := qrtest.Decode(t, img)
	if scanned != manage {
		t.Fatalf("the QR reads %q, want the manage URL %q", scanned, manage)
	}
	noPersonalData(t, phone, "the booking page", idNumber, phoneNumber)

	// At the hall, 20 minutes later: the kiosk's scanner types the QR's text.
	env.Clock.Set(time.Date(2026, 11, 27, 9, 20, 0, 0, servertest.Hanoi))
	kiosk := b.Tab(1080, 1920)
	browsertest.Do(t, kiosk, "open the kiosk", chromedp.Navigate(env.URL+"/kiosk"))
	browsertest.WaitFor(t, kiosk, "the services", `document.querySelectorAll('button.service').length >= 6`)
	browsertest.Eval[bool](t, kiosk, kioskRecorder)
	display := b.Tab(1920, 1080)
	browsertest.Do(t, display, "open the display", chromedp.Navigate(env.URL+"/display?mute=1"))

	browsertest.Eval[bool](t, kiosk, `document.querySelector('#checkin-open').scrollIntoView({block: 'center'}), true`)
	browsertest.Screenshot(t, kiosk, "kiosk-start-checkin")
	browsertest.Do(t, kiosk, "open the check-in box", chromedp.Click("#checkin-open"))
	browsertest.WaitFor(t, kiosk, "the check-in box", `!document.querySelector('#checkin').hidden`)
	a11y(t, kiosk, "the kiosk's check-in box")
	browsertest.Do(t, kiosk, "type the start of the code", chromedp.SendKeys("#checkin-code", code[:4]))
	browsertest.Screenshot(t, kiosk, "kiosk-checkin")
	browsertest.Do(t, kiosk, "clear the box", chromedp.Evaluate[chromedp.Void](`document.querySelector('#checkin-code').value = ''`))
	browsertest.Do(t, kiosk, "type the scanned text and Enter", chromedp.SendKeys("#checkin-code", scanned+"\r"))
	browsertest.WaitFor(t, kiosk, "the ticket screen", `document.body.dataset.screen === 'ticket' && document.querySelector('#checkin').hidden`)
	browsertest.WaitFor(t, kiosk, "the automatic print", `window.__prints.length === 1`)
	number := browsertest.Eval[string](t, kiosk, `document.querySelector('#ticket-number').textContent`)
	if !strings.HasPrefix(number, "1") || len(number) != 4 {
		t.Errorf("ticket number: got %q, want a Tư pháp number 1xxx", number)
	}
	if p := browsertest.Eval[[]printRecord](t, kiosk, `window.__prints`)[0]; !p.Printing || !p.QRLoaded || p.Number != number {
		t.Errorf("the kiosk printed %+v, want the paper layout with the QR and number %s", p, number)
	}
	browsertest.Screenshot(t, kiosk, "kiosk-checked-in")
	// A second scan of the same booking is refused, on screen.
	browsertest.Do(t, kiosk, "tap Xong", chromedp.Click("#screen-ticket .done"))
	browsertest.WaitFor(t, kiosk, "the start screen", `document.body.dataset.screen === 'start'`)
	browsertest.Eval[bool](t, kiosk, `document.querySelector('#checkin-open').scrollIntoView({block: 'center'}), true`)
	browsertest.Do(t, kiosk, "open the check-in box again", chromedp.Click("#checkin-open"))
	browsertest.Do(t, kiosk, "type the code again", chromedp.SendKeys("#checkin-code", strings.ToLower(code)+"\r"))
	browsertest.WaitFor(t, kiosk, "the refusal", `!document.querySelector('#checkin-error').hidden`)
	if got := browsertest.Eval[string](t, kiosk, `document.querySelector('#checkin-error').textContent`); !strings.Contains(got, "đã được lấy số") {
		t.Errorf("second check-in: got %q, want the booking already checked in", got)
	}

	// The next citizen holds a phone to the scanner on the start screen: the
	// scanner's keys alone check in, no tap needed.
	var second struct {
		ManageURL string `json:"manage_url"`
	}
	if st := env.Do("POST", "/api/v1/appointments", "", map[string]any{"service_id": 1, "date": "2026-11-27", "slot_from": "09:30",
		"id_number": "001089099999", "phone": "0987000111"}, &second); st != 201 {
		t.Fatalf("second booking: %d", st)
	}
	browsertest.Do(t, kiosk, "close the check-in box", chromedp.Click("#checkin .back"))
	browsertest.WaitFor(t, kiosk, "the start screen", `document.body.dataset.screen === 'start' && document.querySelector('#checkin').hidden`)
	browsertest.Do(t, kiosk, "the scanner types the QR and Enter", chromedp.KeyEvent(second.ManageURL+"\r"))
	browsertest.WaitFor(t, kiosk, "the second ticket, printed", `document.body.dataset.screen === 'ticket' && window.__prints.length === 2`)
	if got := browsertest.Eval[string](t, kiosk, `document.querySelector('#ticket-number').textContent`); got == number || !strings.HasPrefix(got, "1") {
		t.Errorf("second check-in's ticket: got %q, want the next Tư pháp number after %s", got, number)
	}

	// The phone's manage page now leads to the ticket.
	browsertest.Do(t, phone, "reload the manage page", chromedp.Reload())
	browsertest.WaitFor(t, phone, "the link to the ticket", `!document.querySelector('#track').hidden`)
	browsertest.Do(t, phone, "follow the ticket", chromedp.Click("#track"))
	browsertest.WaitThroughReload(t, phone, "the ticket on the phone", `document.querySelector('#number').textContent === '`+number+`'`)

	// Counter 1 calls it: the display and the phone.
	called, ok := env.CallNext(counterNumbered(t, env, 1))
	if !ok || called.Number != number {
		t.Fatalf("counter 1 call next: got %+v, want %s", called, number)
	}
	browsertest.WaitFor(t, display, "the call on the display", `document.querySelector('#current-call').dataset.number === '`+number+`'`)
	browsertest.WaitFor(t, phone, "the called banner", `!document.querySelector('#called-banner').hidden`)
	if got := browsertest.Eval[string](t, phone, `document.querySelector('#called-banner').innerText`); !strings.Contains(got, "quầy số 1") {
		t.Errorf("called banner: got %q, want counter 1", got)
	}
	browsertest.Screenshot(t, phone, "book-phone-called")
	noPersonalData(t, phone, "the tracking page", idNumber, phoneNumber)
	noPersonalData(t, display, "the display", idNumber, phoneNumber)
	noPersonalData(t, kiosk, "the kiosk", idNumber, phoneNumber)
}

// noPersonalData checks that a page's markup and text hold none of values.
func noPersonalData(t *testing.T, tab context.Context, where string, values ...string) {
	t.Helper()
	html := browsertest.Eval[string](t, tab, `document.documentElement.outerHTML`)
	for _, v := range values {
		if strings.Contains(html, v) {
			t.Errorf("%s shows %q", where, v)
		}
	}
}

// a11y checks that every control has a name and every text reads (WCAG AA).
func a11y(t *testing.T, tab context.Context, where string) {
	t.Helper()
	if u := browsertest.UnnamedControls(t, tab); len(u) > 0 {
		t.Errorf("%s: controls without a name: %v", where, u)
	}
	if c := browsertest.LowContrastText(t, tab); len(c) > 0 {
		t.Errorf("%s: low-contrast text: %v", where, c)
	}
}

// TestBookingPageErrorsAndCancel: a wrong ID number is named on the form,
// nothing is booked; a booking's page cancels it.
func TestBookingPageErrorsAndCancel(t *testing.T) {
	env := servertest.New(t)
	b := browsertest.New(t)
	phone := b.Tab(390, 844)
	browsertest.Do(t, phone, "open /book", chromedp.Navigate(env.URL+"/book"))
	browsertest.WaitFor(t, phone, "the slots", `document.querySelectorAll('#slots input:not([disabled])').length > 0`)
	browsertest.Do(t, phone, "fill in a short ID number",
		chromedp.Click(`#slots label:has(input[value="10:00"])`),
		chromedp.SendKeys("#id_number", "12345"),
		chromedp.SendKeys("#phone", "0912345678"),
		chromedp.Click("#submit"))
	browsertest.WaitFor(t, phone, "the error", `!document.querySelector('#error').hidden`)
	if got := browsertest.Eval[string](t, phone, `document.querySelector('#error').textContent`); !strings.Contains(got, "12 chữ số") {
		t.Errorf("form error: got %q, want the ID number's rule", got)
	}
	if !browsertest.Eval[bool](t, phone, `document.querySelector('#result').hidden && location.pathname === '/book'`) {
		t.Error("a refused booking left the form")
	}

	var booked struct {
		Token     string `json:"token"`
		ManageURL string `json:"manage_url"`
	}
	if st := env.Do("POST", "/api/v1/appointments", "", map[string]any{"service_id": 1, "date": "2026-11-30", "slot_from": "08:00",
		"id_number": "001089012346", "phone": "0912345678"}, &booked); st != 201 {
		t.Fatalf("book: %d", st)
	}
	browsertest.Do(t, phone, "open the booking's page", chromedp.Navigate(booked.ManageURL))
	browsertest.WaitFor(t, phone, "the booking", `!document.querySelector('#cancel').hidden`)
	browsertest.Eval[bool](t, phone, `window.confirm = function () { return true; }, true`)
	browsertest.Do(t, phone, "tap Huỷ lịch hẹn", chromedp.Click("#cancel"))
	browsertest.WaitFor(t, phone, "the cancelled booking", `document.querySelector('#status').textContent.startsWith('Đã huỷ')`)
	if !browsertest.Eval[bool](t, phone, `document.querySelector('#cancel').hidden && document.querySelector('#qr').hidden`) {
		t.Error("a cancelled booking still offers its QR or the cancel button")
	}
	var a struct{ Status string }
	if env.Do("GET", "/api/v1/appointments/"+booked.Token, "", nil, &a); a.Status != "cancelled" {
		t.Errorf("the hub's booking after the page's cancel: got %q, want cancelled", a.Status)
	}
	browsertest.Screenshot(t, phone, "book-cancelled")
}
