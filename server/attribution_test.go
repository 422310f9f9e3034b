package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/server/servertest"
	"github.com/motcua/motcua/store"
	"github.com/motcua/motcua/store/storetest"
)

// move is a ticket's move as the test expects it in ticket_events.
type move struct {
	action string
	by     int64 // 0: the hub
}

func movesOf(t *testing.T, st *store.Store, ticketID int64) []move {
	t.Helper()
	evs, err := st.Tickets.TicketEvents(context.Background(), ticketID)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]move, len(evs))
	for i, e := range evs {
		out[i].action = e.Action
		if e.UserID != nil {
			out[i].by = *e.UserID
		}
	}
	return out
}

func idOr0(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// Every counter action records the officer who made it: on the ticket
// (called_by, served_by) and in its log (ticket_events).
func TestCounterActionsRecordTheOfficer(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d.Name, func(t *testing.T) {
			env := servertest.New(t, servertest.WithDSN(d.DSN(t)))
			st := env.Server.Store
			ctx := context.Background()
			hoa, hoaToken := env.AddUser("hoa", "Nguyễn Thị Hoa", motcua.RoleStaff, 1)
			binh, binhToken := env.AddUser("binh", "Lê Văn Bình", motcua.RoleStaff, 1, 2)
			do := func(token, method, path string, body any) {
				t.Helper()
				if status, raw := env.Raw(method, path, token, body); status != http.StatusOK {
					t.Fatalf("%s %s: got %d %s", method, path, status, raw)
				}
			}
			a, b, c := env.Issue(1, false), env.Issue(1, false), env.Issue(1, false)

			do(hoaToken, "POST", "/api/v1/counters/1/call-next", nil) // a
			do(binhToken, "POST", "/api/v1/counters/1/recall", nil)
			do(hoaToken, "POST", fmt.Sprintf("/api/v1/tickets/%d/start", a.ID), nil)
			tk, err := st.Tickets.Ticket(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if idOr0(tk.CalledBy) != binh || idOr0(tk.ServedBy) != hoa {
				t.Errorf("a while served: got called_by %d served_by %d, want %d (recalled) and %d (started)", idOr0(tk.CalledBy), idOr0(tk.ServedBy), binh, hoa)
			}
			// Bình calls the next at counter 1: Hoa's visit ends, done by him.
			do(binhToken, "POST", "/api/v1/counters/1/call-next", nil) // b
			do(binhToken, "POST", "/api/v1/counters/1/recall", nil)
			do(binhToken, "POST", fmt.Sprintf("/api/v1/tickets/%d/no-show", b.ID), nil)
			// Hoa calls c out of order at counter 1 and sends it to another service.
			do(hoaToken, "POST", "/api/v1/counters/1/call", map[string]any{"ticket_id": c.ID, "reason": "Người khuyết tật"})
			do(hoaToken, "POST", fmt.Sprintf("/api/v1/tickets/%d/transfer", c.ID), map[string]int{"service_id": 2})
			// Bình serves it at counter 2 and finishes.
			do(binhToken, "POST", "/api/v1/counters/2/call-next", nil)
			do(binhToken, "POST", fmt.Sprintf("/api/v1/tickets/%d/finish", c.ID), nil)

			for _, want := range []struct {
				ticket             servertest.Ticket
				calledBy, servedBy int64
				moves              []move
			}{
				{a, binh, binh, []move{{"call", hoa}, {"recall", binh}, {"start", hoa}, {"finish", binh}}},
				{b, binh, binh, []move{{"call", binh}, {"recall", binh}, {"no_show", binh}}},
				{c, binh, binh, []move{{"manual_call", hoa}, {"transfer", hoa}, {"call", binh}, {"finish", binh}}},
			} {
				tk, err := st.Tickets.Ticket(ctx, want.ticket.ID)
				if err != nil {
					t.Fatal(err)
				}
				if idOr0(tk.CalledBy) != want.calledBy || idOr0(tk.ServedBy) != want.servedBy {
					t.Errorf("ticket %s: got called_by %d served_by %d, want %d and %d", tk.Number, idOr0(tk.CalledBy), idOr0(tk.ServedBy), want.calledBy, want.servedBy)
				}
				if got := movesOf(t, st, tk.ID); !slices.Equal(got, want.moves) {
					t.Errorf("ticket %s moves: got %v, want %v", tk.Number, got, want.moves)
				}
			}
			evs, _ := st.Tickets.TicketEvents(ctx, c.ID)
			if tr := evs[1]; tr.ServiceID != 1 || idOr0(tr.ToServiceID) != 2 || idOr0(tr.CounterID) != 1 {
				t.Errorf("the transfer: got from service %d to %d at counter %d, want 1 → 2 at counter 1", tr.ServiceID, idOr0(tr.ToServiceID), idOr0(tr.CounterID))
			}

			// The day rolls over: a ticket left waiting is cancelled by the hub itself.
			left := env.Issue(1, false)
			env.Clock.Set(servertest.Start.Add(24 * time.Hour))
			if err := env.Server.Hub.Queue.RollOver(ctx); err != nil {
				t.Fatal(err)
			}
			if got := movesOf(t, st, left.ID); !slices.Equal(got, []move{{"cancel", 0}}) {
				t.Errorf("roll-over: got %v, want a cancel by the hub", got)
			}
		})
	}
}

