package store

import (
	"strings"
	"testing"
)

// TestHotQueriesUseTheirIndexes reads SQLite's plan for the writer's and the
// kiosk's frequent queries. Three of the indexes they need are partial
// (migration 016): SQLite uses such an index only when the query repeats its
// condition as written, so a query rewritten with a bound parameter for the
// status, or an index condition edited alone, would silently turn a seek
// into a walk over every ticket ever issued.
func TestHotQueriesUseTheirIndexes(t *testing.T) {
	s, _ := openSample(t)
	yes := true
	tests := []struct {
		name  string
		query string
		args  []any
		index string
	}{
		{"current ticket of a counter", `SELECT ` + ticketColumns + ` FROM tickets WHERE ` + currentTicketWhere, []any{1}, "tickets_counter"},
		{"next ticket, priority first", nextBySeeksQuery(true, nil), []any{"2026-11-30", 1}, "tickets_queue"},
		{"next ticket, no priority", nextBySeeksQuery(false, nil), []any{"2026-11-30", 1}, "tickets_queue"},
		{"next ticket, priority only", nextBySeeksQuery(false, &yes), []any{"2026-11-30", 1}, "tickets_queue"},
		{"last visits of a service", recentServiceQuery, []any{1, 20}, "tickets_done"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var plan []string
			rows, err := s.read.Query(`EXPLAIN QUERY PLAN `+tt.query, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			if err := rows.Close(); err != nil {
				t.Fatal(err)
			}
			text := strings.Join(plan, "\n")
			if !strings.Contains(text, "INDEX "+tt.index+" ") {
				t.Errorf("plan does not use %s:\n%s", tt.index, text)
			}
			for _, step := range plan {
				if strings.HasPrefix(step, "SCAN t") && !strings.HasPrefix(step, "SCAN tickets USING INDEX") {
					t.Errorf("plan walks a whole table (%q):\n%s", step, text)
				}
			}
		})
	}
}
