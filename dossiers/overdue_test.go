package dossiers_test

import (
	"context"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/hub"
	"github.com/motcua/motcua/store/storetest"
)

// A dossier received on Tuesday 28/4/2026 with 3 working days is due on
// Tuesday 5/5: Thursday 30/4 and Friday 1/5 are public holidays and the
// weekend follows. It becomes at risk on Monday 4/5 (one working day left),
// not before, and overdue after the close of reception on 5/5.
func TestAtRiskAndOverdueAcrossHolidaysAndWeekend(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dsn func(testing.TB) string) {
		e := openWith(t, dsn(t), time.Date(2026, 4, 28, 9, 0, 0, 0, hanoi), nil)
		d := e.Receive(t, "1.004873")
		if want := time.Date(2026, 5, 5, 17, 0, 0, 0, hanoi); !d.DueAt.Equal(want) {
			t.Fatalf("due_at: got %v, want %v", d.DueAt, want)
		}
		steps := []struct {
			at              time.Time
			atRisk, overdue bool
			announced       int
			why             string
		}{
			{time.Date(2026, 4, 29, 16, 0, 0, 0, hanoi), false, false, 0, "Wednesday: two working days left (4/5, 5/5)"},
			{time.Date(2026, 4, 30, 10, 0, 0, 0, hanoi), false, false, 0, "30/4 holiday: still two working days"},
			{time.Date(2026, 5, 1, 10, 0, 0, 0, hanoi), false, false, 0, "1/5 holiday: still two"},
			{time.Date(2026, 5, 3, 20, 0, 0, 0, hanoi), false, false, 0, "Sunday evening: still two"},
			{time.Date(2026, 5, 4, 7, 0, 0, 0, hanoi), true, false, 1, "Monday 07:00: one working day left"},
			{time.Date(2026, 5, 4, 13, 0, 0, 0, hanoi), true, false, 0, "Monday 13:00: already announced"},
			{time.Date(2026, 5, 5, 16, 59, 0, 0, hanoi), true, false, 0, "due day, before the close"},
			{time.Date(2026, 5, 5, 17, 1, 0, 0, hanoi), false, true, 1, "after the close of reception on the due day"},
			{time.Date(2026, 5, 6, 9, 0, 0, 0, hanoi), false, true, 0, "next day: already announced"},
		}
		for _, s := range steps {
			before := len(e.Pub.All())
			e.Clock.Set(s.at)
			n, err := e.Hub.Dossiers.CheckOverdue(context.Background())
			if err != nil {
				t.Fatalf("%s: check: %v", s.why, err)
			}
			if n != s.announced {
				t.Errorf("%s: check announced %d crossings, want %d", s.why, n, s.announced)
			}
			got := e.Dossier(t, d.ID)
			if got.AtRisk != s.atRisk || got.Overdue != s.overdue {
				t.Errorf("%s: got at_risk=%v overdue=%v, want %v %v", s.why, got.AtRisk, got.Overdue, s.atRisk, s.overdue)
			}
			pubs := publicDossierEvents(t, e.Pub.All()[before:])
			if len(pubs) != s.announced {
				t.Errorf("%s: got %d dossier events, want %d", s.why, len(pubs), s.announced)
			}
			for _, p := range pubs {
				if p.AtRisk != s.atRisk || p.Overdue != s.overdue || p.Code != d.Code {
					t.Errorf("%s: event dossier %s at_risk=%v overdue=%v, want %s %v %v", s.why, p.Code, p.AtRisk, p.Overdue, d.Code, s.atRisk, s.overdue)
				}
			}
		}
	})
}

