package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/logtest"
)

func envFrom(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

var listening = regexp.MustCompile(`motcua listening on (http://\S+)`)

// startRun runs the hub through run() and returns its base URL once
// /healthz answers, plus a stop function that returns run's error.
func startRun(t *testing.T, args []string, env map[string]string) (string, *logtest.Buffer, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &logtest.Buffer{}, &logtest.Buffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"motcua"}, args...), envFrom(env), strings.NewReader(""), stdout, stderr)
	}()
	deadline := time.Now().Add(60 * time.Second) // a loaded CI machine hashes the admin password slowly under -race
	var base string
	for base == "" {
		if m := listening.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
			break
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("run returned before listening: %v\nstderr: %s", err, stderr)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("hub did not start; stderr: %s", stderr)
		}
	}
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 && strings.Contains(string(body), `"ok"`) {
				break
			}
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("healthz never answered ok")
		}
		time.Sleep(10 * time.Millisecond) // polling a real server, not waiting for time to pass
	}
	stop := func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(20 * time.Second):
			t.Fatalf("run did not return after cancel")
			return nil
		}
	}
	return base, stderr, stop
}

func postJSON(t *testing.T, url, token string, body any, out any) int {
	t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

func TestRunServesAHall(t *testing.T) {
	db := filepath.Join(t.TempDir(), "hall.db")
	base, stderr, stop := startRun(t, []string{"-addr", "127.0.0.1:0", "-db", db}, map[string]string{"MOTCUA_ADMIN_PASSWORD": "very-secret-1"})
	if !strings.Contains(stderr.String(), "-base-url (MOTCUA_BASE_URL) is not set") {
		t.Errorf("no warning about the unset base URL at start:\n%s", stderr)
	}

	var services []struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	}
	resp, err := http.Get(base + "/api/v1/services")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&services)
	resp.Body.Close()
	if len(services) < 2 {
		t.Fatalf("sample hall: got %d services, want at least 2", len(services))
	}
	var tk struct {
		Number   string `json:"number"`
		TrackURL string `json:"track_url"`
	}
	if s := postJSON(t, base+"/api/v1/tickets", "", map[string]any{"service_id": services[0].ID}, &tk); s != 201 {
		t.Fatalf("issue: got %d, want 201", s)
	}
	if !strings.HasPrefix(tk.TrackURL, base+"/t/") {
		t.Errorf("track_url: got %q, want it under %s/t/", tk.TrackURL, base)
	}
	var login struct {
		Token string `json:"token"`
	}
	if s := postJSON(t, base+"/api/v1/auth/login", "", map[string]string{"username": "admin", "password": "very-secret-1"}, &login); s != 200 {
		t.Fatalf("login: got %d, want 200", s)
	}
	var called struct {
		Ticket struct {
			Number string `json:"number"`
			Status string `json:"status"`
		} `json:"ticket"`
	}
	if s := postJSON(t, base+"/api/v1/counters/1/call-next", login.Token, nil, &called); s != 200 {
		t.Fatalf("call-next: got %d, want 200", s)
	}
	if called.Ticket.Number != tk.Number || called.Ticket.Status != "called" {
		t.Errorf("call-next: got %s %s, want %s called", called.Ticket.Number, called.Ticket.Status, tk.Number)
	}
	for _, page := range []string{"/", "/kiosk", "/display", "/counter", "/static/common.css"} {
		resp, err := http.Get(base + page)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET %s: got %d, want 200", page, resp.StatusCode)
		}
	}
	if err := stop(); err != nil {
		t.Fatalf("run after shutdown: got %v, want nil", err)
	}
	if strings.Contains(stderr.String(), "very-secret-1") {
		t.Errorf("the configured admin password appears in the log")
	}

	// The same database again: the numbering and the admin carry on.
	base, _, stop = startRun(t, []string{"-addr", "127.0.0.1:0", "-db", db}, nil)
	if s := postJSON(t, base+"/api/v1/tickets", "", map[string]any{"service_id": services[0].ID}, &tk); s != 201 || !strings.HasSuffix(tk.Number, "002") {
		t.Errorf("after restart: got status %d number %s, want 201 and the second number of the day", s, tk.Number)
	}
	if s := postJSON(t, base+"/api/v1/auth/login", "", map[string]string{"username": "admin", "password": "very-secret-1"}, nil); s != 200 {
		t.Errorf("login after restart: got %d, want 200", s)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func TestRunPrintsAGeneratedAdminPasswordOnce(t *testing.T) {
	db := filepath.Join(t.TempDir(), "hall.db")
	_, stderr, stop := startRun(t, []string{"-addr", "127.0.0.1:0", "-db", db}, nil)
	stop()
	m := regexp.MustCompile(`password=(\S+)`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("no generated password in the log:\n%s", stderr)
	}
	base, stderr2, stop := startRun(t, []string{"-addr", "127.0.0.1:0", "-db", db}, nil)
	defer stop()
	if strings.Contains(stderr2.String(), m[1]) {
		t.Errorf("the generated password is printed again on the second start")
	}
	if s := postJSON(t, base+"/api/v1/auth/login", "", map[string]string{"username": "admin", "password": m[1]}, nil); s != 200 {
		t.Errorf("login with the printed password: got %d, want 200", s)
	}
}

func TestOptionsFromFlagsAndEnvironment(t *testing.T) {
	cases := []struct {
		name                  string
		args                  []string
		env                   map[string]string
		wantAddr, wantTrusted string
	}{
		{"defaults", nil, nil, ":8080", "127.0.0.0/8,::1/128"},
		{"environment", nil, map[string]string{"MOTCUA_ADDR": ":9000", "MOTCUA_TRUSTED": "10.0.0.0/8"}, ":9000", "10.0.0.0/8"},
		{"empty trusted means nobody", nil, map[string]string{"MOTCUA_TRUSTED": ""}, ":8080", ""},
		{"flags win", []string{"-addr", ":7000", "-trusted", "192.168.1.0/24"}, map[string]string{"MOTCUA_ADDR": ":9000"}, ":7000", "192.168.1.0/24"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, err := parseOptions(append([]string{"motcua"}, c.args...), envFrom(c.env), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if o.addr != c.wantAddr || o.cfg.Trusted != c.wantTrusted {
				t.Errorf("got addr %q trusted %q, want %q and %q", o.addr, o.cfg.Trusted, c.wantAddr, c.wantTrusted)
			}
		})
	}
	if _, err := parseOptions([]string{"motcua", "-nope"}, envFrom(nil), io.Discard); err == nil {
		t.Errorf("unknown flag: got no error")
	}
}

func TestRunRejectsABadHallDescription(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "hall.yaml")
	writeFile(t, bad, "branch:\n  code: CN01\n  nme: typo\n")
	err := run(context.Background(), []string{"motcua", "-addr", "127.0.0.1:0", "-db", filepath.Join(dir, "x.db"), "-config", bad}, envFrom(nil), strings.NewReader(""), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "line") {
		t.Errorf("bad hall description: got %v, want an error naming the line", err)
	}
}

func TestHardeningOptions(t *testing.T) {
	o, err := parseOptions([]string{"motcua"}, envFrom(map[string]string{"MOTCUA_SECURE_COOKIES": "true", "MOTCUA_BACKUP_DIR": "/b",
		"MOTCUA_BACKUP_EVERY": "6h", "MOTCUA_BACKUP_KEEP": "3", "MOTCUA_MAX_CONNS_PER_ADDR": "50"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !o.cfg.SecureCookies || o.backup.dir != "/b" || o.backup.every != 6*time.Hour || o.backup.keep != 3 || o.cfg.MaxConnsPerAddr != 50 {
		t.Errorf("from the environment: got secure %v, backups %q every %v keep %d, conns %d", o.cfg.SecureCookies, o.backup.dir, o.backup.every, o.backup.keep, o.cfg.MaxConnsPerAddr)
	}
	for _, env := range []map[string]string{{"MOTCUA_SECURE_COOKIES": "maybe"}, {"MOTCUA_BACKUP_EVERY": "daily"}, {"MOTCUA_BACKUP_KEEP": "x"}} {
		if _, err := parseOptions([]string{"motcua"}, envFrom(env), io.Discard); err == nil {
			t.Errorf("%v: got no error", env)
		}
	}
}
