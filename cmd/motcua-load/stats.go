package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// recorder keeps the latencies of one worker; workers never share one, so
// recording takes no lock. The run merges them at the end.
type recorder struct {
	ok     []time.Duration
	status map[int]int // HTTP status (or 0 for a transport error) → count
}

func newRecorder() *recorder { return &recorder{status: map[int]int{}} }

func (r *recorder) add(status int, d time.Duration, good bool) {
	r.status[status]++
	if good {
		r.ok = append(r.ok, d)
	}
}

// opStats summarises one operation.
type opStats struct {
	Name    string         `json:"name"`
	Count   int            `json:"count"`
	PerSec  float64        `json:"per_sec"`
	P50     time.Duration  `json:"p50_ns"`
	P99     time.Duration  `json:"p99_ns"`
	Max     time.Duration  `json:"max_ns"`
	Status  map[string]int `json:"status,omitempty"`
	Comment string         `json:"comment,omitempty"`
}

func summarize(name string, recs []*recorder, elapsed time.Duration) opStats {
	var all []time.Duration
	status := map[string]int{}
	for _, r := range recs {
		all = append(all, r.ok...)
		for code, n := range r.status {
			key := strconv.Itoa(code)
			if code == 0 {
				key = "error"
			}
			status[key] += n
		}
	}
	s := durationStats(name, all)
	s.Status = status
	if elapsed > 0 {
		s.PerSec = float64(len(all)) / elapsed.Seconds()
	}
	return s
}

// durationStats computes nearest-rank percentiles of ds.
func durationStats(name string, ds []time.Duration) opStats {
	s := opStats{Name: name, Count: len(ds)}
	if len(ds) == 0 {
		return s
	}
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	s.P50 = percentile(sorted, 50)
	s.P99 = percentile(sorted, 99)
	s.Max = sorted[len(sorted)-1]
	return s
}

// percentile is the nearest-rank percentile p (0–100] of sorted values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(float64(len(sorted))*p/100+0.999999) - 1
	rank = max(0, min(rank, len(sorted)-1))
	return sorted[rank]
}

func ms(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) }

// memory is what the hub's /metrics says about its own memory.
type memory struct {
	RSS        float64 `json:"rss_bytes"`
	HeapInuse  float64 `json:"heap_inuse_bytes"`
	StackInuse float64 `json:"stack_inuse_bytes"`
	Goroutines float64 `json:"goroutines"`
}

// readMemory scrapes the hub's Prometheus text for the process and Go
// runtime gauges.
func readMemory(ctx context.Context, client *http.Client, base string) (memory, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/metrics", nil)
	if err != nil {
		return memory{}, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return memory{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return memory{}, fmt.Errorf("GET /metrics: status %d", resp.StatusCode)
	}
	return parseMemory(resp.Body)
}

func parseMemory(r io.Reader) (memory, error) {
	var m memory
	found := 0
	want := map[string]*float64{
		"process_resident_memory_bytes": &m.RSS,
		"go_memstats_heap_inuse_bytes":  &m.HeapInuse,
		"go_memstats_stack_inuse_bytes": &m.StackInuse,
		"go_goroutines":                 &m.Goroutines,
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		if dst, ok := want[name]; ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
			if err != nil {
				return m, fmt.Errorf("metric %s: %w", name, err)
			}
			*dst = v
			found++
		}
	}
	if err := sc.Err(); err != nil {
		return m, err
	}
	if found < len(want) {
		return m, fmt.Errorf("/metrics lacks some of process_resident_memory_bytes, go_memstats_heap_inuse_bytes, go_memstats_stack_inuse_bytes, go_goroutines")
	}
	return m, nil
}
