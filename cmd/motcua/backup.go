package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/motcua/motcua/store"
)

const backupUsage = `usage: motcua backup [-db FILE] BACKUP_FILE
       motcua restore [-db FILE] BACKUP_FILE

  backup   writes a consistent copy of the hub's SQLite database while the hub
           runs (every ticket acknowledged before the copy started is in it)
  restore  puts a copy back; refused while a hub runs on the database (stop
           it first: systemctl stop motcua). The database it replaces is kept
           beside it as FILE.before-restore-YYYYMMDD-HHMMSS.

Both take -db (MOTCUA_DB), the hub's database. A PostgreSQL database is backed
up with pg_dump and restored with pg_restore (docs/INSTALL.md, Backups).`

// runBackup runs "motcua backup FILE".
func runBackup(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stdout, stderr io.Writer) error {
	db, file, err := backupArgs("backup", args, lookupEnv, stderr)
	if err != nil {
		return err
	}
	start := time.Now()
	if err := store.Backup(ctx, db, file); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "motcua: backed up %s to %s in %v\n", db, file, time.Since(start).Round(time.Millisecond))
	return nil
}

// runRestore runs "motcua restore FILE".
func runRestore(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stdout, stderr io.Writer) error {
	db, file, err := backupArgs("restore", args, lookupEnv, stderr)
	if err != nil {
		return err
	}
	if store.IsPostgres(db) {
		return store.ErrPostgresBackup
	}
	unlock, err := lockDatabase(db)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer unlock()
	if err := store.CheckBackup(ctx, file); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	// Copy first, then swap by renames: a crash leaves either database
	// whole, never half of one.
	tmp := db + ".restore.tmp"
	if err := copyFile(file, tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restore: %w", err)
	}
	kept := ""
	if _, err := os.Stat(db); err == nil {
		kept = db + ".before-restore-" + time.Now().Format("20060102-150405")
		if err := os.Rename(db, kept); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("restore: %w", err)
		}
	}
	// The old database's write-ahead log belongs to it, not to the copy.
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(db + suffix); err == nil && kept != "" {
			if err := os.Rename(db+suffix, kept+suffix); err != nil {
				return fmt.Errorf("restore: %w", err)
			}
		}
	}
	if err := os.Rename(tmp, db); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if kept != "" {
		fmt.Fprintf(stdout, "motcua: restored %s from %s; the database it replaced is %s\n", db, file, kept)
	} else {
		fmt.Fprintf(stdout, "motcua: restored %s from %s\n", db, file)
	}
	return nil
}

func backupArgs(cmd string, args []string, lookupEnv func(string) (string, bool), stderr io.Writer) (db, file string, err error) {
	fs := flag.NewFlagSet("motcua "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, backupUsage) }
	dbFlag := fs.String("db", envOr(lookupEnv, "MOTCUA_DB", "motcua.db"), "SQLite file, or a postgres:// URL [MOTCUA_DB]")
	rest, err := parseInterleaved(fs, args[2:])
	if err != nil {
		return "", "", err
	}
	if len(rest) != 1 {
		fmt.Fprintln(stderr, backupUsage)
		return "", "", fmt.Errorf("motcua %s: give exactly one backup file, got %d", cmd, len(rest))
	}
	return *dbFlag, rest[0], nil
}

// lockDatabase takes the lock a running hub holds on its SQLite database
// (a file beside it, locked with flock), without waiting: a restore under a
// running hub, or two hubs on one file, are refused.
func lockDatabase(db string) (unlock func(), err error) {
	// Read-only and readable by all: a lock file root made (sudo motcua
	// restore) must not keep the service's own user from opening it.
	f, err := os.OpenFile(db+".lock", os.O_CREATE|os.O_RDONLY, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("a motcua hub (or a restore) is running on %s; stop it first (systemctl stop motcua)", db)
		}
		return nil, fmt.Errorf("lock %s: %w", db+".lock", err)
	}
	return func() { f.Close() }, nil // closing releases the lock
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Scheduled backups: -backup-dir DIR makes a copy every -backup-every into
// DIR and keeps the newest -backup-keep.
const (
	backupPrefix = "motcua-"
	backupSuffix = ".db"
)

type backupSchedule struct {
	db    string
	dir   string
	every time.Duration
	keep  int
	log   *slog.Logger
}

// run makes a backup whenever the newest in dir is older than every (at
// start too: a hub restarted daily still backs up), until ctx ends.
func (s backupSchedule) run(ctx context.Context) {
	for {
		var wait time.Duration // none yet: one now
		if newest, ok := s.newest(); ok {
			wait = max(0, time.Until(newest.Add(s.every)))
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		file := filepath.Join(s.dir, backupPrefix+time.Now().Format("20060102-150405.000")+backupSuffix)
		start := time.Now()
		if err := store.Backup(ctx, s.db, file); err != nil {
			if ctx.Err() != nil {
				return
			}
			s.log.Error("scheduled backup failed; trying again later", "file", file, "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(min(s.every, time.Hour)):
			}
			continue
		}
		s.log.Info("backup written", "file", file, "took", time.Since(start).Round(time.Millisecond))
		s.prune()
	}
}

// backups lists the schedule's files in dir, oldest first (their names sort
// by time).
func (s backupSchedule) backups() []string {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if n := e.Name(); !e.IsDir() && strings.HasPrefix(n, backupPrefix) && strings.HasSuffix(n, backupSuffix) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

func (s backupSchedule) newest() (time.Time, bool) {
	list := s.backups()
	if len(list) == 0 {
		return time.Time{}, false
	}
	info, err := os.Stat(filepath.Join(s.dir, list[len(list)-1]))
	if err != nil {
		return time.Time{}, false
	}
	return info.ModTime(), true
}

// prune removes all but the newest keep backups.
func (s backupSchedule) prune() {
	list := s.backups()
	for len(list) > s.keep {
		if err := os.Remove(filepath.Join(s.dir, list[0])); err != nil {
			s.log.Warn("cannot remove an old backup", "file", list[0], "err", err)
		}
		list = list[1:]
	}
}

// startBackups starts the schedule when a folder is set; the returned
// function stops it and waits.
func startBackups(ctx context.Context, s backupSchedule) (stop func(), err error) {
	if s.dir == "" {
		return func() {}, nil
	}
	if store.IsPostgres(s.db) {
		return nil, fmt.Errorf("-backup-dir: %w", store.ErrPostgresBackup)
	}
	if s.every <= 0 || s.keep < 1 {
		return nil, fmt.Errorf("-backup-every must be positive and -backup-keep at least 1")
	}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return nil, fmt.Errorf("-backup-dir: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { s.run(ctx) })
	return func() { cancel(); wg.Wait() }, nil
}
