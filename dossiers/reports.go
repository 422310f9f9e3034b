package dossiers

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/store"
)

// AuditExportLedger is the audit action of exporting the dossier ledger,
// which carries applicants' names, addresses and phones.
const AuditExportLedger = "export_ledger"

// Report groupings.
const (
	ByProcedure = "procedure"
	ByAgency    = "agency"
	ByOfficer   = "officer"
)

// maxReportDays bounds a report's range.
const maxReportDays = 366

// ReportRange turns "YYYY-MM-DD" dates (both included, branch-local) into
// [start, end) instants, with field errors a person can act on.
func (rg *Registry) ReportRange(from, to string) (time.Time, time.Time, error) {
	fields := map[string]string{}
	parse := func(key, s string) time.Time {
		t, err := time.ParseInLocation(time.DateOnly, s, rg.site.Location())
		if err != nil {
			fields[key] = "Cần ngày dạng YYYY-MM-DD. / Expected a date YYYY-MM-DD."
		}
		return t
	}
	start, last := parse("from", from), parse("to", to)
	if len(fields) == 0 {
		switch {
		case last.Before(start):
			fields["to"] = "Ngày kết thúc trước ngày bắt đầu. / The end is before the start."
		case last.Sub(start) > maxReportDays*24*time.Hour:
			fields["to"] = fmt.Sprintf("Tối đa %d ngày. / At most %d days.", maxReportDays, maxReportDays)
		}
	}
	if len(fields) > 0 {
		return time.Time{}, time.Time{}, &motcua.Error{Code: motcua.EInvalid,
			Message: "Khoảng thời gian không hợp lệ. / The date range is not valid.", Fields: fields}
	}
	return start, last.AddDate(0, 0, 1), nil
}

