// Package storetest opens real test databases: SQLite in t.TempDir() always,
// and PostgreSQL in a fresh schema when MOTCUA_TEST_POSTGRES holds a DSN.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/hall"
	"github.com/motcua/motcua/store"
)

// Env names the PostgreSQL DSN used by the tests.
const Env = "MOTCUA_TEST_POSTGRES"

// Dialect is one database a test runs on.
type Dialect struct {
	Name string
	// DSN returns a DSN for a fresh, empty database of this dialect.
	DSN func(t testing.TB) string
}

// Dialects lists SQLite, plus PostgreSQL when configured.
func Dialects() []Dialect {
	ds := []Dialect{{Name: store.SQLite, DSN: SQLiteDSN}}
	if os.Getenv(Env) != "" {
		ds = append(ds, Dialect{Name: store.Postgres, DSN: PostgresDSN})
	}
	return ds
}

// SQLiteDSN is a new database file in the test's temporary folder.
func SQLiteDSN(t testing.TB) string { return filepath.Join(t.TempDir(), "motcua.db") }

// PostgresDSN creates a schema of its own for the test, dropped at cleanup,
// and returns a DSN whose search_path points at it.
func PostgresDSN(t testing.TB) string {
	base := os.Getenv(Env)
	if base == "" {
		t.Fatalf("%s is not set", Env)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		db.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil || !strings.HasPrefix(base, "postgres") {
		return base + " search_path=" + schema
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open opens a migrated store on dsn and closes it at cleanup.
func Open(t testing.TB, dsn string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// OpenSample opens a migrated store on dsn with the sample hall loaded and
// returns it with the hall's services; it closes at cleanup.
func OpenSample(t testing.TB, dsn string) (*store.Store, []motcua.Service) {
	t.Helper()
	s := Open(t, dsn)
	Write(t, s, func(tx *store.Tx) {
		if err := tx.LoadHall(hall.Sample(), time.Now()); err != nil {
			t.Fatal(err)
		}
	})
	services, err := s.Services(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s, services
}

// Write runs fn in a write transaction and commits it.
func Write(t testing.TB, s *store.Store, fn func(tx *store.Tx)) {
	t.Helper()
	tx, err := s.BeginWrite(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	fn(tx)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}
