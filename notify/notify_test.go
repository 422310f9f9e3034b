package notify_test

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/hub"
	"github.com/motcua/motcua/notify"
	"github.com/motcua/motcua/store/storetest"
)

const webhookSecret = "gateway-shared-secret"

// receiver is a local HTTP receiver that records what it gets and answers
// with the statuses it is told, in order (then 200).
type receiver struct {
	mu       sync.Mutex
	statuses []int
	got      []received
}

type received struct {
	body      []byte
	signature string
	event     string
	delivery  string
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.got = append(r.got, received{body: body, signature: req.Header.Get(notify.SignatureHeader),
		event: req.Header.Get("X-Motcua-Event"), delivery: req.Header.Get("X-Motcua-Delivery")})
	status := http.StatusOK
	if len(r.statuses) > 0 {
		status, r.statuses = r.statuses[0], r.statuses[1:]
	}
	r.mu.Unlock()
	w.WriteHeader(status)
}

func (r *receiver) all() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

func withWebhook(url string) func(*hub.Config) {
	return func(c *hub.Config) {
		c.Webhook.URL, c.Webhook.Secret = url, webhookSecret
		c.Webhook.Backoff = time.Minute
		c.Webhook.MaxAttempts = 3
	}
}

// Every dossier change leaves signed, without personal data; a 500 is
// retried after the backoff on the hub's clock, and every attempt is kept.
func TestWebhookSignedRetriedAndRecorded(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dsn func(testing.TB) string) {
		rcv := &receiver{statuses: []int{http.StatusInternalServerError}}
		srv := httptest.NewServer(rcv)
		t.Cleanup(srv.Close)
		// The worker is not started in the background here: with the
		// webhook configured it is, so the test drives the same method and
		// tolerates the worker having run first.
		e := openWith(t, dsn(t), weekdayMorning, withWebhook(srv.URL))
		ctx := context.Background()
		d := e.Receive(t, "1.004873")

		deliverAll := func() {
			t.Helper()
			if _, err := e.Hub.Notify.Deliver(ctx); err != nil {
				t.Fatalf("deliver: %v", err)
			}
		}
		deliverAll()
		got := rcv.all()
		if len(got) != 1 {
			t.Fatalf("after the first run: receiver got %d posts, want 1 (the 500)", len(got))
		}
		deliverAll() // not yet due again
		if n := len(rcv.all()); n != 1 {
			t.Fatalf("before the backoff: receiver got %d posts, want 1", n)
		}
		e.Clock.Advance(time.Minute)
		deliverAll()
		got = rcv.all()
		if len(got) != 2 {
			t.Fatalf("after the backoff: receiver got %d posts, want 2", len(got))
		}
		if string(got[0].body) != string(got[1].body) || got[0].delivery != got[1].delivery {
			t.Errorf("a retry must send the same body and delivery id")
		}
		for _, r := range got {
			mac := notify.Sign([]byte(webhookSecret), r.body)
			if !hmac.Equal([]byte(mac), []byte(r.signature)) || !strings.HasPrefix(r.signature, "sha256=") {
				t.Errorf("signature: got %q, want %q", r.signature, mac)
			}
			if notify.Sign([]byte("wrong"), r.body) == r.signature {
				t.Errorf("signature verifies with a wrong secret")
			}
			for _, p := range personalData {
				if strings.Contains(string(r.body), p) {
					t.Errorf("payload carries personal data %q", p)
				}
			}
		}
		var p map[string]any
		if err := json.Unmarshal(got[1].body, &p); err != nil {
			t.Fatal(err)
		}
		if p["event"] != "dossier.received" || p["code"] != d.Code || p["status"] != "received" || p["due_at"] != "2026-12-02T17:00:00+07:00" ||
			p["received_at"] != "2026-11-27T09:00:00+07:00" || p["apology"] != nil || got[1].event != "dossier.received" {
			t.Errorf("payload: got %s", got[1].body)
		}
		for _, k := range []string{"event", "code", "status", "received_at", "due_at", "original_due_at", "apology"} {
			if _, ok := p[k]; !ok {
				t.Errorf("payload lacks %q", k)
			}
		}

		list, err := e.Hub.Notify.Deliveries(ctx, 10)
		if err != nil || len(list) != 1 {
			t.Fatalf("deliveries: got %d, %v", len(list), err)
		}
		dl := list[0]
		if dl.State != motcua.DeliveryDelivered || len(dl.Attempts) != 2 || dl.Attempts[0].StatusCode != 500 || dl.Attempts[0].Error == "" ||
			dl.Attempts[1].StatusCode != 200 || dl.Attempts[1].Error != "" || dl.DossierCode != d.Code || dl.DeliveredAt == nil {
			t.Errorf("delivery record: got %+v", dl)
		}
		if !dl.Attempts[1].At.Equal(dl.Attempts[0].At.Add(time.Minute)) {
			t.Errorf("attempt times: got %v then %v, want a minute apart (hub clock)", dl.Attempts[0].At, dl.Attempts[1].At)
		}

		// An apology goes out with its reason and the original date.
		e.Clock.Set(time.Date(2026, 12, 3, 9, 0, 0, 0, hanoi))
		if _, err := e.Hub.Dossiers.IssueApology(ctx, d.ID, motcua.ApologyRequest{Reason: "Chờ kết quả xác minh", NewDueAt: "2026-12-08"}, e.Staff); err != nil {
			t.Fatal(err)
		}
		deliverAll()
		var events []string
		var apology map[string]any
		for _, r := range rcv.all()[2:] {
			var p map[string]any
			json.Unmarshal(r.body, &p)
			events = append(events, p["event"].(string))
			if p["event"] == "dossier.apology" {
				apology = p
			}
		}
		if apology == nil {
			t.Fatalf("no dossier.apology notification among %v", events)
		}
		a, _ := apology["apology"].(map[string]any)
		if a["reason"] != "Chờ kết quả xác minh" || a["new_due_at"] != "2026-12-08T17:00:00+07:00" ||
			apology["original_due_at"] != "2026-12-02T17:00:00+07:00" || apology["due_at"] != "2026-12-08T17:00:00+07:00" {
			t.Errorf("apology payload: got %v", apology)
		}
	})
}

