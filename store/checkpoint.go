package store

import (
	"database/sql"
	"fmt"

	"github.com/mattn/go-sqlite3"
)

// walAutocheckpointPages is how many WAL pages the writer lets pile up before
// its commit copies them back into the database file (SQLite's default is
// 1,000). A checkpoint copies each page once however often it changed, and
// ticket issuance rewrites the same few pages (the day's counter, the ends
// of the indexes, the event log's last page) in every commit: checkpointing
// ten times less often copies and syncs far fewer pages per ticket. The WAL
// stays bounded (about 40 MiB) and durability is unchanged: a commit is
// durable once its WAL frames are synced.
const walAutocheckpointPages = 10000

// writerDriver is go-sqlite3 with the writer's own settings applied to every
// connection it opens (the DSN has no parameter for them).
const writerDriver = "sqlite3_motcua_writer"

func init() {
	sql.Register(writerDriver, &sqlite3.SQLiteDriver{
		ConnectHook: func(c *sqlite3.SQLiteConn) error {
			_, err := c.Exec(fmt.Sprintf("PRAGMA wal_autocheckpoint=%d", walAutocheckpointPages), nil)
			return err
		},
	})
}
