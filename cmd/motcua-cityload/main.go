// Command motcua-cityload simulates many halls joined to one city registry,
// in one process, and reports what docs/PERFORMANCE.md ("The city") lists:
// events applied per second at the registry, the lag from a hall's commit
// to the registry's row (p50, p99), the process's memory, and how long the
// registry takes to catch up with halls that come back after a day offline.
//
// Each simulated hall is what a joined hall adds to a hub: its own SQLite
// event log written through the single writer, its own embedded NATS server
// with JetStream as a leaf node of the registry, and the sender. The
// writes are queue events (the most frequent city event, one per ticket
// issued or called) at -rate per hall per second. Every hall reaches the
// registry through a TCP proxy, which -offline cuts for some halls.
//
//	go run ./cmd/motcua-cityload -halls 130 -rate 0.5 -for 60s
//	go run ./cmd/motcua-cityload -halls 130 -rate 5 -for 60s
//	go run ./cmd/motcua-cityload -halls 130 -rate 0.5 -for 10s -offline 10 -day 20000
//
// With -registry-bin the registry is not in this process: the tool starts
// the real `motcua registry` (the binary given) as a process of its own on
// the same database and reports that process's memory (its resident set
// from /proc/<pid>/status, sampled every half second, and the kernel's peak),
// apart from the simulated halls':
//
//	go build -o /tmp/motcua ./cmd/motcua
//	go run ./cmd/motcua-cityload -registry-bin /tmp/motcua -halls 130 -rate 0.5 -for 60s
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/city"
	"github.com/motcua/motcua/internal/netcut"
	"github.com/motcua/motcua/registry"
	"github.com/motcua/motcua/store"
	"github.com/motcua/motcua/writer"
)

func main() {
	if err := run(context.Background(), os.Args, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "motcua-cityload:", err)
		os.Exit(1)
	}
}

type hall struct {
	code  string
	st    *store.Store
	w     *writer.Writer
	stop  context.CancelFunc
	done  chan struct{}
	link  *city.Link
	proxy *netcut.Proxy
	made  atomic.Int64
}

