// Package notify is the webhook outbox: outbound notifications of dossier
// changes for the center's SMS or Zalo gateway.
//
// Every dossier change that a citizen should hear about writes one row to the
// outbox in the same transaction as the change, so a notification is never
// lost and never sent for a change that did not commit. A worker outside the
// writer posts the rows, signed, and retries failures with exponential
// backoff; every attempt is recorded. A slow or dead receiver delays only
// this worker, never the hall.
package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/store"
	"github.com/motcua/motcua/writer"
)

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

// Config is the webhook's configuration.
type Config struct {
	// URL receives signed dossier notifications; empty disables them.
	URL    string
	Secret string
	// Timeout bounds one delivery; Backoff is the first retry delay
	// (doubling); MaxAttempts ends retrying. 0 means the defaults.
	Timeout     time.Duration
	Backoff     time.Duration
	MaxAttempts int
}

// Outbox queues notifications inside dossier changes and delivers them.
type Outbox struct {
	url         string
	secret      []byte
	client      *http.Client
	backoff     time.Duration
	maxBackoff  time.Duration
	maxAttempts int

	site  *motcua.Site
	store *store.Store
	w     *writer.Writer
	log   *slog.Logger

	wake      chan struct{} // nudges the worker after a commit
	deliverMu sync.Mutex    // one delivery run at a time
}

// New makes the outbox; with no URL it queues and sends nothing.
func New(cfg Config, site *motcua.Site, st *store.Store, w *writer.Writer, log *slog.Logger) *Outbox {
	o := &Outbox{url: cfg.URL, secret: []byte(cfg.Secret), backoff: cfg.Backoff,
		maxBackoff: DefaultWebhookMaxBackoff, maxAttempts: cfg.MaxAttempts,
		site: site, store: st, w: w, log: log, wake: make(chan struct{}, 1)}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultWebhookTimeout
	}
	o.client = &http.Client{Timeout: timeout,
		// A gateway answers where it was configured; following a redirect
		// could send the signed body somewhere else.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if o.backoff <= 0 {
		o.backoff = DefaultWebhookBackoff
	}
	if o.maxAttempts <= 0 {
		o.maxAttempts = DefaultWebhookMaxAttempts
	}
	return o
}

// Enabled says whether a webhook URL is configured.
func (o *Outbox) Enabled() bool { return o.url != "" }

// Sign is the value of the X-Motcua-Signature header for body.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Publish wakes the worker after a commit that carried a dossier event, so
// notifications leave at once instead of at the next poll (a writer publisher).
func (o *Outbox) Publish(ev motcua.Event) {
	if ev.Type == motcua.EventDossier {
		o.nudge()
	}
}

func (o *Outbox) nudge() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// Payload is the JSON body of a notification. It names the dossier by
// its code only: no name, ID number or phone ever leaves through it (the
// gateway finds the citizen's contact from the code in its own records).
type Payload struct {
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
	Apology       *PayloadApology `json:"apology"`
	OccurredAt    time.Time       `json:"occurred_at"`
}

// PayloadApology is the latest apology of the dossier, as the citizen reads it.
type PayloadApology struct {
	Reason   string    `json:"reason"`
	NewDueAt time.Time `json:"new_due_at"`
	IssuedAt time.Time `json:"issued_at"`
}

