package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// print writes the human report: one line per operation, then the checks
// and the hub's memory.
func (r *results) print(w io.Writer) {
	fmt.Fprintf(w, "\nmotcua-load %s against %s at %s (%.1fs measured)\n", r.Scenario, r.Target, r.Started.Format("2006-01-02 15:04:05"), r.Elapsed)
	fmt.Fprintf(w, "displays %d, phones %d, kiosks %d, counters %d", r.Displays, r.Trackers, r.Kiosks, r.Counters)
	if r.LoadAvg != "" {
		fmt.Fprintf(w, "; load average at the start %s", r.LoadAvg)
	}
	fmt.Fprint(w, "\n\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, 0x20, 0)
	fmt.Fprintln(tw, "operation\tcount\tper s\tp50 ms\tp99 ms\tmax ms\tstatus\t")
	for _, s := range []opStats{r.Seed, r.Connect, r.Issue, r.Call, r.CallToScreen, r.FanoutLast} {
		if s.Count == 0 && len(s.Status) == 0 {
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%s\t%s\t%s\t%s\t\n", s.Name, s.Count, s.PerSec, ms(s.P50), ms(s.P99), ms(s.Max), statusText(s.Status))
	}
	tw.Flush()
	fmt.Fprintln(w)
	if r.CallsMade > 0 && r.Displays > 0 {
		fmt.Fprintf(w, "calls made %d; call frames expected %d, lost %d\n", r.CallsMade, r.CallFrames, r.CallFramesLost)
	}
	if r.Trackers > 0 {
		fmt.Fprintf(w, "phone frames received %d\n", r.TrackerFrames)
	}
	if r.Storm != nil {
		fmt.Fprintf(w, "storm: %d sockets dropped, %d reconnected with since within %.2fs, %d failed\n",
			r.Storm.Dropped, r.Storm.Reconnected, r.Storm.Seconds, r.Storm.Failed)
	}
	if r.Redials > 0 || r.Snapshots > 0 || r.ScreenErrors > 0 {
		fmt.Fprintf(w, "reconnections %d, fresh snapshots after a reconnect %d, sockets given up %d\n", r.Redials, r.Snapshots, r.ScreenErrors)
	}
	if r.WAL != nil {
		r.WAL.print(w)
	}
	mib := func(b float64) string { return fmt.Sprintf("%.1f MiB", b/(1<<20)) }
	fmt.Fprintf(w, "hub memory before sockets: RSS %s, heap in use %s, stacks %s, %0.f goroutines\n",
		mib(r.MemBefore.RSS), mib(r.MemBefore.HeapInuse), mib(r.MemBefore.StackInuse), r.MemBefore.Goroutines)
	if r.Sockets > 0 {
		fmt.Fprintf(w, "hub memory with %d sockets: RSS %s, heap in use %s, stacks %s, %0.f goroutines\n",
			r.Sockets, mib(r.MemIdle.RSS), mib(r.MemIdle.HeapInuse), mib(r.MemIdle.StackInuse), r.MemIdle.Goroutines)
		n := float64(r.Sockets)
		fmt.Fprintf(w, "per idle socket: RSS %.1f KiB, heap+stack %.1f KiB, %.2f goroutines\n",
			(r.MemIdle.RSS-r.MemBefore.RSS)/1024/n,
			(r.MemIdle.HeapInuse+r.MemIdle.StackInuse-r.MemBefore.HeapInuse-r.MemBefore.StackInuse)/1024/n,
			(r.MemIdle.Goroutines-r.MemBefore.Goroutines)/n)
	}
	if r.MemAfter.RSS > 0 {
		fmt.Fprintf(w, "hub memory after the run: RSS %s, heap in use %s, stacks %s, %0.f goroutines\n",
			mib(r.MemAfter.RSS), mib(r.MemAfter.HeapInuse), mib(r.MemAfter.StackInuse), r.MemAfter.Goroutines)
	}
}

func statusText(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s×%d", k, m[k]))
	}
	return strings.Join(parts, " ")
}
