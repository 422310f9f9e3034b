package e2e

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/motcua/motcua/internal/browsertest"
	"github.com/motcua/motcua/server/servertest"
)

// testVoice runs before the display's own script. The page's clock becomes
// Date.now() + window.__skew, so the test moves the page's time forward
// without waiting. speechSynthesis becomes a voice that goes on speaking
// until the test calls __voice.finish(): a hall voice as slow as the test
// wants, or one that never ends.
const testVoice = `(function () {
  window.__skew = 0;
  var realNow = Date.now.bind(Date);
  Date.now = function () { return realNow() + window.__skew; };
  var fake;
  var voice = window.__voice = {
    said: [],
    current: null,
    finish: function () {
      var u = voice.current;
      voice.current = null;
      fake.speaking = false;
      if (u && u.onend) u.onend({});
      return !!u;
    }
  };
  fake = {
    speaking: false, pending: false, onvoiceschanged: null,
    getVoices: function () { return [{lang: 'vi-VN', name: 'Giọng thử', voiceURI: 'test', default: true, localService: true}]; },
    speak: function (u) {
      if (!u.text.trim()) { setTimeout(function () { if (u.onend) u.onend({}); }, 0); return; }
      voice.said.push(u.text);
      voice.current = u;
      fake.speaking = true;
    },
    cancel: function () {
      var u = voice.current;
      voice.current = null;
      fake.speaking = false;
      if (u && u.onerror) u.onerror({error: 'canceled'});
    },
    pause: function () {}, resume: function () {},
    addEventListener: function () {}, removeEventListener: function () {}
  };
  Object.defineProperty(window, 'speechSynthesis', {value: fake, configurable: true});
  window.SpeechSynthesisUtterance = function (text) { this.text = text; };
})()`

// clipsNeverLoad makes every voice clip's download hang, as on a TV whose
// Wi-Fi holds a request open.
const clipsNeverLoad = `(function () {
  var f = window.fetch;
  window.fetch = function (url) {
    if (String(url).indexOf('/static/audio/') >= 0) return new Promise(function () {});
    return f.apply(this, arguments);
  };
})()`

type skippedCall struct {
	Seq    int64  `json:"seq"`
	Number string `json:"number"`
	Reason string `json:"reason"`
}

type finishedCall struct {
	Seq     int64  `json:"seq"`
	Number  string `json:"number"`
	Outcome string `json:"outcome"`
}

// hallClock keeps the hub's clock in step with the page's: real time since
// the page opened plus the page's skew, so that a call's time, as the page
// judges it, is the moment it was made.
type hallClock struct {
	env    *servertest.Env
	tab    context.Context
	opened time.Time
	skew   time.Duration
}

func (c *hallClock) sync() { c.env.Clock.Set(servertest.Start.Add(time.Since(c.opened) + c.skew)) }

// advance moves the page's clock forward by d.
func (c *hallClock) advance(t *testing.T, d time.Duration) {
	t.Helper()
	c.skew += d
	browsertest.Eval[bool](t, c.tab, fmt.Sprintf(`(window.__skew = %d, true)`, c.skew.Milliseconds()))
	c.sync()
}

// call issues a Tư pháp ticket and calls it at the counter numbered n.
func (c *hallClock) call(t *testing.T, n int) servertest.Ticket {
	t.Helper()
	c.sync()
	tk := c.env.Issue(1, false)
	got, ok := c.env.CallNext(counterNumbered(t, c.env, n))
	if !ok || got.ID != tk.ID {
		t.Fatalf("counter %d called %+v, want %s", n, got, tk.Number)
	}
	return tk
}

func (c *hallClock) recall(t *testing.T, n int) {
	t.Helper()
	c.sync()
	if status := c.env.Do("POST", fmt.Sprintf("/api/v1/counters/%d/recall", counterNumbered(t, c.env, n)), c.env.AdminToken, nil, nil); status != http.StatusOK {
		t.Fatalf("recall at counter %d: got %d", n, status)
	}
}

