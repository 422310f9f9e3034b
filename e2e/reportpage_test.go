package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/browsertest"
	"github.com/motcua/motcua/server/servertest"
)

// TestReportPageCharts (issue 15): two mornings of visits at three counters
// (Friday 27/11 and Monday 30/11/2026, on the manual clock), some rated; the
// supervisor's page draws the report charts with uPlot (waits, served per
// counter, busiest hours of the week, satisfaction), shows the counters
// live, a call that skipped two people and an idle-counter alert as it
// comes. With MOTCUA_SCREENSHOTS it saves supervisor-reports.png and
// supervisor-floor.png for the README.
func TestReportPageCharts(t *testing.T) {
	env := servertest.New(t)
	ctx := context.Background()
	if _, err := env.Server.Hub.Auth.CreateUser(ctx, "giamsat", "Phạm Minh Đức", motcua.RoleSupervisor, officerPassword); err != nil {
		t.Fatal(err)
	}
	do := func(what, method, path string, body any) {
		t.Helper()
		if status, raw := env.Raw(method, path, env.AdminToken, body); status != http.StatusOK && status != http.StatusCreated {
			t.Fatalf("%s: got %d %s", what, status, raw)
		}
	}
	// visits serves n visits at each of counters 1 (TP), 2 (CT) and 3 (DD),
	// a few minutes apart; every third rated.
	scores := []int{5, 4, 2, 5, 3, 5}
	rated := 0
	visits := func(n int) {
		for i := 0; i < n; i++ {
			for c, service := range []int64{1, 2, 3} {
				tk := env.Issue(service, false)
				env.Clock.Advance(time.Duration(3+(i*7+c*5)%14) * time.Minute)
				called, ok := env.CallNext(int64(c + 1))
				if !ok || called.ID != tk.ID {
					t.Fatalf("counter %d called %+v, want %s", c+1, called, tk.Number)
				}
				do("start", "POST", fmt.Sprintf("/api/v1/tickets/%d/start", tk.ID), nil)
				env.Clock.Advance(time.Duration(4+(i*3+c)%9) * time.Minute)
				do("finish", "POST", fmt.Sprintf("/api/v1/tickets/%d/finish", tk.ID), nil)
				if (i+c)%3 == 0 {
					do("rate", "POST", "/api/v1/track/"+tk.Token+"/rating",
						map[string]any{"score": scores[rated%len(scores)], "reasons": []string{}})
					rated++
				}
			}
		}
	}
	visits(6) // Friday from 09:00
	env.Clock.Set(time.Date(2026, 11, 30, 7, 40, 0, 0, servertest.Hanoi))
	env.AdminToken = env.Login("admin", servertest.AdminPassword) // Friday's session has ended
	visits(8)                                                     // Monday from 07:40

	// Counter 1 calls by hand past two people, serves, then stays idle.
	a, b := env.Issue(1, false), env.Issue(1, false)
	c := env.Issue(1, false)
	do("call out of order", "POST", "/api/v1/counters/1/call", map[string]any{"ticket_id": c.ID, "reason": "Hẹn trước"})
	do("finish", "POST", fmt.Sprintf("/api/v1/tickets/%d/finish", c.ID), nil)

	br := browsertest.New(t)
	sup := br.Tab(1440, 1000)
	browsertest.Do(t, sup, "sign in as the supervisor",
		chromedp.Navigate(env.URL+"/supervisor"),
		chromedp.WaitVisible("#login-username"),
		chromedp.SendKeys("#login-username", "giamsat"),
		chromedp.SendKeys("#login-password", officerPassword),
		chromedp.Click("#login-submit"),
		chromedp.WaitVisible("#sec-floor"),
	)
	browsertest.WaitFor(t, sup, "counter 1 on the floor, idle with two waiting and the skipped call",
		`(function () { var tr = document.querySelector('#floor-table tr[data-counter="1"]');
			return tr && tr.cells[2].textContent === 'rảnh' && tr.cells[6].textContent === '2' &&
				document.querySelector('#floor-skips li.skipped-call') !== null; })()`)
	skip := browsertest.Eval[string](t, sup, `document.querySelector('#floor-skips li.skipped-call').textContent`)
	if !strings.Contains(skip, c.Number) || !strings.Contains(skip, a.Number+", "+b.Number) || !strings.Contains(skip, "Hẹn trước") {
		t.Errorf("skipped call: got %q, want %s passing %s, %s with the reason", skip, c.Number, a.Number, b.Number)
	}

	// Six minutes idle while two wait: the alert arrives on the open page.
	env.Clock.Advance(6 * time.Minute)
	if _, err := env.Server.Hub.Supervision.Check(ctx); err != nil {
		t.Fatal(err)
	}
	browsertest.WaitFor(t, sup, "the idle-counter alert, live",
		`[...document.querySelectorAll('#floor-alerts li.counter_idle')].some(function (li) { return li.textContent.indexOf('2 người chờ') >= 0; })`)

	browsertest.Eval[bool](t, sup, `(function () {
		document.getElementById('qr-from').value = '27/11/2026';
		document.getElementById('qr-to').value = '30/11/2026';
		document.getElementById('qr-by').value = 'hour';
		return true; })()`)
	browsertest.Do(t, sup, "show the report", chromedp.Click(`#qr-form button[type="submit"]`))
	for _, id := range []string{"chart-wait", "chart-counter", "chart-week", "chart-sat"} {
		browsertest.WaitFor(t, sup, "the "+id+" chart drawn by uPlot",
			`(function () { var c = document.querySelector('#`+id+` .uplot canvas'); return c && c.width > 0; })()`)
	}
	points := browsertest.Eval[string](t, sup, `['chart-wait','chart-counter','chart-week','chart-sat'].map(function (id) { return document.getElementById(id).dataset.points; }).join(',')`)
	// Each chart draws one point per row of its report.
	var want []string
	for _, q := range []string{"queue?group_by=hour", "queue?group_by=counter", "queue?group_by=weekhour", "satisfaction?group_by=day"} {
		var rows []map[string]any
		if status := env.Do("GET", "/api/v1/reports/"+q+"&from=2026-11-27&to=2026-11-30", env.AdminToken, nil, &rows); status != http.StatusOK {
			t.Fatalf("report %s: got %d", q, status)
		}
		n := len(rows)
		if strings.Contains(q, "weekhour") { // one x point per hour of the day
			hours := map[string]bool{}
			for _, r := range rows {
				hours[strings.Split(r["key"].(string), "-")[1]] = true
			}
			n = len(hours)
		}
		want = append(want, fmt.Sprint(n))
	}
	if got := strings.Join(want, ","); points != got || want[1] != "3" || want[3] != "2" {
		t.Errorf("chart points (wait by hour, counters, week hours, satisfaction days): got %s, want %s (3 counters, 2 days)", points, got)
	}
	served := browsertest.Eval[string](t, sup, `[...document.querySelectorAll('#qr-table tbody tr')].map(function (tr) { return tr.cells[2].textContent; }).join('+')`)
	total := 0
	for _, s := range strings.Split(served, "+") {
		var n int
		fmt.Sscan(s, &n)
		total += n
	}
	if total != 6*3+8*3+1 {
		t.Errorf("served in the table: got %s = %d, want %d", served, total, 6*3+8*3+1)
	}
	docShot(t, sup, "supervisor-reports", "#sec-queue-report", 0.8)
	browsertest.Eval[bool](t, sup, `(window.scrollTo(0, 0), true)`)
	docShot(t, sup, "supervisor-floor", "#sec-floor", 0.8)
}
