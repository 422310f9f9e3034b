package reports_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/motcua/motcua"
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
