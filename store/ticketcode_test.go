package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/store"
	"github.com/motcua/motcua/store/storetest"
)

// TestComputedShortCodes issues tickets as the queue does, on both
// dialects: each gets a distinct six-character code that every read gives
// back and that finds it again on its day (not on another), a ticket with
// a drawn code from before is still found by it, and a restart keeps the
// hall's key, so every printed code stays valid.
func TestComputedShortCodes(t *testing.T) {
	ctx := context.Background()
	for _, d := range storetest.Dialects() {
		t.Run(d.Name, func(t *testing.T) {
			dsn := d.DSN(t)
			s, services := storetest.OpenSample(t, dsn)
			const day, otherDay = "2026-11-30", "2026-12-01"
			at := time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC)
			ticket := func(seq int, token string) motcua.Ticket {
				return motcua.Ticket{Day: day, Seq: seq, Number: "1" + string(rune('0'+seq/100)) + string(rune('0'+seq/10%10)) + string(rune('0'+seq%10)),
					ServiceID: services[0].ID, Status: motcua.TicketWaiting, IssuedAt: at, QueuedAt: at, Token: token}
			}
			noDraw := func() string { t.Fatal("a code was drawn for an id inside the codes' space"); return "" }

			var issued []motcua.Ticket
			storetest.Write(t, s, func(tx *store.Tx) {
				// A ticket from before, with its drawn code.
				old := ticket(1, "old")
				if err := tx.Tickets.InsertTicketDrawingCode(&old, func() string { return "AAAAAA" }); err != nil {
					t.Fatal(err)
				}
				issued = append(issued, old)
				for i := 2; i <= 40; i++ {
					tk := ticket(i, "tok"+string(rune('A'+i)))
					if err := tx.Tickets.InsertNewTicket(&tk, noDraw); err != nil {
						t.Fatal(err)
					}
					issued = append(issued, tk)
				}
				// Undone to its savepoint: the next ticket may take its id.
				if err := tx.Savepoint(); err != nil {
					t.Fatal(err)
				}
				gone := ticket(41, "gone")
				if err := tx.Tickets.InsertNewTicket(&gone, noDraw); err != nil {
					t.Fatal(err)
				}
				if err := tx.RollbackToSavepoint(len(tx.Events())); err != nil {
					t.Fatal(err)
				}
				tk := ticket(42, "after")
				if err := tx.Tickets.InsertNewTicket(&tk, noDraw); err != nil {
					t.Fatal(err)
				}
				issued = append(issued, tk)
			})
			check := func(s *store.Store) {
				t.Helper()
				seen := map[string]bool{}
				tx, err := s.BeginWrite(ctx)
				if err != nil {
					t.Fatal(err)
				}
				defer tx.Rollback()
				for _, want := range issued {
					if len(want.ShortCode) != 6 || seen[want.ShortCode] {
						t.Fatalf("ticket %s: got code %q, want six characters not given before", want.Number, want.ShortCode)
					}
					seen[want.ShortCode] = true
					got, err := s.Tickets.TicketByToken(ctx, want.Token)
					if err != nil {
						t.Fatal(err)
					}
					if got.ID != want.ID || got.ShortCode != want.ShortCode {
						t.Errorf("ticket %s read back: got id %d code %q, want %d %q", want.Number, got.ID, got.ShortCode, want.ID, want.ShortCode)
					}
					found, err := tx.Tickets.TicketByShortCode(day, want.ShortCode)
					if err != nil || found.ID != want.ID {
						t.Errorf("code %s on %s: got ticket %d (%v), want %d", want.ShortCode, day, found.ID, err, want.ID)
					}
					if _, err := tx.Tickets.TicketByShortCode(otherDay, want.ShortCode); motcua.ErrorCode(err) != motcua.ENotFound {
						t.Errorf("code %s on %s: got %v, want not found", want.ShortCode, otherDay, err)
					}
				}
			}
			check(s)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			check(storetest.Open(t, dsn))
		})
	}
}
