package store_test

import (
	"database/sql"
	"os"
	"slices"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/mattn/go-sqlite3"

	"github.com/motcua/motcua/store/storetest"
)

// TestSchemasInStep migrates a SQLite and a PostgreSQL database and compares
// their tables and columns as each catalogue lists them: a migration added to
// one dialect and forgotten in the other fails here. CI sets
// MOTCUA_TEST_POSTGRES, so it always runs there.
func TestSchemasInStep(t *testing.T) {
	if os.Getenv(storetest.Env) == "" {
		t.Skipf("%s is not set", storetest.Env)
	}
	liteDSN := storetest.SQLiteDSN(t)
	storetest.Open(t, liteDSN)
	pgDSN := storetest.PostgresDSN(t)
	storetest.Open(t, pgDSN)

	lite := openRaw(t, "sqlite3", "file:"+liteDSN)
	tables := queryStrings(t, lite, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	var liteCols []string
	for _, table := range tables {
		for _, col := range queryStrings(t, lite, `SELECT name FROM pragma_table_info(?)`, table) {
			liteCols = append(liteCols, table+"."+col)
		}
	}

	pg := openRaw(t, "pgx", pgDSN)
	pgCols := queryStrings(t, pg, `SELECT table_name || '.' || column_name FROM information_schema.columns
		WHERE table_schema = current_schema()`)

	slices.Sort(liteCols)
	slices.Sort(pgCols)
	if len(liteCols) == 0 {
		t.Fatal("SQLite: no columns found; is the database migrated?")
	}
	if onlyLite, onlyPG := missing(liteCols, pgCols), missing(pgCols, liteCols); len(onlyLite)+len(onlyPG) > 0 {
		t.Errorf("the schemas differ:\n only in SQLite: %s\n only in PostgreSQL: %s",
			strings.Join(onlyLite, ", "), strings.Join(onlyPG, ", "))
	}
}

func openRaw(t *testing.T, driver, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatalf("open %s: %v", driver, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func queryStrings(t *testing.T, db *sql.DB, query string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// missing lists the items of a not in b (both sorted).
func missing(a, b []string) []string {
	var out []string
	for _, s := range a {
		if _, found := slices.BinarySearch(b, s); !found {
			out = append(out, s)
		}
	}
	return out
}