func waitSpeaking(t *testing.T, tab context.Context, tk servertest.Ticket, counter int) {
	t.Helper()
	browsertest.WaitFor(t, tab, "the voice saying "+tk.Number,
		fmt.Sprintf(`window.motcuaDisplay.speaking && window.motcuaDisplay.speaking.number === '%s' && window.__voice.said[window.__voice.said.length - 1] === %q`,
			tk.Number, sentence(tk.Number, counter)))
}

func skippedFor(t *testing.T, tab context.Context) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, s := range browsertest.Eval[[]skippedCall](t, tab, `window.motcuaDisplay.skipped`) {
		out[s.Number] = s.Reason
	}
	return out
}

// A busy morning: calls come faster than the voice can say them. The voice
// says the newest first, a recall replaces the ticket's earlier announcement,
// at most four wait, one older than the hall's bound is dropped, and a
// sentence the voice never finishes is abandoned without holding the calls
// behind it, nor the nightly reload.
func TestDisplayVoiceInARush(t *testing.T) {
	env := servertest.New(t, servertest.WithNoShowMinCalls(1)) // calls follow each other faster than anyone is served
	b := browsertest.New(t)
	tv := b.Tab(1920, 1080)
	browsertest.Do(t, tv, "give the TV a test voice", browsertest.BeforeLoad(testVoice))
	browsertest.Do(t, tv, "open the display", chromedp.Navigate(env.URL+"/display?voice=speech&repeat=1&stale=20"))
	clock := &hallClock{env: env, tab: tv, opened: time.Now()}
	browsertest.WaitFor(t, tv, "the display's websocket", `document.body.dataset.connection === 'open'`)

	// 1. The voice is busy with A; five more calls and a recall come meanwhile.
	a := clock.call(t, 1)
	waitSpeaking(t, tv, a, 1)
	b1 := clock.call(t, 1)
	c := clock.call(t, 1)
	d := clock.call(t, 2)
	e := clock.call(t, 1)
	f := clock.call(t, 1)
	clock.recall(t, 2) // D again
	browsertest.WaitFor(t, tv, "the seven calls on the screen", `window.motcuaDisplay.announcements.length === 7`)
	if got := browsertest.Eval[string](t, tv, `document.querySelector('#current-call').dataset.number`); got != d.Number {
		t.Errorf("screen shows %s, want the recall of %s", got, d.Number)
	}
	if n := browsertest.Eval[int](t, tv, `window.motcuaDisplay.queued`); n != 4 {
		t.Errorf("announcements waiting: got %d, want 4 (the bound)", n)
	}
	skipped := skippedFor(t, tv)
	if skipped[b1.Number] != "overflow" || skipped[d.Number] != "replaced" {
		t.Errorf("skipped: got %v, want %s overflow (oldest past the bound) and %s replaced (by its recall)", skipped, b1.Number, d.Number)
	}

	// 2. A ends: the newest first, the recall of D, then F, E and C.
	counters := map[string]int{d.Number: 2}
	for _, next := range []servertest.Ticket{d, f, e, c} {
		if !browsertest.Eval[bool](t, tv, `window.__voice.finish()`) {
			t.Fatalf("nothing was being said before %s", next.Number)
		}
		n := counters[next.Number]
		if n == 0 {
			n = 1
		}
		waitSpeaking(t, tv, next, n)
	}
	browsertest.Eval[bool](t, tv, `window.__voice.finish()`)
	browsertest.WaitFor(t, tv, "the voice idle", `window.motcuaDisplay.speaking === null && window.motcuaDisplay.queued === 0`)
	started := browsertest.Eval[[]skippedCall](t, tv, `window.motcuaDisplay.started`)
	var order []string
	for _, s := range started {
		order = append(order, s.Number)
	}
	if want := []string{a.Number, d.Number, f.Number, e.Number, c.Number}; fmt.Sprint(order) != fmt.Sprint(want) {
		t.Errorf("order said: got %v, want %v", order, want)
	}

	// 3. The voice never ends I: abandoned at its deadline, J behind it is said.
	i := clock.call(t, 1)
	waitSpeaking(t, tv, i, 1)
	j := clock.call(t, 1)
	clock.advance(t, 10*time.Second) // longer than any sentence takes; J waited less than the bound
	waitSpeaking(t, tv, j, 1)
	finished := browsertest.Eval[[]finishedCall](t, tv, `window.motcuaDisplay.finished`)
	if last := finished[len(finished)-1]; last.Number != i.Number || last.Outcome != "timeout" {
		t.Errorf("last finished: got %+v, want %s timed out", last, i.Number)
	}

	// 4. J is never finished either; G and H wait past the hall's 20 s: dropped.
	g := clock.call(t, 1)
	h := clock.call(t, 1)
	browsertest.WaitFor(t, tv, "G and H waiting", `window.motcuaDisplay.queued === 2`)
	clock.advance(t, 21*time.Second)
	browsertest.WaitFor(t, tv, "the voice idle after the stale calls", `window.motcuaDisplay.speaking === null && window.motcuaDisplay.queued === 0`)
	skipped = skippedFor(t, tv)
	if skipped[g.Number] != "stale" || skipped[h.Number] != "stale" {
		t.Errorf("skipped: got %v, want %s and %s stale", skipped, g.Number, h.Number)
	}
	if got := browsertest.Eval[string](t, tv, `window.__voice.said[window.__voice.said.length - 1]`); got != sentence(j.Number, 1) {
		t.Errorf("last thing said: %q, want J's %q: G and H are never said", got, sentence(j.Number, 1))
	}
	browsertest.Screenshot(t, tv, "display-voice-rush")

	// 5. At night, with K never finished, the page still reloads itself.
	k := clock.call(t, 1)
	waitSpeaking(t, tv, k, 1)
	browsertest.Eval[bool](t, tv, `(window.__beforeReload = true)`)
	clock.advance(t, 26*time.Hour)
	browsertest.WaitThroughReload(t, tv, "the nightly reload", `window.__beforeReload === undefined && document.body.dataset.connection === 'open'`)
}

