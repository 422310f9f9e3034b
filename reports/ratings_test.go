package reports_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/reports"
	"github.com/motcua/motcua/server/servertest"
	"github.com/motcua/motcua/store/storetest"
)

func TestRatings(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		t.Run(dialect.Name, func(t *testing.T) {
			d := scriptDay(t, dialect.DSN(t))
			env := d.env
			sock, _, err := env.WS("/ws/supervisor?token="+env.AdminToken, nil)
			if err != nil {
				t.Fatalf("supervisor socket: %v", err)
			}
			defer sock.Close()
			if m := servertest.Read(t, sock, 5*time.Second); m.Type() != "snapshot" {
				t.Fatalf("supervisor socket: first message %v, want a snapshot", m)
			}
			rate := func(name string, body any) (int, string) {
				t.Helper()
				status, raw := env.Raw("POST", "/api/v1/track/"+d.tk[name].Token+"/rating", "", body)
				return status, string(raw)
			}
			// Refused before the visit is done, for a bad score, for an unknown token.
			for _, tc := range []struct {
				name string
				body any
				want int
			}{
				{"B", map[string]any{"score": 4}, http.StatusConflict}, // no-show
				{"F", map[string]any{"score": 4}, http.StatusConflict}, // never served
				{"A", map[string]any{"score": 0}, http.StatusUnprocessableEntity},
				{"A", map[string]any{"score": 6}, http.StatusUnprocessableEntity},
			} {
				if status, raw := rate(tc.name, tc.body); status != tc.want {
					t.Errorf("rate %s %v: got %d %s, want %d", tc.name, tc.body, status, raw, tc.want)
				}
			}
			if status, _ := env.Raw("POST", "/api/v1/track/no-such-token/rating", "", map[string]any{"score": 3}); status != http.StatusNotFound {
				t.Errorf("unknown token: got %d, want 404", status)
			}
			// A (Lan, counter 1) rated 2 from the phone: accepted once.
			status, raw := rate("A", map[string]any{"score": 2, "reasons": []string{"Phải chờ lâu"}, "comment": "Chờ lâu quá"})
			if status != http.StatusCreated {
				t.Fatalf("rate A: got %d %s, want 201", status, raw)
			}
			var got motcua.Rating
			json.Unmarshal([]byte(raw), &got)
			if got.Score != 2 || len(got.Reasons) != 1 || got.Reasons[0] != "Phải chờ lâu" || got.RatedAt.IsZero() {
				t.Errorf("rate A: got %s, want score 2, reason Phải chờ lâu, rated_at", raw)
			}
			if status, raw := rate("A", map[string]any{"score": 5}); status != http.StatusConflict {
				t.Errorf("rate A again: got %d %s, want 409", status, raw)
			}
			// The supervisor hears of it at once, with the officer and counter.
			for {
				m := servertest.Read(t, sock, 5*time.Second)
				if m.Type() != motcua.EventRating {
					continue
				}
				if m["score"].(float64) != 2 || m["staff_name"] != "Nguyễn Thị Lan" || m["ticket"].(map[string]any)["number"] != d.tk["A"].Number {
					t.Errorf("rating event: got %v, want score 2 by Nguyễn Thị Lan for %s", m, d.tk["A"].Number)
				}
				break
			}
			// The rating belongs to the visit: its officer, counter and service.
			rec, ok, err := env.Server.Store.Rating(context.Background(), d.tk["A"].ID)
			if err != nil || !ok {
				t.Fatalf("stored rating of A: %v %v", ok, err)
			}
			if rec.StaffID == nil || *rec.StaffID != d.lan.ID || rec.CounterID == nil || *rec.CounterID != 1 || rec.ServiceID != 1 || rec.Source != "phone" {
				t.Errorf("rating of A: got staff %v counter %v service %d source %s, want Lan, 1, 1, phone", rec.StaffID, rec.CounterID, rec.ServiceID, rec.Source)
			}

			// G (Minh, counter 2, Monday) received two dossiers of two procedures.
			var procs []struct {
				ID                int64    `json:"id"`
				Code              string   `json:"code"`
				Name              string   `json:"name"`
				RequiredDocuments []string `json:"required_documents"`
			}
			if status := env.Do("GET", "/api/v1/procedures", d.tokMinh, nil, &procs); status != http.StatusOK || len(procs) < 2 {
				t.Fatalf("procedures: got %d, %d of them", status, len(procs))
			}
			var dossierIDs []int64
			for _, p := range procs[:2] {
				var dos struct {
					ID int64 `json:"id"`
				}
				status, raw := env.Raw("POST", fmt.Sprintf("/api/v1/tickets/%d/dossiers", d.tk["G"].ID), d.tokMinh, map[string]any{
					"procedure_id": p.ID, "documents": p.RequiredDocuments,
					"applicant": map[string]string{"name": "Lê Thị Hoa", "id_number": "001190012345", "phone": "0912345678",
						"address": "Số 5 phố Hàng Bạc, Hoàn Kiếm, Hà Nội"}})
				if status != http.StatusCreated {
					t.Fatalf("dossier of G (%s): got %d %s, want 201", p.Code, status, raw)
				}
				json.Unmarshal(raw, &dos)
				dossierIDs = append(dossierIDs, dos.ID)
			}

			// The tablet at counter 2 offers only G, the visit that just ended there.
			var tv struct {
				Visit *struct {
					TicketID int64  `json:"ticket_id"`
					Number   string `json:"number"`
				} `json:"visit"`
			}
			if status := env.Do("GET", "/api/v1/rate/counters/2", "", nil, &tv); status != http.StatusOK || tv.Visit == nil || tv.Visit.TicketID != d.tk["G"].ID {
				t.Fatalf("tablet 2: got %d %+v, want visit G (%d)", status, tv.Visit, d.tk["G"].ID)
			}
			if status, raw := env.Raw("POST", "/api/v1/rate/counters/2", "", map[string]any{"ticket_id": d.tk["E"].ID, "score": 5}); status != http.StatusConflict {
				t.Errorf("tablet 2 rating E (ended at counter 1 on Friday): got %d %s, want 409", status, raw)
			}
			if status, raw := env.Raw("POST", "/api/v1/rate/counters/1", "", map[string]any{"ticket_id": d.tk["G"].ID, "score": 5}); status != http.StatusConflict {
				t.Errorf("tablet 1 rating G (ended at counter 2): got %d %s, want 409", status, raw)
			}
			if status, raw := env.Raw("POST", "/api/v1/rate/counters/2", "", map[string]any{"ticket_id": d.tk["G"].ID, "score": 5}); status != http.StatusCreated {
				t.Fatalf("tablet 2 rating G: got %d %s, want 201", status, raw)
			}
			if status, raw := env.Raw("POST", "/api/v1/rate/counters/2", "", map[string]any{"ticket_id": d.tk["G"].ID, "score": 4}); status != http.StatusConflict {
				t.Errorf("tablet 2 rating G again: got %d %s, want 409", status, raw)
			}
			tv.Visit = nil
			if env.Do("GET", "/api/v1/rate/counters/2", "", nil, &tv); tv.Visit != nil {
				t.Errorf("tablet 2 after the rating: got visit %+v, want none", tv.Visit)
			}

			// G's rating belongs to its officer and counter, and to both
			// dossiers the visit created.
			for _, id := range dossierIDs {
				rec, ok, err := env.Server.Store.RatingOfDossier(context.Background(), id)
				if err != nil || !ok {
					t.Fatalf("rating of dossier %d: %v %v, want G's", id, ok, err)
				}
				if rec.TicketID != d.tk["G"].ID || rec.Score != 5 || rec.StaffID == nil || *rec.StaffID != d.minh.ID ||
					rec.CounterID == nil || *rec.CounterID != 2 || rec.Source != "tablet" {
					t.Errorf("rating of dossier %d: got ticket %d score %d staff %v counter %v %s, want G, 5, Minh, 2, tablet",
						id, rec.TicketID, rec.Score, rec.StaffID, rec.CounterID, rec.Source)
				}
			}
			if _, _, err := env.Server.Store.RatingOfDossier(context.Background(), 999999); motcua.ErrorCode(err) != motcua.ENotFound {
				t.Errorf("rating of an unknown dossier: got %v, want not found", err)
			}
			// By procedure (QĐ 766): G's rating once under each procedure; A's
			// visit created no dossier and is in none.
			var byProc []motcua.SatisfactionRow
			if status := env.Do("GET", "/api/v1/reports/satisfaction?from=2026-11-01&to=2026-11-30&group_by=procedure", env.AdminToken, nil, &byProc); status != http.StatusOK {
				t.Fatalf("satisfaction by procedure: got %d", status)
			}
			var wantProc []string
			two := procs[:2:2]
			if two[0].ID > two[1].ID { // rows come in procedure id order
				two[0], two[1] = two[1], two[0]
			}
			for _, p := range two {
				wantProc = append(wantProc, fmt.Sprintf(`{"key":"%d","label":"%s – %s","ratings":1,"avg_score":5,"by_score":{"1":0,"2":0,"3":0,"4":0,"5":1},"satisfied_rate":1}`,
					p.ID, p.Code, p.Name))
			}
			checkSat(t, "by procedure", byProc, wantProc)

			// H at counter 2: refused while being served, from the phone and
			// the tablet; offered once done; no longer after the tablet's window.
			h := env.Issue(1, false)
			var called struct {
				Ticket servertest.Ticket `json:"ticket"`
			}
			if status := env.Do("POST", "/api/v1/counters/2/call-next", d.tokMinh, nil, &called); status != http.StatusOK || called.Ticket.ID != h.ID {
				t.Fatalf("counter 2 calls H: got %d %+v", status, called.Ticket)
			}
			env.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/start", h.ID), d.tokMinh, nil, nil)
			if status, raw := env.Raw("POST", "/api/v1/track/"+h.Token+"/rating", "", map[string]any{"score": 4}); status != http.StatusConflict {
				t.Errorf("phone rating H while served: got %d %s, want 409", status, raw)
			}
			if status, raw := env.Raw("POST", "/api/v1/rate/counters/2", "", map[string]any{"ticket_id": h.ID, "score": 4}); status != http.StatusConflict {
				t.Errorf("tablet rating H while served: got %d %s, want 409", status, raw)
			}
			env.Clock.Advance(3 * time.Minute)
			if status := env.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/finish", h.ID), d.tokMinh, nil, nil); status != http.StatusOK {
				t.Fatalf("finish H: got %d", status)
			}
			tv.Visit = nil
			if env.Do("GET", "/api/v1/rate/counters/2", "", nil, &tv); tv.Visit == nil || tv.Visit.TicketID != h.ID {
				t.Errorf("tablet 2 after H: got %+v, want H", tv.Visit)
			}
			env.Clock.Advance(reports.TabletWindow + time.Minute)
			tv.Visit = nil
			if env.Do("GET", "/api/v1/rate/counters/2", "", nil, &tv); tv.Visit != nil {
				t.Errorf("tablet 2 past its window: got %+v, want none", tv.Visit)
			}
			if status, raw := env.Raw("POST", "/api/v1/rate/counters/2", "", map[string]any{"ticket_id": h.ID, "score": 4}); status != http.StatusConflict {
				t.Errorf("tablet rating H past its window: got %d %s, want 409", status, raw)
			}

			// The satisfaction report counts both, per officer and per month.
			var rows []motcua.SatisfactionRow
			if status := env.Do("GET", "/api/v1/reports/satisfaction?from=2026-11-01&to=2026-11-30&group_by=staff", env.AdminToken, nil, &rows); status != http.StatusOK {
				t.Fatalf("satisfaction: got %d", status)
			}
			want := []string{
				`{"key":"` + id(d.lan) + `","label":"Nguyễn Thị Lan","ratings":1,"avg_score":2,"by_score":{"1":0,"2":1,"3":0,"4":0,"5":0},"satisfied_rate":0}`,
				`{"key":"` + id(d.minh) + `","label":"Trần Văn Minh","ratings":1,"avg_score":5,"by_score":{"1":0,"2":0,"3":0,"4":0,"5":1},"satisfied_rate":1}`,
			}
			checkSat(t, "by staff", rows, want)
			rows = nil
			env.Do("GET", "/api/v1/reports/satisfaction?from=2026-11-01&to=2026-11-30&group_by=month", env.AdminToken, nil, &rows)
			checkSat(t, "by month", rows, []string{
				`{"key":"2026-11","label":"11/2026","ratings":2,"avg_score":3.5,"by_score":{"1":0,"2":1,"3":0,"4":0,"5":1},"satisfied_rate":0.5}`,
			})
			status, body := env.Raw("GET", "/api/v1/reports/satisfaction?from=2026-11-01&to=2026-11-30&group_by=service&format=csv", env.AdminToken, nil)
			if status != http.StatusOK || string(body[:3]) != "\ufeff" {
				t.Errorf("satisfaction csv: got %d %q, want 200 with a BOM", status, body[:min(len(body), 10)])
			}
		})
	}
}

func checkSat(t *testing.T, what string, rows []motcua.SatisfactionRow, want []string) {
	t.Helper()
	if len(rows) != len(want) {
		t.Fatalf("%s: got %s, want %v", what, jsonOf(rows), want)
	}
	for i := range want {
		if g := jsonOf(rows[i]); g != want[i] {
			t.Errorf("%s row %d:\n got %s\nwant %s", what, i, g, want[i])
		}
	}
}
