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
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
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
	reg, err := registry.New(ctx, registry.Config{Store: rst, LeafAddr: "127.0.0.1:0", StoreDir: filepath.Join(*dir, "registry-js"),
		SyncEvery: time.Second})
	if err != nil {
		return err
	}
	defer reg.Close()
	target := reg.LeafURL()[len("nats://"):]

	hs := make([]*hall, *halls)
	start := time.Now()
	for i := range hs {
		h := &hall{code: fmt.Sprintf("L%03d", i+1)}
		pw, err := registry.AddBranch(ctx, rst, time.Now(), h.code, "Điểm phục vụ "+h.code, fmt.Sprintf("000.%02d.%02d.H26", i/100, i%100))
		if err != nil {
			return err
		}
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
		hs[i] = h
	}
	if err := reg.SyncBranches(ctx); err != nil {
		return err
	}
	fmt.Fprintf(out, "%d halls started in %v (%d cut off)\n", *halls, time.Since(start).Round(time.Millisecond), *offline)

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
	fmt.Fprintf(out, "process memory (registry and every simulated hall): heap in use %d MiB, from the OS %d MiB, goroutines %d\n",
		ms.HeapInuse>>20, ms.Sys>>20, runtime.NumGoroutine())
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