// Friday 27/11/2026: a 3-day dossier is due Wednesday 2/12. With a two-day
// window it is at risk from Monday 30/11 (the weekend does not count).
func TestAtRiskWindowIsConfigurable(t *testing.T) {
	e := openWith(t, storetest.SQLiteDSN(t), weekdayMorning, func(c *hub.Config) { c.AtRiskDays = 2 })
	d := e.Receive(t, "1.004873")
	for _, s := range []struct {
		at     time.Time
		atRisk bool
	}{
		{time.Date(2026, 11, 28, 10, 0, 0, 0, hanoi), false}, // Saturday: Mon, Tue, Wed left
		{time.Date(2026, 11, 30, 8, 0, 0, 0, hanoi), true},   // Monday: Tue, Wed left
	} {
		e.Clock.Set(s.at)
		if got := e.Dossier(t, d.ID).AtRisk; got != s.atRisk {
			t.Errorf("%v: at_risk got %v, want %v", s.at, got, s.atRisk)
		}
	}
	if got := e.Hub.Dossiers.AtRiskDays(); got != 2 {
		t.Errorf("AtRiskDays: got %d, want 2", got)
	}
}

// The clock stops while the citizen completes the dossier, and a result ends
// it; a standing alert is cleared without a new announcement.
func TestAlertsClearOnSupplementAndResult(t *testing.T) {
	e := openWith(t, storetest.SQLiteDSN(t), weekdayMorning, nil)
	a := e.Receive(t, "1.004873")
	b := e.Receive(t, "1.004873")
	e.Clock.Set(time.Date(2026, 12, 3, 9, 0, 0, 0, hanoi)) // a day after the due date
	if n, err := e.Hub.Dossiers.CheckOverdue(context.Background()); err != nil || n != 2 {
		t.Fatalf("check: got %d, %v; want 2 crossings", n, err)
	}
	if _, err := e.Hub.Dossiers.ActOnDossier(context.Background(), a.ID, motcua.DossierRequestSupplement, "Thiếu bản sao giấy khai sinh", e.Staff); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Hub.Dossiers.ActOnDossier(context.Background(), b.ID, motcua.DossierMarkResultReady, "", e.Staff); err != nil {
		t.Fatal(err)
	}
	if got := e.Dossier(t, a.ID); got.Overdue || got.AtRisk {
		t.Errorf("supplement requested: got overdue=%v at_risk=%v, want neither", got.Overdue, got.AtRisk)
	}
	// Finished late: it stays overdue in the record, but is no longer watched.
	if got := e.Dossier(t, b.ID); !got.Overdue || got.AtRisk {
		t.Errorf("result ready late: got overdue=%v at_risk=%v, want overdue only", got.Overdue, got.AtRisk)
	}
	if n, err := e.Hub.Dossiers.CheckOverdue(context.Background()); err != nil || n != 0 {
		t.Errorf("check after the moves: got %d, %v; want 0", n, err)
	}
	w, err := e.Hub.Dossiers.Watch(context.Background(), motcua.WatchFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Overdue)+len(w.AtRisk) != 0 {
		t.Errorf("watch: got %d overdue, %d at risk; want none", len(w.Overdue), len(w.AtRisk))
	}
	// The papers come back on Thursday 3/12: a new 3-day count, due Tuesday 8/12.
	if _, err := e.Hub.Dossiers.ActOnDossier(context.Background(), a.ID, motcua.DossierSupplementReceived, "", e.Staff); err != nil {
		t.Fatal(err)
	}
	if got := e.Dossier(t, a.ID); got.Overdue || got.AtRisk || !got.DueAt.Equal(time.Date(2026, 12, 8, 17, 0, 0, 0, hanoi)) {
		t.Errorf("supplement received: got overdue=%v at_risk=%v due %v", got.Overdue, got.AtRisk, got.DueAt)
	}
}

