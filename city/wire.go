package city

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/motcua/motcua"
)

// How a hall's events travel in its stream. A message holds many events (a
// batch): one publish, one stored message, one delivery over the leaf link
// and one acknowledgement at the registry for all the events of one read of
// the log, instead of each of those per event, which at a busy hall's full
// speed cost the hall's cores more than its own writes did. Halls of
// earlier versions sent one event per message (EventSubject, the event as
// motcua.CityEvent); the registry reads both.

// BatchSubject is the subject of a message of several events of a branch.
func BatchSubject(branch string) string { return "city." + branch + ".batch" }

// MaxBatchBytes bounds a batch message, well under NATS's default message
// size of 1 MiB; an event larger than it travels alone in its own batch.
const MaxBatchBytes = 256 << 10

// batchEvent is an event inside a batch: the branch is the batch's, the
// body stays JSON (a motcua.CityEvent's body would be base64).
type batchEvent struct {
	Seq  int64           `json:"seq"`
	Type string          `json:"type"`
	At   time.Time       `json:"at"`
	Body json.RawMessage `json:"body"`
}

// batch is the JSON of a batch message.
type batch struct {
	Branch string       `json:"branch"`
	Events []batchEvent `json:"events"`
}

// Batcher gathers a branch's events into batch messages of at most
// MaxBatchBytes (more or less the few bytes of the brackets).
type Batcher struct {
	branch string
	events []json.RawMessage
	size   int
	first  int64
	last   int64
}

// NewBatcher starts an empty batch for a branch.
func NewBatcher(branch string) *Batcher { return &Batcher{branch: branch} }

// Fits says whether ev can join the batch without taking it over
// MaxBatchBytes; an empty batch takes any event.
func (b *Batcher) Fits(ev motcua.Event) bool {
	return len(b.events) == 0 || b.size+len(ev.Body)+128 <= MaxBatchBytes
}

// Add puts one event in the batch. A body that is not JSON is refused: the
// registry could not read it.
func (b *Batcher) Add(ev motcua.Event) error {
	data, err := json.Marshal(batchEvent{Seq: ev.Seq, Type: ev.Type, At: ev.At, Body: ev.Body})
	if err != nil {
		return fmt.Errorf("event %d (%s): %w", ev.Seq, ev.Type, err)
	}
	if len(b.events) == 0 {
		b.first = ev.Seq
	}
	b.last = ev.Seq
	b.events = append(b.events, data)
	b.size += len(data) + 1
	return nil
}

// Len is how many events the batch holds.
func (b *Batcher) Len() int { return len(b.events) }

// Take returns the batch's message (its JSON, the seqs of its first and last
// events) and starts an empty one.
func (b *Batcher) Take() (data []byte, first, last int64) {
	var buf bytes.Buffer
	buf.Grow(b.size + len(b.branch) + 32)
	head, _ := json.Marshal(b.branch) // a valid branch code needs no escaping; Marshal says so anyway
	buf.WriteString(`{"branch":`)
	buf.Write(head)
	buf.WriteString(`,"events":[`)
	for i, e := range b.events {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(e)
	}
	buf.WriteString("]}")
	first, last = b.first, b.last
	b.events, b.size = b.events[:0], 0
	return buf.Bytes(), first, last
}

// BatchMsgID is the Nats-Msg-Id of a batch: the branch and the seqs of its
// first and last events. The same read of the log sent again is the same
// message; a different cut of it is not, and the registry's unique (branch,
// seq) keeps each event once all the same.
func BatchMsgID(branch string, first, last int64) string {
	return fmt.Sprintf("%s:%d-%d", branch, first, last)
}

// DecodeEvents reads the events of one message of a branch's stream: a
// batch, or a single event from a hall of an earlier version. Every event
// must belong to the branch named in the subject, which only that branch's
// hall may publish on.
func DecodeEvents(subject string, data []byte) ([]motcua.CityEvent, error) {
	rest, ok := strings.CutPrefix(subject, "city.")
	if !ok {
		return nil, fmt.Errorf("subject %q is not a branch's", subject)
	}
	branch, kind, _ := strings.Cut(rest, ".")
	if !ValidBranchCode(branch) {
		return nil, fmt.Errorf("subject %q: no valid branch code", subject)
	}
	switch {
	case subject == BatchSubject(branch):
		var b batch
		if err := json.Unmarshal(data, &b); err != nil {
			return nil, fmt.Errorf("batch of %s: %w", branch, err)
		}
		if b.Branch != branch {
			return nil, fmt.Errorf("batch on %s's subject says it is from %q", branch, b.Branch)
		}
		if len(b.Events) == 0 {
			return nil, fmt.Errorf("batch of %s holds no event", branch)
		}
		out := make([]motcua.CityEvent, len(b.Events))
		for i, e := range b.Events {
			if e.Seq <= 0 || e.Type == "" {
				return nil, fmt.Errorf("batch of %s: event %d has no seq or no type", branch, i)
			}
			out[i] = motcua.CityEvent{Branch: branch, Seq: e.Seq, Type: e.Type, At: e.At, Body: e.Body}
		}
		return out, nil
	case strings.HasPrefix(kind, "ev."):
		var ev motcua.CityEvent
		if err := json.Unmarshal(data, &ev); err != nil {
			return nil, fmt.Errorf("event of %s: %w", branch, err)
		}
		if ev.Branch != branch || subject != EventSubject(ev.Branch, ev.Type) {
			return nil, fmt.Errorf("event on %q says it is a %s of %q", subject, ev.Type, ev.Branch)
		}
		return []motcua.CityEvent{ev}, nil
	}
	return nil, errors.New("subject " + subject + " carries no events")
}