// OnTimeReport gives the on-time figures of the dossiers received in
// [start, end), grouped by procedure, agency or officer (who received it).
// Lateness is counted in working days against the first promise: the due
// date before any apology (an extension apologises for lateness, it does not
// erase it). A dossier awaiting the citizen's papers is pending, on time.
func (rg *Registry) OnTimeReport(ctx context.Context, start, end time.Time, by string) (motcua.OnTimeReport, error) {
	if by == "" {
		by = ByProcedure
	}
	if by != ByProcedure && by != ByAgency && by != ByOfficer {
		return motcua.OnTimeReport{}, &motcua.Error{Code: motcua.EInvalid, Message: "by phải là procedure, agency hoặc officer. / by must be procedure, agency or officer.",
			Fields: map[string]string{"by": "procedure | agency | officer"}}
	}
	now := rg.site.Now()
	rep := motcua.OnTimeReport{From: start.In(rg.site.Location()).Format(time.DateOnly), To: end.In(rg.site.Location()).AddDate(0, 0, -1).Format(time.DateOnly),
		By: by, Now: now, Rows: []motcua.OnTimeRow{}}
	rows, err := rg.store.Dossiers.DossiersReceivedBetween(ctx, start, end)
	if err != nil {
		return rep, err
	}
	ds, err := rg.complete(ctx, rows, false, false, now)
	if err != nil {
		return rep, err
	}
	ids := make([]int64, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	aps, err := rg.store.Dossiers.Apologies(ctx, ids)
	if err != nil {
		return rep, err
	}
	groups := map[string]*motcua.OnTimeRow{}
	lateSum := map[string]int{}
	lateN := map[string]int{}
	total := &motcua.OnTimeRow{Key: "total", Name: "Tổng cộng"}
	for _, d := range ds {
		key, name := rg.reportKey(d, by)
		g, ok := groups[key]
		if !ok {
			g = &motcua.OnTimeRow{Key: key, Name: name}
			groups[key] = g
		}
		promise := d.DueAt
		if list := aps[d.ID]; len(list) > 0 && list[0].OriginalDueAt != nil {
			promise = list[0].OriginalDueAt.In(rg.site.Location())
		}
		late, lateDays := false, 0
		for _, row := range []*motcua.OnTimeRow{g, total} {
			row.Received++
			row.Apologies += len(aps[d.ID])
			if len(aps[d.ID]) > 0 {
				row.ApologizedDossiers++
			}
		}
		for _, h := range d.Handovers {
			for _, row := range []*motcua.OnTimeRow{g, total} {
				row.Handovers++
				switch h.Timing {
				case motcua.TimingEarly:
					row.HandoversEarly++
				case motcua.TimingOnTime:
					row.HandoversOnTime++
				default:
					row.HandoversLate++
				}
			}
		}
		switch {
		case d.Status == motcua.DossierStopped:
			g.Stopped++
			total.Stopped++
		case d.FinishedAt != nil:
			late = d.FinishedAt.After(promise)
			if late {
				lateDays = rg.site.Calendar().WorkingDaysBetween(promise, *d.FinishedAt)
			}
			for _, row := range []*motcua.OnTimeRow{g, total} {
				row.Finished++
				if late {
					row.FinishedLate++
				} else {
					row.FinishedOnTime++
					if rg.site.Day(*d.FinishedAt) < rg.site.Day(promise) {
						row.FinishedEarly++
					} else {
						row.FinishedOnDue++
					}
				}
			}
		case d.Status != motcua.DossierSupplementRequested && now.After(promise):
			late, lateDays = true, rg.site.Calendar().WorkingDaysBetween(promise, now)
			g.PendingOverdue++
			total.PendingOverdue++
		default:
			g.PendingOnTime++
			total.PendingOnTime++
		}
		if late {
			for _, k := range []string{key, "total"} {
				lateSum[k] += lateDays
				lateN[k]++
			}
			for _, row := range []*motcua.OnTimeRow{g, total} {
				if row.WorstLateCode == "" || lateDays > row.WorstLateDays {
					row.WorstLateDays, row.WorstLateCode = lateDays, d.Code
				}
			}
		}
	}
	finish := func(row *motcua.OnTimeRow, key string) {
		if row.Finished > 0 {
			rate := float64(row.FinishedOnTime) / float64(row.Finished)
			row.OnTimeRate = &rate
		}
		if lateN[key] > 0 {
			row.AvgLateDays = float64(lateSum[key]) / float64(lateN[key])
		}
	}
	for key, g := range groups {
		finish(g, key)
		rep.Rows = append(rep.Rows, *g)
	}
	finish(total, "total")
	rep.Total = *total
	// The worst first: lowest on-time rate, then most overdue, then by name.
	sort.Slice(rep.Rows, func(i, j int) bool {
		a, b := rep.Rows[i], rep.Rows[j]
		ra, rb := rateOr(a.OnTimeRate), rateOr(b.OnTimeRate)
		if ra != rb {
			return ra < rb
		}
		if a.PendingOverdue != b.PendingOverdue {
			return a.PendingOverdue > b.PendingOverdue
		}
		return a.Name < b.Name
	})
	return rep, nil
}

func rateOr(r *float64) float64 {
	if r == nil {
		return 2 // nothing finished: after every real rate
	}
	return *r
}

func (rg *Registry) reportKey(d motcua.Dossier, by string) (key, name string) {
	switch by {
	case ByAgency:
		return d.Agency, d.Agency
	case ByOfficer:
		name = d.ReceivedBy.FullName
		if name == "" {
			name = d.ReceivedBy.Username
		}
		return strconv.FormatInt(d.ReceivedBy.ID, 10), name
	}
	return d.ProcedureCode, d.ProcedureName
}

// Ledger is the dossier ledger (Mẫu 07, "Sổ theo dõi hồ sơ") of the dossiers
// received in [start, end): whole dossiers, applicants included, oldest
// first, with their apologies. The ledger is an internal staff document; its
// export is written to the audit table (export_ledger) before it is read.
func (rg *Registry) Ledger(ctx context.Context, start, end time.Time, by motcua.User, format string) ([]motcua.Dossier, error) {
	rows, err := rg.store.Dossiers.DossiersReceivedBetween(ctx, start, end)
	if err != nil {
		return nil, err
	}
	reason := fmt.Sprintf("%s..%s %s, %d dossiers", start.In(rg.site.Location()).Format(time.DateOnly),
		end.In(rg.site.Location()).AddDate(0, 0, -1).Format(time.DateOnly), format, len(rows))
	if err := rg.w.Write(ctx, func(tx *store.Tx) error {
		return tx.Tickets.Audit(rg.site.Now(), by.ID, AuditExportLedger, nil, nil, reason)
	}); err != nil {
		return nil, err
	}
	now := rg.site.Now()
	// With the steps: the ledger notes a stop's reason and a refusal's letter.
	ds, err := rg.complete(ctx, rows, true, true, now)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	aps, err := rg.store.Dossiers.Apologies(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range ds {
		ds[i].Apologies, ds[i].OriginalDueAt = rg.apologies(aps[ds[i].ID])
	}
	return ds, nil
}

// LedgerExports lists who exported the ledger, newest first.
func (rg *Registry) LedgerExports(ctx context.Context, limit int) ([]store.AuditEntry, error) {
	return rg.store.Tickets.AuditTrail(ctx, AuditExportLedger, limit)
}