// The supervisor's lists: most late first, with where each is stuck, the
// receiving officer and filters; dossiers still at the counter after their
// day of receipt are listed too.
func TestWatchListsAndFilters(t *testing.T) {
	e := openWith(t, storetest.SQLiteDSN(t), weekdayMorning, nil)
	old := e.Receive(t, "1.004873") // Fri 27/11, due Wed 2/12
	if _, err := e.Hub.Dossiers.ActOnDossier(context.Background(), old.ID, motcua.DossierTransfer, "", e.Staff); err != nil {
		t.Fatal(err)
	}
	e.Clock.Set(time.Date(2026, 11, 30, 9, 0, 0, 0, hanoi))
	newer := e.Receive(t, "1.004873")                       // Mon 30/11, due Thu 3/12, never transferred
	build := e.Receive(t, "1.013225")                       // 15 days: far from due
	e.Clock.Set(time.Date(2026, 12, 4, 10, 0, 0, 0, hanoi)) // Friday: both marriage dossiers late

	w, err := e.Hub.Dossiers.Watch(context.Background(), motcua.WatchFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Overdue) != 2 || w.Overdue[0].ID != old.ID || w.Overdue[1].ID != newer.ID {
		t.Fatalf("overdue: got %v, want [%d %d] (most late first)", ids(w.Overdue), old.ID, newer.ID)
	}
	first := w.Overdue[0]
	if first.LateDays != 2 || first.Status != motcua.DossierTransferred || first.ReceivedBy.Username != "admin" || first.Field != "Hộ tịch" {
		t.Errorf("first overdue: got late %d status %s by %q field %q", first.LateDays, first.Status, first.ReceivedBy.Username, first.Field)
	}
	if want := weekdayMorning; !first.StatusSince.Equal(want) {
		t.Errorf("status_since: got %v, want %v (the transfer)", first.StatusSince, want)
	}
	if first.Applicant.IDNumber != "********2345" {
		t.Errorf("applicant in the list: got %q, want masked", first.Applicant.IDNumber)
	}
	// Both Monday dossiers are still at the counter; the transferred one is not listed.
	if len(w.TransferLate) != 2 || w.TransferLate[0].ID != newer.ID || w.TransferLate[1].ID != build.ID {
		t.Errorf("transfer late: got %v, want [%d %d]", ids(w.TransferLate), newer.ID, build.ID)
	}
	if w.Counts.Overdue != 2 || w.Counts.OverdueNoApology != 2 || w.Counts.TransferLate != 2 || w.Counts.OpenDossiers != 3 {
		t.Errorf("counts: got %+v", w.Counts)
	}
	if want := time.Date(2026, 12, 8, 17, 0, 0, 0, hanoi); !first.SuggestedDueAt.Equal(want) {
		t.Errorf("suggested new date: got %v, want %v (two working days after today)", first.SuggestedDueAt, want)
	}
	for _, c := range []struct {
		f                     motcua.WatchFilter
		overdue, transferLate int
	}{
		{motcua.WatchFilter{Field: "Xây dựng"}, 0, 1},
		{motcua.WatchFilter{Field: "Hộ tịch"}, 2, 1},
		{motcua.WatchFilter{Agency: "Ủy ban nhân dân cấp xã"}, 2, 2},
		{motcua.WatchFilter{Agency: "Sở Xây dựng"}, 0, 0},
		{motcua.WatchFilter{ProcedureID: build.ProcedureID}, 0, 1},
		{motcua.WatchFilter{ProcedureID: old.ProcedureID}, 2, 1},
	} {
		w, err := e.Hub.Dossiers.Watch(context.Background(), c.f)
		if err != nil {
			t.Fatal(err)
		}
		if len(w.Overdue) != c.overdue || len(w.TransferLate) != c.transferLate {
			t.Errorf("filter %+v: got %d overdue, %d transfer late; want %d, %d", c.f, len(w.Overdue), len(w.TransferLate), c.overdue, c.transferLate)
		}
	}
}

func ids(list []motcua.WatchedDossier) []int64 {
	out := []int64{}
	for _, d := range list {
		out = append(out, d.ID)
	}
	return out
}

func TestAtRiskWindowFromTheHallDescription(t *testing.T) {
	e := openWith(t, storetest.SQLiteDSN(t), weekdayMorning, func(c *hub.Config) { c.Hall.Dossiers.AtRiskDays = 3 })
	if got := e.Hub.Dossiers.AtRiskDays(); got != 3 {
		t.Errorf("AtRiskDays from dossiers.at_risk_days: got %d, want 3", got)
	}
}
