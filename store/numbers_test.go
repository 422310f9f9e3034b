package store_test

import (
	"context"
	"testing"

	"github.com/motcua/motcua/store"
	"github.com/motcua/motcua/store/storetest"
)

// TestDayNumbers hands out numbers through transactions as the writer does
// and checks the promises of the day's numbers on both dialects: one after
// another, a request undone to its savepoint leaves no gap, an abandoned
// transaction hands out nothing, the count inside a transaction includes
// its own numbers, a new day starts at 1, and a store opened afresh on the
// same database (a restart, a crash) counts on from what was committed.
func TestDayNumbers(t *testing.T) {
	ctx := context.Background()
	for _, d := range storetest.Dialects() {
		t.Run(d.Name, func(t *testing.T) {
			dsn := d.DSN(t)
			s, services := storetest.OpenSample(t, dsn)
			write := func(fn func(tx *store.Tx)) { t.Helper(); storetest.Write(t, s, fn) }
			a, b := services[0].ID, services[1].ID
			const day, next = "2026-11-30", "2026-12-01"
			next1 := func(tx *store.Tx, svc int64, d string, want int) {
				t.Helper()
				got, err := tx.Tickets.NextSeq(svc, d)
				if err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Errorf("service %d on %s: got number %d, want %d", svc, d, got, want)
				}
			}
			issued := func(tx *store.Tx, svc int64, d string, want int) {
				t.Helper()
				got, err := tx.Tickets.IssuedCount(svc, d)
				if err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Errorf("service %d on %s: got %d issued, want %d", svc, d, got, want)
				}
			}

			write(func(tx *store.Tx) {
				next1(tx, a, day, 1)
				next1(tx, a, day, 2)
				next1(tx, b, day, 1)
				issued(tx, a, day, 2)
				// A request undone to its savepoint gives its numbers back.
				if err := tx.Savepoint(); err != nil {
					t.Fatal(err)
				}
				next1(tx, a, day, 3)
				next1(tx, b, day, 2)
				if err := tx.RollbackToSavepoint(len(tx.Events())); err != nil {
					t.Fatal(err)
				}
				if err := tx.Savepoint(); err != nil {
					t.Fatal(err)
				}
				next1(tx, a, day, 3)
				if err := tx.Release(); err != nil {
					t.Fatal(err)
				}
			})
			// An abandoned transaction hands out nothing.
			tx, err := s.BeginWrite(ctx)
			if err != nil {
				t.Fatal(err)
			}
			next1(tx, a, day, 4)
			next1(tx, a, next, 1)
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}
			write(func(tx *store.Tx) {
				issued(tx, a, day, 3)
				next1(tx, a, day, 4)
				next1(tx, b, day, 2)
				next1(tx, a, next, 1)
				next1(tx, a, day, 5) // a ticket of the old day in the same batch
			})
			counts, err := s.Tickets.IssuedCounts(ctx, day)
			if err != nil {
				t.Fatal(err)
			}
			if counts[a] != 5 || counts[b] != 2 {
				t.Errorf("got day_numbers %v on %s, want service %d at 5 and %d at 2", counts, day, a, b)
			}

			// A restart reads what was committed.
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s = storetest.Open(t, dsn)
			write(func(tx *store.Tx) {
				issued(tx, a, next, 1)
				next1(tx, a, next, 2)
				next1(tx, a, day, 6)
				next1(tx, b, next, 1)
			})
		})
	}
}
