package writer

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/store"
	"github.com/motcua/motcua/store/storetest"
)

type recorder struct {
	mu        sync.Mutex
	log       []string
	published []int64 // seqs, in the order the publisher saw them
}

func (r *recorder) add(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log = append(r.log, s)
}

func (r *recorder) Publish(ev motcua.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.published = append(r.published, ev.Seq)
}

// TestWriteAloneRunsInItsOwnTransaction queues a normal request, a request
// that must run alone and another normal one behind a busy writer: the lone
// one gets a transaction of its own, and its committed callback runs after
// its commit and before the next request; every event is published, in seq
// order (by the publisher goroutine, so not in step with the requests).
func TestWriteAloneRunsInItsOwnTransaction(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d.Name, func(t *testing.T) {
			rec := &recorder{}
			w, stop := runWriter(t, storetest.Open(t, d.DSN(t)), rec)

			release, started := make(chan struct{}), make(chan struct{})
			var releaseOnce sync.Once
			free := func() { releaseOnce.Do(func() { close(release) }) }
			t.Cleanup(free) // before the writer is stopped, should the test fail early
			busy := make(chan error, 1)
			go func() {
				busy <- w.Write(context.Background(), func(*store.Tx) error { close(started); <-release; return nil })
			}()
			<-started // the writer is busy with the blocking request

			txs := map[string]*store.Tx{}
			var mu sync.Mutex
			note := func(name string, tx *store.Tx) {
				mu.Lock()
				txs[name] = tx
				mu.Unlock()
				rec.add("run " + name)
			}
			var wg sync.WaitGroup
			send := func(name string, alone bool, queued int) {
				wg.Add(1)
				go func() {
					defer wg.Done()
					fn := func(tx *store.Tx) error {
						note(name, tx)
						_, err := tx.AppendEvent(time.Now(), nil, nil, &motcua.QueueBody{Waiting: map[int64]int{}})
						return err
					}
					var err error
					if alone {
						err = w.WriteAlone(context.Background(), fn, func() { rec.add("committed " + name) })
					} else {
						err = w.Write(context.Background(), fn)
					}
					if err != nil {
						t.Errorf("write %s: %v", name, err)
					}
				}()
				waitQueued(t, w, queued)
			}
			send("a", false, 1)
			send("b", true, 2)
			send("c", false, 3)
			free()
			wg.Wait()
			if err := <-busy; err != nil {
				t.Fatal(err)
			}

			if txs["a"] == txs["b"] || txs["b"] == txs["c"] {
				t.Errorf("the lone request shared a transaction: a=%p b=%p c=%p", txs["a"], txs["b"], txs["c"])
			}
			want := []string{"run a", "run b", "committed b", "run c"}
			if got := rec.log; !equal(got, want) {
				t.Errorf("got order %q, want %q", got, want)
			}
			stop() // Run returns once every committed event is published
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if len(rec.published) != 3 || rec.published[0] >= rec.published[1] || rec.published[1] >= rec.published[2] {
				t.Errorf("got published seqs %v, want 3 in increasing order", rec.published)
			}
		})
	}
}

// runWriter runs a writer over st that publishes to rec. stop ends it and
// returns once every committed event is published; it also runs at cleanup.
func runWriter(t *testing.T, st *store.Store, rec *recorder) (w *Writer, stop func()) {
	t.Helper()
	w = New(Config{Store: st, Publishers: []Publisher{rec}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	stop = func() { cancel(); <-done }
	t.Cleanup(stop)
	return w, stop
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// waitQueued waits until n requests wait in the writer's queue.
func waitQueued(t *testing.T, w *Writer, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(w.reqs) != n {
		if time.Now().After(deadline) {
			t.Fatalf("got %d queued requests, want %d", len(w.reqs), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestFailedWriteLeavesNothing runs a request that appends an event and then
// fails (with an error, or a panic) alone in its batch, where it has no
// savepoint, and amid others in one batch, where it has one: the caller gets
// the failure, nothing of it is committed or published, and the others'
// writes are.
func TestFailedWriteLeavesNothing(t *testing.T) {
	failures := []struct {
		name string
		fail func() error
	}{
		{"error", func() error { return motcua.Errorf(motcua.EInvalid, "no") }},
		{"panic", func() error { panic("boom") }},
	}
	for _, d := range storetest.Dialects() {
		for _, f := range failures {
			for _, amid := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%s/amid others %v", d.Name, f.name, amid), func(t *testing.T) {
					rec := &recorder{}
					w, stop := runWriter(t, storetest.Open(t, d.DSN(t)), rec)

					appendOne := func(tx *store.Tx) error {
						_, err := tx.AppendEvent(time.Now(), nil, nil, &motcua.QueueBody{Waiting: map[int64]int{}})
						return err
					}
					failing := func(tx *store.Tx) error {
						if err := appendOne(tx); err != nil {
							return err
						}
						return f.fail()
					}
					release, started := make(chan struct{}), make(chan struct{})
					busy := make(chan error, 1)
					go func() {
						busy <- w.Write(context.Background(), func(tx *store.Tx) error { close(started); <-release; return appendOne(tx) })
					}()
					<-started
					results := make(chan error, 3)
					queued := 0
					send := func(fn func(*store.Tx) error) {
						go func() { results <- w.Write(context.Background(), fn) }()
						queued++
						waitQueued(t, w, queued)
					}
					if amid {
						send(appendOne)
						send(failing)
						send(appendOne)
					} else {
						send(failing)
					}
					close(release)
					if err := <-busy; err != nil {
						t.Fatal(err)
					}
					failed := 0
					for range queued {
						if err := <-results; err != nil {
							failed++
						}
					}
					if failed != 1 {
						t.Fatalf("got %d failed writes, want 1", failed)
					}
					wantEvents := 1 + queued - 1 // the blocking write's and the others'
					evs, _, err := w.EventsSince(context.Background(), 0, 100)
					if err != nil {
						t.Fatal(err)
					}
					if len(evs) != wantEvents {
						t.Errorf("got %d events in the log, want %d", len(evs), wantEvents)
					}
					stop()
					rec.mu.Lock()
					defer rec.mu.Unlock()
					if len(rec.published) != wantEvents {
						t.Errorf("got %d events published, want %d", len(rec.published), wantEvents)
					}
					// What was published is what the log holds, in order.
					for i, seq := range rec.published {
						if seq != evs[i].Seq {
							t.Errorf("published seq %d, logged %d", seq, evs[i].Seq)
						}
					}
				})
			}
		}
	}
}