// The receipt, Mẫu 02, Mẫu 03, Mẫu 04 and the ledger name the officer who
// did the work, not the administrator.
func TestPrintoutsNameTheOfficer(t *testing.T) {
	env := servertest.New(t)
	f := &fixture{t: t, env: env}
	_, hoa := env.AddUser("hoa", "Nguyễn Thị Hoa", motcua.RoleStaff, 1)
	_, binh := env.AddUser("binh", "Lê Văn Bình", motcua.RoleStaff, 2)
	_, giam := env.AddUser("giamsat", "Trần Văn Giám", motcua.RoleSupervisor)

	receive := func(token string, counter int64) int64 {
		t.Helper()
		tk := env.Issue(1, false)
		if status, raw := env.Raw("POST", fmt.Sprintf("/api/v1/counters/%d/call", counter), token,
			map[string]any{"ticket_id": tk.ID, "reason": "hẹn trước"}); status != http.StatusOK {
			t.Fatalf("call: got %d %s", status, raw)
		}
		// Served, so the next call at this counter ends it as done, not as a no-show.
		if status := env.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/start", tk.ID), token, nil, nil); status != http.StatusOK {
			t.Fatalf("start: got %d", status)
		}
		var d struct {
			ID int64 `json:"id"`
		}
		if status := env.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/dossiers", tk.ID), token, f.dossierBody(), &d); status != http.StatusCreated {
			t.Fatalf("receive: got %d", status)
		}
		return d.ID
	}
	act := func(token string, id int64, typ string) {
		t.Helper()
		if status, raw := env.Raw("POST", fmt.Sprintf("/api/v1/dossiers/%d/events", id), token,
			map[string]string{"type": typ, "note": "Thiếu bản sao giấy khai sinh"}); status != http.StatusOK {
			t.Fatalf("%s: got %d %s", typ, status, raw)
		}
	}
	page := func(path string) string {
		t.Helper()
		status, raw := env.Raw("GET", path, env.AdminToken, nil) // whoever prints, the officer who did the work is named
		if status != http.StatusOK {
			t.Fatalf("GET %s: got %d %s", path, status, raw)
		}
		return string(raw)
	}

	one := receive(hoa, 1) // received by Hoa, then Bình asks for more papers
	act(binh, one, "request_supplement")
	two := receive(binh, 2) // received by Bình, refused by Hoa
	act(hoa, two, "reject")
	three := receive(hoa, 1) // received by Hoa; the supervisor apologises
	var apology struct {
		ID int64 `json:"id"`
	}
	if status := env.Do("POST", fmt.Sprintf("/api/v1/dossiers/%d/apologies", three), giam,
		map[string]string{"reason": "Chờ xác minh", "new_due_at": "2026-12-03T17:00:00+07:00"}, &apology); status != http.StatusCreated {
		t.Fatalf("apology: got %d", status)
	}

	for _, c := range []struct {
		name, path, officer string
	}{
		{"receipt of one", fmt.Sprintf("/dossiers/%d/receipt", one), "Nguyễn Thị Hoa"},
		{"receipt of two", fmt.Sprintf("/dossiers/%d/receipt", two), "Lê Văn Bình"},
		{"Mẫu 02 of one", fmt.Sprintf("/dossiers/%d/supplement", one), "Lê Văn Bình"},
		{"Mẫu 03 of two", fmt.Sprintf("/dossiers/%d/refusal", two), "Nguyễn Thị Hoa"},
		{"Mẫu 04 of three", fmt.Sprintf("/dossiers/%d/apologies/%d/letter", three, apology.ID), "Trần Văn Giám"},
	} {
		body := page(c.path)
		if !strings.Contains(body, c.officer) {
			t.Errorf("%s: the printout does not name %s", c.name, c.officer)
		}
		if strings.Contains(body, "Quản trị viên") {
			t.Errorf("%s: the printout names the administrator, who did nothing", c.name)
		}
	}
	ledger := page("/reports/ledger?from=2026-11-27&to=2026-11-27")
	csv := page("/api/v1/reports/ledger.csv?from=2026-11-27&to=2026-11-27")
	for _, doc := range []struct{ name, body string }{{"ledger page", ledger}, {"ledger CSV", csv}} {
		if n := strings.Count(doc.body, "Nguyễn Thị Hoa"); n != 2 {
			t.Errorf("%s: Nguyễn Thị Hoa received 2 dossiers, named %d times", doc.name, n)
		}
		if n := strings.Count(doc.body, "Lê Văn Bình"); n != 1 {
			t.Errorf("%s: Lê Văn Bình received 1 dossier, named %d times", doc.name, n)
		}
		if strings.Contains(doc.body, "Quản trị viên") {
			t.Errorf("%s: names the administrator", doc.name)
		}
	}
}

