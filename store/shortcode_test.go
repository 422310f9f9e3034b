package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/store/storetest"
)

// TestShortCodeClashDrawsAgain forces the draw to repeat a code already
// taken that day: the ticket must get the next code drawn, the transaction
// must stay usable (PostgreSQL aborts it on a failed statement unless the
// try ran in its own savepoint), and a draw that never finds a free code
// gives up with "unavailable" and writes nothing.
func TestShortCodeClashDrawsAgain(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d.Name, func(t *testing.T) {
			ctx := context.Background()
			s, services := storetest.OpenSample(t, d.DSN(t))
			const day = "2026-11-27"
			at := time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)
			newTicket := func(seq int, token string) motcua.Ticket {
				return motcua.Ticket{Day: day, Seq: seq, Number: string(rune('A'+seq)) + "001", ServiceID: services[0].ID,
					Status: motcua.TicketWaiting, IssuedAt: at, QueuedAt: at, Token: token}
			}
			draws := func(codes ...string) func() string {
				return func() string {
					c := codes[0]
					if len(codes) > 1 {
						codes = codes[1:]
					}
					return c
				}
			}

			tx, err := s.BeginWrite(ctx)
			if err != nil {
				t.Fatal(err)
			}
			first := newTicket(1, "tok1")
			if err := tx.Tickets.InsertTicketDrawingCode(&first, draws("AAAAAA")); err != nil {
				t.Fatalf("first ticket: %v", err)
			}
			second := newTicket(2, "tok2")
			if err := tx.Tickets.InsertTicketDrawingCode(&second, draws("AAAAAA", "AAAAAA", "BBBBBB")); err != nil {
				t.Fatalf("second ticket after clashes: %v", err)
			}
			if second.ShortCode != "BBBBBB" {
				t.Errorf("second ticket's code: got %q, want BBBBBB", second.ShortCode)
			}
			third := newTicket(3, "tok3")
			err = tx.Tickets.InsertTicketDrawingCode(&third, draws("BBBBBB"))
			var appErr *motcua.Error
			if !errors.As(err, &appErr) || appErr.Code != motcua.EUnavailable {
				t.Errorf("a draw that only clashes: got %v, want an %s error", err, motcua.EUnavailable)
			}
			if err := tx.Commit(); err != nil {
				t.Fatalf("commit after the clashes: %v", err)
			}

			for _, want := range []motcua.Ticket{first, second} {
				got, err := s.Tickets.TicketByToken(ctx, want.Token)
				if err != nil {
					t.Fatalf("ticket %s: %v", want.Token, err)
				}
				if got.ID != want.ID || got.ShortCode != want.ShortCode {
					t.Errorf("ticket %s: got id %d code %q, want id %d code %q", want.Token, got.ID, got.ShortCode, want.ID, want.ShortCode)
				}
			}
			if _, err := s.Tickets.TicketByToken(ctx, "tok3"); !errors.As(err, &appErr) || appErr.Code != motcua.ENotFound {
				t.Errorf("the ticket that found no code: got %v, want not found", err)
			}
		})
	}
}
