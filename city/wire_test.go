package city_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/city"
)

func event(seq int64, typ, body string) motcua.Event {
	return motcua.Event{Seq: seq, Type: typ, At: time.Date(2026, 12, 1, 8, 0, int(seq), 0, time.UTC), Body: []byte(body)}
}

// TestBatchRoundTrip: the events of a batch come out at the registry as
// they went in, bodies (with diacritics) byte for byte, under the batch's
// branch.
func TestBatchRoundTrip(t *testing.T) {
	in := []motcua.Event{
		event(7, motcua.EventQueue, `{"waiting":{"1":3,"2":0}}`),
		event(8, motcua.EventDossier, `{"dossier":{"code":"000.00.01.H26-261201-0001","procedure_name":"Đăng ký khai sinh"}}`),
		event(11, motcua.EventTicket, `{"ticket":{"number":1005,"status":"waiting"}}`),
	}
	b := city.NewBatcher("CN01")
	for _, ev := range in {
		if !b.Fits(ev) {
			t.Fatalf("event %d does not fit a small batch", ev.Seq)
		}
		if err := b.Add(ev); err != nil {
			t.Fatal(err)
		}
	}
	data, first, last := b.Take()
	if first != 7 || last != 11 {
		t.Errorf("got seqs %d–%d, want 7–11", first, last)
	}
	if b.Len() != 0 {
		t.Errorf("after Take the batcher holds %d events, want 0", b.Len())
	}
	if got, want := city.BatchMsgID("CN01", first, last), "CN01:7-11"; got != want {
		t.Errorf("message id: got %q, want %q", got, want)
	}
	out, err := city.DecodeEvents(city.BatchSubject("CN01"), data)
	if err != nil {
		t.Fatalf("decode: %v\n%s", err, data)
	}
	if len(out) != len(in) {
		t.Fatalf("got %d events, want %d", len(out), len(in))
	}
	for i, ev := range out {
		w := in[i]
		if ev.Branch != "CN01" || ev.Seq != w.Seq || ev.Type != w.Type || !ev.At.Equal(w.At) || !bytes.Equal(ev.Body, w.Body) {
			t.Errorf("event %d: got %+v (body %s), want branch CN01, %+v (body %s)", i, ev, ev.Body, w, w.Body)
		}
	}
}

// TestBatchStaysUnderItsBound: a batcher filled as the sender fills it
// never makes a message over MaxBatchBytes unless one event alone is.
func TestBatchStaysUnderItsBound(t *testing.T) {
	body := fmt.Sprintf(`{"dossier":{"note":%q}}`, strings.Repeat("Hồ sơ ", 1000))
	big := fmt.Sprintf(`{"dossier":{"note":%q}}`, strings.Repeat("x", city.MaxBatchBytes))
	b := city.NewBatcher("CN01")
	var msgs [][]byte
	var counts []int
	take := func() {
		n := b.Len()
		data, _, _ := b.Take()
		msgs, counts = append(msgs, data), append(counts, n)
	}
	for seq := int64(1); seq <= 200; seq++ {
		ev := event(seq, motcua.EventDossier, body)
		if seq == 100 {
			ev.Body = []byte(big)
		}
		if !b.Fits(ev) {
			take()
		}
		if err := b.Add(ev); err != nil {
			t.Fatal(err)
		}
	}
	take()
	total := 0
	for i, m := range msgs {
		total += counts[i]
		if len(m) > city.MaxBatchBytes && counts[i] > 1 {
			t.Errorf("message %d: %d bytes with %d events, want at most %d bytes", i, len(m), counts[i], city.MaxBatchBytes)
		}
		if _, err := city.DecodeEvents(city.BatchSubject("CN01"), m); err != nil {
			t.Errorf("message %d: %v", i, err)
		}
	}
	if total != 200 || len(msgs) < 3 {
		t.Errorf("got %d events in %d messages, want 200 in several", total, len(msgs))
	}
}

func TestBatcherRefusesABodyThatIsNotJSON(t *testing.T) {
	b := city.NewBatcher("CN01")
	if err := b.Add(event(1, motcua.EventQueue, `{"waiting":`)); err == nil {
		t.Fatal("got no error for a body that is not JSON")
	}
	if b.Len() != 0 {
		t.Errorf("the refused event is in the batch: %d events", b.Len())
	}
}

// TestDecodeEventsOfEarlierHalls: a message of one event, as halls sent
// them before batches, is still read.
func TestDecodeEventsOfEarlierHalls(t *testing.T) {
	ev := motcua.CityEvent{Branch: "CN01", Seq: 42, Type: motcua.EventQueue, At: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC), Body: []byte(`{"waiting":{"1":2}}`)}
	data, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	out, err := city.DecodeEvents(city.EventSubject("CN01", motcua.EventQueue), data)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || out[0].Branch != "CN01" || out[0].Seq != 42 || !bytes.Equal(out[0].Body, ev.Body) {
		t.Errorf("got %+v, want the one event %+v", out, ev)
	}
}

// TestDecodeEventsRefuses: nothing in a message makes an event of another
// branch than its subject's, and what cannot be read is refused whole.
func TestDecodeEventsRefuses(t *testing.T) {
	batchOf := func(branch string, evs ...motcua.Event) []byte {
		b := city.NewBatcher(branch)
		for _, ev := range evs {
			if err := b.Add(ev); err != nil {
				t.Fatal(err)
			}
		}
		data, _, _ := b.Take()
		return data
	}
	single := func(ev motcua.CityEvent) []byte {
		data, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	q := event(1, motcua.EventQueue, `{"waiting":{}}`)
	for _, tt := range []struct {
		name, subject string
		data          []byte
	}{
		{"a batch of CN02 on CN01's subject", city.BatchSubject("CN01"), batchOf("CN02", q)},
		{"an empty batch", city.BatchSubject("CN01"), []byte(`{"branch":"CN01","events":[]}`)},
		{"an event with no seq", city.BatchSubject("CN01"), []byte(`{"branch":"CN01","events":[{"type":"queue","body":{}}]}`)},
		{"an event with no type", city.BatchSubject("CN01"), []byte(`{"branch":"CN01","events":[{"seq":3,"body":{}}]}`)},
		{"a batch that is not JSON", city.BatchSubject("CN01"), []byte(`{"branch":"CN01","events":[`)},
		{"an event of CN02 on CN01's subject", city.EventSubject("CN01", "queue"),
			single(motcua.CityEvent{Branch: "CN02", Seq: 1, Type: "queue", Body: []byte(`{}`)})},
		{"an event whose branch takes in the subject's type", "city.CN01.ev.x.ev.queue",
			single(motcua.CityEvent{Branch: "CN01.ev.x", Seq: 1, Type: "queue", Body: []byte(`{}`)})},
		{"an event of another type than its subject's", city.EventSubject("CN01", "ticket"),
			single(motcua.CityEvent{Branch: "CN01", Seq: 1, Type: "queue", Body: []byte(`{}`)})},
		{"a subject outside the city", "other.CN01.batch", batchOf("CN01", q)},
		{"a subject with no valid branch", "city.C*1.batch", batchOf("CN01", q)},
		{"a subject that carries no events", "city.CN01.lookup", batchOf("CN01", q)},
	} {
		if got, err := city.DecodeEvents(tt.subject, tt.data); err == nil {
			t.Errorf("%s: got %d events and no error, want it refused", tt.name, len(got))
		}
	}
}
