package store

import (
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-sqlite3"

	"github.com/motcua/motcua"
)

// A database that cannot write is "unavailable" to the client, and the log
// learns why: the cause is named and the driver's error kept.
func TestNormalizeNamesTheCause(t *testing.T) {
	cases := []struct {
		err   error
		cause string
	}{
		{sqlite3.Error{Code: sqlite3.ErrFull}, "disk full"},
		{sqlite3.Error{Code: sqlite3.ErrReadonly}, "read-only database"},
		{sqlite3.Error{Code: sqlite3.ErrIoErr}, "I/O error"},
		{&pgconn.PgError{Code: "53100"}, "disk full"},
		{&pgconn.PgError{Code: "25006"}, "read-only database"},
		{&pgconn.PgError{Code: "08006"}, "connection to PostgreSQL lost"},
	}
	for _, c := range cases {
		err := Normalize(c.err)
		var e *motcua.Error
		if !errors.As(err, &e) || e.Code != motcua.EUnavailable {
			t.Errorf("Normalize(%v): got %v, want %s", c.err, err, motcua.EUnavailable)
			continue
		}
		if e.Cause == nil || !strings.HasPrefix(e.Cause.Error(), c.cause) || !errors.Is(err, c.err) {
			t.Errorf("Normalize(%v): cause %v, want it to start with %q and wrap the driver's error", c.err, e.Cause, c.cause)
		}
		if strings.Contains(motcua.ErrorMessage(err), c.cause) {
			t.Errorf("Normalize(%v): the client's message %q names the cause; it is for the log only", c.err, motcua.ErrorMessage(err))
		}
	}
}
