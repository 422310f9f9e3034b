package city

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/logtest"
)

// fixedLog is an event log that holds the given events.
type fixedLog []motcua.Event

func (f fixedLog) EventsSince(_ context.Context, seq int64, limit int) ([]motcua.Event, bool, error) {
	var out []motcua.Event
	for _, ev := range f {
		if ev.Seq > seq {
			out = append(out, ev)
		}
	}
	more := len(out) > limit
	if more {
		out = out[:limit]
	}
	return out, more, nil
}

// TestSendLeavesOutWhatCannotBeRead: an event whose body is not JSON (a
// damaged row) is logged and left out; the events around it, and every
// later one, still reach the hall's stream, in one message, and the
// sender's mark moves past them all. Events the city does not need are
// not sent. The registry here is unreachable: the stream is the hall's own.
func TestSendLeavesOutWhatCannotBeRead(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	nowhere := ln.Addr().String()
	ln.Close()
	var logs logtest.Buffer
	evs := fixedLog{
		{Seq: 1, Type: motcua.EventQueue, Body: []byte(`{"waiting":{"1":2}}`)},
		{Seq: 2, Type: motcua.EventQueue, Body: []byte(`{"waiting":`)},
		{Seq: 3, Type: motcua.EventCall, Body: []byte(`{}`)},
		{Seq: 4, Type: motcua.EventDossier, Body: []byte(`{"dossier":{"code":"000.00.01.H26-261201-0001","procedure":"Đăng ký khai sinh"}}`)},
	}
	l := New(Config{Registry: "nats://" + nowhere, Password: "x", StoreDir: filepath.Join(t.TempDir(), "js"),
		Events: evs, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err := l.Start(context.Background(), "CN01"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	if err := l.send(context.Background()); err != nil {
		t.Fatalf("send: %v", err)
	}
	if got := l.Sent(); got != 4 {
		t.Errorf("sender's mark: got %d, want 4", got)
	}
	st, err := l.js.Stream(context.Background(), HallStream("CN01"))
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 1 {
		t.Fatalf("hall stream: got %d messages, want 1", info.State.Msgs)
	}
	msg, err := st.GetMsg(context.Background(), info.State.LastSeq)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeEvents(msg.Subject, msg.Data)
	if err != nil {
		t.Fatal(err)
	}
	var seqs []int64
	for _, ev := range got {
		seqs = append(seqs, ev.Seq)
	}
	if len(seqs) != 2 || seqs[0] != 1 || seqs[1] != 4 {
		t.Errorf("events sent: got seqs %v, want [1 4]", seqs)
	}
	if !json.Valid(got[1].Body) || !strings.Contains(string(got[1].Body), "Đăng ký khai sinh") {
		t.Errorf("dossier body: got %s, want it whole", got[1].Body)
	}
	if h := msg.Header.Get(MsgSeqHeader); h != "4" {
		t.Errorf("%s header: got %q, want 4", MsgSeqHeader, h)
	}
	if !strings.Contains(logs.String(), "seq=2") {
		t.Errorf("the left-out event is not logged:\n%s", logs.String())
	}
}
