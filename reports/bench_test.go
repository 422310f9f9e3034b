//go:build unix

package reports_test

import (
	"context"
	"database/sql"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/reports"
	"github.com/motcua/motcua/server/servertest"
	"github.com/motcua/motcua/store/storetest"
)

// BenchmarkQueueReport366Days answers the queue report over 366 days of a
// busy hall: 500 visits a day (183,000 tickets, one in fifty transferred),
// on SQLite, each grouping, plus hour and weekhour. docs/PERFORMANCE.md
// quotes it.
func BenchmarkQueueReport366Days(b *testing.B) {
	dsn := storetest.SQLiteDSN(b)
	env := servertest.New(b, servertest.WithDSN(dsn))
	ctx := context.Background()
	var staff []int64
	for _, name := range []string{"lan", "minh", "hung"} {
		u, err := env.Server.Hub.Auth.CreateUser(ctx, name, name, motcua.RoleStaff, officerPassword)
		if err != nil {
			b.Fatal(err)
		}
		staff = append(staff, u.ID)
	}
	first := time.Date(2025, 1, 1, 0, 0, 0, 0, servertest.Hanoi)
	seed(b, dsn, first, 366, 500, staff)
	rp := &reports.Reports{Site: env.Server.Hub.Site, Store: env.Server.Store}
	rg, err := rp.ParseRange("2025-01-01", "2026-01-01")
	if err != nil {
		b.Fatal(err)
	}
	for _, by := range []string{"day", "service", "staff", "hour", "weekhour"} {
		b.Run(by, func(b *testing.B) {
			// The machine may be shared: the CPU time of the process per
			// report is reported next to the wall time.
			cpu0 := cpuTime()
			for i := 0; i < b.N; i++ {
				rows, err := rp.Queue(ctx, rg, by, reports.Filter{})
				if err != nil || len(rows) == 0 {
					b.Fatalf("report: %d rows, %v", len(rows), err)
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/1e6, "cpu-ms/op")
		})
	}
}

// cpuTime is the CPU time the process has used (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// seed writes days × perDay visits straight into the database file: test
// data only, so it skips the queue.
func seed(b *testing.B, dsn string, first time.Time, days, perDay int, staff []int64) {
	b.Helper()
	db, err := sql.Open("sqlite3", "file:"+dsn+"?_journal_mode=WAL&_busy_timeout=10000")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	ins, err := tx.Prepare(`INSERT INTO tickets (day, seq, number, service_id, status, issued_at, queued_at, token, short_code,
		counter_id, calls, called_at, started_at, finished_at, served_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	move, err := tx.Prepare(`INSERT INTO ticket_events (ticket_id, at, action, from_status, to_status, service_id, to_service_id, counter_id, user_id)
		VALUES (?, ?, ?, '', '', ?, ?, ?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	for d := 0; d < days; d++ {
		date := first.AddDate(0, 0, d)
		day := date.Format(time.DateOnly)
		open := date.Add(7*time.Hour + 30*time.Minute)
		for i := 0; i < perDay; i++ {
			issued := open.Add(time.Duration(i) * 50 * time.Second)
			called := issued.Add(time.Duration(60+(i*37)%1500) * time.Second)
			started := called.Add(30 * time.Second)
			finished := started.Add(time.Duration(120+(i*53)%900) * time.Second)
			service := int64(i%3 + 1)
			counter := int64(i%3 + 1)
			officer := staff[i%3]
			status := "done"
			if i%17 == 0 {
				status = "no_show"
			}
			res, err := ins.Exec(day, i+1, fmt.Sprintf("%d%04d", service, i+1), service, status, issued.UTC(), issued.UTC(),
				fmt.Sprintf("t-%s-%d", day, i), fmt.Sprintf("%06d", i), counter, called.UTC(), started.UTC(), finished.UTC(), officer)
			if err != nil {
				b.Fatal(err)
			}
			if i%50 == 0 { // transferred from service 2 after a first call
				id, _ := res.LastInsertId()
				t0 := issued.Add(-10 * time.Minute)
				for _, m := range []struct {
					at     time.Time
					action string
					from   int64
					to     any
				}{
					{issued.Add(-12 * time.Minute), "call", 2, nil},
					{t0, "transfer", 2, service},
					{called, "call", service, nil},
					{started, "start", service, nil},
					{finished, "finish", service, nil},
				} {
					if _, err := move.Exec(id, m.at.UTC(), m.action, m.from, m.to, counter, officer); err != nil {
						b.Fatal(err)
					}
				}
			}
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}
