// Package display serves the hall screens: the page and its websocket, which
// carries calls and waiting counts and nothing personal.
package display

import (
	"context"
	"encoding/json"
	"io/fs"
	"net/http"

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

// Replay returns the hall events after since.
func (h *Handler) Replay(ctx context.Context, since int64) ([]motcua.Event, bool, error) {
	return h.Events.EventsSince(ctx, since, ReplayLimit)
}

// Socket handles GET /ws/display.
func (h *Handler) Socket(w http.ResponseWriter, r *http.Request) {
	h.Live.Serve(w, r, live.Subscription{Filter: isHallEvent, Snapshot: h.Snapshot, Replay: h.Replay})
}

// Page handles GET /display.
func (h *Handler) Page(w http.ResponseWriter, r *http.Request) {
	web.Page(h.Static, "display.html")(w, r)
}
