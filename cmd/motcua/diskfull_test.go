package main

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestFullDiskGives503AndRecovers puts the database on a small tmpfs, fills
// it, and checks that tickets get a clear 503, /healthz says unavailable, the
// log names the cause once, and that all recovers without a restart when
// space comes back.
func TestFullDiskGives503AndRecovers(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs to fill (needs root): %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	db := filepath.Join(dir, "motcua.db")
	hub := startHubProcess(t, db, "127.0.0.1:0")
	var first faultTicket
	if status, body := faultRequest(http.DefaultClient, "POST", hub.url+"/api/v1/tickets", "", map[string]any{"service_id": 1}, &first); status != http.StatusCreated {
		t.Fatalf("issue: got %d %s, want 201", status, body)
	}
	// Fill the disk: write until the filesystem refuses.
	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte{0xAA}, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			break
		}
	}
	f.Close()

	refused := 0
	for range 300 { // the write-ahead log may reuse its space for a while
		status, body := faultRequest(http.DefaultClient, "POST", hub.url+"/api/v1/tickets", "", map[string]any{"service_id": 1}, nil)
		if status == http.StatusServiceUnavailable {
			refused++
			if refused == 3 {
				break
			}
			continue
		}
		if status != http.StatusCreated {
			t.Fatalf("issue on a full disk: got %d %s, want 201 or 503", status, body)
		}
	}
	if refused < 3 {
		t.Fatalf("300 tickets on a full disk were all issued: the disk never filled\n%s", hub.log())
	}
	if status, body := faultRequest(http.DefaultClient, "GET", hub.url+"/healthz", "", nil, nil); status != http.StatusServiceUnavailable {
		t.Errorf("/healthz on a full disk: got %d %s, want 503", status, body)
	}
	if logged := hub.log(); !strings.Contains(logged, "disk full") || strings.Count(logged, "request failed") > 3 {
		t.Errorf("the log on a full disk: want the cause (disk full) in at most 3 error lines:\n%s", logged)
	}
	if status, _ := faultRequest(http.DefaultClient, "GET", hub.url+"/api/v1/track/"+first.Token, "", nil, nil); status != http.StatusOK {
		t.Errorf("reading a ticket on a full disk: got %d, want 200", status)
	}

	os.Remove(filler)
	var next faultTicket
	var status int
	for range 50 {
		if status, _ = faultRequest(http.DefaultClient, "POST", hub.url+"/api/v1/tickets", "", map[string]any{"service_id": 1}, &next); status == http.StatusCreated {
			break
		}
	}
	if status != http.StatusCreated {
		t.Fatalf("issue after space came back: got %d, want 201\n%s", status, hub.log())
	}
	if status, body := faultRequest(http.DefaultClient, "GET", hub.url+"/healthz", "", nil, nil); status != http.StatusOK {
		t.Errorf("/healthz after space came back: got %d %s, want 200", status, body)
	}
	hub.kill()
	hub = startHubProcess(t, db, "127.0.0.1:0")
	for _, tk := range []faultTicket{first, next} {
		if status, body := faultRequest(http.DefaultClient, "GET", hub.url+"/api/v1/track/"+tk.Token, "", nil, nil); status != http.StatusOK {
			t.Errorf("ticket %s after a restart: got %d %s, want 200", tk.Number, status, body)
		}
	}
}
