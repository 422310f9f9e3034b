package main

// Fault tests: the real binary on a real SQLite file, killed, starved of its
// disk and restarted under its clients. Each is bounded to a few seconds and
// checks outcomes, never timings.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

const faultAdminPassword = "fault-test-password"

var (
	buildOnce sync.Once
	builtPath string
	buildErr  error
)

// hubBinary builds cmd/motcua once per test run.
func hubBinary(t *testing.T) string {
	t.Helper()
	return hubBinaryB(t)
}

func hubBinaryB(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "motcua-fault-bin-")
		if err != nil {
			buildErr = err
			return
		}
		builtPath = filepath.Join(dir, "motcua")
		out, err := exec.Command("go", "build", "-o", builtPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtPath
}

// hubProcess is a running motcua binary.
type hubProcess struct {
	cmd    *exec.Cmd
	url    string
	addr   string
	stderr *bytes.Buffer
	mu     *sync.Mutex
	exited chan struct{}
}

var listenLine = regexp.MustCompile(`motcua listening on http://(\S+)`)

// freeAddr returns a loopback address with a port nobody listens on now.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startHubProcess runs the binary on db, listening on addr ("127.0.0.1:0"
// for any port), with any extra flags, and waits until /healthz answers.
func startHubProcess(t *testing.T, db, addr string, extra ...string) *hubProcess {
	t.Helper()
	cmd := exec.Command(hubBinary(t), append([]string{"-addr", addr, "-db", db}, extra...)...)
	cmd.Env = append(os.Environ(), "MOTCUA_ADMIN_PASSWORD="+faultAdminPassword, "MOTCUA_TRUSTED=127.0.0.0/8")
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

	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listenLine.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case h.addr = <-found:
	case <-h.exited:
		t.Fatalf("the hub exited at start:\n%s", h.log())
	case <-time.After(20 * time.Second):
		t.Fatalf("the hub did not start within 20s:\n%s", h.log())
	}
	h.url = "http://" + h.addr
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(h.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return h
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz never answered 200:\n%s", h.log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (h *hubProcess) log() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.stderr.String()
}

// kill sends SIGKILL: no shutdown code runs, as in a power cut.
func (h *hubProcess) kill() {
	select {
	case <-h.exited:
		return
	default:
	}
	h.cmd.Process.Signal(syscall.SIGKILL)
	<-h.exited
}

// faultRequest sends a JSON request; status 0 means the connection failed.
func faultRequest(client *http.Client, method, url, token string, body any, out any) (int, []byte) {
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, url, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		json.Unmarshal(raw, out)
	}
	return resp.StatusCode, raw
}

type faultTicket struct {
	ID        int64  `json:"id"`
	Number    string `json:"number"`
	ServiceID int64  `json:"service_id"`
	Token     string `json:"token"`
}

func faultLogin(t *testing.T, url string) string {
	t.Helper()
	var out struct {
		Token string `json:"token"`
	}
	if status, body := faultRequest(http.DefaultClient, "POST", url+"/api/v1/auth/login", "",
		map[string]string{"username": "admin", "password": faultAdminPassword}, &out); status != http.StatusOK {
		t.Fatalf("login: got %d %s, want 200", status, body)
	}
	return out.Token
}

