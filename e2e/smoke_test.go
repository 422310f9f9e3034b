package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/motcua/motcua/internal/browsertest"
	"github.com/motcua/motcua/server/servertest"
)

func TestDisplayShowsACall(t *testing.T) {
	env := servertest.New(t)
	b := browsertest.New(t)
	tab := b.Tab(1920, 1080)
	browsertest.Do(t, tab, "open display", chromedp.Navigate(env.URL+"/display?mute=1"))
	browsertest.WaitFor(t, tab, "the display's websocket", `document.body.dataset.connection === 'open'`)
	tk := env.Issue(1, false)
	env.CallNext(1)
	browsertest.WaitFor(t, tab, "the call", `document.querySelector('#current-call').dataset.number === '`+tk.Number+`'`)
	n := browsertest.Eval[int](t, tab, `window.motcuaDisplay.announcements.length`)
	if n != 1 {
		t.Errorf("announcements queued: got %d, want 1", n)
	}
	browsertest.Screenshot(t, tab, "display-smoke")
}
