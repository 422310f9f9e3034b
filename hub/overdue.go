package hub

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/store"
)

// Alerts the hub announces when a dossier crosses into them.
const (
	alertNone    = ""
	alertAtRisk  = "at_risk"
	alertOverdue = "overdue"
)

// DefaultOverdueCheckEvery is how often the hub looks for dossiers that
// crossed into at-risk or overdue. The check is one indexed query; a minute
// keeps the supervisor's lists and the citizens' phones close to the truth at
// the close of reception, when due dates fall.
const DefaultOverdueCheckEvery = time.Minute

// background holds the hub's work outside the writer: the overdue check and
// the webhook deliveries. Both stop before the writer does (see Close).
type background struct {
	atRiskDays int
	checkEvery time.Duration
	webhook    webhookConfig

	stop      chan struct{} // closed by stopBackground
	stopOnce  sync.Once
	wg        sync.WaitGroup
	wake      chan struct{} // nudges the webhook worker after a commit
	deliverMu sync.Mutex    // one delivery run at a time
}

// configureBackground reads the at-risk window and the webhook settings.
// It runs before the writer starts: it may wrap the publisher.
func (h *Hub) configureBackground(ctx context.Context, cfg Config) error {
	b := &h.bg
	b.stop = make(chan struct{})
	b.wake = make(chan struct{}, 1)
	b.checkEvery = cfg.OverdueCheckEvery
	if b.checkEvery == 0 {
		b.checkEvery = DefaultOverdueCheckEvery
	}
	// The window comes from the hub's configuration, else from the
	// "at_risk_days" setting (kept with the hall's settings), else 1.
	b.atRiskDays = cfg.AtRiskDays
	if b.atRiskDays <= 0 {
		var days int
		if err := h.store.Setting(ctx, "at_risk_days", &days); err != nil {
			return err
		}
		b.atRiskDays = days
	}
	if b.atRiskDays <= 0 {
		b.atRiskDays = motcua.DefaultAtRiskDays
	}
	b.webhook = newWebhookConfig(cfg)
	if b.webhook.enabled() {
		h.pub = nudgingPublisher{next: h.pub, wake: b.wake}
	}
	return nil
}

// startBackground starts the overdue check and the webhook worker; they
// end when Close calls stopBackground.
func (h *Hub) startBackground() {
	if h.bg.checkEvery > 0 {
		h.bg.wg.Add(1)
		go h.overdueLoop()
	}
	if h.bg.webhook.enabled() {
		h.bg.wg.Add(1)
		go h.webhookLoop()
	}
}

// stopBackground stops the background work and waits for it, while the
// writer still runs, so their last writes are answered.
func (h *Hub) stopBackground() {
	h.bg.stopOnce.Do(func() { close(h.bg.stop) })
	h.bg.wg.Wait()
}

// backgroundContext is cancelled when the background work must stop.
func (h *Hub) backgroundContext() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-h.bg.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

func (h *Hub) overdueLoop() {
	defer h.bg.wg.Done()
	ctx, cancel := h.backgroundContext()
	defer cancel()
	tick := time.NewTicker(h.bg.checkEvery)
	defer tick.Stop()
	retainedOn := "" // the branch-local day retention last ran
	for {
		if _, err := h.CheckOverdue(ctx); err != nil && ctx.Err() == nil {
			h.log.Error("overdue check", "err", err)
		}
		if today := h.day(h.clock.Now()); today != retainedOn {
			if n, err := h.ApplyRetention(ctx); err != nil && ctx.Err() == nil {
				h.log.Error("personal data retention", "err", err)
			} else if n > 0 {
				h.log.Info("personal data erased after the retention period", "dossiers", n)
			}
			retainedOn = today
		}
		select {
		case <-tick.C:
		case <-h.bg.stop:
			return
		}
	}
}

// AtRiskDays is the at-risk window: a dossier due within this many working
// days is at risk.
func (h *Hub) AtRiskDays() int { return h.bg.atRiskDays }