// Queue writes the notification of d's change to the outbox, inside the
// change's transaction. Nothing is written when no webhook is configured.
func (o *Outbox) Queue(tx *store.Tx, event string, d motcua.Dossier, now time.Time) error {
	if !o.Enabled() {
		return nil
	}
	aps, err := tx.Dossiers.Apologies([]int64{d.ID})
	if err != nil {
		return err
	}
	loc := o.site.Location()
	p := Payload{Event: event, Branch: o.site.Branch().Code, Code: d.Code, Procedure: d.ProcedureName, Status: string(d.Status),
		ReceivedAt: d.ReceivedAt, DueAt: d.DueAt, Overdue: d.Overdue, AtRisk: d.AtRisk, OccurredAt: now.In(loc)}
	list := aps[d.ID]
	for _, a := range list {
		if a.OriginalDueAt != nil { // the due date the first apology replaced
			p.OriginalDueAt = o.site.Local(a.OriginalDueAt)
			break
		}
	}
	if len(list) > 0 {
		a := list[len(list)-1]
		p.Apology = &PayloadApology{Reason: a.Reason, NewDueAt: a.NewDueAt.In(loc), IssuedAt: a.IssuedAt.In(loc)}
	}
	body, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = tx.Outbox.InsertOutbox(event, d.ID, d.Code, string(body), now)
	return err
}

// Run is the delivery worker: it delivers on every dossier commit and every
// few seconds until ctx ends. It returns at once when no webhook is configured.
func (o *Outbox) Run(ctx context.Context) error {
	if !o.Enabled() {
		return nil
	}
	tick := time.NewTicker(webhookPollEvery)
	defer tick.Stop()
	for {
		if _, err := o.Deliver(ctx); err != nil && ctx.Err() == nil {
			o.log.Error("webhook deliveries", "err", err)
		}
		select {
		case <-tick.C:
		case <-o.wake:
		case <-ctx.Done():
			return nil
		}
	}
}

// Deliver posts every notification due by the hub's clock, one
// after the other, records each attempt and schedules retries; it returns
// how many were delivered. Only one run goes at a time. The hub's worker
// runs it on every dossier commit and every few seconds; tests call it
// after moving the clock.
func (o *Outbox) Deliver(ctx context.Context) (int, error) {
	if !o.Enabled() {
		return 0, nil
	}
	o.deliverMu.Lock()
	defer o.deliverMu.Unlock()
	delivered := 0
	for ctx.Err() == nil {
		var rows []store.OutboxRow
		err := o.w.Write(ctx, func(tx *store.Tx) error {
			now := o.site.Clock.Now()
			// The lease outlasts one batch of timeouts, so a crash mid-batch
			// only delays these rows.
			lease := now.Add(time.Duration(webhookBatch+1) * o.client.Timeout)
			var err error
			rows, err = tx.Outbox.ClaimDeliveries(now, lease, webhookBatch)
			return err
		})
		if err != nil || len(rows) == 0 {
			return delivered, err
		}
		for _, r := range rows {
			if ctx.Err() != nil {
				break
			}
			ok, err := o.deliver(ctx, r)
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
func (o *Outbox) deliver(ctx context.Context, r store.OutboxRow) (bool, error) {
	start := time.Now()
	attempt := motcua.WebhookAttempt{At: o.site.Clock.Now()}
	status, postErr := o.post(ctx, r)
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
	err := o.w.Write(context.Background(), func(tx *store.Tx) error {
		now := o.site.Clock.Now()
		if ok {
			return tx.Outbox.RecordAttempt(r.ID, attempt, motcua.DeliveryDelivered, nil, &now)
		}
		if r.Attempts+1 >= o.maxAttempts {
			return tx.Outbox.RecordAttempt(r.ID, attempt, motcua.DeliveryFailed, nil, nil)
		}
		next := now.Add(o.backoffAfter(r.Attempts + 1))
		return tx.Outbox.RecordAttempt(r.ID, attempt, motcua.DeliveryPending, &next, nil)
	})
	return ok, err
}

// backoffAfter is the wait after the n-th failed attempt: backoff, then
// doubling, capped.
func (o *Outbox) backoffAfter(n int) time.Duration {
	d := o.backoff
	for i := 1; i < n && d < o.maxBackoff; i++ {
		d *= 2
	}
	return min(d, o.maxBackoff)
}

// post sends the body; any 2xx is a delivery.
func (o *Outbox) post(ctx context.Context, r store.OutboxRow) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.url, bytes.NewReader([]byte(r.Payload)))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "motcua-webhook/1")
	req.Header.Set(SignatureHeader, Sign(o.secret, []byte(r.Payload)))
	req.Header.Set("X-Motcua-Event", r.Event)
	// The same id on every retry: the receiver can drop duplicates.
	req.Header.Set("X-Motcua-Delivery", strconv.FormatInt(r.ID, 10))
	resp, err := o.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	// Read what the receiver says (bounded) so the connection can be reused;
	// a body cut short does not change the verdict, the status does.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("receiver answered %s", resp.Status)
	}
	return resp.StatusCode, nil
}

