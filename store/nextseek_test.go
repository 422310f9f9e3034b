package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/motcua/motcua"
)

// TestNextBySeeksMatchesTheJoin fills random queues (services of equal and
// different ranks at each counter, priority and normal tickets, equal
// queue times, other days, tickets already called) and checks that the
// per-service seeks pick the same ticket as the one-query join for every
// counter and every way the queue asks.
func TestNextBySeeksMatchesTheJoin(t *testing.T) {
	ctx := context.Background()
	s, services := openSample(t)
	counters, err := s.Counters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 5))
	const day = "2026-11-30"
	base := time.Date(2026, 11, 30, 1, 0, 0, 0, time.UTC)
	yes, no := true, false
	for round := range 30 {
		tx, err := s.BeginWrite(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// Some rounds give services equal ranks at a counter.
		if round%3 == 0 {
			for _, c := range counters {
				if err := tx.exec(`UPDATE counter_services SET rank = ? WHERE counter_id = ? AND service_id = ?`,
					rng.IntN(2), c.ID, services[rng.IntN(len(services))].ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		for i := range 1 + rng.IntN(12) {
			svc := services[rng.IntN(len(services))]
			at := base.Add(time.Duration(rng.IntN(40)) * time.Minute) // equal times happen
			d := day
			if rng.IntN(8) == 0 {
				d = "2026-11-29"
			}
			tk := motcua.Ticket{Day: d, Seq: round*100 + i + 1, Number: fmt.Sprintf("%d-%d-%d", svc.ID, round, i),
				ServiceID: svc.ID, Priority: rng.IntN(3) == 0, Status: motcua.TicketWaiting, IssuedAt: at, QueuedAt: at,
				Token: fmt.Sprintf("t%d-%d", round, i)}
			if rng.IntN(6) == 0 {
				tk.Status = motcua.TicketCalled
			}
			if err := tx.Tickets.InsertNewTicket(&tk, func() string { return "" }); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range counters {
			for _, ask := range []struct {
				first bool
				only  *bool
			}{{false, nil}, {true, nil}, {false, &yes}, {false, &no}, {true, &yes}} {
				got, gotOK, err := tx.Tickets.nextBySeeks(c.ID, day, ask.first, ask.only)
				if err != nil {
					t.Fatal(err)
				}
				want, wantOK, err := tx.Tickets.nextByJoin(c.ID, day, ask.first, ask.only)
				if err != nil {
					t.Fatal(err)
				}
				if gotOK != wantOK || got.ID != want.ID {
					t.Fatalf("round %d, counter %d, priority first %v, only %v: got ticket %d (%v), want %d (%v)",
						round, c.ID, ask.first, ask.only, got.ID, gotOK, want.ID, wantOK)
				}
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
}
