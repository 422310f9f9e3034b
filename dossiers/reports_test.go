package dossiers_test

import (
	"context"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/dossiers"
	"github.com/motcua/motcua/store/storetest"
)

// On-time figures count lateness in working days against the first promise:
// an apology extends the date but does not make a late dossier on time.
func TestOnTimeReport(t *testing.T) {
	e := openWith(t, storetest.SQLiteDSN(t), weekdayMorning, nil)
	ctx := context.Background()
	onTime := e.Receive(t, "1.004873")     // due Wed 2/12
	apologized := e.Receive(t, "1.004873") // extended to Fri 4/12, done then
	pending := e.Receive(t, "1.004873")    // never done
	building := e.Receive(t, "1.013225")   // 15 days: not due yet

	e.Clock.Set(time.Date(2026, 12, 1, 10, 0, 0, 0, hanoi))
	if _, err := e.Hub.Dossiers.ActOnDossier(ctx, onTime.ID, motcua.DossierMarkResultReady, "", e.Staff); err != nil {
		t.Fatal(err)
	}
	e.Clock.Set(time.Date(2026, 12, 2, 10, 0, 0, 0, hanoi))
	if _, err := e.Hub.Dossiers.IssueApology(ctx, apologized.ID, motcua.ApologyRequest{Reason: "Chờ xác minh", NewDueAt: "2026-12-04"}, e.Staff); err != nil {
		t.Fatal(err)
	}
	e.Clock.Set(time.Date(2026, 12, 4, 10, 0, 0, 0, hanoi))
	if _, err := e.Hub.Dossiers.ActOnDossier(ctx, apologized.ID, motcua.DossierMarkResultReady, "", e.Staff); err != nil {
		t.Fatal(err)
	}
	e.Clock.Set(time.Date(2026, 12, 8, 10, 0, 0, 0, hanoi))

	start, end, err := e.Hub.Dossiers.ReportRange("2026-11-27", "2026-11-27")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := e.Hub.Dossiers.OnTimeReport(ctx, start, end, dossiers.ByProcedure)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) != 2 {
		t.Fatalf("rows: got %d, want 2 procedures", len(rep.Rows))
	}
	m := rep.Rows[0] // the worst rate first
	if m.Key != "1.004873" || m.Received != 3 || m.Finished != 2 || m.FinishedOnTime != 1 || m.FinishedLate != 1 ||
		m.PendingOverdue != 1 || m.Apologies != 1 || m.ApologizedDossiers != 1 {
		t.Errorf("marriage row: got %+v", m)
	}
	// Done on Tue 1/12, due Wed 2/12: early; the other late (issue 15).
	if m.FinishedEarly != 1 || m.FinishedOnDue != 0 {
		t.Errorf("early/on due: got %d/%d, want 1/0", m.FinishedEarly, m.FinishedOnDue)
	}
	if m.OnTimeRate == nil || *m.OnTimeRate != 0.5 {
		t.Errorf("on-time rate: got %v, want 0.5", m.OnTimeRate)
	}
	// Late by 2 working days (2/12 → 4/12) and 4 (2/12 → 8/12: 3, 4, 7, 8).
	if m.AvgLateDays != 3 || m.WorstLateDays != 4 || m.WorstLateCode != pending.Code {
		t.Errorf("lateness: got avg %v worst %d (%s), want 3, 4 (%s)", m.AvgLateDays, m.WorstLateDays, m.WorstLateCode, pending.Code)
	}
	b := rep.Rows[1]
	if b.Key != building.ProcedureCode || b.Received != 1 || b.OnTimeRate != nil || b.PendingOnTime != 1 {
		t.Errorf("building row: got %+v", b)
	}
	if rep.Total.Received != 4 || rep.Total.Finished != 2 || rep.Total.WorstLateDays != 4 {
		t.Errorf("total: got %+v", rep.Total)
	}
	for by, want := range map[string]string{dossiers.ByAgency: "Ủy ban nhân dân cấp xã", dossiers.ByOfficer: "Quản trị viên"} {
		rep, err := e.Hub.Dossiers.OnTimeReport(ctx, start, end, by)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Rows) != 1 || rep.Rows[0].Name != want || rep.Rows[0].Received != 4 {
			t.Errorf("by %s: got %+v, want one row %q with 4", by, rep.Rows, want)
		}
	}
	if _, err := e.Hub.Dossiers.OnTimeReport(ctx, start, end, "counter"); motcua.ErrorCode(err) != motcua.EInvalid {
		t.Errorf("by counter: got %v, want invalid", err)
	}
	for _, r := range [][2]string{{"2026-11-30", "2026-11-27"}, {"27/11/2026", "2026-11-30"}, {"2025-01-01", "2026-11-30"}} {
		if _, _, err := e.Hub.Dossiers.ReportRange(r[0], r[1]); motcua.ErrorCode(err) != motcua.EInvalid {
			t.Errorf("range %v: got %v, want invalid", r, err)
		}
	}

	// The ledger holds the applicants whole, and its export is audited.
	ds, err := e.Hub.Dossiers.Ledger(ctx, start, end, e.Staff, "csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 4 || ds[0].Applicant.IDNumber != applicant.IDNumber || ds[1].OriginalDueAt == nil {
		t.Errorf("ledger: got %d dossiers, first applicant %q, second original due %v", len(ds), ds[0].Applicant.IDNumber, ds[1].OriginalDueAt)
	}
	audit, err := e.Hub.Dossiers.LedgerExports(ctx, 10)
	if err != nil || len(audit) != 1 || audit[0].Reason != "2026-11-27..2026-11-27 csv, 4 dossiers" {
		t.Errorf("ledger export audit: got %+v, %v", audit, err)
	}
}
