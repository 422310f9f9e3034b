package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

// target is one side of a comparison: a process started afresh for every
// run, or (cmd nil) the hub already running at -url.
type target struct {
	name string
	cmd  []string // "{db}" is replaced by the run's database path
	env  []string
}

// compare runs the scenario against the hub and the bound, c.runs times
// each, interleaved (hub, bound; then bound, hub; ...) so that a change in
// the machine's load falls on both, and prints each run and then the
// medians with the ratios hub / bound.
func compare(ctx context.Context, c config, lookupEnv func(string) (string, bool), stdout, stderr io.Writer) error {
	if c.password == "" {
		c.password = "load-secret-123"
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	var targets []target
	pwEnv := "MOTCUA_ADMIN_PASSWORD=" + c.password
	switch c.hubBin {
	case "":
		u, err := checkTarget(ctx, c.url, c.allowRemote)
		if err != nil {
			return err
		}
		c.url = strings.TrimSuffix(u.String(), "/")
		if c.dbPath != "" {
			c.walPath = c.dbPath + "-wal"
		}
		targets = append(targets, target{name: "hub"})
	default:
		t, err := binaryTarget("hub", c.hubBin, self, pwEnv)
		if err != nil {
			return err
		}
		targets = append(targets, t)
	}
	switch {
	case c.bound:
		targets = append(targets, target{name: "bound", cmd: []string{self, "bound", "-addr", "127.0.0.1:0", "-db", "{db}"}, env: []string{pwEnv}})
	case c.against != "":
		t, err := binaryTarget("against", c.against, self, pwEnv)
		if err != nil {
			return err
		}
		targets = append(targets, t)
	}

	all := map[string][]*results{}
	for round := range c.runs {
		order := slices.Clone(targets)
		if round%2 == 1 {
			slices.Reverse(order)
		}
		for _, t := range order {
			logf(stderr, "run %d of %d: %s", round+1, c.runs, t.name)
			res, err := runTarget(ctx, c, t, stderr)
			if err != nil {
				return fmt.Errorf("%s, run %d: %w", t.name, round+1, err)
			}
			fmt.Fprintf(stdout, "\n== %s, run %d of %d", t.name, round+1, c.runs)
			res.print(stdout)
			all[t.name] = append(all[t.name], res)
		}
	}
	names := make([]string, len(targets))
	for i, t := range targets {
		names[i] = t.name
	}
	printComparison(stdout, c, names, all)
	if c.jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(all)
	}
	return nil
}

// binaryTarget is a motcua binary (or a script that execs one with more
// flags, such as -registry) started afresh for every run; "self" is this
// tree's hub in this binary.
func binaryTarget(name, path, self, pwEnv string) (target, error) {
	if path == "self" {
		return target{name: name, cmd: []string{self, "hub", "-addr", "127.0.0.1:0", "-db", "{db}"}, env: []string{pwEnv}}, nil
	}
	bin, err := filepath.Abs(path)
	if err != nil {
		return target{}, err
	}
	return target{name: name, cmd: []string{bin, "-addr", "127.0.0.1:0", "-db", "{db}"}, env: []string{pwEnv}}, nil
}

// runTarget starts the target on a fresh database (unless it is the hub at
// -url), runs the scenario against it and stops it.
func runTarget(ctx context.Context, c config, t target, log io.Writer) (*results, error) {
	if t.cmd == nil {
		return execute(ctx, c, log)
	}
	dir, err := os.MkdirTemp(c.workDir, "motcua-load-"+t.name+"-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	db := filepath.Join(dir, "m.db")
	p, err := startProcess(ctx, t, db, dir)
	if err != nil {
		return nil, err
	}
	defer p.stop(log)
	c.url, c.dbPath, c.walPath = p.url, db, db+"-wal"
	return execute(ctx, c, log)
}

// process is a hub or bound started for one run.
type process struct {
	cmd  *exec.Cmd
	url  string
	done chan error
}

func startProcess(ctx context.Context, t target, db, dir string) (*process, error) {
	args := slices.Clone(t.cmd)
	for i, a := range args {
		if a == "{db}" {
			args[i] = db
		}
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), t.env...)
	dieWithParent(cmd)
	errLog, err := os.Create(filepath.Join(dir, "stderr.log"))
	if err != nil {
		return nil, err
	}
	defer errLog.Close() // the child keeps its own descriptor
	cmd.Stderr = errLog
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{cmd: cmd, done: make(chan error, 1)}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if _, u, ok := strings.Cut(sc.Text(), "listening on "); ok {
				select {
				case urls <- strings.TrimSpace(u):
				default:
				}
			}
		}
		p.done <- cmd.Wait()
	}()
	select {
	case p.url = <-urls:
		return p, nil
	case err := <-p.done:
		tail, _ := os.ReadFile(filepath.Join(dir, "stderr.log"))
		return nil, fmt.Errorf("%s exited before listening: %v\n%s", args[0], err, lastLines(string(tail), 20))
	case <-time.After(2 * time.Minute):
	case <-ctx.Done():
	}
	cmd.Process.Kill()
	<-p.done
	return nil, errors.New(args[0] + " did not say where it listens within 2 minutes")
}

