package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
)

// ErrPostgresBackup says that a PostgreSQL database is backed up with its own
// tools (docs/INSTALL.md, "Backups").
var ErrPostgresBackup = errors.New("a PostgreSQL database is backed up with pg_dump and restored with pg_restore (see docs/INSTALL.md, Backups)")

// Backup writes a consistent copy of the SQLite database at dsn into file,
// while hubs keep writing to it: VACUUM INTO reads the database in one read
// transaction (WAL lets the writer go on meanwhile), so the copy holds every
// transaction committed before it started and none after. The copy is
// written to file+".tmp", synced and renamed, so file is never half a
// database. file must not exist.
func Backup(ctx context.Context, dsn, file string) error {
	if IsPostgres(dsn) {
		return ErrPostgresBackup
	}
	if _, err := os.Stat(dsn); err != nil {
		return fmt.Errorf("backup: the database %s: %w", dsn, err)
	}
	if _, err := os.Stat(file); err == nil {
		return fmt.Errorf("backup: %s already exists; choose a new file name", file)
	}
	tmp := file + ".tmp"
	os.Remove(tmp) // a copy an earlier attempt left half-written
	db, err := sql.Open("sqlite3", "file:"+dsn+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		return fmt.Errorf("backup: open %s: %w", dsn, err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup: copy %s: %w", dsn, err)
	}
	if err := syncFile(tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(tmp, file); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// CheckBackup says whether file is a whole motcua database: SQLite's
// integrity check passes and it holds the hub's tables.
func CheckBackup(ctx context.Context, file string) error {
	if _, err := os.Stat(file); err != nil {
		return err
	}
	db, err := sql.Open("sqlite3", "file:"+file+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	var result string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&result); err != nil {
		return fmt.Errorf("%s is not a SQLite database: %w", file, err)
	}
	if result != "ok" {
		return fmt.Errorf("%s is damaged: %s", file, strings.TrimSpace(result))
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('tickets', 'events', 'settings')`).Scan(&n); err != nil || n != 3 {
		return fmt.Errorf("%s is not a motcua database (no tickets, events and settings tables)", file)
	}
	return nil
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
