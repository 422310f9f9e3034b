package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/bound"
	"github.com/motcua/motcua/server/servertest"
)

func noEnv(string) (string, bool) { return "", false }

// TestRunAgainstAHub drives a real hub (in this process, over loopback
// sockets) with a few displays, phones, kiosks and counters, and checks the
// report's counts, not its timings.
func TestRunAgainstAHub(t *testing.T) {
	env := servertest.New(t)
	var out, log bytes.Buffer
	args := []string{"motcua-load", "-url", env.URL, "-password", servertest.AdminPassword,
		"-displays", "5", "-trackers", "3", "-kiosks", "2", "-tickets", "20", "-counters", "2", "-calls", "10",
		"-call-every", "1ms", "-idle", "10ms", "-duration", "20s", "-json"}
	if err := run(context.Background(), args, noEnv, &out, &log); err != nil {
		t.Fatalf("run: %v\nlog:\n%s", err, log.String())
	}
	text := out.String()
	var res results
	if err := json.Unmarshal([]byte(text[strings.Index(text, "{"):]), &res); err != nil {
		t.Fatalf("the -json output does not decode: %v\n%s", err, text)
	}
	if res.Issue.Count != 20 || res.Issue.Status["201"] != 20 {
		t.Errorf("issue: got %d acknowledged, statuses %v, want 20 × 201", res.Issue.Count, res.Issue.Status)
	}
	if res.CallsMade != 10 {
		t.Errorf("calls made: got %d, want 10", res.CallsMade)
	}
	if res.CallFrames != 50 || res.CallFramesLost != 0 {
		t.Errorf("call frames: got %d expected, %d lost; want 50 expected, 0 lost", res.CallFrames, res.CallFramesLost)
	}
	if res.CallToScreen.Count != 50 || res.FanoutLast.Count != 10 {
		t.Errorf("call to display samples %d, fan-out samples %d; want 50 and 10", res.CallToScreen.Count, res.FanoutLast.Count)
	}
	if res.TrackerFrames == 0 {
		t.Error("the phones received no frame, want at least the queue events")
	}
	if res.MemIdle.RSS <= 0 || res.MemIdle.Goroutines <= res.MemBefore.Goroutines {
		t.Errorf("memory with sockets %+v, before %+v: want RSS read and more goroutines", res.MemIdle, res.MemBefore)
	}
	if !strings.Contains(text, "call to display") {
		t.Errorf("the report lacks the call-to-display line:\n%s", text)
	}
}

// TestStormLosesNoCall drops every display while counters call; each
// reconnects with since and must still have every call.
func TestStormLosesNoCall(t *testing.T) {
	env := servertest.New(t)
	var out, log bytes.Buffer
	args := []string{"motcua-load", "-url", env.URL, "-password", servertest.AdminPassword,
		"-displays", "20", "-counters", "2", "-calls", "40", "-call-every", "20ms", "-idle", "10ms", "-duration", "20s",
		"-storm", "-storm-at", "50ms", "-storm-for", "300ms", "-json"}
	if err := run(context.Background(), args, noEnv, &out, &log); err != nil {
		t.Fatalf("run: %v\nlog:\n%s", err, log.String())
	}
	text := out.String()
	var res results
	if err := json.Unmarshal([]byte(text[strings.Index(text, "{"):]), &res); err != nil {
		t.Fatalf("the -json output does not decode: %v\n%s", err, text)
	}
	if res.Storm == nil || res.Storm.Dropped != 20 || res.Storm.Reconnected != 20 {
		t.Fatalf("storm: got %+v, want 20 dropped and 20 reconnected", res.Storm)
	}
	if res.CallsMade != 40 || res.CallFramesLost != 0 {
		t.Errorf("got %d calls and %d call frames lost, want 40 and 0", res.CallsMade, res.CallFramesLost)
	}
}

func TestRefusesRemoteTargets(t *testing.T) {
	for _, tc := range []struct {
		url   string
		allow bool
		ok    bool
	}{
		{"http://127.0.0.1:8080", false, true},
		{"http://localhost:8080", false, true},
		{"http://[::1]:8080", false, true},
		{"http://10.0.0.5:8080", false, false},
		{"http://192.0.2.10:8080", false, false},
		{"http://192.0.2.10:8080", true, true},
		{"ftp://127.0.0.1", false, false},
	} {
		_, err := checkTarget(context.Background(), tc.url, tc.allow)
		if (err == nil) != tc.ok {
			t.Errorf("checkTarget(%q, allow-remote %v): got error %v, want ok %v", tc.url, tc.allow, err, tc.ok)
		}
	}
}