// Deliveries lists the newest notifications and their attempts.
func (o *Outbox) Deliveries(ctx context.Context, limit int) ([]motcua.WebhookDelivery, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, attempts, err := o.store.Outbox.Deliveries(ctx, limit)
	if err != nil {
		return nil, err
	}
	out := make([]motcua.WebhookDelivery, len(rows))
	for i, r := range rows {
		d := motcua.WebhookDelivery{ID: r.ID, Event: r.Event, DossierCode: r.DossierCode, State: r.State,
			CreatedAt: r.CreatedAt.In(o.site.Location()), DeliveredAt: o.site.Local(r.DeliveredAt), Payload: r.Payload, Attempts: []motcua.WebhookAttempt{}}
		if r.DossierID != nil {
			d.DossierID = *r.DossierID
		}
		if r.State == motcua.DeliveryPending {
			d.NextAttemptAt = o.site.Local(r.NextAttemptAt)
		}
		for _, a := range attempts[r.ID] {
			a.At = a.At.In(o.site.Location())
			d.Attempts = append(d.Attempts, a)
		}
		out[i] = d
	}
	return out, nil
}

// Retry puts a failed notification back in the queue.
func (o *Outbox) Retry(ctx context.Context, id int64) error {
	err := o.w.Write(ctx, func(tx *store.Tx) error { return tx.Outbox.RetryDelivery(id, o.site.Clock.Now()) })
	if err == nil {
		o.nudge()
	}
	return err
}

// BookingPayload is the JSON body of an online booking's notice (event
// "appointment.booked" or "appointment.reminder"). It carries the phone: the
// gateway must know where to send the SMS or Zalo message. The phone leaves
// the hub only this way, and is erased from the outbox when the booking
// ends (EndBooking). Never the ID number.
type BookingPayload struct {
	Event      string    `json:"event"`
	Branch     string    `json:"branch"`
	Code       string    `json:"code"`
	Service    string    `json:"service"`
	Date       string    `json:"date"`
	SlotFrom   string    `json:"slot_from"`
	SlotTo     string    `json:"slot_to"`
	Phone      string    `json:"phone"`
	OccurredAt time.Time `json:"occurred_at"`
}

// QueueBooking writes a booking's notice to the outbox inside the booking's
// transaction, to leave at at (now, or before the slot for a reminder).
// Nothing is written when no webhook is configured.
func (o *Outbox) QueueBooking(tx *store.Tx, event string, a motcua.Appointment, serviceName string, now, at time.Time) error {
	if !o.Enabled() {
		return nil
	}
	body, err := json.Marshal(BookingPayload{Event: event, Branch: o.site.Branch().Code, Code: a.Code, Service: serviceName,
		Date: a.Day, SlotFrom: a.SlotFrom, SlotTo: a.SlotTo, Phone: a.Phone, OccurredAt: now.In(o.site.Location())})
	if err != nil {
		return err
	}
	_, err = tx.Outbox.InsertNotice(event, a.Code, string(body), now, at)
	return err
}

// EndBooking withdraws a booking's notices not yet sent and erases its
// phone from those sent, inside the transaction that ends the booking.
func (o *Outbox) EndBooking(tx *store.Tx, a motcua.Appointment) error {
	phone, err := json.Marshal(a.Phone)
	if err != nil {
		return err
	}
	return tx.Outbox.EndNotices(a.Code, string(phone))
}
