package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/browsertest"
	"github.com/motcua/motcua/server/servertest"
)

// TestLowRatingReachesSupervisor (issue 15): a visit ends, the phone page
// rates it 2 with a reason, the supervisor's page shows the alert at once and
// its satisfaction report counts it.
func TestLowRatingReachesSupervisor(t *testing.T) {
	env := servertest.New(t)
	ctx := context.Background()
	if _, err := env.Server.Hub.Auth.CreateUser(ctx, "giamsat", "Phạm Minh Đức", motcua.RoleSupervisor, officerPassword); err != nil {
		t.Fatal(err)
	}
	b := browsertest.New(t)

	sup := b.Tab(1440, 900)
	browsertest.Do(t, sup, "sign in as the supervisor",
		chromedp.Navigate(env.URL+"/supervisor"),
		chromedp.WaitVisible("#login-username"),
		chromedp.SendKeys("#login-username", "giamsat"),
		chromedp.SendKeys("#login-password", officerPassword),
		chromedp.Click("#login-submit"),
		chromedp.WaitVisible("#sec-queue-report"),
	)
	// The page's socket is open once the floor of its snapshot is drawn:
	// from then on it hears every rating.
	browsertest.WaitFor(t, sup, "the counters from the supervisor socket's snapshot",
		`document.querySelectorAll('#floor-table tbody tr').length > 0`)
	// The hub's day is Friday 27/11/2026 (a manual clock); type it dd/mm/yyyy.
	browsertest.Eval[bool](t, sup, `(function () {
		document.getElementById('qr-from').value = '27/11/2026';
		document.getElementById('qr-to').value = '27/11/2026';
		return true; })()`)

	// A visit at counter 1, served and finished.
	tk := env.Issue(1, false)
	env.CallNext(1)
	if status := env.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/finish", tk.ID), env.AdminToken, nil, nil); status != http.StatusOK {
		t.Fatalf("finish: got %d, want 200", status)
	}

	phone := b.Tab(390, 844)
	browsertest.Do(t, phone, "open the phone page of the finished visit",
		chromedp.Navigate(tk.TrackURL),
		chromedp.WaitVisible("#rating .star"),
	)
	browsertest.Do(t, phone, "rate it 2 with a reason",
		chromedp.Click(`#rating .star[data-score="2"]`),
		chromedp.Click(`#rating .reason input[value="Phải chờ lâu"]`),
		chromedp.Click("#rating .send"),
		chromedp.WaitVisible("#rating .thanks"),
	)

	browsertest.WaitFor(t, sup, "the low-rating alert on the supervisor's page",
		`!!document.querySelector('#rating-alerts li.low-rating')`)
	alert := browsertest.Eval[string](t, sup, `document.querySelector('#rating-alerts li.low-rating').textContent`)
	if !strings.Contains(alert, "2★") || !strings.Contains(alert, tk.Number) || !strings.Contains(alert, "Phải chờ lâu") {
		t.Errorf("alert: got %q, want 2★, ticket %s and the reason", alert, tk.Number)
	}
	browsertest.WaitFor(t, sup, "the satisfaction report counting the rating",
		`[...document.querySelectorAll('#sat-table tbody tr')].some(function (tr) { return tr.cells[1].textContent === '1' && tr.cells[2].textContent === '2'; })`)
	browsertest.WaitFor(t, sup, "the queue report counting the visit",
		`document.querySelectorAll('#qr-table tbody tr').length === 1 && document.querySelector('#qr-table tbody tr').cells[2].textContent === '1'`)
}