// TestSIGKILLMidBurstLosesNoAcknowledgedTicket issues tickets from many
// clients, kills the hub with SIGKILL while they are in flight, restarts it
// on the same database and checks that every ticket acknowledged with 201 is
// there with its number, and that no number is handed out twice.
func TestSIGKILLMidBurstLosesNoAcknowledgedTicket(t *testing.T) {
	db := filepath.Join(t.TempDir(), "motcua.db")
	hub := startHubProcess(t, db, "127.0.0.1:0")

	var mu sync.Mutex
	var acked []faultTicket
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 16 {
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
				var tk faultTicket
				status, _ := faultRequest(client, "POST", hub.url+"/api/v1/tickets", "",
					map[string]any{"service_id": 1 + (w+i)%3}, &tk)
				if status == 0 {
					return // the hub is gone
				}
				if status == http.StatusCreated {
					mu.Lock()
					acked = append(acked, tk)
					mu.Unlock()
				}
			}
		}()
	}
	// Kill once a few hundred tickets are acknowledged, with requests in flight.
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 300 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	hub.kill()
	close(stop)
	wg.Wait()
	if len(acked) < 50 {
		t.Fatalf("only %d tickets were acknowledged before the kill; the test needs a burst", len(acked))
	}

	seen := map[string]int64{} // "service/number" → ticket id
	for _, tk := range acked {
		key := fmt.Sprint(tk.ServiceID, "/", tk.Number)
		if other, dup := seen[key]; dup {
			t.Errorf("number %s of service %d was acknowledged twice (tickets %d and %d)", tk.Number, tk.ServiceID, other, tk.ID)
		}
		seen[key] = tk.ID
	}

	hub = startHubProcess(t, db, "127.0.0.1:0")
	for _, tk := range acked {
		var got struct {
			Number string `json:"number"`
			Status string `json:"status"`
		}
		status, body := faultRequest(http.DefaultClient, "GET", hub.url+"/api/v1/track/"+tk.Token, "", nil, &got)
		if status != http.StatusOK || got.Number != tk.Number {
			t.Errorf("acknowledged ticket %s (id %d) after the restart: got %d %s, want 200 with number %s", tk.Number, tk.ID, status, body, tk.Number)
		}
	}
	// New numbers continue after every acknowledged one, never repeating one.
	for svc := int64(1); svc <= 3; svc++ {
		var tk faultTicket
		if status, body := faultRequest(http.DefaultClient, "POST", hub.url+"/api/v1/tickets", "", map[string]any{"service_id": svc}, &tk); status != http.StatusCreated {
			t.Fatalf("issue after the restart: got %d %s, want 201", status, body)
		}
		if id, reused := seen[fmt.Sprint(svc, "/", tk.Number)]; reused {
			t.Errorf("after the restart service %d handed out number %s again (first given to ticket %d)", svc, tk.Number, id)
		}
	}
	t.Logf("%d tickets acknowledged before SIGKILL, all present after the restart", len(acked))
}