func run(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	halls := fs.Int("halls", 130, "simulated halls")
	rate := fs.Float64("rate", 0.5, "city events per hall per second (a busy hall: about 0.5)")
	dur := fs.Duration("for", time.Minute, "how long to write")
	offline := fs.Int("offline", 0, "halls cut off at the start, which make -day events offline and then return")
	day := fs.Int("day", 20000, "events each offline hall makes while cut off (a busy day: about 15000)")
	db := fs.String("db", getenv("MOTCUA_CITYLOAD_DB"), "the registry's database (default: SQLite in the work folder) [MOTCUA_CITYLOAD_DB]")
	dir := fs.String("dir", "", "work folder (default: a new temporary one, removed at the end)")
	registryBin := fs.String("registry-bin", "", "run the registry as its own process from this motcua binary, and report its memory (default: in this process)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *dir == "" {
		d, err := os.MkdirTemp("", "motcua-cityload-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		*dir = d
	}
	if *db == "" {
		*db = filepath.Join(*dir, "registry.db")
	}
	rst, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer rst.Close()
	hs := make([]*hall, *halls)
	passwords := make([]string, *halls)
	for i := range hs {
		hs[i] = &hall{code: fmt.Sprintf("L%03d", i+1)}
		if passwords[i], err = registry.AddBranch(ctx, rst, time.Now(), hs[i].code, "Điểm phục vụ "+hs[i].code,
			fmt.Sprintf("000.%02d.%02d.H26", i/100, i%100)); err != nil {
			return err
		}
	}
	var reg *registry.Registry
	var proc *registryProc
	var target string
	if *registryBin != "" {
		if proc, err = startRegistry(*registryBin, *db, filepath.Join(*dir, "registry-js"), filepath.Join(*dir, "registry.log")); err != nil {
			return err
		}
		defer proc.stop()
		target = proc.leaf
		fmt.Fprintf(out, "registry process %d started: resident %d MiB before any hall joined\n", proc.cmd.Process.Pid, proc.rss()>>20)
	} else {
		reg, err = registry.New(ctx, registry.Config{Store: rst, LeafAddr: "127.0.0.1:0", StoreDir: filepath.Join(*dir, "registry-js"),
			SyncEvery: time.Second})
		if err != nil {
			return err
		}
		defer reg.Close()
		target = reg.LeafURL()[len("nats://"):]
	}

	start := time.Now()
	for i, h := range hs {
		pw := passwords[i]
		if h.st, err = store.Open(ctx, filepath.Join(*dir, h.code+".db")); err != nil {
			return err
		}
		defer h.st.Close()
		h.w = writer.New(writer.Config{Store: h.st})
		wctx, stop := context.WithCancel(context.Background())
		h.stop, h.done = stop, make(chan struct{})
		go func() { defer close(h.done); h.w.Run(wctx) }()
		if h.proxy, err = netcut.New(target); err != nil {
			return err
		}
		defer h.proxy.Close()
		if i < *offline {
			h.proxy.Cut()
		}
		h.link = city.New(city.Config{Registry: "nats://" + h.proxy.Addr(), Password: pw, StoreDir: filepath.Join(*dir, h.code+"-js"), Events: h.st.Events})
		h.w.SetPublishers(h.link)
		if err := h.link.Start(ctx, h.code); err != nil {
			return err
		}
		defer func() { h.link.Close(); h.stop(); <-h.done }()
	}
	if reg != nil {
		if err := reg.SyncBranches(ctx); err != nil {
			return err
		}
	} else if err := waitJoined(ctx, rst, hs[*offline:]); err != nil {
		// The registry process notes who is connected (and sources their
		// streams) at its own sync, every few seconds.
		return err
	}
	fmt.Fprintf(out, "%d halls started in %v (%d cut off)\n", *halls, time.Since(start).Round(time.Millisecond), *offline)
	if proc != nil {
		proc.sample()
	}

	// The offline halls make a day's events first, alone.
	if *offline > 0 {
		var wg sync.WaitGroup
		for _, h := range hs[:*offline] {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range *day / 100 {
					h.w.Write(ctx, func(tx *store.Tx) error {
						for range 100 {
							if _, err := tx.AppendEvent(time.Now(), nil, nil, &motcua.QueueBody{Waiting: map[int64]int{1: int(h.made.Load() % 40)}}); err != nil {
								return err
							}
							h.made.Add(1)
						}
						return nil
					})
				}
			}()
		}
		wg.Wait()
		fmt.Fprintf(out, "%d halls made %d events each offline\n", *offline, *day)
	}

	// Everyone writes at the rate for the duration; the offline halls come back.
	back := time.Now()
	for _, h := range hs[:*offline] {
		h.proxy.Restore()
	}
	wctx, stopWriting := context.WithTimeout(ctx, *dur)
	var wg sync.WaitGroup
	for _, h := range hs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			every := time.Duration(float64(time.Second) / *rate)
			tick := time.NewTicker(every)
			defer tick.Stop()
			for {
				select {
				case <-wctx.Done():
					return
				case <-tick.C:
				}
				h.w.Write(wctx, func(tx *store.Tx) error {
					_, err := tx.AppendEvent(time.Now(), nil, nil, &motcua.QueueBody{Waiting: map[int64]int{1: int(h.made.Load() % 40)}})
					if err == nil {
						h.made.Add(1)
					}
					return err
				})
			}
		}()
	}
	caughtUp := time.Duration(0)
	for wctx.Err() == nil && caughtUp == 0 && *offline > 0 {
		if all(ctx, rst, hs[:*offline], int64(*day)) {
			caughtUp = time.Since(back)
		}
		time.Sleep(100 * time.Millisecond)
	}
	wg.Wait()
	stopWriting()
	writing := time.Since(back)

	// Wait for the registry to hold everything made.
	deadline := time.Now().Add(5 * time.Minute)
	report := time.Now()
	for time.Now().Before(deadline) {
		if done(ctx, rst, hs) {
			break
		}
		if time.Since(report) > 5*time.Second {
			report = time.Now()
			fmt.Fprintf(out, "… waiting for the registry: %s\n", progress(ctx, rst, hs))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if caughtUp == 0 && *offline > 0 {
		caughtUp = time.Since(back)
	}
	var lags []time.Duration
	var total int64
	for i, h := range hs {
		applied, err := rst.City().AppliedAt(ctx, h.code)
		if err != nil {
			return err
		}
		after := int64(0)
		if i < *offline {
			after = int64(*day) // the lag of events made offline is the outage, not the city's
		}
		evs, _, err := h.st.Events.EventsSince(ctx, after, 1<<30)
		if err != nil {
			return err
		}
		for _, ev := range evs {
			if at, ok := applied[ev.Seq]; ok {
				lags = append(lags, at.Sub(ev.At))
			}
		}
		total += int64(len(applied))
	}
	slices.Sort(lags)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(out, "halls %d, rate %.2f/s each, wrote for %v\n", *halls, *rate, writing.Round(time.Millisecond))
	fmt.Fprintf(out, "events applied at the registry: %d (%.0f/s over the run)\n", total, float64(total)/time.Since(back).Seconds())
	if len(lags) > 0 {
		fmt.Fprintf(out, "lag from a hall's commit to the registry's row (events made while online): p50 %v, p99 %v, max %v\n",
			lags[len(lags)/2].Round(time.Millisecond), lags[len(lags)*99/100].Round(time.Millisecond), lags[len(lags)-1].Round(time.Millisecond))
	}
	if proc != nil {
		rss, hwm := proc.rss(), proc.peak()
		fmt.Fprintf(out, "registry process memory (motcua registry alone, pid %d): resident now %d MiB, highest sampled during the run %d MiB, peak (VmHWM) %d MiB\n",
			proc.cmd.Process.Pid, rss>>20, proc.maxSampled()>>20, hwm>>20)
		fmt.Fprintf(out, "this process (the %d simulated halls): heap in use %d MiB, from the OS %d MiB, goroutines %d\n",
			*halls, ms.HeapInuse>>20, ms.Sys>>20, runtime.NumGoroutine())
	} else {
		fmt.Fprintf(out, "process memory (registry and every simulated hall): heap in use %d MiB, from the OS %d MiB, goroutines %d\n",
			ms.HeapInuse>>20, ms.Sys>>20, runtime.NumGoroutine())
	}
	if *offline > 0 {
		fmt.Fprintf(out, "catch-up of %d halls with %d events each after being offline: %v\n", *offline, *day, caughtUp.Round(time.Millisecond))
	}
	return nil
}

// all says whether the registry holds at least n events of each hall.
func all(ctx context.Context, st *store.Store, hs []*hall, n int64) bool {
	counts, err := st.City().Counts(ctx, time.Time{})
	if err != nil {
		return false
	}
	for _, h := range hs {
		if counts[h.code].LastSeq < n {
			return false
		}
	}
	return true
}

// done says whether the registry holds every event each hall made.
func done(ctx context.Context, st *store.Store, hs []*hall) bool {
	counts, err := st.City().Counts(ctx, time.Time{})
	if err != nil {
		return false
	}
	for _, h := range hs {
		if counts[h.code].LastSeq < h.made.Load() {
			return false
		}
	}
	return true
}

// progress says how many events the registry holds of how many made, and
// how many halls it has everything of.
func progress(ctx context.Context, st *store.Store, hs []*hall) string {
	counts, err := st.City().Counts(ctx, time.Time{})
	if err != nil {
		return err.Error()
	}
	var held, made int64
	complete := 0
	for _, h := range hs {
		c := counts[h.code]
		held += c.LastSeq
		made += h.made.Load()
		if c.LastSeq >= h.made.Load() {
			complete++
		}
	}
	return fmt.Sprintf("%d of %d events, %d of %d halls complete", held, made, complete, len(hs))
}

// registryProc is `motcua registry` running as a process of its own.
type registryProc struct {
	cmd  *exec.Cmd
	leaf string // host:port halls join
	log  *os.File

	mu      sync.Mutex
	max     int64
	stopped chan struct{}
}

// startRegistry starts bin as `motcua registry` on the database db with
// its JetStream files in dir, on free loopback ports, and waits until it
// says it listens.
func startRegistry(bin, db, dir, logFile string) (*registryProc, error) {
	leafPort, err := freePort()
	if err != nil {
		return nil, err
	}
	httpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	lf, err := os.Create(logFile)
	if err != nil {
		return nil, err
	}
	leaf := net.JoinHostPort("127.0.0.1", strconv.Itoa(leafPort))
	cmd := exec.Command(bin, "registry", "-db", db, "-dir", dir, "-leaf", leaf,
		"-addr", net.JoinHostPort("127.0.0.1", strconv.Itoa(httpPort)))
	cmd.Env = append(os.Environ(), "MOTCUA_ADMIN_PASSWORD=cityload-"+strconv.Itoa(os.Getpid()))
	cmd.Stderr = lf
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		lf.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, err
	}
	p := &registryProc{cmd: cmd, leaf: leaf, log: lf, stopped: make(chan struct{})}
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		said := false
		for sc.Scan() {
			if !said && strings.Contains(sc.Text(), "halls join at") {
				said = true
				ready <- true
			}
		}
		if !said {
			ready <- false
		}
	}()
	select {
	case ok := <-ready:
		if !ok {
			p.stop()
			return nil, fmt.Errorf("motcua registry exited before it listened: see %s", logFile)
		}
	case <-time.After(time.Minute):
		p.stop()
		return nil, fmt.Errorf("motcua registry did not listen within a minute: see %s", logFile)
	}
	return p, nil
}