// A receiver that keeps failing is given up after the last attempt; the
// supervisor can send it again.
func TestWebhookGivesUpAndRetriesOnRequest(t *testing.T) {
	rcv := &receiver{statuses: []int{500, 502, 503}}
	srv := httptest.NewServer(rcv)
	t.Cleanup(srv.Close)
	e := openWith(t, storetest.SQLiteDSN(t), weekdayMorning, withWebhook(srv.URL))
	ctx := context.Background()
	e.Receive(t, "1.004873")
	for i := 0; i < 4; i++ {
		if _, err := e.Hub.Notify.Deliver(ctx); err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(10 * time.Minute) // past every backoff (1, 2 minutes)
	}
	list, _ := e.Hub.Notify.Deliveries(ctx, 10)
	if len(list) != 1 || list[0].State != motcua.DeliveryFailed || len(list[0].Attempts) != 3 {
		t.Fatalf("after three failures: got %+v, want failed with 3 attempts", list)
	}
	if err := e.Hub.Notify.Retry(ctx, list[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Hub.Notify.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	list, _ = e.Hub.Notify.Deliveries(ctx, 10)
	if list[0].State != motcua.DeliveryDelivered || len(list[0].Attempts) != 4 {
		t.Errorf("after the manual retry: got state %s with %d attempts", list[0].State, len(list[0].Attempts))
	}
	if err := e.Hub.Notify.Retry(ctx, list[0].ID); motcua.ErrorCode(err) != motcua.EConflict {
		t.Errorf("retry a delivered notification: got %v, want a conflict", err)
	}
}

// A receiver that never answers holds only the webhook worker: tickets are
// issued and called as fast as ever, and the hub still closes promptly.
func TestHangingReceiverNeverBlocksTheHall(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{}, 100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs first: lets srv.Close finish
	e := openWith(t, storetest.SQLiteDSN(t), weekdayMorning, func(c *hub.Config) {
		withWebhook(srv.URL)(c)
		c.Webhook.Timeout = time.Minute // longer than the test: only the hub's own shutdown can end it
	})
	ctx := context.Background()
	e.Receive(t, "1.004873") // the worker wakes after this commit and hangs on the post
	select {
	case <-arrived:
	case <-time.After(5 * time.Second):
		t.Fatal("the worker never posted the notification")
	}

	start := time.Now()
	for i := 0; i < 20; i++ {
		e.Issue(t, 2, false)
		tk := e.CallNext(t, 2)
		d, err := e.Hub.Dossiers.CreateDossier(ctx, tk.ID, marriageRequest(e.Procedure(t, "1.004873").ID), e.Staff)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Hub.Dossiers.ActOnDossier(ctx, d.ID, motcua.DossierTransfer, "", e.Staff); err != nil {
			t.Fatal(err)
		}
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("20 visits with dossiers took %v while the receiver hangs; the hall must not wait for it", took)
	}
	list, err := e.Hub.Notify.Deliveries(ctx, 500)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 41 {
		t.Errorf("outbox: got %d notifications, want 41 queued (1 + 20 receipts + 20 transfers)", len(list))
	}
	start = time.Now()
	e.Hub.Close()
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Close took %v with a hanging receiver", took)
	}
}