// TestUnwritableDatabaseGives503AndRecovers makes the database and its WAL
// immutable (chattr +i: root ignores file modes but not this flag), checks
// that writes get a clear 503 while reads go on, then makes them writable
// again and checks that the hub takes tickets without a restart and that the
// file is intact.
func TestUnwritableDatabaseGives503AndRecovers(t *testing.T) {
	chattr, err := exec.LookPath("chattr")
	if err != nil {
		t.Skip("chattr is not installed: cannot make the database unwritable for root")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "motcua.db")
	hub := startHubProcess(t, db, "127.0.0.1:0")
	var first faultTicket
	if status, body := faultRequest(http.DefaultClient, "POST", hub.url+"/api/v1/tickets", "", map[string]any{"service_id": 1}, &first); status != http.StatusCreated {
		t.Fatalf("issue: got %d %s, want 201", status, body)
	}
	// The shared-memory index (-shm) is mapped into memory: making it
	// immutable would fault the process, which is not what a full or
	// read-only disk does.
	files := []string{db, db + "-wal"}
	if out, err := exec.Command(chattr, append([]string{"+i"}, files...)...).CombinedOutput(); err != nil {
		t.Skipf("chattr +i is not supported here (%v: %s)", err, out)
	}
	immutable := true
	release := func() {
		if immutable {
			if out, err := exec.Command(chattr, append([]string{"-i"}, files...)...).CombinedOutput(); err != nil {
				t.Errorf("chattr -i: %v %s", err, out)
			}
			immutable = false
		}
	}
	t.Cleanup(release) // or t.TempDir cannot remove the files

	for i := range 3 {
		status, body := faultRequest(http.DefaultClient, "POST", hub.url+"/api/v1/tickets", "", map[string]any{"service_id": 1}, nil)
		var e struct {
			Error struct{ Code, Message string }
		}
		json.Unmarshal(body, &e)
		if status != http.StatusServiceUnavailable || e.Error.Code != "unavailable" || !strings.Contains(e.Error.Message, "/") {
			t.Fatalf("issue %d on an unwritable database: got %d %s, want 503 unavailable with a bilingual message", i, status, body)
		}
	}
	if status, body := faultRequest(http.DefaultClient, "GET", hub.url+"/api/v1/track/"+first.Token, "", nil, nil); status != http.StatusOK {
		t.Errorf("reading a ticket while writes fail: got %d %s, want 200", status, body)
	}
	// Honest health: unhealthy while writes fail (it used to say ok).
	if status, body := faultRequest(http.DefaultClient, "GET", hub.url+"/healthz", "", nil, nil); status != http.StatusServiceUnavailable {
		t.Errorf("/healthz while writes fail: got %d %s, want 503", status, body)
	}
	// The log names the cause, once, not once per refused request.
	for range 30 {
		faultRequest(http.DefaultClient, "POST", hub.url+"/api/v1/tickets", "", map[string]any{"service_id": 1}, nil)
	}
	logged := hub.log()
	if n := strings.Count(logged, "request failed"); n < 1 || n > 3 {
		t.Errorf("33 refused tickets within seconds wrote %d error lines, want 1 to 3:\n%s", n, logged)
	}
	if !strings.Contains(logged, "read-only database") && !strings.Contains(logged, "I/O error") {
		t.Errorf("the error log does not name the cause (read-only database, I/O error):\n%s", logged)
	}

	release()
	var next faultTicket
	var status int
	for range 50 { // the first write after the fault may still meet it
		if status, _ = faultRequest(http.DefaultClient, "POST", hub.url+"/api/v1/tickets", "", map[string]any{"service_id": 1}, &next); status == http.StatusCreated {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if status != http.StatusCreated {
		t.Fatalf("issue after the database is writable again: got %d, want 201\n%s", status, hub.log())
	}
	if status, body := faultRequest(http.DefaultClient, "GET", hub.url+"/healthz", "", nil, nil); status != http.StatusOK {
		t.Errorf("/healthz after the database is writable again: got %d %s, want 200", status, body)
	}
	if next.Number == first.Number {
		t.Errorf("the number %s was handed out twice", next.Number)
	}
	hub.kill()
	out, err := exec.Command("sqlite3", db, "PRAGMA integrity_check").CombinedOutput()
	if err == nil && strings.TrimSpace(string(out)) != "ok" {
		t.Errorf("integrity_check after the fault: %s", out)
	}
	hub = startHubProcess(t, db, "127.0.0.1:0")
	if status, body := faultRequest(http.DefaultClient, "GET", hub.url+"/api/v1/track/"+next.Token, "", nil, nil); status != http.StatusOK {
		t.Errorf("the ticket issued after recovery, after a restart: got %d %s, want 200", status, body)
	}
}

// TestGarbageWebsocketClientsAreClosedAlone sends an oversized message on
// one display socket and bytes that are no websocket frame on another; both
// are closed while the other displays keep receiving calls.
func TestGarbageWebsocketClientsAreClosedAlone(t *testing.T) {
	hub := startHubProcess(t, filepath.Join(t.TempDir(), "motcua.db"), "127.0.0.1:0")
	token := faultLogin(t, hub.url)
	wsURL := "ws://" + hub.addr + "/ws/display"

	var good []*websocket.Conn
	for range 3 {
		c, _, err := websocket.DefaultDialer.Dial(wsURL, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		readType(t, c, "snapshot")
		good = append(good, c)
	}

	huge, _, err := websocket.DefaultDialer.Dial(wsURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer huge.Close()
	readType(t, huge, "snapshot")
	if err := huge.WriteMessage(websocket.TextMessage, bytes.Repeat([]byte("x"), 1<<20)); err != nil {
		t.Logf("writing the huge message: %v (the hub may close first)", err)
	}

	garbage, _, err := websocket.DefaultDialer.Dial(wsURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer garbage.Close()
	readType(t, garbage, "snapshot")
	// Raw bytes under the websocket layer: reserved bits, a bad opcode, no mask.
	garbage.UnderlyingConn().Write([]byte{0xff, 0xff, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07})

	for name, c := range map[string]*websocket.Conn{"oversized message": huge, "garbage frame": garbage} {
		if err := readUntilClosed(c, 5*time.Second); err != nil {
			t.Errorf("client sending a %s: %v", name, err)
		}
	}

	// The others still get calls.
	var tk faultTicket
	if status, body := faultRequest(http.DefaultClient, "POST", hub.url+"/api/v1/tickets", "", map[string]any{"service_id": 1}, &tk); status != http.StatusCreated {
		t.Fatalf("issue: got %d %s", status, body)
	}
	if status, body := faultRequest(http.DefaultClient, "POST", hub.url+"/api/v1/counters/1/call-next", token, nil, nil); status != http.StatusOK {
		t.Fatalf("call-next: got %d %s", status, body)
	}
	for i, c := range good {
		msg := readType(t, c, "call")
		if !strings.Contains(msg, `"number":"`+tk.Number+`"`) {
			t.Errorf("display %d: got call %s, want ticket %s", i, msg, tk.Number)
		}
	}
}

// readType reads messages until one of the given type arrives.
func readType(t *testing.T, c *websocket.Conn, typ string) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		_, data, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("waiting for a %s message: %v", typ, err)
		}
		if bytes.HasPrefix(data, []byte(`{"type":"`+typ+`"`)) {
			return string(data)
		}
	}
}

// readUntilClosed reads until the hub closes the connection; an error means
// it stayed open.
func readUntilClosed(c *websocket.Conn, within time.Duration) error {
	c.SetReadDeadline(time.Now().Add(within))
	for {
		_, _, err := c.ReadMessage()
		if err == nil {
			continue
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return fmt.Errorf("the hub kept the connection open for %s", within)
		}
		return nil
	}
}

// resyncDisplay is a hall display as display.js behaves: it remembers the
// last seq and reconnects with since after any drop.
type resyncDisplay struct {
	url     string
	mu      sync.Mutex
	lastSeq int64
	calls   map[string]bool // ticket numbers called
	dials   int
}

func (d *resyncDisplay) run(ctx context.Context) {
	for ctx.Err() == nil {
		d.mu.Lock()
		url := d.url
		if d.lastSeq >= 0 {
			url += fmt.Sprintf("?since=%d", d.lastSeq)
		}
		d.dials++
		d.mu.Unlock()
		dctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		c, _, err := websocket.DefaultDialer.DialContext(dctx, url, nil)
		cancel()
		if err != nil {
			time.Sleep(30 * time.Millisecond)
			continue
		}
		stop := context.AfterFunc(ctx, func() { c.Close() })
		for {
			var m struct {
				Type   string `json:"type"`
				Seq    int64  `json:"seq"`
				Ticket struct {
					Number string `json:"number"`
				} `json:"ticket"`
				Calls []struct {
					Ticket struct {
						Number string `json:"number"`
					} `json:"ticket"`
				} `json:"calls"`
			}
			if err := c.ReadJSON(&m); err != nil {
				break
			}
			d.mu.Lock()
			if m.Seq > d.lastSeq || m.Type == "snapshot" {
				d.lastSeq = m.Seq
				switch m.Type {
				case "call":
					d.calls[m.Ticket.Number] = true
				case "snapshot":
					for _, call := range m.Calls {
						d.calls[call.Ticket.Number] = true
					}
				}
			}
			d.mu.Unlock()
		}
		stop()
		c.Close()
	}
}

func (d *resyncDisplay) has(numbers []string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, n := range numbers {
		if !d.calls[n] {
			return false
		}
	}
	return true
}

// TestDisplaysResynchroniseAfterHubRestart kills the hub under connected
// displays, restarts it on the same address and database, and calls at
// once: every display reconnects by itself with since and shows every call,
// from before the crash and after.
func TestDisplaysResynchroniseAfterHubRestart(t *testing.T) {
	db := filepath.Join(t.TempDir(), "motcua.db")
	hub := startHubProcess(t, db, "127.0.0.1:0")
	addr := hub.addr
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var displays []*resyncDisplay
	var wg sync.WaitGroup
	for range 5 {
		d := &resyncDisplay{url: "ws://" + addr + "/ws/display", lastSeq: -1, calls: map[string]bool{}}
		displays = append(displays, d)
		wg.Add(1)
		go func() { defer wg.Done(); d.run(ctx) }()
	}
	defer wg.Wait()
	defer cancel()

	callSome := func(n int) []string {
		token := faultLogin(t, hub.url)
		var numbers []string
		for range n {
			var tk faultTicket
			if status, body := faultRequest(http.DefaultClient, "POST", hub.url+"/api/v1/tickets", "", map[string]any{"service_id": 1}, &tk); status != http.StatusCreated {
				t.Fatalf("issue: got %d %s", status, body)
			}
			var out struct{ Ticket faultTicket }
			if status, body := faultRequest(http.DefaultClient, "POST", hub.url+"/api/v1/counters/1/call-next", token, nil, &out); status != http.StatusOK {
				t.Fatalf("call-next: got %d %s", status, body)
			}
			// Served, so the next call ends it as done: a ticket called once may not become a no-show.
			if status, body := faultRequest(http.DefaultClient, "POST", fmt.Sprintf("%s/api/v1/tickets/%d/start", hub.url, out.Ticket.ID), token, nil, nil); status != http.StatusOK {
				t.Fatalf("start: got %d %s", status, body)
			}
			numbers = append(numbers, out.Ticket.Number)
		}
		return numbers
	}
	waitAll := func(what string, numbers []string) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for i, d := range displays {
			for !d.has(numbers) {
				if time.Now().After(deadline) {
					d.mu.Lock()
					t.Fatalf("display %d never showed every call %s: want %v, has %v after %d dials", i, what, numbers, d.calls, d.dials)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	}

	before := callSome(3)
	waitAll("before the crash", before)
	hub.kill()
	// Same address, so the displays' URL still works once it is back.
	hub = startHubProcess(t, db, addr)
	after := callSome(12) // at once: some land before the displays are back
	waitAll("after the restart", append(before, after...))
	for i, d := range displays {
		d.mu.Lock()
		if d.dials < 2 {
			t.Errorf("display %d dialled %d times, want a reconnection after the crash", i, d.dials)
		}
		d.mu.Unlock()
	}
}
