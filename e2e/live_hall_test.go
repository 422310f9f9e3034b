package e2e

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/motcua/motcua/internal/browsertest"
	"github.com/motcua/motcua/server/servertest"
)

// cable is a TCP proxy in front of the hub that the test can unplug: it cuts
// every open connection and refuses new ones until plugged in again, as when
// a hall's switch reboots.
type cable struct {
	ln     net.Listener
	target string

	mu      sync.Mutex
	conns   map[net.Conn]struct{}
	plugged bool
}

func newCable(t *testing.T, target string) *cable {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &cable{ln: ln, target: target, conns: make(map[net.Conn]struct{}), plugged: true}
	go c.serve()
	t.Cleanup(func() {
		ln.Close()
		c.Unplug()
	})
	return c
}

// URL is the hub's address through the cable.
func (c *cable) URL() string { return "http://" + c.ln.Addr().String() }

func (c *cable) serve() {
	for {
		in, err := c.ln.Accept()
		if err != nil {
			return
		}
		c.mu.Lock()
		if !c.plugged {
			c.mu.Unlock()
			in.Close()
			continue
		}
		out, err := net.Dial("tcp", c.target)
		if err != nil {
			c.mu.Unlock()
			in.Close()
			continue
		}
		c.conns[in], c.conns[out] = struct{}{}, struct{}{}
		c.mu.Unlock()
		go c.pipe(in, out)
		go c.pipe(out, in)
	}
}

func (c *cable) pipe(dst, src net.Conn) {
	io.Copy(dst, src)
	dst.Close()
	src.Close()
	c.mu.Lock()
	delete(c.conns, dst)
	delete(c.conns, src)
	c.mu.Unlock()
}

// Unplug cuts every connection and refuses new ones.
func (c *cable) Unplug() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.plugged = false
	for conn := range c.conns {
		conn.Close()
	}
}

// Plug lets connections through again.
func (c *cable) Plug() {
	c.mu.Lock()
	c.plugged = true
	c.mu.Unlock()
}

// announcement is one entry of window.motcuaDisplay.announcements.
type announcement struct {
	Seq     int64  `json:"seq"`
	Number  string `json:"number"`
	Counter int    `json:"counter"`
	Text    string `json:"text"`
	Recall  bool   `json:"recall"`
}

var vietnameseDigits = []string{"không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"}

// sentence is what the hall must hear for a ticket number at a counter
// numbered below ten: the digits one by one, then the counter.
func sentence(number string, counter int) string {
	var words []string
	for _, d := range number {
		words = append(words, vietnameseDigits[d-'0'])
	}
	return "Mời công dân có số thứ tự " + strings.Join(words, " ") + " đến quầy số " + vietnameseDigits[counter]
}

func announcements(t *testing.T, tab context.Context) []announcement {
	t.Helper()
	return browsertest.Eval[[]announcement](t, tab, `window.motcuaDisplay.announcements`)
}

