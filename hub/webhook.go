package hub

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/store"
)

// Outbound notifications (webhook) for the center's SMS or Zalo gateway.
//
// Every dossier change that a citizen should hear about writes one row to the
// outbox in the same transaction as the change, so a notification is never
// lost and never sent for a change that did not commit. A worker outside the
// writer posts the rows, signed, and retries failures with exponential
// backoff; every attempt is recorded. A slow or dead receiver delays only
// this worker, never the hall.

// Defaults of the webhook worker.
const (
	DefaultWebhookTimeout     = 10 * time.Second
	DefaultWebhookBackoff     = 30 * time.Second // first retry; doubles each time
	DefaultWebhookMaxBackoff  = time.Hour
	DefaultWebhookMaxAttempts = 12 // about five hours of retries, then "failed"
	webhookPollEvery          = 5 * time.Second
	webhookBatch              = 20
)

// SignatureHeader carries "sha256=" and the hex HMAC-SHA256 of the body
// keyed with the shared secret.
const SignatureHeader = "X-Motcua-Signature"

type webhookConfig struct {
	url         string
	secret      []byte
	client      *http.Client
	backoff     time.Duration
	maxBackoff  time.Duration
	maxAttempts int
}

func newWebhookConfig(cfg Config) webhookConfig {
	w := webhookConfig{url: cfg.WebhookURL, secret: []byte(cfg.WebhookSecret), backoff: cfg.WebhookBackoff,
		maxBackoff: DefaultWebhookMaxBackoff, maxAttempts: cfg.WebhookMaxAttempts}
	timeout := cfg.WebhookTimeout
	if timeout <= 0 {
		timeout = DefaultWebhookTimeout
	}
	w.client = &http.Client{Timeout: timeout,
		// A gateway answers where it was configured; following a redirect
		// could send the signed body somewhere else.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if w.backoff <= 0 {
		w.backoff = DefaultWebhookBackoff
	}
	if w.maxAttempts <= 0 {
		w.maxAttempts = DefaultWebhookMaxAttempts
	}
	return w
}

func (w webhookConfig) enabled() bool { return w.url != "" }

// Sign is the value of the X-Motcua-Signature header for body.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// nudgingPublisher wakes the webhook worker after a commit that carried a
// dossier event, so notifications leave at once instead of at the next poll.
type nudgingPublisher struct {
	next Publisher
	wake chan struct{}
}

func (p nudgingPublisher) Publish(ev motcua.Event) {
	p.next.Publish(ev)
	if ev.Type == motcua.EventDossier {
		select {
		case p.wake <- struct{}{}:
		default:
		}
	}
}

// WebhookPayload is the JSON body of a notification. It names the dossier by
// its code only: no name, ID number or phone ever leaves through it (the
// gateway finds the citizen's contact from the code in its own records).
type WebhookPayload struct {
	Event         string          `json:"event"`
	Branch        string          `json:"branch"`
	Code          string          `json:"code"`
	Procedure     string          `json:"procedure"`
	Status        string          `json:"status"`
	ReceivedAt    time.Time       `json:"received_at"`
	DueAt         time.Time       `json:"due_at"`
	OriginalDueAt *time.Time      `json:"original_due_at"`
	Overdue       bool            `json:"overdue"`
	AtRisk        bool            `json:"at_risk"`
	Apology       *WebhookApology `json:"apology"`
	OccurredAt    time.Time       `json:"occurred_at"`
}

// WebhookApology is the latest apology of the dossier, as the citizen reads it.
type WebhookApology struct {
	Reason   string    `json:"reason"`
	NewDueAt time.Time `json:"new_due_at"`
	IssuedAt time.Time `json:"issued_at"`
}

// queueWebhook writes the notification of d's change to the outbox, inside
// the change's transaction. Nothing is written when no webhook is configured.
func (h *Hub) queueWebhook(tx *store.Tx, event string, d motcua.Dossier, now time.Time) error {
	if !h.bg.webhook.enabled() {
		return nil
	}
	aps, err := tx.Apologies([]int64{d.ID})
	if err != nil {
		return err
	}
	list, original := h.apologies(aps[d.ID])
	p := WebhookPayload{Event: event, Branch: h.branch.Code, Code: d.Code, Procedure: d.ProcedureName, Status: string(d.Status),
		ReceivedAt: d.ReceivedAt, DueAt: d.DueAt, OriginalDueAt: original, Overdue: d.Overdue, AtRisk: d.AtRisk,
		OccurredAt: now.In(h.loc)}
	if n := len(list); n > 0 {
		a := list[n-1]
		p.Apology = &WebhookApology{Reason: a.Reason, NewDueAt: a.NewDueAt, IssuedAt: a.IssuedAt}
	}
	body, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = tx.InsertOutbox(event, d.ID, d.Code, string(body), now)
	return err
}

func (h *Hub) webhookLoop() {
	defer h.bg.wg.Done()
	ctx, cancel := h.backgroundContext()
	defer cancel()
	tick := time.NewTicker(webhookPollEvery)
	defer tick.Stop()
	for {
		if _, err := h.DeliverWebhooks(ctx); err != nil && ctx.Err() == nil {
			h.log.Error("webhook deliveries", "err", err)
		}
		select {
		case <-tick.C:
		case <-h.bg.wake:
		case <-h.bg.stop:
			return
		}
	}
}

