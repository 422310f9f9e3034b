package main

// The city with real processes (issue 14): a registry and a hall, each the
// real binary, the hall killed with SIGKILL while it sends its events and
// started again on its files. The registry must end with every city event of
// the hall exactly once.

import (
	"bufio"
	"bytes"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/store/storetest"
)

// registryProcess is a running "motcua registry".
type registryProcess struct {
	*hubProcess
	leafURL string
}

var registryLine = regexp.MustCompile(`motcua registry listening on http://(\S+), halls join at (\S+)`)

// startRegistryProcess runs "motcua registry" on dsn with its NATS files in
// dir, and waits until /healthz answers.
func startRegistryProcess(t *testing.T, dsn, dir string) *registryProcess {
	t.Helper()
	cmd := exec.Command(hubBinary(t), "registry", "-db", dsn, "-addr", "127.0.0.1:0", "-leaf", freeAddr(t), "-dir", dir)
	cmd.Env = append(os.Environ(), "MOTCUA_ADMIN_PASSWORD="+faultAdminPassword)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	h := &hubProcess{cmd: cmd, stderr: &bytes.Buffer{}, mu: &sync.Mutex{}, exited: make(chan struct{})}
	cmd.Stderr = lockedWriter{h.mu, h.stderr}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { cmd.Wait(); close(h.exited) }()
	t.Cleanup(func() { h.kill() })
	found := make(chan []string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := registryLine.FindStringSubmatch(sc.Text()); m != nil {
				found <- m
			}
		}
	}()
	r := &registryProcess{hubProcess: h}
	select {
	case m := <-found:
		h.addr, r.leafURL = m[1], m[2]
	case <-h.exited:
		t.Fatalf("the registry exited at start:\n%s", h.log())
	case <-time.After(20 * time.Second):
		t.Fatalf("the registry did not start within 20s:\n%s", h.log())
	}
	h.url = "http://" + h.addr
	waitUntil(t, 10*time.Second, "the registry's /healthz to answer 200", func() bool {
		resp, err := http.Get(h.url + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return r
}

// waitUntil polls cond until it holds, failing after within.
func waitUntil(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// hallCityEvents reads the hall's event log, read-only, while the hall may
// run: the seqs of the events that go to the city, and the tickets waiting.
func hallCityEvents(t *testing.T, db string) (seqs []int64, waiting int) {
	t.Helper()
	conn, err := sql.Open("sqlite3", "file:"+db+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	types := make([]any, len(motcua.CityEventTypes))
	for i, typ := range motcua.CityEventTypes {
		types[i] = typ
	}
	rows, err := conn.Query(`SELECT seq FROM events WHERE type IN (?`+strings.Repeat(", ?", len(types)-1)+`) ORDER BY seq`, types...)
	if err != nil {
		t.Fatalf("the hall's event log: %v", err)
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		if err := rows.Scan(&seq); err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, seq)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(`SELECT COUNT(*) FROM tickets WHERE status = 'waiting'`).Scan(&waiting); err != nil {
		t.Fatalf("the hall's tickets: %v", err)
	}
	return seqs, waiting
}

// registryDB reads the registry's rows while it runs.
type registryDB struct {
	db *sql.DB
	pg bool
}

func openRegistryDB(t *testing.T, dsn string, pg bool) registryDB {
	t.Helper()
	driver, source := "sqlite3", "file:"+dsn+"?mode=ro&_busy_timeout=10000"
	if pg {
		driver, source = "pgx", dsn
	}
	db, err := sql.Open(driver, source)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return registryDB{db: db, pg: pg}
}

// seqs lists the branch's rows of city_events, in order, duplicates
// included (the primary key forbids them; the list would show them).
func (r registryDB) seqs(t *testing.T, branch string) []int64 {
	t.Helper()
	q := `SELECT seq FROM city_events WHERE branch = ? ORDER BY seq`
	if r.pg {
		q = strings.Replace(q, "?", "$1", 1)
	}
	rows, err := r.db.Query(q, branch)
	if err != nil {
		// SQLite: the table appears when the registry has migrated, which
		// "branch add" did before; any error here is a real one.
		t.Fatalf("the registry's city_events: %v", err)
	}
	defer rows.Close()
	var seqs []int64
	for rows.Next() {
		var seq int64
		if err := rows.Scan(&seq); err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, seq)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return seqs
}

// TestCityHallSIGKILLMidSendLosesAndDuplicatesNothing runs the registry and a
// joined hall as real processes, issues tickets from several clients, kills
// the hall with SIGKILL while its sender is behind, restarts it on the same
// database and JetStream files, issues more, and waits until the registry
// holds every city event of the hall's log exactly once, with the hall's
// waiting count and last seq in its API.
func TestCityHallSIGKILLMidSendLosesAndDuplicatesNothing(t *testing.T) {
	pg := os.Getenv(storetest.Env) != ""
	var regDSN string
	if pg {
		regDSN = storetest.PostgresDSN(t) // a fresh schema, dropped at cleanup
	} else {
		regDSN = storetest.SQLiteDSN(t)
	}
	bin := hubBinary(t)

	// The branch of the sample hall (hall/sample.yaml): CN01, 000.00.01.H26.
	out, err := exec.Command(bin, "registry", "branch", "add", "CN01", "-name", "Chi nhánh số 1",
		"-unit-code", "000.00.01.H26", "-db", regDSN).CombinedOutput()
	if err != nil {
		t.Fatalf("registry branch add: %v\n%s", err, out)
	}
	lines := strings.Fields(strings.TrimSpace(string(out)))
	password := lines[len(lines)-1]
	if len(password) < 16 {
		t.Fatalf("registry branch add printed no password:\n%s", out)
	}

	reg := startRegistryProcess(t, regDSN, filepath.Join(t.TempDir(), "registry-js"))
	rdb := openRegistryDB(t, regDSN, pg)

	dir := t.TempDir()
	db := filepath.Join(dir, "motcua.db")
	cityDir := filepath.Join(dir, "city")
	t.Setenv("MOTCUA_REGISTRY_PASSWORD", password) // the hall's environment (startHubProcess passes os.Environ)
	joined := []string{"-registry", reg.leafURL, "-city-dir", cityDir}
	hall := startHubProcess(t, db, "127.0.0.1:0", joined...)

	// The link is up once the registry has the first ticket's events.
	if status, body := faultRequest(http.DefaultClient, "POST", hall.url+"/api/v1/tickets", "", map[string]any{"service_id": 1}, nil); status != http.StatusCreated {
		t.Fatalf("issue: got %d %s, want 201", status, body)
	}
	waitUntil(t, 20*time.Second, "the registry to receive the hall's first events", func() bool { return len(rdb.seqs(t, "CN01")) > 0 })

	// Several kiosks issue until the hall is killed.
	var mu sync.Mutex
	acked := 0
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 5 * time.Second}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				status, _ := faultRequest(client, "POST", hall.url+"/api/v1/tickets", "",
					map[string]any{"service_id": 1 + (w+i)%3}, nil)
				if status == 0 {
					return // the hall is gone
				}
				if status == http.StatusCreated {
					mu.Lock()
					acked++
					mu.Unlock()
				}
			}
		}()
	}
	// Kill in the middle of the burst, while the registry lacks some of the
	// hall's events: the sender is busy with them.
	waitUntil(t, 20*time.Second, "the kiosks to issue 200 tickets with the registry behind the hall's log", func() bool {
		mu.Lock()
		n := acked
		mu.Unlock()
		if n < 200 {
			return false
		}
		logged, _ := hallCityEvents(t, db)
		return len(rdb.seqs(t, "CN01")) < len(logged)
	})
	atKill := len(rdb.seqs(t, "CN01"))
	hall.kill()
	close(stop)
	wg.Wait()
	made, _ := hallCityEvents(t, db)
	t.Logf("killed with %d tickets acknowledged: the hall's log has %d city events, the registry had %d at the kill", acked, len(made), atKill)

	// Same database and JetStream files; the kiosks issue more.
	hall = startHubProcess(t, db, "127.0.0.1:0", joined...)
	for i := range 30 {
		if status, body := faultRequest(http.DefaultClient, "POST", hall.url+"/api/v1/tickets", "",
			map[string]any{"service_id": 1 + i%3}, nil); status != http.StatusCreated {
			t.Fatalf("issue after the restart: got %d %s, want 201", status, body)
		}
	}

	want, waiting := hallCityEvents(t, db)
	if len(want) <= len(made) {
		t.Fatalf("the hall's log has %d city events after the restart, %d before: the new tickets made none", len(want), len(made))
	}
	var got []int64
	deadline := time.Now().Add(20 * time.Second)
	for {
		got = rdb.seqs(t, "CN01")
		if slices.Equal(got, want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the registry's events of CN01 never matched the hall's log: %s\nhall log:\n%s\nregistry log:\n%s",
				diffSeqs(got, want), hall.log(), reg.log())
		}
		time.Sleep(20 * time.Millisecond)
	}

	// The registry's API says the same: the hall's last seq and its waiting count.
	var login struct {
		Token string `json:"token"`
	}
	if status, body := faultRequest(http.DefaultClient, "POST", reg.url+"/api/v1/auth/login", "",
		map[string]string{"username": "admin", "password": faultAdminPassword}, &login); status != http.StatusOK {
		t.Fatalf("registry login: got %d %s, want 200", status, body)
	}
	var branches []struct {
		Code    string `json:"code"`
		Waiting int    `json:"waiting"`
		LastSeq int64  `json:"last_seq"`
	}
	if status, body := faultRequest(http.DefaultClient, "GET", reg.url+"/api/v1/city/branches", login.Token, nil, &branches); status != http.StatusOK {
		t.Fatalf("GET /api/v1/city/branches: got %d %s, want 200", status, body)
	}
	i := slices.IndexFunc(branches, func(b struct {
		Code    string `json:"code"`
		Waiting int    `json:"waiting"`
		LastSeq int64  `json:"last_seq"`
	}) bool {
		return b.Code == "CN01"
	})
	if i < 0 {
		t.Fatalf("CN01 is not among the registry's branches: %+v", branches)
	}
	if b := branches[i]; b.LastSeq != want[len(want)-1] || b.Waiting != waiting {
		t.Errorf("the registry's CN01: last_seq %d, waiting %d; the hall: last city seq %d, %d waiting", b.LastSeq, b.Waiting, want[len(want)-1], waiting)
	}
	dialect := "SQLite"
	if pg {
		dialect = "PostgreSQL"
	}
	t.Logf("the registry (%s) holds all %d city events of the hall once (%d made before the kill), %d waiting", dialect, len(want), len(made), waiting)
}

// diffSeqs describes how got differs from want: missing, twice, unknown.
func diffSeqs(got, want []int64) string {
	count := map[int64]int{}
	for _, s := range got {
		count[s]++
	}
	var missing, twice, extra []int64
	for _, s := range want {
		switch count[s] {
		case 0:
			missing = append(missing, s)
		case 1:
		default:
			twice = append(twice, s)
		}
		delete(count, s)
	}
	for s := range count {
		extra = append(extra, s)
	}
	slices.Sort(extra)
	head := func(s []int64) []int64 { return s[:min(len(s), 10)] }
	return fmt.Sprintf("the registry has %d rows, the hall made %d; missing %d %v; twice %d %v; not in the hall's log %d %v",
		len(got), len(want), len(missing), head(missing), len(twice), head(twice), len(extra), head(extra))
}