func TestScenarioPresetsAndExplicitFlags(t *testing.T) {
	c, err := parseConfig([]string{"x", "-scenario", "calls-2000", "-calls", "7", "-password", "p"}, noEnv, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.displays != 2000 || c.calls != 7 || c.counters != 5 {
		t.Errorf("got displays %d calls %d counters %d, want 2000 from the preset, 7 from the flag, 5", c.displays, c.calls, c.counters)
	}
	for name := range scenarios {
		if _, err := parseConfig([]string{"x", "-scenario", name, "-password", "p"}, noEnv, &bytes.Buffer{}); err != nil {
			t.Errorf("scenario %s: %v", name, err)
		}
	}
	bad := [][]string{
		{"x", "-scenario", "nope"},
		{"x", "-displays", "15000", "-trackers", "5000"},
		{"x", "-counters", "1"}, // no password
		{"x", "-duration", "1h"},
	}
	for _, args := range bad {
		if _, err := parseConfig(args, noEnv, &bytes.Buffer{}); err == nil {
			t.Errorf("parseConfig(%q): got no error", args)
		}
	}
}

func TestPercentileAndMetrics(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	s := durationStats("x", ds)
	if s.P50 != 50*time.Millisecond || s.P99 != 99*time.Millisecond || s.Max != 100*time.Millisecond {
		t.Errorf("got p50 %v p99 %v max %v, want 50ms 99ms 100ms", s.P50, s.P99, s.Max)
	}
	m, err := parseMemory(strings.NewReader("# HELP x\nprocess_resident_memory_bytes 2.5e+07\ngo_memstats_heap_inuse_bytes 100\n" +
		"go_memstats_stack_inuse_bytes 200\ngo_goroutines 12\n"))
	if err != nil || m.RSS != 25e6 || m.HeapInuse != 100 || m.StackInuse != 200 || m.Goroutines != 12 {
		t.Errorf("parseMemory: got %+v, %v", m, err)
	}
	if _, err := parseMemory(strings.NewReader("go_goroutines 3\n")); err == nil {
		t.Error("parseMemory without the memory gauges: got no error")
	}
}

func TestHandleReadsFramesWithoutDecoding(t *testing.T) {
	s := newScreen("", "", nil)
	s.handle([]byte(`{"type":"snapshot","seq":4,"calls":[]}`), time.Now(), true)
	s.handle([]byte(`{"type":"queue","seq":5,"waiting":{"1":3}}`), time.Now(), false)
	s.handle([]byte(`{"type":"call","seq":6,"ticket":{"id":42,"number":"1005","service_id":1},"counter":{"id":1}}`), time.Now(), false)
	s.handle([]byte(`{"type":"call","seq":6,"ticket":{"id":42,"number":"1005","service_id":1},"counter":{"id":1}}`), time.Now(), false)
	if s.lastSeq != 6 || len(s.calls) != 1 || s.calls[0].ticketID != 42 || s.calls[0].seq != 6 {
		t.Errorf("got lastSeq %d calls %+v, want 6 and one call of ticket 42", s.lastSeq, s.calls)
	}
}

// TestMain lets this test binary stand in for motcua-load when compare
// starts "self" as a hub or a bound.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && (os.Args[1] == "bound" || os.Args[1] == "hub") {
		main()
		return
	}
	os.Exit(m.Run())
}

