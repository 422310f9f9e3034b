package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/motcua/motcua"
)

// TestWaitingCacheMatchesTheDatabase drives random issues (walk-ins and
// bookings' check-ins), calls, transfers, requeues and undone requests
// through transactions and checks, after every step, that the cached waiting
// counts and the number of booked tickets waiting equal a fresh COUNT and
// that the position from the back equals the position counted from the front.
func TestWaitingCacheMatchesTheDatabase(t *testing.T) {
	ctx := context.Background()
	s, services := openSample(t)

	rng := rand.New(rand.NewPCG(7, 11))
	const day = "2026-11-27"
	base := time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)
	var ids []int64
	step, serial := 0, 0
	for round := range 40 {
		tx, err := s.BeginWrite(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for range 1 + rng.IntN(8) {
			step++
			if err := tx.Savepoint(); err != nil {
				t.Fatal(err)
			}
			events := len(tx.Events())
			var created []int64
			for range 1 + rng.IntN(3) {
				op := rng.IntN(10)
				switch {
				case op < 5 || len(ids) == 0: // issue
					svc := services[rng.IntN(len(services))]
					seq, err := tx.Tickets.NextSeq(svc.ID, day)
					if err != nil {
						t.Fatal(err)
					}
					serial++
					// Same instant for some tickets: the id breaks the tie.
					at := base.Add(time.Duration(step/2) * time.Second)
					tk := motcua.Ticket{Day: day, Seq: seq, Number: fmt.Sprintf("%s-%d", svc.Prefix, seq), ServiceID: svc.ID, Priority: rng.IntN(4) == 0,
						Appointment: rng.IntN(3) == 0, Status: motcua.TicketWaiting, IssuedAt: at, QueuedAt: at, Token: fmt.Sprintf("token-%d", serial),
						ShortCode: fmt.Sprintf("S%05d", serial)}
					if err := tx.Tickets.InsertTicket(&tk); err != nil {
						t.Fatal(err)
					}
					created = append(created, tk.ID)
				default: // move an existing ticket
					cur, err := tx.Tickets.Ticket(ids[rng.IntN(len(ids))])
					if err != nil {
						t.Fatal(err)
					}
					was := cur
					switch op {
					case 5, 6: // call, or requeue a called ticket
						if cur.Status == motcua.TicketWaiting {
							cur.Status = motcua.TicketCalled
						} else {
							cur.Status = motcua.TicketWaiting
						}
					case 7, 8: // transfer to another service's queue
						cur.Status = motcua.TicketWaiting
						cur.ServiceID = services[rng.IntN(len(services))].ID
					default:
						cur.Status = motcua.TicketDone
					}
					if err := tx.Tickets.UpdateTicket(was, cur); err != nil {
						t.Fatal(err)
					}
				}
			}
			checkCounts(t, tx, day, step)
			if rng.IntN(4) == 0 { // the request fails: its writes are undone
				if err := tx.RollbackToSavepoint(events); err != nil {
					t.Fatal(err)
				}
			} else {
				if err := tx.Release(); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, created...)
			}
			checkCounts(t, tx, day, step)
		}
		if rng.IntN(6) == 0 {
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}
			ids = idsThatExist(t, s, ids)
		} else if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		checkPositions(t, s, day, round)
	}
	if _, _, ok := s.waiting.committed(day); !ok {
		t.Fatal("the cache never loaded: the test checked nothing")
	}
}

func checkCounts(t *testing.T, tx *Tx, day string, step int) {
	t.Helper()
	got, err := tx.Tickets.WaitingCounts(day)
	if err != nil {
		t.Fatal(err)
	}
	want, err := waitingCounts(tx.ctx, tx.tx, day)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("step %d: cached waiting counts %v, want %v", step, got, want)
	}
	gotBooked, err := tx.Tickets.BookedWaiting(day)
	if err != nil {
		t.Fatal(err)
	}
	wantBooked, err := bookedWaiting(tx.ctx, tx.tx, day)
	if err != nil {
		t.Fatal(err)
	}
	if gotBooked != wantBooked {
		t.Fatalf("step %d: cached booked tickets waiting %d, want %d", step, gotBooked, wantBooked)
	}
}

func checkPositions(t *testing.T, s *Store, day string, round int) {
	t.Helper()
	ctx := context.Background()
	var waiting []motcua.Ticket
	if err := s.read.SelectContext(ctx, &waiting, `SELECT `+ticketColumns+` FROM tickets WHERE status = 'waiting'`); err != nil {
		t.Fatal(err)
	}
	for _, tk := range waiting {
		for _, pf := range []bool{true, false} {
			got, err := s.Tickets.Position(ctx, tk, pf)
			if err != nil {
				t.Fatal(err)
			}
			want, err := s.Tickets.positionByCount(ctx, tk, pf)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Fatalf("round %d: position of ticket %d (priority first %v): got %d, want %d", round, tk.ID, pf, got, want)
			}
		}
	}
}

func idsThatExist(t *testing.T, s *Store, ids []int64) []int64 {
	t.Helper()
	var out []int64
	for _, id := range ids {
		if _, err := s.Tickets.Ticket(context.Background(), id); err == nil {
			out = append(out, id)
		}
	}
	return out
}