// alertOf says whether a dossier in status, due at due, is overdue, at risk or
// neither at now. Only dossiers whose result is awaited and whose clock runs
// can be either: a supplement request stops the clock, a result ends it.
func (h *Hub) alertOf(status motcua.DossierStatus, due, now time.Time) string {
	switch status {
	case motcua.DossierReceived, motcua.DossierTransferred, motcua.DossierProcessing:
	default:
		return alertNone
	}
	if now.After(due) {
		return alertOverdue
	}
	if h.cal.WorkingDaysBetween(now, due) <= h.bg.atRiskDays {
		return alertAtRisk
	}
	return alertNone
}

// alertHorizon is a time after which no due date can be at risk at now.
func (h *Hub) alertHorizon(now time.Time) time.Time {
	return h.cal.NextWorkingDay(h.cal.AddWorkingDays(now, h.bg.atRiskDays))
}

// CheckOverdue finds the dossiers that crossed into at-risk or overdue since
// the last check and announces each once: a "dossier" event to the phones of
// its tickets (the flags are in the public dossier) and a webhook
// notification. Alerts that no longer hold (result ready, new date, papers
// awaited) are cleared silently. It returns how many crossings it announced.
// The hub runs it every minute; tests call it after moving the clock.
func (h *Hub) CheckOverdue(ctx context.Context) (int, error) {
	var n int
	err := h.write(ctx, func(tx *store.Tx) error {
		n = 0
		now := h.Now()
		rows, err := tx.AlertCandidates(h.alertHorizon(now))
		if err != nil {
			return err
		}
		for _, r := range rows {
			state := h.alertOf(motcua.DossierStatus(r.Status), r.DueAt, now)
			if state == r.AlertState {
				continue
			}
			if err := tx.SetAlertState(r.ID, state); err != nil {
				return err
			}
			if state == alertNone {
				continue
			}
			if err := h.announceDossier(tx, r.ID, now, "dossier."+state); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// announceDossier appends the public "dossier" event for every ticket linked
// to the dossier and queues the webhook notification named event.
func (h *Hub) announceDossier(tx *store.Tx, id int64, now time.Time, event string) error {
	d, err := h.appendDossierEvents(tx, id, now, nil)
	if err != nil {
		return err
	}
	return h.queueWebhook(tx, event, d, now)
}

// afterDossierChange runs inside every dossier change (from dossierEvents):
// the alert flags of the event just published are fresh, so it records them
// as announced, and it queues the webhook notification of the change. A later
// visit joining the dossier (onlyTicket) is not news for the citizen.
func (h *Hub) afterDossierChange(tx *store.Tx, d motcua.Dossier, now time.Time, onlyTicket *int64) error {
	state, err := tx.AlertState(d.ID)
	if err != nil {
		return err
	}
	if fresh := h.alertOf(d.Status, d.DueAt, now); fresh != state {
		if err := tx.SetAlertState(d.ID, fresh); err != nil {
			return err
		}
	}
	if onlyTicket != nil {
		return nil
	}
	event := "dossier.updated"
	if n := len(d.Steps); n > 0 {
		switch t := d.Steps[n-1].Type; t {
		case "receive":
			event = "dossier.received"
		case "visit":
			return nil
		default:
			event = "dossier." + t
		}
	}
	return h.queueWebhook(tx, event, d, now)
}

// Watch is the supervisor's view: overdue dossiers (most late first), those
// at risk (nearest due first) and those not passed to the agency by the end
// of their day of receipt, narrowed by f, with the counts.
func (h *Hub) Watch(ctx context.Context, f motcua.WatchFilter) (motcua.Watch, error) {
	now := h.Now()
	w := motcua.Watch{Now: now, AtRiskDays: h.bg.atRiskDays,
		Overdue: []motcua.WatchedDossier{}, AtRisk: []motcua.WatchedDossier{}, TransferLate: []motcua.WatchedDossier{}}
	rows, err := h.store.WatchRows(ctx, h.alertHorizon(now), now)
	if err != nil {
		return w, err
	}
	procs, err := h.procedureMap(ctx)
	if err != nil {
		return w, err
	}
	kept := rows[:0]
	for _, r := range rows {
		p := procs[r.ProcedureID]
		if (f.ProcedureID != 0 && r.ProcedureID != f.ProcedureID) || (f.Agency != "" && p.Agency != f.Agency) ||
			(f.Field != "" && p.Field != f.Field) {
			continue
		}
		kept = append(kept, r)
	}
	ds, err := h.complete(ctx, kept, false, false, now)
	if err != nil {
		return w, err
	}
	ids := make([]int64, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	since, err := h.store.StatusSince(ctx, ids)
	if err != nil {
		return w, err
	}
	aps, err := h.store.Apologies(ctx, ids)
	if err != nil {
		return w, err
	}
	for _, d := range ds {
		d.Apologies, d.OriginalDueAt = h.apologies(aps[d.ID])
		item := motcua.WatchedDossier{Dossier: d, Field: procs[d.ProcedureID].Field, StatusSince: d.ReceivedAt,
			SuggestedDueAt: h.suggestedDueAt(d.DueAt, now)}
		if t, ok := since[d.ID]; ok {
			item.StatusSince = t.In(h.loc)
		}
		switch {
		case d.Overdue:
			item.LateDays = h.cal.WorkingDaysBetween(d.DueAt, now)
			w.Overdue = append(w.Overdue, item)
			if len(d.Apologies) == 0 {
				w.Counts.OverdueNoApology++
			}
		case d.AtRisk:
			item.DaysLeft = h.cal.WorkingDaysBetween(now, d.DueAt)
			w.AtRisk = append(w.AtRisk, item)
		}
		if d.TransferLate && d.Status == motcua.DossierReceived {
			w.TransferLate = append(w.TransferLate, item)
		}
	}
	byDue := func(list []motcua.WatchedDossier) {
		sort.SliceStable(list, func(i, j int) bool { return list[i].DueAt.Before(list[j].DueAt) })
	}
	byDue(w.Overdue)
	byDue(w.AtRisk)
	sort.SliceStable(w.TransferLate, func(i, j int) bool { return w.TransferLate[i].TransferDueAt.Before(w.TransferLate[j].TransferDueAt) })
	w.Counts.Overdue, w.Counts.AtRisk, w.Counts.TransferLate = len(w.Overdue), len(w.AtRisk), len(w.TransferLate)

	if w.Counts.OpenDossiers, err = h.store.OpenDossierCount(ctx); err != nil {
		return w, err
	}
	y, m, day := now.Date()
	if w.Counts.ApologiesToday, err = h.store.ApologiesSince(ctx, time.Date(y, m, day, 0, 0, 0, 0, h.loc)); err != nil {
		return w, err
	}
	counts, err := h.store.DeliveryCounts(ctx)
	if err != nil {
		return w, err
	}
	w.Counts.PendingDeliveries, w.Counts.FailedDeliveries = counts[motcua.DeliveryPending], counts[motcua.DeliveryFailed]
	return w, nil
}

// apologies turns stored apologies into the staff view and finds the due
// date the first one replaced.
func (h *Hub) apologies(rows []store.ApologyRow) ([]motcua.Apology, *time.Time) {
	out := make([]motcua.Apology, 0, len(rows))
	var original *time.Time
	for _, r := range rows {
		a := h.apology(r)
		if original == nil {
			original = a.OriginalDueAt
		}
		out = append(out, a)
	}
	return out, original
}

func (h *Hub) apology(r store.ApologyRow) motcua.Apology {
	return motcua.Apology{ID: r.ID, DossierID: r.DossierID, Reason: r.Reason, SecondReason: r.SecondReason,
		NewDueAt: r.NewDueAt.In(h.loc), IssuedAt: r.IssuedAt.In(h.loc), OriginalDueAt: h.localPtr(r.OriginalDueAt),
		IssuedBy:  &motcua.UserRef{ID: r.UserID, Username: r.Username, FullName: r.FullName},
		LetterURL: letterURL(r.DossierID, r.ID)}
}

// suggestedDueAt proposes the new date of an apology: two working days
// after the later of today and the current due date, at the close of
// reception, which leaves the agency time to finish.
func (h *Hub) suggestedDueAt(due, now time.Time) time.Time {
	base := due
	if now.After(base) {
		base = now
	}
	return h.cal.DueAt(h.cal.AddWorkingDays(base, 2), 0)
}
