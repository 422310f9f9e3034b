package live

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/motcua/motcua"
)

var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// benchSubscription is a display socket with a tiny snapshot and no replay.
func benchSubscription() Subscription {
	return Subscription{
		Snapshot: func(context.Context) (int64, []byte, error) {
			return 0, []byte(`{"type":"snapshot","seq":0,"calls":[],"waiting":{}}`), nil
		},
	}
}

// callEvent is a call as the hub publishes it: about 200 bytes on the wire.
func callEvent(seq int64) motcua.Event {
	return motcua.Event{Seq: seq, Type: motcua.EventCall, At: time.Now(), Body: []byte(
		`{"ticket":{"id":1042,"number":"1005","service_id":2},"counter":{"id":3,"number":3,"name":"Quầy 3 – Hộ tịch"},` +
			`"recall":false,"at":"2026-03-02T09:15:04+07:00"}`)}
}

// raiseFileLimit makes room for need open files, raising the hard limit too
// when the process may (root). It reports whether the limit is now enough.
func raiseFileLimit(need uint64) (uint64, bool) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, false
	}
	if lim.Cur >= need {
		return lim.Cur, true
	}
	want := lim
	want.Cur = need
	if want.Max < need {
		want.Max = need
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
		want.Cur = lim.Max // at least the soft limit up to the hard one
		want.Max = lim.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want)
		syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
		return lim.Cur, lim.Cur >= need
	}
	return need, true
}

// dialMany opens n websocket clients to url, a few at a time so the
// listen backlog never overflows, and reads each one's snapshot.
func dialMany(tb testing.TB, url string, n int, dialer *websocket.Dialer) []*websocket.Conn {
	tb.Helper()
	conns := make([]*websocket.Conn, n)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	next := make(chan int)
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				c, _, err := dialer.Dial(url, nil)
				if err == nil {
					c.SetReadDeadline(time.Now().Add(30 * time.Second))
					_, _, err = c.ReadMessage()
				}
				if err != nil {
					select {
					case errs <- fmt.Errorf("client %d: %w", i, err):
					default:
					}
					continue
				}
				conns[i] = c
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errs:
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
		tb.Fatal(err)
	default:
	}
	return conns
}

// BenchmarkFanout10k publishes one call event per iteration to 10,000 real
// websocket clients over loopback and measures until the last client has
// read it. The clients run in a child process (this test binary re-executed
// as TestClientsHelper): the fd limit here is 20,000 per process and cannot
// be raised, and both ends of 10,000 connections in one process would need
// more. The child stamps each read with the wall clock, which both processes
// share, and reports when all clients have the event. ns/op is the time from
// Publish until the parent hears of the last read (a pipe hop more than
// last-ms); p50-ms, p99-ms and last-ms are per-client read latencies.
func BenchmarkFanout10k(b *testing.B) {
	const clients = 10_000
	if got, ok := raiseFileLimit(clients + 512); !ok {
		b.Skipf("need %d open files for %d loopback connections, the limit is %d and cannot be raised", clients+512, clients, got)
	}
	bc := New(Options{Trusted: loopback})
	sub := benchSubscription()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { bc.Serve(w, r, sub) }))
	defer srv.Close()
	defer bc.Close()

	cp := startClients(b, "fanout", "ws"+strings.TrimPrefix(srv.URL, "http"), clients)
	defer cp.stop()
	if got := bc.Count(); got != clients {
		b.Fatalf("Count: got %d, want %d", got, clients)
	}

	// round publishes event seq and returns the read latencies in ms.
	round := func(seq int64) (p50, p99, last float64) {
		start := time.Now()
		bc.Publish(callEvent(seq))
		// "round <p50> <p99> <last>": wall-clock read times in ns.
		fields := strings.Fields(cp.line(b))
		if len(fields) != 4 || fields[0] != "round" {
			b.Fatalf("client process said %q, want a round report", fields)
		}
		ms := func(field string) float64 {
			at, err := strconv.ParseInt(field, 10, 64)
			if err != nil {
				b.Fatalf("bad round report %q", fields)
			}
			return float64(at-start.UnixNano()) / 1e6
		}
		return ms(fields[1]), ms(fields[2]), ms(fields[3])
	}

	// The first event on a fresh connection is slower (stacks grow, timers
	// and buffers are set up): reported apart as cold-last-ms.
	_, _, coldLast := round(1)
	var p50, p99, last float64
	runtime.GC()
	b.ResetTimer()
	for i := range b.N {
		r50, r99, rLast := round(int64(i + 2))
		p50, p99, last = p50+r50, p99+r99, last+rLast
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(p50/n, "p50-ms")
	b.ReportMetric(p99/n, "p99-ms")
	b.ReportMetric(last/n, "last-ms")
	b.ReportMetric(coldLast, "cold-last-ms")
}

// clientProcess is a child process holding many websocket clients.
type clientProcess struct {
	cmd   *exec.Cmd
	stdin io.Closer
	lines *bufio.Scanner
}

// startClients runs TestClientsHelper in a child process with n clients
// dialled to url and returns once they are all connected and have read
// their snapshot.
func startClients(b *testing.B, mode, url string, n int) *clientProcess {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestClientsHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(),
		"LIVE_CLIENTS_MODE="+mode,
		"LIVE_CLIENTS_URL="+url,
		"LIVE_CLIENTS_N="+strconv.Itoa(n))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	cp := &clientProcess{cmd: cmd, stdin: stdin, lines: bufio.NewScanner(stdout)}
	if got := cp.line(b); got != "ready" {
		cp.stop()
		b.Fatalf("client process said %q, want ready", got)
	}
	return cp
}

