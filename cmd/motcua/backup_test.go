package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// A backup taken during a burst of ticket issues holds every ticket
// acknowledged before it started; restore is refused while a hub runs on
// the database, and after it a hub serves those tickets again.
func TestBackupDuringABurstThenRestore(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "motcua.db")
	backup := filepath.Join(dir, "copy.db")
	hub := startHubProcess(t, db, "127.0.0.1:0")

	var mu sync.Mutex
	var acked []string // tokens, in the order their 201 arrived
	ctx, stopBurst := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			client := &http.Client{Timeout: 10 * time.Second}
			for ctx.Err() == nil {
				var tk faultTicket
				if status, _ := faultRequest(client, "POST", hub.url+"/api/v1/tickets", "", map[string]any{"service_id": 1}, &tk); status == http.StatusCreated {
					mu.Lock()
					acked = append(acked, tk.Token)
					mu.Unlock()
				}
			}
		})
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }
	waitCount := func(n int) {
		deadline := time.Now().Add(30 * time.Second)
		for count() < n {
			if time.Now().After(deadline) {
				t.Fatalf("the burst issued only %d tickets in 30 s", count())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitCount(50)
	mu.Lock()
	before := append([]string(nil), acked...) // acknowledged before the backup started
	mu.Unlock()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"motcua", "backup", "-db", db, backup}, noEnv, strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("motcua backup during the burst: %v\n%s", err, errOut.String())
	}
	waitCount(len(before) + 20) // the burst went on during and after the copy
	stopBurst()
	wg.Wait()

	err := run(context.Background(), []string{"motcua", "restore", "-db", db, backup}, noEnv, strings.NewReader(""), &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "running") {
		t.Fatalf("restore while the hub runs: got %v, want a refusal saying a hub is running", err)
	}
	hub.kill()
	if err := run(context.Background(), []string{"motcua", "restore", "-db", db, backup}, noEnv, strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("restore after the hub stopped: %v", err)
	}
	hub = startHubProcess(t, db, "127.0.0.1:0")
	missing := 0
	for _, tok := range before {
		if status, _ := faultRequest(http.DefaultClient, "GET", hub.url+"/api/v1/track/"+tok, "", nil, nil); status != http.StatusOK {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("after restore, %d of the %d tickets acknowledged before the backup are missing", missing, len(before))
	}
	t.Logf("%d tickets acknowledged before the backup, %d in all", len(before), count())
}

// A second hub on the same database file is refused at start.
func TestOneHubPerDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "motcua.db")
	startHubProcess(t, db, "127.0.0.1:0")
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second) // a hub that starts anyway stops
	defer cancel()
	err := run(ctx, []string{"motcua", "-addr", "127.0.0.1:0", "-db", db}, noEnv, strings.NewReader(""), &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "running") {
		t.Fatalf("a second hub on the same database: got %v, want a refusal", err)
	}
}

// Scheduled backups: one at start and then every -backup-every, the newest
// -backup-keep kept.
func TestScheduledBackupsKeepTheNewest(t *testing.T) {
	dir := t.TempDir()
	backups := filepath.Join(dir, "backups")
	hub := startHubProcess(t, filepath.Join(dir, "motcua.db"), "127.0.0.1:0",
		"-backup-dir", backups, "-backup-every", "200ms", "-backup-keep", "2")
	deadline := time.Now().Add(30 * time.Second)
	for strings.Count(hub.log(), "backup written") < 4 {
		if time.Now().After(deadline) {
			t.Fatalf("fewer than 4 scheduled backups in 30 s:\n%s", hub.log())
		}
		time.Sleep(20 * time.Millisecond)
	}
	entries, err := os.ReadDir(backups)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".db") {
			kept = append(kept, e.Name())
		}
	}
	if len(kept) < 1 || len(kept) > 3 { // a fifth may be landing as we look
		t.Errorf("after 4 scheduled backups with -backup-keep 2: folder holds %v", kept)
	}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"motcua", "restore", "-db", filepath.Join(dir, "other.db"), filepath.Join(backups, kept[0])}, noEnv, strings.NewReader(""), &out, &errOut); err != nil {
		t.Errorf("a scheduled backup does not restore: %v", err)
	}
}

func noEnv(string) (string, bool) { return "", false }
