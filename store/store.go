// Package store keeps the branch hub's state in SQLite (the embedded default)
// or PostgreSQL (several hubs sharing one registry). All SQL of the project
// lives here, written once with '?' placeholders and rebound per dialect.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/jmoiron/sqlx"
	"github.com/mattn/go-sqlite3"

	"github.com/motcua/motcua"
)

//go:embed migrations
var migrations embed.FS

const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Store is the database of one branch hub. Writes go through Write, which the
// hub calls from its single writer goroutine; reads may come from anywhere.
//
// Its reads are grouped by what they read: Tickets (the queue), Events (the
// log), Dossiers (dossiers, apologies, the watch lists), Outbox (webhook
// deliveries) and Users (accounts and sessions); the hall's configuration is
// read from the Store itself. Writes go through a Tx, grouped the same way.
type Store struct {
	Dialect string
	*conn

	Tickets  TicketStore
	Events   EventStore
	Dossiers DossierStore
	Outbox   OutboxStore
	Users    UserStore
	// Appointments reads online bookings (appointments.go).
	Appointments AppointmentStore
}

// conn is the database connection every group of reads shares.
type conn struct {
	dialect string
	write   *sqlx.DB // SQLite: exactly one connection, so writers never fight over the lock
	read    *sqlx.DB
	waiting *waitingCache      // SQLite only: see waiting.go
	numbers *numberCache       // SQLite only: see numbers.go
	current *currentCache      // SQLite only: see current.go
	codes   *motcua.ShortCodes // the tickets' short codes, see ticketcode.go
	stmts   sync.Map           // query → *sqlx.Stmt on the read pool, see prepared
}

// TicketStore reads tickets, queues and the audit trail of calls.
type TicketStore struct{ *conn }

// EventStore reads the event log back (replays, recent calls).
type EventStore struct{ *conn }

// DossierStore reads dossiers, their apologies and the watch lists.
type DossierStore struct{ *conn }

// OutboxStore reads the webhook deliveries.
type OutboxStore struct{ *conn }

// UserStore reads staff accounts and sessions.
type UserStore struct{ *conn }

func newStore(c *conn) *Store {
	return &Store{Dialect: c.dialect, conn: c, Tickets: TicketStore{c}, Events: EventStore{c},
		Dossiers: DossierStore{c}, Outbox: OutboxStore{c}, Users: UserStore{c}, Appointments: AppointmentStore{c}}
}

// Open opens (and migrates) the database named by dsn: a postgres:// URL or
// "host=… dbname=…" string selects PostgreSQL, anything else is a SQLite file path.
func Open(ctx context.Context, dsn string) (*Store, error) {
	var s *Store
	if IsPostgres(dsn) {
		db, err := sqlx.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		db.SetMaxOpenConns(16)
		s = newStore(&conn{dialect: Postgres, write: db, read: db})
	} else {
		// WAL lets readers run beside the writer; synchronous=FULL makes an
		// acknowledged ticket survive a power cut; IMMEDIATE transactions take
		// the write lock up front instead of failing on upgrade. Each
		// connection keeps its last 64 prepared statements: the hub runs the
		// same few queries over and over, and preparing them again was about
		// a sixth of a ticket's CPU.
		base := "file:" + dsn + "?_journal_mode=WAL&_foreign_keys=on&_busy_timeout=10000&_synchronous=FULL&_stmt_cache_size=64"
		wdb, err := sql.Open(writerDriver, base+"&_txlock=immediate")
		if err != nil {
			return nil, fmt.Errorf("open sqlite %s: %w", dsn, err)
		}
		w := sqlx.NewDb(wdb, "sqlite3")
		w.SetMaxOpenConns(1)
		w.SetConnMaxIdleTime(0)
		r, err := sqlx.Open("sqlite3", base)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("open sqlite %s: %w", dsn, err), w.Close())
		}
		r.SetMaxOpenConns(8)
		s = newStore(&conn{dialect: SQLite, write: w, read: r, waiting: &waitingCache{}, numbers: &numberCache{}, current: &currentCache{}})
	}
	if err := s.write.PingContext(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("connect to database: %w", err), s.Close())
	}
	if err := s.migrate(ctx); err != nil {
		return nil, errors.Join(err, s.Close())
	}
	codes, err := s.loadShortCodes(ctx)
	if err != nil {
		return nil, errors.Join(err, s.Close())
	}
	s.codes = codes
	return s, nil
}

