package registry_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/registry"
	"github.com/motcua/motcua/store"
	"github.com/motcua/motcua/store/storetest"
)

// TestApplyEventsOnceNewestWins applies hall events many to a statement
// (more than one statement's worth), shuffled, with duplicates in the same
// batch, then redeliveries and events older than what is applied: every
// event is recorded once, and each ticket, waiting count and dossier ends
// as its newest event says, whatever order the events came in.
func TestApplyEventsOnceNewestWins(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d.Name, func(t *testing.T) {
			ctx := context.Background()
			st := storetest.Open(t, d.DSN(t))
			day := time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)
			ev := func(seq int64, body motcua.EventBody) motcua.CityEvent {
				raw, err := json.Marshal(body)
				if err != nil {
					t.Fatal(err)
				}
				return motcua.CityEvent{Branch: "CN01", Seq: seq, Type: body.EventType(), At: day, Body: raw}
			}
			ticket := func(seq, id int64, status motcua.TicketStatus) motcua.CityEvent {
				return ev(seq, &motcua.TicketBody{Ticket: motcua.PublicTicket{ID: id, Number: "1001", ServiceID: 1, Status: status, IssuedAt: day}})
			}
			dossier := func(seq int64, status motcua.DossierStatus) motcua.CityEvent {
				return ev(seq, &motcua.DossierBody{Dossier: motcua.PublicDossier{Code: "000.00.01.H26-261201-0001",
					Procedure: "Đăng ký khai sinh", Status: status, ReceivedAt: day, DueAt: day.Add(72 * time.Hour)}})
			}
			// 600 tickets, two events each: tickets 1–300 end serving, 301–600 done.
			var early, late []motcua.CityEvent
			for id := int64(1); id <= 600; id++ {
				first, last := motcua.TicketServing, motcua.TicketDone
				if id <= 300 {
					first, last = motcua.TicketDone, motcua.TicketServing
				}
				early = append(early, ticket(2*id-1, id, first))
				late = append(late, ticket(2*id, id, last))
			}
			queueOld := ev(1300, &motcua.QueueBody{Waiting: map[int64]int{1: 9, 2: 4}})
			queueNew := ev(1301, &motcua.QueueBody{Waiting: map[int64]int{1: 3}})
			dossierOld, dossierNew := dossier(1400, motcua.DossierReceived), dossier(1401, motcua.DossierProcessing)

			// One batch: every ticket's newest event but only half the older
			// ones, the newer queue and dossier events with the older, some
			// events twice, in random order.
			batch := slices.Concat(late, early[:300], []motcua.CityEvent{queueOld, queueNew, dossierOld, dossierNew}, late[:50])
			rnd := rand.New(rand.NewPCG(1, 2))
			rnd.Shuffle(len(batch), func(i, j int) { batch[i], batch[j] = batch[j], batch[i] })
			storetest.Write(t, st, func(tx *store.Tx) {
				if unreadable, err := registry.ApplyEvents(tx, batch, day); err != nil || len(unreadable) != 0 {
					t.Fatalf("got %d unreadable events and error %v, want none", len(unreadable), err)
				}
			})
			// Then the older half arrives late, one by one and as a batch
			// with redeliveries of what is there.
			storetest.Write(t, st, func(tx *store.Tx) {
				if _, err := registry.ApplyEvents(tx, early[300:301], day); err != nil {
					t.Fatal(err)
				}
				if _, err := registry.ApplyEvents(tx, slices.Concat(early[300:], late[:10], []motcua.CityEvent{queueOld, dossierOld}), day); err != nil {
					t.Fatal(err)
				}
			})

			// The store says which are new: an event twice in one call is new once.
			extra := ticket(1500, 601, motcua.TicketDone)
			storetest.Write(t, st, func(tx *store.Tx) {
				fresh, err := tx.City().ApplyEvents([]motcua.CityEvent{late[0], extra, extra}, day)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(fresh, []bool{false, true, false}) {
					t.Errorf("new events: got %v, want [false true false] (a redelivery, a new event, the same again)", fresh)
				}
			})

			// A body that is JSON but not a ticket's: kept as it came, left
			// out of the counts, reported; the events beside it applied.
			odd := motcua.CityEvent{Branch: "CN01", Seq: 1600, Type: motcua.EventTicket, At: day, Body: []byte(`{"ticket":"1005"}`)}
			storetest.Write(t, st, func(tx *store.Tx) {
				unreadable, err := registry.ApplyEvents(tx, []motcua.CityEvent{odd, ticket(1601, 602, motcua.TicketServing)}, day)
				if err != nil {
					t.Fatalf("an unreadable body failed the batch: %v", err)
				}
				if len(unreadable) != 1 || unreadable[0].Seq != 1600 {
					t.Errorf("unreadable events: got %v, want the one at seq 1600", unreadable)
				}
			})

			seqs, err := st.City().EventSeqs(ctx, "CN01")
			if err != nil {
				t.Fatal(err)
			}
			var want []int64
			for s := int64(1); s <= 1200; s++ {
				want = append(want, s)
			}
			want = append(want, 1300, 1301, 1400, 1401, 1500, 1600, 1601)
			if !slices.Equal(seqs, want) {
				t.Errorf("applied seqs: got %d (%v…), want %d, each once", len(seqs), seqs[:min(len(seqs), 8)], len(want))
			}
			counts, err := st.City().Counts(ctx, day.Add(-time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if c := counts["CN01"]; c.Serving != 301 || c.Waiting != 3+4 {
				t.Errorf("got %d tickets serving and %d waiting, want 301 (the newest of each ticket, and 602) and 7 (service 1 from the newer count, service 2 from the older)", c.Serving, c.Waiting)
			}
			row, err := st.City().Dossier(ctx, "000.00.01.H26-261201-0001")
			if err != nil {
				t.Fatal(err)
			}
			var got motcua.PublicDossier
			if err := json.Unmarshal([]byte(row.Body), &got); err != nil {
				t.Fatal(err)
			}
			if got.Status != motcua.DossierProcessing || got.Procedure != "Đăng ký khai sinh" {
				t.Errorf("dossier: got status %q, procedure %q; want %q, %q", got.Status, got.Procedure, motcua.DossierProcessing, "Đăng ký khai sinh")
			}
		})
	}
}
