package bound

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	_ "github.com/mattn/go-sqlite3"
)

func openWriter(t *testing.T, opts WriterOptions) (*Writer, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bound.db")
	w, err := OpenWriter(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w, path
}

// TestWriterCommitsEveryRowOnceInOrder writes from many goroutines and
// checks that every acknowledged row is in the file, seqs are unique, the
// after hooks ran in seq order, and several requests shared a commit.
func TestWriterCommitsEveryRowOnceInOrder(t *testing.T) {
	for name, opts := range map[string]WriterOptions{
		"savepoints":    {},
		"no-savepoints": {NoSavepoints: true},
		"tx-timeout":    {TxTimeout: 30 * time.Second},
	} {
		t.Run(name, func(t *testing.T) {
			w, path := openWriter(t, opts)
			const writers, each = 16, 25
			var mu sync.Mutex
			var hooked []int64
			acked := map[int64]bool{}
			var wg sync.WaitGroup
			for g := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range each {
						row, err := w.Write(context.Background(), KindTicket, int64(g), int64(i), func(r Row) {
							hooked = append(hooked, r.Seq) // the writer goroutine only
						})
						if err != nil {
							t.Errorf("write: %v", err)
							return
						}
						mu.Lock()
						if acked[row.Seq] {
							t.Errorf("seq %d acknowledged twice", row.Seq)
						}
						acked[row.Seq] = true
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			commits, rows := w.Stats()
			if rows != writers*each || len(acked) != writers*each {
				t.Fatalf("got %d rows and %d acknowledged, want %d", rows, len(acked), writers*each)
			}
			if commits >= rows {
				t.Errorf("got %d commits for %d rows, want fewer commits than rows (group commit)", commits, rows)
			}
			for i := 1; i < len(hooked); i++ {
				if hooked[i] <= hooked[i-1] {
					t.Fatalf("after hooks out of order: %d then %d", hooked[i-1], hooked[i])
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			db, err := sql.Open("sqlite3", path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var n int
			if err := db.QueryRow(`SELECT COUNT(*) FROM rows`).Scan(&n); err != nil || n != writers*each {
				t.Errorf("rows in the file: got %d (%v), want %d", n, err, writers*each)
			}
			if _, err := w.Write(context.Background(), KindTicket, 1, 1, nil); err != ErrClosed {
				t.Errorf("write after close: got %v, want ErrClosed", err)
			}
		})
	}
}

func TestWriterUsesTheHubsSettings(t *testing.T) {
	w, _ := openWriter(t, WriterOptions{})
	for pragma, want := range map[string]string{"journal_mode": "wal", "synchronous": "2", "wal_autocheckpoint": "10000"} {
		var got string
		if err := w.db.QueryRow("PRAGMA " + pragma).Scan(&got); err != nil || got != want {
			t.Errorf("PRAGMA %s: got %q (%v), want %q", pragma, got, err, want)
		}
	}
}

func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	w, _ := openWriter(t, WriterOptions{})
	b := NewBroadcaster(0)
	srv := httptest.NewServer(NewServer(w, b, "pw"))
	t.Cleanup(func() { b.Close(); srv.Close() })
	return srv
}

func post(t *testing.T, url, body string) (int, []byte) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

func dial(t *testing.T, srv *httptest.Server) *websocket.Conn {
	t.Helper()
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/ws/display", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func readJSON(t *testing.T, conn *websocket.Conn, v any) []byte {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, data, err := conn.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("frame %s: %v", data, err)
	}
	return data
}

// TestServerIssuesCallsAndFansOut goes through the routes the load tool
// uses: a display gets its snapshot, tickets are issued, a counter calls
// one, and the display reads the call frame in the hub's format.
func TestServerIssuesCallsAndFansOut(t *testing.T) {
	srv := newServer(t)
	if code, _ := post(t, srv.URL+"/api/v1/auth/login", `{"username":"admin","password":"nope"}`); code != http.StatusUnauthorized {
		t.Errorf("login with a wrong password: got %d, want 401", code)
	}
	if code, body := post(t, srv.URL+"/api/v1/auth/login", `{"username":"admin","password":"pw"}`); code != http.StatusOK || !bytes.Contains(body, []byte(`"token"`)) {
		t.Errorf("login: got %d %s, want 200 with a token", code, body)
	}
	displays := []*websocket.Conn{dial(t, srv), dial(t, srv)}
	for _, d := range displays {
		var snap struct {
			Type string `json:"type"`
			Seq  int64  `json:"seq"`
		}
		if data := readJSON(t, d, &snap); snap.Type != "snapshot" || !bytes.HasPrefix(data, []byte(`{"type":"snapshot","seq":`)) {
			t.Fatalf("first frame %s, want a snapshot", data)
		}
	}
	if code, _ := post(t, srv.URL+"/api/v1/counters/1/call-next", ""); code != http.StatusNoContent {
		t.Errorf("call with nobody waiting: got %d, want 204", code)
	}
	if code, _ := post(t, srv.URL+"/api/v1/tickets", `{"service_id":99}`); code != http.StatusUnprocessableEntity {
		t.Errorf("ticket for an unknown service: got %d, want 422", code)
	}
	code, body := post(t, srv.URL+"/api/v1/tickets", `{"service_id":2}`)
	var tk struct {
		ID        int64  `json:"id"`
		ServiceID int64  `json:"service_id"`
		Token     string `json:"token"`
	}
	if code != http.StatusCreated || json.Unmarshal(body, &tk) != nil || tk.ID == 0 || tk.ServiceID != 2 || tk.Token == "" {
		t.Fatalf("issue: got %d %s, want 201 with id, service_id 2 and a token", code, body)
	}
	code, body = post(t, srv.URL+"/api/v1/counters/1/call-next", "")
	var called struct {
		Ticket struct {
			ID int64 `json:"id"`
		} `json:"ticket"`
	}
	if code != http.StatusOK || json.Unmarshal(body, &called) != nil || called.Ticket.ID != tk.ID {
		t.Fatalf("call-next: got %d %s, want 200 with ticket %d", code, body, tk.ID)
	}
	for _, d := range displays {
		var ev struct {
			Type   string `json:"type"`
			Seq    int64  `json:"seq"`
			Ticket struct {
				ID int64 `json:"id"`
			} `json:"ticket"`
			Counter struct {
				Name string `json:"name"`
			} `json:"counter"`
		}
		data := readJSON(t, d, &ev)
		if ev.Type != "call" || ev.Ticket.ID != tk.ID || ev.Seq <= tk.ID || ev.Counter.Name != "Quầy 1" ||
			!bytes.HasPrefix(data, []byte(`{"type":"call","seq":`)) {
			t.Errorf("display frame %s: want the call of ticket %d at counter Quầy 1, type and seq first", data, tk.ID)
		}
	}
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, name := range []string{"process_resident_memory_bytes", "go_goroutines", "bound_commits_total 2"} {
		if !bytes.Contains(metrics, []byte(name)) {
			t.Errorf("/metrics lacks %q", name)
		}
	}
}

// TestBroadcasterDropsASlowClient fills the queue of a client that never
// reads; the broadcaster drops it, and the reading client gets every frame.
func TestBroadcasterDropsASlowClient(t *testing.T) {
	b := NewBroadcaster(4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.Serve(w, r, func(seq int64) []byte { return []byte(`{"type":"snapshot","seq":0}`) })
	}))
	defer srv.Close()
	defer b.Close()
	url := "ws" + strings.TrimPrefix(srv.URL, "http")
	// The slow client never reads: once the kernel's buffers are full its
	// writer blocks and its queue of 4 fills up.
	slow, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	fast, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fast.Close()
	var snap map[string]any
	readJSON(t, fast, &snap)
	// Frames of 256 KiB, each read by the fast client before the next is
	// published: 32 MiB in all, more than the kernel buffers the slow
	// client's writer can fill before it blocks.
	pad := bytes.Repeat([]byte("x"), 256<<10)
	for seq := int64(1); seq <= 128; seq++ {
		b.Publish(seq, append([]byte(`{"type":"x","seq":`+strconv.FormatInt(seq, 10)+`,"pad":"`), append(pad, `"}`...)...))
		fast.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, _, err := fast.ReadMessage(); err != nil {
			t.Fatalf("the reading client lost its connection at frame %d: %v", seq, err)
		}
	}
	if n := b.Conns(); n != 1 {
		t.Errorf("got %d connections after 32 MiB to a client that never reads, want 1 (the slow one dropped)", n)
	}
}