// line returns the child's next line of protocol, skipping go test's own
// output.
func (cp *clientProcess) line(b *testing.B) string {
	for cp.lines.Scan() {
		if text := cp.lines.Text(); text == "ready" || strings.HasPrefix(text, "round ") {
			return text
		}
	}
	b.Fatal("the client process ended early")
	return ""
}

func (cp *clientProcess) stop() {
	cp.stdin.Close() // the child closes its clients and exits when stdin closes
	cp.cmd.Wait()
}

// BenchmarkIdleMemoryPerConn measures what one idle connection costs the hub
// process.
//
// Method: the clients run in a child process (this test binary re-executed
// as TestClientsHelper), so every byte the parent gains is server side: the
// reader goroutine (the only one an idle connection keeps) and its stack,
// the websocket.Conn and its buffers, the subscriber and its ping timer.
// The parent forces two GCs, reads HeapInuse+StackInuse, lets the child open
// N connections and idle, waits until all N are subscribed, forces GC again
// and divides the growth by N.
//
// Sub-benchmarks compare the Upgrader buffer settings: the default (a 1 KiB
// read buffer, write buffers from a pool while writing), against keeping
// the 4 KiB buffers net/http allocated for the connection.
func BenchmarkIdleMemoryPerConn(b *testing.B) {
	const clients = 2000
	if _, ok := raiseFileLimit(clients + 512); !ok {
		b.Skipf("need %d open files", clients+512)
	}
	configs := []struct {
		name string
		opts Options
	}{
		{"default", Options{}}, // 1 KiB read buffer, pooled write buffers
		{"reuse-http-buffers", Options{reuseHTTPBuffers: true}},
		{"reuse-read+write-pool", Options{reuseHTTPBuffers: true, writeBufferPool: &sync.Pool{}}},
	}
	for _, cfg := range configs {
		b.Run(cfg.name, func(b *testing.B) {
			var sum idleCost
			for range b.N {
				c := measureIdle(b, cfg.opts, clients)
				sum.heapKiB += c.heapKiB
				sum.stackKiB += c.stackKiB
				sum.goroutines += c.goroutines
			}
			n := float64(b.N)
			b.ReportMetric((sum.heapKiB+sum.stackKiB)/n, "KiB/conn")
			b.ReportMetric(sum.heapKiB/n, "heap-KiB/conn")
			b.ReportMetric(sum.stackKiB/n, "stack-KiB/conn")
			b.ReportMetric(sum.goroutines/n, "goroutines/conn")
		})
	}
}

// idleCost is the server-side growth per idle connection.
type idleCost struct {
	heapKiB, stackKiB, goroutines float64
}

func measureIdle(b *testing.B, opts Options, clients int) idleCost {
	opts.Trusted = loopback
	bc := New(opts)
	sub := benchSubscription()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { bc.Serve(w, r, sub) }))
	defer srv.Close()
	defer bc.Close()

	before := serverMemory()
	cp := startClients(b, "idle", "ws"+strings.TrimPrefix(srv.URL, "http"), clients)
	defer cp.stop()
	if got := bc.Count(); got != clients {
		b.Fatalf("Count: got %d, want %d", got, clients)
	}
	after := serverMemory()
	n := float64(clients)
	return idleCost{
		heapKiB:    float64(int64(after.HeapInuse)-int64(before.HeapInuse)) / 1024 / n,
		stackKiB:   float64(int64(after.StackInuse)-int64(before.StackInuse)) / 1024 / n,
		goroutines: float64(after.goroutines-before.goroutines) / n,
	}
}

type memory struct {
	HeapInuse, StackInuse uint64
	goroutines            int
}

func serverMemory() memory {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return memory{m.HeapInuse, m.StackInuse, runtime.NumGoroutine()}
}

// TestClientsHelper is the client process of the benchmarks; run on its own
// it does nothing. It dials LIVE_CLIENTS_N clients to LIVE_CLIENTS_URL,
// prints "ready", then in mode "fanout" prints "round <p50> <p99> <last>"
// (wall-clock read times in ns) each time every client has read one more
// message; in mode "idle" the clients only sit there. It exits when its
// stdin closes.
func TestClientsHelper(t *testing.T) {
	url := os.Getenv("LIVE_CLIENTS_URL")
	if url == "" {
		t.Skip("helper process for the benchmarks")
	}
	n, err := strconv.Atoi(os.Getenv("LIVE_CLIENTS_N"))
	if err != nil {
		t.Fatal(err)
	}
	raiseFileLimit(uint64(n) + 512)
	conns := dialMany(t, url, n, &websocket.Dialer{ReadBufferSize: 1024, WriteBufferSize: 256, HandshakeTimeout: 30 * time.Second})
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	out := bufio.NewWriter(os.Stdout)
	fmt.Fprintln(out, "ready")
	out.Flush()

	if os.Getenv("LIVE_CLIENTS_MODE") == "fanout" {
		var mu sync.Mutex
		rounds := map[int][]int64{} // message number → read times
		for _, c := range conns {
			go func() {
				for k := 0; ; k++ {
					c.SetReadDeadline(time.Time{})
					if _, _, err := c.ReadMessage(); err != nil {
						return
					}
					at := time.Now().UnixNano()
					mu.Lock()
					rounds[k] = append(rounds[k], at)
					if times := rounds[k]; len(times) == n {
						delete(rounds, k)
						slices.Sort(times)
						fmt.Fprintf(out, "round %d %d %d\n", times[n/2], times[n*99/100], times[n-1])
						out.Flush()
					}
					mu.Unlock()
				}
			}()
		}
	}
	io.Copy(io.Discard, os.Stdin) // until the parent closes stdin
}
