package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/motcua/motcua/internal/browsertest"
	"github.com/motcua/motcua/server/servertest"
)

// backWithin is how soon after the hub is reachable again a hall screen must
// be live: the websocket loop's longest wait (4 s) and a handshake.
const backWithin = 6 * time.Second

// After an outage long enough for any backoff to grow, a hall screen is
// back within seconds of the hub, by itself. While it is out, the whole
// hall can see it: a wide banner, and the last numbers greyed.
func TestDisplayBackAfterAnOutage(t *testing.T) {
	env := servertest.New(t)
	hallCable := newCable(t, env.HTTP.Listener.Addr().String())
	b := browsertest.New(t)
	tv := b.Tab(1920, 1080)
	browsertest.Do(t, tv, "open the display", chromedp.Navigate(hallCable.URL()+"/display?mute=1"))
	browsertest.WaitFor(t, tv, "the display's websocket", `document.body.dataset.connection === 'open'`)
	first := env.Issue(1, false)
	env.CallNext(1)
	browsertest.WaitFor(t, tv, "the call", `document.querySelector('#current-call').dataset.number === '`+first.Number+`'`)
	yellow := browsertest.Eval[string](t, tv, `getComputedStyle(document.querySelector('#current-number')).color`)

	hallCable.Unplug()
	browsertest.WaitFor(t, tv, "the outage banner", `!document.querySelector('#connection').hidden && document.body.classList.contains('offline')`)
	type box struct {
		Top, Height, Width, FontSize float64
	}
	banner := browsertest.Eval[box](t, tv, `(function () {
  var r = document.querySelector('#connection').getBoundingClientRect();
  return {Top: r.top, Height: r.height, Width: r.width,
    FontSize: parseFloat(getComputedStyle(document.querySelector('.connection-title')).fontSize)};
})()`)
	if banner.Top < 0 || banner.Width < 0.9*1920 || banner.Height < 0.08*1080 || banner.FontSize < 60 {
		t.Errorf("outage banner %+v: want it on screen, across the width, at least 8%% of the height, its title at least 60 px", banner)
	}
	if grey := browsertest.Eval[string](t, tv, `getComputedStyle(document.querySelector('#current-number')).color`); grey == yellow {
		t.Errorf("the last number keeps its colour %s during the outage, want it greyed", grey)
	}
	checkScreen(t, tv, "display: outage")
	browsertest.Screenshot(t, tv, "display-outage")

	// The outage lasts: the screen keeps trying, never waiting long.
	browsertest.WaitFor(t, tv, "five failed tries", `window.motcuaDisplay.reconnectAttempts >= 5`)
	second := env.Issue(1, false)
	env.CallNext(5)

	hallCable.Plug()
	back := time.Now()
	browsertest.WaitFor(t, tv, "the screen back", `document.body.dataset.connection === 'open'`)
	if took := time.Since(back); took > backWithin {
		t.Errorf("back %v after the hub, want within %v", took.Round(100*time.Millisecond), backWithin)
	}
	browsertest.WaitFor(t, tv, "the call made during the outage",
		`document.querySelector('#current-call').dataset.number === '`+second.Number+`' && document.querySelector('#connection').hidden && !document.body.classList.contains('offline')`)
	if got := browsertest.Eval[string](t, tv, `getComputedStyle(document.querySelector('#current-number')).color`); got != yellow {
		t.Errorf("number colour after the outage: got %s, want %s again", got, yellow)
	}
}