type counterWithOfficer struct {
	ID      int64 `json:"id"`
	Officer *struct {
		ID       int64  `json:"id"`
		FullName string `json:"full_name"`
	} `json:"officer"`
}

// countersOfficers reads who works at each counter from GET /api/v1/counters.
func countersOfficers(t *testing.T, env *servertest.Env, token string) map[int64]string {
	t.Helper()
	var list []counterWithOfficer
	if status := env.Do("GET", "/api/v1/counters", token, nil, &list); status != http.StatusOK {
		t.Fatalf("counters: got %d", status)
	}
	out := map[int64]string{}
	for _, c := range list {
		if c.Officer != nil {
			out[c.ID] = c.Officer.FullName
		}
	}
	return out
}

// officers reads who works at each counter: from GET /api/v1/counters and,
// the same, from the supervisor's overview. Call it only when nobody is
// signing in or out, or the two reads may see different moments.
func officers(t *testing.T, env *servertest.Env, token string) map[int64]string {
	t.Helper()
	out := countersOfficers(t, env, token)
	var overview struct {
		Counters []counterWithOfficer `json:"counters"`
	}
	if status := env.Do("GET", "/api/v1/supervisor/overview", token, nil, &overview); status != http.StatusOK {
		t.Fatalf("overview: got %d", status)
	}
	from := map[int64]string{}
	for _, c := range overview.Counters {
		if c.Officer != nil {
			from[c.ID] = c.Officer.FullName
		}
	}
	if fmt.Sprint(out) != fmt.Sprint(from) {
		t.Errorf("the overview's officers %v differ from the counters' %v", from, out)
	}
	return out
}

// The supervisor sees who works at which counter: the officer whose screen
// is open there, else the last to act there today.
func TestSupervisorSeesWhoWorksAtEachCounter(t *testing.T) {
	env := servertest.New(t)
	_, hoa := env.AddUser("hoa", "Nguyễn Thị Hoa", motcua.RoleStaff, 1)
	_, binh := env.AddUser("binh", "Lê Văn Bình", motcua.RoleStaff, 2)
	_, sup := env.AddUser("giamsat", "Trần Văn Giám", motcua.RoleSupervisor)
	if got := officers(t, env, sup); len(got) != 0 {
		t.Fatalf("before anyone signs in: got %v, want nobody", got)
	}
	screen, _, err := env.WS("/ws/counter/1?token="+hoa, nil)
	if err != nil {
		t.Fatal(err)
	}
	servertest.Read(t, screen, 5*time.Second) // the snapshot: the screen is seated
	if status := env.Do("POST", "/api/v1/counters/2/call-next", binh, nil, nil); status != http.StatusNoContent {
		t.Fatalf("call next at 2: got %d", status)
	}
	if got, want := officers(t, env, sup), map[int64]string{1: "Nguyễn Thị Hoa", 2: "Lê Văn Bình"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("officers: got %v, want %v", got, want)
	}
	var raw json.RawMessage
	env.Do("GET", "/api/v1/counters", sup, nil, &raw)
	if !strings.Contains(string(raw), `"officer":null`) || !strings.Contains(string(raw), `"full_name":"Nguyễn Thị Hoa"`) {
		t.Errorf("counters: want officer objects and null for an empty counter, got %s", raw)
	}

	// Hoa closes her screen without acting: counter 1 has nobody again.
	screen.Close()
	deadline := time.Now().Add(5 * time.Second)
	for countersOfficers(t, env, sup)[1] != "" { // one read per try: the socket may close between two

		if time.Now().After(deadline) {
			t.Fatal("counter 1 still shows Hoa after her screen closed")
		}
		time.Sleep(10 * time.Millisecond) // polling the server for the closed socket, not waiting for time to pass
	}
	if got := officers(t, env, sup); got[1] != "" {
		t.Errorf("after Hoa's screen closed: got %v, want nobody at counter 1", got)
	}
	// Next day, yesterday's last action no longer says who is there.
	env.Clock.Set(servertest.Start.Add(24 * time.Hour))
	sup = env.Login("giamsat", servertest.StaffPassword)
	if got := officers(t, env, sup); len(got) != 0 {
		t.Errorf("the next morning: got %v, want nobody", got)
	}
}