// sample notes the process's resident set every half second until stop.
func (p *registryProc) sample() {
	go func() {
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			if rss := p.rss(); rss > 0 {
				p.mu.Lock()
				p.max = max(p.max, rss)
				p.mu.Unlock()
			}
			select {
			case <-p.stopped:
				return
			case <-tick.C:
			}
		}
	}()
}

func (p *registryProc) maxSampled() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.max
}

// rss is the process's resident set now (VmRSS), in bytes.
func (p *registryProc) rss() int64 { return p.status("VmRSS:") }

// peak is the most the process has had resident (VmHWM), in bytes.
func (p *registryProc) peak() int64 { return p.status("VmHWM:") }

// status reads one "Name:   N kB" line of /proc/<pid>/status.
func (p *registryProc) status(field string) int64 {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(p.cmd.Process.Pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// stop ends the registry (SIGTERM, then SIGKILL after 30 s).
func (p *registryProc) stop() {
	select {
	case <-p.stopped:
		return
	default:
		close(p.stopped)
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
	p.log.Close()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitJoined waits until the registry process has seen every hall of hs
// connected (it records it at its sync, every few seconds), and one second
// more for it to source their streams.
func waitJoined(ctx context.Context, st *store.Store, hs []*hall) error {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		rows, err := st.City().Branches(ctx)
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, b := range rows {
			seen[b.Code] = b.LastSeen != nil
		}
		missing := slices.IndexFunc(hs, func(h *hall) bool { return !seen[h.code] })
		if missing < 0 {
			time.Sleep(time.Second)
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return errors.New("the registry did not see every hall connected within two minutes")
}