// IsPostgres says whether dsn names a PostgreSQL database rather than a SQLite file.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") ||
		strings.Contains(dsn, "dbname=") || strings.Contains(dsn, "host=")
}

// Close closes the database.
func (s *Store) Close() error {
	var errs []error
	s.stmts.Range(func(_, st any) bool {
		errs = append(errs, st.(*sqlx.Stmt).Close())
		return true
	})
	errs = append(errs, s.write.Close())
	if s.read != s.write {
		errs = append(errs, s.read.Close())
	}
	return errors.Join(errs...)
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return s.read.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.write.ExecContext(ctx,
		`CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	dir := "migrations/" + s.Dialect
	names, err := fs.Glob(migrations, dir+"/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		base := name[len(dir)+1:]
		var n int
		if err := s.write.GetContext(ctx, &n, s.write.Rebind(`SELECT COUNT(*) FROM schema_migrations WHERE name = ?`), base); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if n > 0 {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		tx, err := s.write.BeginTxx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migrate %s: %w", base, err)
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			return errors.Join(fmt.Errorf("migrate %s: %w", base, err), tx.Rollback())
		}
		if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`),
			base, time.Now().UTC().Format(time.RFC3339)); err != nil {
			return errors.Join(fmt.Errorf("migrate %s: %w", base, err), tx.Rollback())
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrate %s: %w", base, err)
		}
	}
	return nil
}

// sqliteCause names, for the log, why SQLite cannot write.
var sqliteCause = map[sqlite3.ErrNo]string{
	sqlite3.ErrReadonly: "read-only database",
	sqlite3.ErrFull:     "disk full",
	sqlite3.ErrIoErr:    "I/O error",
	sqlite3.ErrCantOpen: "cannot open the database file",
	sqlite3.ErrBusy:     "database busy",
	sqlite3.ErrLocked:   "database locked",
}

// Normalize turns driver errors into application errors: a unique violation
// is a conflict, a database that cannot be written is "unavailable" (503), and
// no rows is "not found". Anything else stays internal.
func Normalize(err error) error {
	if err == nil {
		return nil
	}
	var appErr *motcua.Error
	if errors.As(err, &appErr) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return motcua.Errorf(motcua.ENotFound, "Không tìm thấy. / Not found.")
	}
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code {
		case sqlite3.ErrConstraint:
			if se.ExtendedCode == sqlite3.ErrConstraintUnique || se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey {
				return motcua.Errorf(motcua.EConflict, "Bản ghi đã tồn tại. / The record already exists.")
			}
		case sqlite3.ErrReadonly, sqlite3.ErrFull, sqlite3.ErrIoErr, sqlite3.ErrCantOpen, sqlite3.ErrBusy, sqlite3.ErrLocked:
			return &motcua.Error{Code: motcua.EUnavailable,
				Message: "Cơ sở dữ liệu tạm thời không ghi được, vui lòng thử lại sau. / The database cannot take writes right now; try again shortly.",
				Cause:   fmt.Errorf("%s: %w", sqliteCause[se.Code], err)}
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "23505":
			return motcua.Errorf(motcua.EConflict, "Bản ghi đã tồn tại. / The record already exists.")
		case strings.HasPrefix(pe.Code, "53"), strings.HasPrefix(pe.Code, "08"), pe.Code == "25006":
			cause := "insufficient resources (disk full, out of memory or connections)"
			switch {
			case strings.HasPrefix(pe.Code, "08"):
				cause = "connection to PostgreSQL lost"
			case pe.Code == "25006":
				cause = "read-only database"
			case pe.Code == "53100":
				cause = "disk full"
			}
			return &motcua.Error{Code: motcua.EUnavailable,
				Message: "Cơ sở dữ liệu tạm thời không ghi được, vui lòng thử lại sau. / The database cannot take writes right now; try again shortly.",
				Cause:   fmt.Errorf("%s: %w", cause, err)}
		}
	}
	return err
}
