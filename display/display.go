// Package display serves the hall screens: the page and its websocket, which
// carries calls and waiting counts and nothing personal.
package display

import (
	"context"
	"encoding/json"
	"io/fs"
	"net/http"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/live"
	"github.com/motcua/motcua/web"
)

// Events is the event log a hall screen starts from and replays.
type Events interface {
	LastSeq(ctx context.Context) (int64, error)
	RecentEvents(ctx context.Context, typ string, maxSeq int64, n int) ([]motcua.Event, error)
	EventsSince(ctx context.Context, seq int64, max int) ([]motcua.Event, bool, error)
}

// Queue gives the waiting counts a hall screen starts with.
type Queue interface {
	WaitingCounts(ctx context.Context) (map[int64]int, error)
}

// RecentCallCount is how many calls a snapshot carries.
const RecentCallCount = 10

// ReplayLimit is the most events replayed to a reconnecting client; past it a
// fresh snapshot is cheaper.
const ReplayLimit = 5000

// Handler serves the hall display.
type Handler struct {
	Site   *motcua.Site
	Events Events
	Queue  Queue
	Live   *live.Broadcaster
	Static fs.FS
}

type serviceItem struct {
	ID     int64  `json:"id"`
	Code   string `json:"code"`
	Name   string `json:"name"`
	Prefix string `json:"prefix"`
	Digits int    `json:"digits"`
}

// counterItem lets a screen limited to some counters (?counters=) show the
// waiting counts of their services only.
type counterItem struct {
	motcua.CounterRef
	ServiceIDs []int64 `json:"service_ids"`
}

type snapshot struct {
	Type     string            `json:"type"`
	Seq      int64             `json:"seq"`
	Calls    []json.RawMessage `json:"calls"`
	Waiting  map[int64]int     `json:"waiting"`
	Services []serviceItem     `json:"services"`
	Counters []counterItem     `json:"counters"`
	Notice   string            `json:"notice"`
}

// Snapshot is the first message on /ws/display: the recent calls up to seq,
// and the waiting counts (absolute, so later queue events simply overwrite them).
func (h *Handler) Snapshot(ctx context.Context) (int64, []byte, error) {
	seq, err := h.Events.LastSeq(ctx)
	if err != nil {
		return 0, nil, err
	}
	calls, err := h.Events.RecentEvents(ctx, motcua.EventCall, seq, RecentCallCount)
	if err != nil {
		return 0, nil, err
	}
	waiting, err := h.Queue.WaitingCounts(ctx)
	if err != nil {
		return 0, nil, err
	}
	s := snapshot{Type: "snapshot", Seq: seq, Calls: make([]json.RawMessage, len(calls)), Waiting: waiting, Notice: h.Site.Branch().Notice}
	for i, ev := range calls {
		s.Calls[i] = live.Encode(ev)
	}
	for _, sv := range h.Site.ServiceList() {
		s.Services = append(s.Services, serviceItem{sv.ID, sv.Code, sv.Name, sv.Prefix, sv.Digits})
		if _, ok := waiting[sv.ID]; !ok {
			waiting[sv.ID] = 0
		}
	}
	for _, c := range h.Site.CounterList() {
		ids := c.ServiceIDs
		if ids == nil {
			ids = []int64{}
		}
		s.Counters = append(s.Counters, counterItem{motcua.CounterRef{ID: c.ID, Number: c.Number, Name: c.Name}, ids})
	}
	msg, err := json.Marshal(s)
	return seq, msg, err
}

// isHallEvent selects what a hall screen shows: calls and queue counts, and
// changes of the hall (the screen then asks for a fresh snapshot).
func isHallEvent(ev *motcua.Event) bool {
	return ev.Type == motcua.EventCall || ev.Type == motcua.EventQueue || ev.Type == motcua.EventHall
}

// CoalesceEvery is the least time between two queue frames to a hall
// screen during a burst of tickets (see Socket).
const CoalesceEvery = time.Second

// isQueueEvent selects the events a hall screen receives coalesced.
func isQueueEvent(ev *motcua.Event) bool { return ev.Type == motcua.EventQueue }

// waitingFold folds queue events: each carries the waiting counts of the
// services that changed, so the frame that stands for several must carry
// the counts of all of them (live.Fold). One per process is enough: each
// Broadcaster keeps its own state of it.
var waitingFold = &live.Fold{Accept: isQueueEvent, New: func() live.Folder { return &waitingCounts{} }}

// waitingCounts is the newest waiting count of every service folded in.
type waitingCounts struct {
	waiting map[int64]int
}

// Add folds the counts of a queue event in. The hub's events carry their
// typed body; one read back without it is decoded.
func (w *waitingCounts) Add(ev *motcua.Event) {
	body, ok := ev.Data.(*motcua.QueueBody)
	if !ok {
		body = &motcua.QueueBody{}
		if err := json.Unmarshal(ev.Body, body); err != nil {
			return
		}
	}
	if w.waiting == nil {
		w.waiting = make(map[int64]int, len(body.Waiting))
	}
	for id, n := range body.Waiting {
		w.waiting[id] = n
	}
}

// Body is a queue event's body with every count folded in.
func (w *waitingCounts) Body() []byte {
	b, _ := json.Marshal(motcua.QueueBody{Waiting: w.waiting}) // a map of ints cannot fail
	return b
}

// Replay returns the hall events after since.
func (h *Handler) Replay(ctx context.Context, since int64) ([]motcua.Event, bool, error) {
	return h.Events.EventsSince(ctx, since, ReplayLimit)
}

// Socket handles GET /ws/display. Calls and hall changes go out as they
// come; queue counts are coalesced: a screen does not need a frame per
// ticket issued during a burst at the kiosks. The first count after a quiet
// second goes out at once, with no random delay (unlike the phones'): a
// hall has a handful of screens, not thousands of phones to spread over
// time, and the citizen who has just taken a ticket looks up to see the
// count move. During a burst a screen then gets at most one queue frame a
// second, carrying every count that changed (waitingFold), and a call takes
// the waiting one along in front of it, so the counts are right when the
// call is shown. A replay with ?since= folds its queue events the same way.
func (h *Handler) Socket(w http.ResponseWriter, r *http.Request) {
	h.Live.Serve(w, r, live.Subscription{Filter: isHallEvent, Snapshot: h.Snapshot, Replay: h.Replay,
		Fold: waitingFold, CoalesceEvery: CoalesceEvery, CoalesceAtOnce: true})
}

// Page handles GET /display.
func (h *Handler) Page(w http.ResponseWriter, r *http.Request) {
	web.Page(h.Static, "display.html")(w, r)
}