// stop asks the process to end (it checkpoints and closes its database)
// and kills it if it takes more than 30 s.
func (p *process) stop(log io.Writer) {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		if err != nil {
			logf(log, "%s ended: %v", p.cmd.Path, err)
		}
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
		logf(log, "%s did not stop within 30 s: killed", p.cmd.Path)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// loadAverage is the first three fields of /proc/loadavg, or "" elsewhere.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// metric is one figure of a run, for the comparison table.
type metric struct {
	name string
	get  func(r *results) (float64, bool)
}

func metricsOf(c config) []metric {
	stat := func(name string, op func(r *results) opStats, field func(s opStats) time.Duration) metric {
		return metric{name, func(r *results) (float64, bool) {
			s := op(r)
			return float64(field(s)) / 1e6, s.Count > 0
		}}
	}
	p50 := func(s opStats) time.Duration { return s.P50 }
	p99 := func(s opStats) time.Duration { return s.P99 }
	issue := func(r *results) opStats { return r.Issue }
	call := func(r *results) opStats { return r.Call }
	screen := func(r *results) opStats { return r.CallToScreen }
	last := func(r *results) opStats { return r.FanoutLast }
	var ms []metric
	if c.kiosks > 0 {
		ms = append(ms,
			metric{"tickets issued per s", func(r *results) (float64, bool) { return r.Issue.PerSec, r.Issue.Count > 0 }},
			stat("issue p50 ms", issue, p50), stat("issue p99 ms", issue, p99))
	}
	if c.counters > 0 {
		ms = append(ms, stat("call-next p50 ms", call, p50), stat("call-next p99 ms", call, p99))
		if c.displays > 0 {
			ms = append(ms,
				stat("call to display p50 ms", screen, p50), stat("call to display p99 ms", screen, p99),
				stat("call to last display p50 ms", last, p50), stat("call to last display p99 ms", last, p99),
				metric{"call frames lost", func(r *results) (float64, bool) { return float64(r.CallFramesLost), r.CallsMade > 0 }})
		}
	}
	ms = append(ms,
		metric{"WAL pages per commit", func(r *results) (float64, bool) { return walField(r, func(w *walStats) float64 { return w.PerCommit }) }},
		metric{"writes per commit", func(r *results) (float64, bool) {
			return walField(r, func(w *walStats) float64 { return w.ReqsPerCmt })
		}},
		metric{"WAL pages per write", func(r *results) (float64, bool) {
			return walField(r, func(w *walStats) float64 { return w.PerRequest })
		}})
	return ms
}

func walField(r *results, f func(w *walStats) float64) (float64, bool) {
	if r.WAL == nil || r.WAL.Commits == 0 {
		return 0, false
	}
	return f(r.WAL), true
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// printComparison prints, per figure, each target's median over the runs
// (and the runs themselves), and the ratio of the first target's median to
// the second's (hub / bound, or hub / against).
func printComparison(w io.Writer, c config, names []string, all map[string][]*results) {
	fmt.Fprintf(w, "\n== %s: medians of %d runs (kiosks %d, displays %d, counters %d)\n",
		cmp.Or(c.scenario, "custom"), c.runs, c.kiosks, c.displays, c.counters)
	var loads []string
	for _, name := range names {
		for _, r := range all[name] {
			loads = append(loads, r.LoadAvg)
		}
	}
	fmt.Fprintf(w, "load averages at the starts: %s\n\n", strings.Join(loads, " | "))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	first := names[0]
	if len(names) > 1 {
		other := names[1]
		fmt.Fprintf(tw, "figure\t%s\t%s\t%s / %s\t%s runs\t%s runs\t\n", first, other, first, other, first, other)
	} else {
		fmt.Fprintf(tw, "figure\t%s\t%s runs\t\n", first, first)
	}
	for _, m := range metricsOf(c) {
		med := map[string]float64{}
		runs := map[string]string{}
		for _, name := range names {
			var xs []string
			var vals []float64
			for _, r := range all[name] {
				if v, ok := m.get(r); ok {
					vals = append(vals, v)
					xs = append(xs, num(v))
				}
			}
			if len(vals) > 0 {
				med[name] = median(vals)
				runs[name] = strings.Join(xs, " ")
			}
		}
		v, ok := med[first]
		if !ok {
			continue
		}
		if len(names) == 1 {
			fmt.Fprintf(tw, "%s\t%s\t%s\t\n", m.name, num(v), runs[first])
			continue
		}
		other := names[1]
		o, okOther := med[other]
		ratio, otherMed := "—", "—"
		if okOther && o != 0 {
			ratio = fmt.Sprintf("%.2f", v/o)
		}
		if okOther {
			otherMed = num(o)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", m.name, num(v), otherMed, ratio, runs[first], runs[other])
	}
	tw.Flush()
}

// num prints a figure with about three significant digits.
func num(v float64) string {
	switch {
	case v >= 100 || v == float64(int64(v)):
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}