// TestRunAgainstTheBound drives the bare bound with the same client code
// as the hub: tickets, calls, and the displays' call frames.
func TestRunAgainstTheBound(t *testing.T) {
	w, err := bound.OpenWriter(filepath.Join(t.TempDir(), "b.db"), bound.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	b := bound.NewBroadcaster(0)
	srv := httptest.NewServer(bound.NewServer(w, b, "pw"))
	defer srv.Close()
	defer b.Close()
	var out, log bytes.Buffer
	args := []string{"motcua-load", "-url", srv.URL, "-password", "pw",
		"-displays", "5", "-kiosks", "2", "-tickets", "20", "-counters", "2", "-calls", "10",
		"-call-every", "1ms", "-idle", "10ms", "-duration", "20s", "-json"}
	if err := run(context.Background(), args, noEnv, &out, &log); err != nil {
		t.Fatalf("run: %v\nlog:\n%s", err, log.String())
	}
	text := out.String()
	var res results
	if err := json.Unmarshal([]byte(text[strings.Index(text, "{"):]), &res); err != nil {
		t.Fatalf("the -json output does not decode: %v\n%s", err, text)
	}
	if res.Issue.Count != 20 || res.CallsMade != 10 || res.CallFrames != 50 || res.CallFramesLost != 0 || res.FanoutLast.Count != 10 {
		t.Errorf("got %d tickets, %d calls, %d call frames of which %d lost, %d fan-out samples; want 20, 10, 50, 0, 10",
			res.Issue.Count, res.CallsMade, res.CallFrames, res.CallFramesLost, res.FanoutLast.Count)
	}
}

// TestCompareStartsHubAndBound runs a small scenario twice against a fresh
// hub of this tree and a fresh bound, and checks the comparison table and
// the WAL figures, not the timings.
func TestCompareStartsHubAndBound(t *testing.T) {
	var out, log bytes.Buffer
	args := []string{"motcua-load", "-hub", "self", "-bound", "-runs", "2", "-workdir", t.TempDir(),
		"-displays", "3", "-kiosks", "2", "-tickets", "30", "-counters", "1", "-calls", "5",
		"-call-every", "1ms", "-idle", "10ms", "-duration", "20s", "-json"}
	if err := run(context.Background(), args, noEnv, &out, &log); err != nil {
		t.Fatalf("run: %v\nlog:\n%s", err, log.String())
	}
	text := out.String()
	for _, want := range []string{"== hub, run 1 of 2", "== bound, run 2 of 2", "hub / bound", "tickets issued per s", "call to last display p99 ms", "WAL pages per write"} {
		if !strings.Contains(text, want) {
			t.Errorf("the output lacks %q:\n%s", want, text)
		}
	}
	var all map[string][]*results
	if err := json.Unmarshal([]byte(text[strings.Index(text, "\n{")+1:]), &all); err != nil {
		t.Fatalf("the -json output does not decode: %v\n%s", err, text)
	}
	for _, name := range []string{"hub", "bound"} {
		if len(all[name]) != 2 {
			t.Fatalf("%s: got %d runs, want 2", name, len(all[name]))
		}
		for i, r := range all[name] {
			if r.Issue.Count != 30 || r.CallsMade != 5 || r.CallFramesLost != 0 {
				t.Errorf("%s run %d: got %d tickets, %d calls, %d call frames lost; want 30, 5, 0", name, i+1, r.Issue.Count, r.CallsMade, r.CallFramesLost)
			}
			if r.WAL == nil || r.WAL.Commits == 0 || r.WAL.PerRequest <= 0 {
				t.Errorf("%s run %d: WAL figures %+v, want commits and pages per write", name, i+1, r.WAL)
			}
		}
	}
}

func TestReadWALCountsFramesAndCommits(t *testing.T) {
	dir := t.TempDir()
	w, err := bound.OpenWriter(filepath.Join(dir, "b.db"), bound.WriterOptions{MaxBatch: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	before, err := readWAL(filepath.Join(dir, "b.db-wal"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if _, err := w.Write(context.Background(), bound.KindTicket, 1, int64(i), nil); err != nil {
			t.Fatal(err)
		}
	}
	after, err := readWAL(filepath.Join(dir, "b.db-wal"))
	if err != nil {
		t.Fatal(err)
	}
	pages, commits, resets := walDelta(before, after)
	// One row per commit into a small table: one leaf page per commit,
	// sometimes page 1 too while the file grows.
	if commits != 10 || resets != 0 || len(pages) < 10 || len(pages) > 20 {
		t.Errorf("got %d commits, %d resets, %d frames; want 10 commits, no reset, 10–20 frames", commits, resets, len(pages))
	}
}

// TestCompareAgainstAnotherHub runs two hubs side by side (as for a hall
// alone and joined) and checks that the table names both and their ratio.
func TestCompareAgainstAnotherHub(t *testing.T) {
	var out, log bytes.Buffer
	args := []string{"motcua-load", "-hub", "self", "-against", "self", "-runs", "2", "-workdir", t.TempDir(),
		"-kiosks", "2", "-tickets", "20", "-duration", "20s", "-json"}
	if err := run(context.Background(), args, noEnv, &out, &log); err != nil {
		t.Fatalf("run: %v\nlog:\n%s", err, log.String())
	}
	text := out.String()
	for _, want := range []string{"== hub, run 1 of 2", "== against, run 2 of 2", "hub / against", "against runs", "tickets issued per s"} {
		if !strings.Contains(text, want) {
			t.Errorf("the output lacks %q:\n%s", want, text)
		}
	}
	var all map[string][]*results
	if err := json.Unmarshal([]byte(text[strings.Index(text, "\n{")+1:]), &all); err != nil {
		t.Fatalf("the -json output does not decode: %v\n%s", err, text)
	}
	for _, name := range []string{"hub", "against"} {
		if len(all[name]) != 2 {
			t.Fatalf("%s: got %d runs, want 2", name, len(all[name]))
		}
		for i, r := range all[name] {
			if r.Issue.Count != 20 {
				t.Errorf("%s run %d: got %d tickets, want 20", name, i+1, r.Issue.Count)
			}
		}
	}
}

func TestAgainstNeedsHubAndExcludesBound(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-against", "x", "-bound", "-hub", "self"}, "give one of them"},
		{[]string{"-against", "x"}, "-against needs -hub"},
	} {
		_, err := parseConfig(append([]string{"motcua-load"}, tt.args...), noEnv, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: got error %v, want one saying %q", tt.args, err, tt.want)
		}
	}
}