// A voice clip that never downloads holds nothing: the announcement is
// abandoned at its deadline and the next call is announced.
func TestDisplayVoiceClipNeverLoads(t *testing.T) {
	env := servertest.New(t, servertest.WithNoShowMinCalls(1)) // calls follow each other faster than anyone is served
	b := browsertest.New(t)
	tv := b.Tab(1920, 1080)
	browsertest.Do(t, tv, "stub the clock and the network", browsertest.BeforeLoad(testVoice), browsertest.BeforeLoad(clipsNeverLoad))
	browsertest.Do(t, tv, "open the display", chromedp.Navigate(env.URL+"/display?voice=clips&repeat=1&stale=20"))
	clock := &hallClock{env: env, tab: tv, opened: time.Now()}
	browsertest.WaitFor(t, tv, "the display's websocket", `document.body.dataset.connection === 'open'`)

	x := clock.call(t, 1)
	browsertest.WaitFor(t, tv, "X being announced", `window.motcuaDisplay.speaking && window.motcuaDisplay.speaking.number === '`+x.Number+`'`)
	y := clock.call(t, 1)
	browsertest.WaitFor(t, tv, "Y waiting", `window.motcuaDisplay.queued === 1`)
	clock.advance(t, 8*time.Second)
	browsertest.WaitFor(t, tv, "Y announced", `window.motcuaDisplay.started.some(s => s.number === '`+y.Number+`')`)
	finished := browsertest.Eval[[]finishedCall](t, tv, `window.motcuaDisplay.finished`)
	if len(finished) == 0 || finished[0].Number != x.Number || finished[0].Outcome != "timeout" {
		t.Errorf("finished: got %+v, want %s timed out first", finished, x.Number)
	}
}