// DeliverWebhooks posts every notification due by the hub's clock, one
// after the other, records each attempt and schedules retries; it returns
// how many were delivered. Only one run goes at a time. The hub's worker
// runs it on every dossier commit and every few seconds; tests call it
// after moving the clock.
func (h *Hub) DeliverWebhooks(ctx context.Context) (int, error) {
	w := h.bg.webhook
	if !w.enabled() {
		return 0, nil
	}
	h.bg.deliverMu.Lock()
	defer h.bg.deliverMu.Unlock()
	delivered := 0
	for ctx.Err() == nil {
		var rows []store.OutboxRow
		err := h.write(ctx, func(tx *store.Tx) error {
			now := h.clock.Now()
			// The lease outlasts one batch of timeouts, so a crash mid-batch
			// only delays these rows.
			lease := now.Add(time.Duration(webhookBatch+1) * w.client.Timeout)
			var err error
			rows, err = tx.ClaimDeliveries(now, lease, webhookBatch)
			return err
		})
		if err != nil || len(rows) == 0 {
			return delivered, err
		}
		for _, r := range rows {
			if ctx.Err() != nil {
				break
			}
			ok, err := h.deliver(ctx, r)
			if err != nil {
				return delivered, err
			}
			if ok {
				delivered++
			}
		}
	}
	return delivered, ctx.Err()
}

// deliver posts one notification and records the attempt.
func (h *Hub) deliver(ctx context.Context, r store.OutboxRow) (bool, error) {
	w := h.bg.webhook
	start := time.Now()
	attempt := motcua.WebhookAttempt{At: h.clock.Now()}
	status, postErr := w.post(ctx, r)
	attempt.StatusCode = status
	attempt.DurationMS = time.Since(start).Milliseconds()
	if postErr != nil {
		attempt.Error = postErr.Error()
	}
	if ctx.Err() != nil {
		// Shutting down: the lease lapses and the next start sends it again.
		return false, nil
	}
	ok := postErr == nil
	err := h.write(context.Background(), func(tx *store.Tx) error {
		now := h.clock.Now()
		if ok {
			return tx.RecordAttempt(r.ID, attempt, motcua.DeliveryDelivered, nil, &now)
		}
		if r.Attempts+1 >= w.maxAttempts {
			return tx.RecordAttempt(r.ID, attempt, motcua.DeliveryFailed, nil, nil)
		}
		next := now.Add(w.backoffAfter(r.Attempts + 1))
		return tx.RecordAttempt(r.ID, attempt, motcua.DeliveryPending, &next, nil)
	})
	return ok, err
}

// backoffAfter is the wait after the n-th failed attempt: backoff, then
// doubling, capped.
func (w webhookConfig) backoffAfter(n int) time.Duration {
	d := w.backoff
	for i := 1; i < n && d < w.maxBackoff; i++ {
		d *= 2
	}
	return min(d, w.maxBackoff)
}

// post sends the body; any 2xx is a delivery.
func (w webhookConfig) post(ctx context.Context, r store.OutboxRow) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader([]byte(r.Payload)))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "motcua-webhook/1")
	req.Header.Set(SignatureHeader, Sign(w.secret, []byte(r.Payload)))
	req.Header.Set("X-Motcua-Event", r.Event)
	// The same id on every retry: the receiver can drop duplicates.
	req.Header.Set("X-Motcua-Delivery", strconv.FormatInt(r.ID, 10))
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("receiver answered %s", resp.Status)
	}
	return resp.StatusCode, nil
}

// WebhookDeliveries lists the newest notifications and their attempts.
func (h *Hub) WebhookDeliveries(ctx context.Context, limit int) ([]motcua.WebhookDelivery, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, attempts, err := h.store.Deliveries(ctx, limit)
	if err != nil {
		return nil, err
	}
	out := make([]motcua.WebhookDelivery, len(rows))
	for i, r := range rows {
		d := motcua.WebhookDelivery{ID: r.ID, Event: r.Event, DossierCode: r.DossierCode, State: r.State,
			CreatedAt: r.CreatedAt.In(h.loc), DeliveredAt: h.localPtr(r.DeliveredAt), Payload: r.Payload, Attempts: []motcua.WebhookAttempt{}}
		if r.DossierID != nil {
			d.DossierID = *r.DossierID
		}
		if r.State == motcua.DeliveryPending {
			d.NextAttemptAt = h.localPtr(r.NextAttemptAt)
		}
		for _, a := range attempts[r.ID] {
			a.At = a.At.In(h.loc)
			d.Attempts = append(d.Attempts, a)
		}
		out[i] = d
	}
	return out, nil
}

// RetryWebhookDelivery puts a failed notification back in the queue.
func (h *Hub) RetryWebhookDelivery(ctx context.Context, id int64) error {
	err := h.write(ctx, func(tx *store.Tx) error { return tx.RetryDelivery(id, h.clock.Now()) })
	if err == nil {
		select {
		case h.bg.wake <- struct{}{}:
		default:
		}
	}
	return err
}
