package registry_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/city"
)

// TestRegistryReadsBothMessageForms: a hall of an earlier version stored
// one event per message, a hall of this one many; a hall's stream holding
// both (a hall upgraded with events still unsent) reaches the registry
// whole, each event once, and a batch sent twice changes nothing. The hall
// here is a bare leaf node with the branch's stream, so the test writes the
// messages itself.
func TestRegistryReadsBothMessageForms(t *testing.T) {
	c := newCity(t)
	_, nc := c.bareLeaf("CN01", c.addBranch("CN01", "000.00.01.H26"), true)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: city.HallStream("CN01"),
		Subjects: []string{city.HallSubjects("CN01")}, Duplicates: time.Hour}); err != nil {
		t.Fatal(err)
	}
	at := c.clock.Now()
	queue := func(seq int64, n int) motcua.Event {
		return motcua.Event{Seq: seq, Type: motcua.EventQueue, At: at, Body: []byte(`{"waiting":{"1":` + string(rune('0'+n)) + `}}`)}
	}
	// Two events as an earlier hall sent them, one to a message.
	for seq := int64(1); seq <= 2; seq++ {
		ev := queue(seq, int(seq))
		data, err := json.Marshal(motcua.CityEvent{Branch: "CN01", Seq: ev.Seq, Type: ev.Type, At: ev.At, Body: ev.Body})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := js.Publish(ctx, city.EventSubject("CN01", ev.Type), data); err != nil {
			t.Fatal(err)
		}
	}
	// Then the same hall upgraded: a batch that takes in the second again
	// (the sender resumed before the mark) and goes on, sent twice under
	// different message ids, as two cuts of the log would be.
	b := city.NewBatcher("CN01")
	for seq := int64(2); seq <= 5; seq++ {
		if err := b.Add(queue(seq, int(seq))); err != nil {
			t.Fatal(err)
		}
	}
	data, first, last := b.Take()
	for _, id := range []string{city.BatchMsgID("CN01", first, last), "CN01:2-5-again"} {
		if _, err := js.Publish(ctx, city.BatchSubject("CN01"), data, jetstream.WithMsgID(id)); err != nil {
			t.Fatal(err)
		}
	}
	var got []int64
	waitFor(t, "the registry to hold seqs 1 to 5", func() bool {
		got, err = c.st.City().EventSeqs(ctx, "CN01")
		return err == nil && slices.Equal(got, []int64{1, 2, 3, 4, 5})
	})
	waitFor(t, "the branch's waiting count from its newest event", func() bool {
		return c.branch("CN01").Waiting == 5
	})
}