func TestLiveHall(t *testing.T) {
	env := servertest.New(t)
	hallCable := newCable(t, env.HTTP.Listener.Addr().String())
	b := browsertest.New(t)
	display := b.Tab(1920, 1080)
	counter := b.Tab(1366, 768)

	// Someone already waits for service 2 (which counter 1 also serves).
	other := env.Issue(2, false)

	browsertest.Do(t, display, "open the display", chromedp.Navigate(hallCable.URL()+"/display?mute=1"))
	browsertest.WaitFor(t, display, "the display's websocket", `document.body.dataset.connection === 'open'`)
	browsertest.WaitFor(t, display, "service 2's waiting count",
		`document.querySelector('li.waiting-item[data-service-id="2"]')?.dataset.waiting === '1'`)

	browsertest.Do(t, counter, "sign in at the counter",
		chromedp.Navigate(env.URL+"/counter"),
		chromedp.WaitVisible("#login-username"),
		chromedp.SendKeys("#login-username", "admin"),
		chromedp.SendKeys("#login-password", servertest.AdminPassword),
		chromedp.Click("#login-submit"),
		chromedp.WaitVisible(`#counter-select button[data-counter-id="1"]`),
		chromedp.Click(`#counter-select button[data-counter-id="1"]`),
		chromedp.WaitVisible("#btn-next"),
	)
	browsertest.WaitFor(t, counter, "the counter's queue", `document.querySelector('#queue-list li[data-ticket-id="`+fmt.Sprint(other.ID)+`"]')`)

	tk := env.Issue(1, false)
	browsertest.WaitFor(t, counter, "the new ticket in the counter's queue",
		`document.querySelector('#queue-list li[data-ticket-id="`+fmt.Sprint(tk.ID)+`"]')`)
	browsertest.WaitFor(t, display, "service 1's waiting count",
		`document.querySelector('li.waiting-item[data-service-id="1"]')?.dataset.waiting === '1'`)

	// Gọi tiếp: counter 1 takes service 1 first.
	browsertest.Do(t, counter, "press Gọi tiếp", chromedp.Click("#btn-next"))
	browsertest.WaitFor(t, display, "the call on the display",
		`document.querySelector('#current-call').dataset.number === '`+tk.Number+`'`)
	if got := browsertest.Eval[string](t, display, `document.querySelector('#current-call').dataset.counter`); got != "1" {
		t.Errorf("display counter: got %q, want 1", got)
	}
	if got := browsertest.Eval[string](t, display, `document.querySelector('#current-counter').textContent`); got != "Quầy 1" {
		t.Errorf("display counter label: got %q, want \"Quầy 1\"", got)
	}
	want := sentence(tk.Number, 1)
	got := announcements(t, display)
	if len(got) != 1 {
		t.Fatalf("announcements after one call: got %d (%+v), want 1", len(got), got)
	}
	if got[0].Text != want || got[0].Number != tk.Number || got[0].Counter != 1 || got[0].Recall {
		t.Errorf("announcement: got %+v, want %q, number %s, counter 1, not a recall", got[0], want, tk.Number)
	}
	// The call changed service 1 only: service 2's count must survive the merge.
	browsertest.WaitFor(t, display, "service 1's count after the call",
		`document.querySelector('li.waiting-item[data-service-id="1"]').dataset.waiting === '0'`)
	if got := browsertest.Eval[string](t, display, `document.querySelector('li.waiting-item[data-service-id="2"]').dataset.waiting`); got != "1" {
		t.Errorf("service 2 waiting on the display after a queue event for service 1: got %s, want 1", got)
	}

	browsertest.WaitFor(t, counter, "the called ticket at the counter",
		`document.querySelector('#current-number').textContent === '`+tk.Number+`' &&
		 document.querySelector('#current-status').dataset.status === 'called' &&
		 !document.querySelector('#status-line').textContent.startsWith('Đang gửi')`)
	browsertest.WaitFor(t, counter, "the counter's queue after the call",
		`!document.querySelector('#queue-list li[data-ticket-id="`+fmt.Sprint(tk.ID)+`"]') &&
		 document.querySelector('#queue-total').textContent === '1'`)
	// One rule for a no-show: Vắng mặt, Gọi tiếp and Gọi số would all end the
	// called ticket as a no-show, so all wait for no_show_min_calls (2).
	for _, id := range []string{"btn-noshow", "btn-next", "btn-call-number"} {
		if disabled := browsertest.Eval[bool](t, counter, `document.querySelector('#`+id+`').disabled`); !disabled {
			t.Errorf("#%s is enabled after one call, want disabled until no_show_min_calls (2)", id)
		}
	}

	// Gọi lại: exactly one more announcement, a recall.
	browsertest.Do(t, counter, "press Gọi lại", chromedp.Click("#btn-recall"))
	browsertest.WaitFor(t, display, "the recall's announcement", `window.motcuaDisplay.announcements.length >= 2`)
	browsertest.WaitFor(t, counter, "the recall at the counter",
		`document.querySelector('#current-calls').textContent === '2' && !document.querySelector('#btn-noshow').disabled &&
		 !document.querySelector('#btn-next').disabled`)
	got = announcements(t, display)
	if len(got) != 2 || got[1].Text != want || !got[1].Recall || got[1].Seq <= got[0].Seq {
		t.Errorf("announcements after the recall: got %+v, want a second one, a recall of %s", got, tk.Number)
	}
	if n := browsertest.Eval[int](t, display, `document.querySelectorAll('li.recent-call[data-number="`+tk.Number+`"]').length`); n != 0 {
		t.Errorf("the recalled number is also in the recent list %d times, want only as the current call", n)
	}
	browsertest.Screenshot(t, display, "display-call")

	browsertest.Do(t, counter, "press Bắt đầu", chromedp.Click("#btn-start"))
	browsertest.WaitFor(t, counter, "serving", `document.querySelector('#current-status').dataset.status === 'serving'`)
	for _, id := range []string{"btn-recall", "btn-start", "btn-noshow"} {
		// Disabled buttons grey out after a short CSS delay; the screenshot waits for it.
		browsertest.WaitFor(t, counter, id+" disabled and greyed while serving",
			`document.querySelector('#`+id+`').disabled && getComputedStyle(document.querySelector('#`+id+`')).backgroundColor === 'rgb(236, 239, 242)'`)
	}
	browsertest.Screenshot(t, counter, "counter-serving")

	// The hall network drops. Counters go on calling meanwhile.
	hallCable.Unplug()
	browsertest.WaitFor(t, display, "the display noticing the drop", `document.body.dataset.connection === 'reconnecting'`)
	browsertest.WaitFor(t, display, "the reconnecting mark", `!document.querySelector('#connection').hidden`)
	third := env.Issue(1, false)
	first, _ := env.CallNext(2) // counter 2 serves service 2 first: the ticket issued before the page opened
	second, _ := env.CallNext(3)
	if second.Number != "" {
		t.Fatalf("counter 3 called %s, want nobody (it serves other services)", second.Number)
	}
	second, _ = env.CallNext(5) // counter 5 serves service 1 too
	if first.Number != other.Number || second.Number != third.Number {
		t.Fatalf("calls while offline: got %s and %s, want %s and %s", first.Number, second.Number, other.Number, third.Number)
	}
	hallCable.Plug()
	browsertest.Eval[bool](t, display, `window.dispatchEvent(new Event('online'))`) // the page's own reconnect path
	browsertest.WaitFor(t, display, "the calls made while offline",
		`document.body.dataset.connection === 'open' && document.querySelector('#current-call').dataset.number === '`+second.Number+`'`)
	browsertest.WaitFor(t, display, "the display caught up", fmt.Sprintf(`window.motcuaDisplay.lastSeq === %d`, lastSeq(t, env)))
	if hidden := browsertest.Eval[bool](t, display, `document.querySelector('#connection').hidden`); !hidden {
		t.Errorf("the reconnecting mark is still shown after the reconnect")
	}
	if n := browsertest.Eval[int](t, display, `document.querySelectorAll('li.recent-call[data-number="`+first.Number+`"]').length`); n != 1 {
		t.Errorf("%s in the recent list: got %d, want 1", first.Number, n)
	}
	got = announcements(t, display)
	if len(got) != 4 {
		t.Fatalf("announcements after the reconnect: got %d (%+v), want 4: two before, the two calls made meanwhile once each", len(got), got)
	}
	if got[2].Number != first.Number || got[2].Counter != 2 || got[3].Number != second.Number || got[3].Counter != 5 {
		t.Errorf("announcements made after the reconnect: got %+v, want %s at 2 then %s at 5", got[2:], first.Number, second.Number)
	}
	seen := map[int64]bool{}
	for _, a := range got {
		if seen[a.Seq] {
			t.Errorf("call seq %d announced twice", a.Seq)
		}
		seen[a.Seq] = true
	}

	// A long outage: a call made ten minutes before the screen is back is shown, not announced.
	hallCable.Unplug()
	browsertest.WaitFor(t, display, "the display noticing the second drop", `document.body.dataset.connection === 'reconnecting'`)
	late := env.Issue(1, false)
	env.Clock.Set(servertest.Start.Add(-10 * time.Minute))
	old, _ := env.CallNext(1)
	env.Clock.Set(servertest.Start)
	if old.Number != late.Number {
		t.Fatalf("counter 1 called %q, want %s", old.Number, late.Number)
	}
	hallCable.Plug()
	browsertest.Eval[bool](t, display, `window.dispatchEvent(new Event('online'))`)
	browsertest.WaitFor(t, display, "the old call shown",
		`document.querySelector('#current-call').dataset.number === '`+old.Number+`'`)
	browsertest.WaitFor(t, display, "the old call skipped", `window.motcuaDisplay.skipped.some(s => s.number === '`+old.Number+`')`)
	if n := len(announcements(t, display)); n != 4 {
		t.Errorf("announcements after a stale replayed call: got %d, want still 4", n)
	}
}

func lastSeq(t *testing.T, env *servertest.Env) int64 {
	t.Helper()
	seq, err := env.Server.Hub.Writer.LastSeq(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return seq
}
