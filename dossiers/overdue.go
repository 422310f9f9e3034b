package dossiers

import (
	"context"
	"sort"
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

// AtRiskDays is the at-risk window: a dossier due within this many working
// days is at risk.
func (rg *Registry) AtRiskDays() int { return int(rg.atRiskDays.Load()) }

// alertOf says whether a dossier in status, due at due, is overdue, at risk or
// neither at now. Only dossiers whose result is awaited and whose clock runs
// can be either: a supplement request stops the clock, a result ends it.
func (rg *Registry) alertOf(status motcua.DossierStatus, due, now time.Time) string {
	switch status {
	case motcua.DossierReceived, motcua.DossierTransferred, motcua.DossierProcessing:
	default:
		return alertNone
	}
	if now.After(due) {
		return alertOverdue
	}
	if rg.site.Calendar().WorkingDaysBetween(now, due) <= rg.AtRiskDays() {
		return alertAtRisk
	}
	return alertNone
}

// alertHorizon is a time after which no due date can be at risk at now.
func (rg *Registry) alertHorizon(now time.Time) time.Time {
	return rg.site.Calendar().NextWorkingDay(rg.site.Calendar().AddWorkingDays(now, rg.AtRiskDays()))
}

// CheckOverdue finds the dossiers that crossed into at-risk or overdue since
// the last check and announces each once: a "dossier" event to the phones of
// its tickets (the flags are in the public dossier) and a webhook
// notification. Alerts that no longer hold (result ready, new date, papers
// awaited) are cleared silently. It returns how many crossings it announced.
// The hub runs it every minute; tests call it after moving the clock.
func (rg *Registry) CheckOverdue(ctx context.Context) (int, error) {
	var n int
	err := rg.w.Write(ctx, func(tx *store.Tx) error {
		n = 0
		now := rg.site.Now()
		rows, err := tx.Dossiers.AlertCandidates(rg.alertHorizon(now))
		if err != nil {
			return err
		}
		for _, r := range rows {
			state := rg.alertOf(motcua.DossierStatus(r.Status), r.DueAt, now)
			if state == r.AlertState {
				continue
			}
			if err := tx.Dossiers.SetAlertState(r.ID, state); err != nil {
				return err
			}
			if state == alertNone {
				continue
			}
			if err := rg.announceDossier(tx, r.ID, now, "dossier."+state); err != nil {
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
func (rg *Registry) announceDossier(tx *store.Tx, id int64, now time.Time, event string) error {
	d, err := rg.appendDossierEvents(tx, id, now, nil)
	if err != nil {
		return err
	}
	return rg.notify.Queue(tx, event, d, now)
}

// afterDossierChange runs inside every dossier change (from dossierEvents):
// the alert flags of the event just published are fresh, so it records them
// as announced, and it queues the webhook notification of the change. A later
// visit joining the dossier (onlyTicket) is not news for the citizen.
func (rg *Registry) afterDossierChange(tx *store.Tx, d motcua.Dossier, now time.Time, onlyTicket *int64) error {
	state, err := tx.Dossiers.AlertState(d.ID)
	if err != nil {
		return err
	}
	if fresh := rg.alertOf(d.Status, d.DueAt, now); fresh != state {
		if err := tx.Dossiers.SetAlertState(d.ID, fresh); err != nil {
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
	return rg.notify.Queue(tx, event, d, now)
}

// Watch is the supervisor's view: overdue dossiers (most late first), those
// at risk (nearest due first) and those not passed to the agency by the end
// of their day of receipt, narrowed by f, with the counts.
func (rg *Registry) Watch(ctx context.Context, f motcua.WatchFilter) (motcua.Watch, error) {
	now := rg.site.Now()
	w := motcua.Watch{Now: now, AtRiskDays: rg.AtRiskDays(),
		Overdue: []motcua.WatchedDossier{}, AtRisk: []motcua.WatchedDossier{}, TransferLate: []motcua.WatchedDossier{}}
	rows, err := rg.store.Dossiers.WatchRows(ctx, rg.alertHorizon(now), now)
	if err != nil {
		return w, err
	}
	procs, err := rg.procedureMap(ctx)
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
	ds, err := rg.complete(ctx, kept, false, false, now)
	if err != nil {
		return w, err
	}
	ids := make([]int64, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	since, err := rg.store.Dossiers.StatusSince(ctx, ids)
	if err != nil {
		return w, err
	}
	aps, err := rg.store.Dossiers.Apologies(ctx, ids)
	if err != nil {
		return w, err
	}
	for _, d := range ds {
		d.Apologies, d.OriginalDueAt = rg.apologies(aps[d.ID])
		item := motcua.WatchedDossier{Dossier: d, Field: procs[d.ProcedureID].Field, StatusSince: d.ReceivedAt,
			SuggestedDueAt: rg.suggestedDueAt(d.DueAt, now)}
		if t, ok := since[d.ID]; ok {
			item.StatusSince = t.In(rg.site.Location())
		}
		switch {
		case d.Overdue:
			item.LateDays = rg.site.Calendar().WorkingDaysBetween(d.DueAt, now)
			w.Overdue = append(w.Overdue, item)
			if len(d.Apologies) == 0 {
				w.Counts.OverdueNoApology++
			}
		case d.AtRisk:
			item.DaysLeft = rg.site.Calendar().WorkingDaysBetween(now, d.DueAt)
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

	if w.Counts.OpenDossiers, err = rg.store.Dossiers.OpenDossierCount(ctx); err != nil {
		return w, err
	}
	y, m, day := now.Date()
	if w.Counts.ApologiesToday, err = rg.store.Dossiers.ApologiesSince(ctx, time.Date(y, m, day, 0, 0, 0, 0, rg.site.Location())); err != nil {
		return w, err
	}
	counts, err := rg.store.Outbox.DeliveryCounts(ctx)
	if err != nil {
		return w, err
	}
	w.Counts.PendingDeliveries, w.Counts.FailedDeliveries = counts[motcua.DeliveryPending], counts[motcua.DeliveryFailed]
	return w, nil
}

// apologies turns stored apologies into the staff view and finds the due
// date the first one replaced.
func (rg *Registry) apologies(rows []store.ApologyRow) ([]motcua.Apology, *time.Time) {
	out := make([]motcua.Apology, 0, len(rows))
	var original *time.Time
	for _, r := range rows {
		a := rg.apology(r)
		if original == nil {
			original = a.OriginalDueAt
		}
		out = append(out, a)
	}
	return out, original
}

func (rg *Registry) apology(r store.ApologyRow) motcua.Apology {
	return motcua.Apology{ID: r.ID, DossierID: r.DossierID, Reason: r.Reason, SecondReason: r.SecondReason,
		NewDueAt: r.NewDueAt.In(rg.site.Location()), IssuedAt: r.IssuedAt.In(rg.site.Location()), OriginalDueAt: rg.site.Local(r.OriginalDueAt),
		IssuedBy:  &motcua.UserRef{ID: r.UserID, Username: r.Username, FullName: r.FullName},
		LetterURL: letterURL(r.DossierID, r.ID)}
}

// suggestedDueAt proposes the new date of an apology: two working days
// after the later of today and the current due date, at the close of
// reception, which leaves the agency time to finish.
func (rg *Registry) suggestedDueAt(due, now time.Time) time.Time {
	base := due
	if now.After(base) {
		base = now
	}
	return rg.site.Calendar().DueAt(rg.site.Calendar().AddWorkingDays(base, 2), 0)
}
