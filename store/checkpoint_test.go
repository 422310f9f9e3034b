package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/motcua/motcua/hall"
)

// TestBackgroundCheckpoint commits as the writer does and checks that the
// checkpointer copies committed pages back beside it, and that what was
// committed reads back after the store is closed and opened again.
func TestBackgroundCheckpoint(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "motcua.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tx, err := s.BeginWrite(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.LoadHall(hall.Sample(), time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	services, err := s.Services(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const commits = 3 * backgroundCheckpointEvery
	for range commits {
		tx, err := s.BeginWrite(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Tickets.NextSeq(services[0].ID, "2026-11-30"); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	// The checkpointer was woken at least once; wait for its round (it
	// runs on its own goroutine), polling the counters, not the clock.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		if runs, copied := s.ckpt.stats(); runs > 0 && copied > 0 {
			break
		}
		if time.Now().After(deadline) {
			runs, copied := s.ckpt.stats()
			t.Fatalf("got %d background checkpoints copying %d frames, want at least one that copied frames", runs, copied)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	counts, err := s2.Tickets.IssuedCounts(ctx, "2026-11-30")
	if err != nil {
		t.Fatal(err)
	}
	if got := counts[services[0].ID]; got != commits {
		t.Errorf("after reopening: got last number %d, want %d", got, commits)
	}
}
