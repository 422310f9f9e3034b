package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/hall"
)

// openSample opens a SQLite store in the test's folder with the sample hall
// loaded (the internal tests' storetest.OpenSample: storetest imports this
// package) and returns it with the hall's services; it closes at cleanup.
func openSample(t *testing.T) (*Store, []motcua.Service) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "motcua.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
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
	return s, services
}
