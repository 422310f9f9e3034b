package dossiers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/store/storetest"
)

func errCode(err error) string { return motcua.ErrorCode(err) }

func fieldOf(err error, key string) string {
	if e, ok := err.(*motcua.Error); ok {
		return e.Fields[key]
	}
	return ""
}

// The apology rules: only for a dossier late or nearly late, the new date a
// working day after the current due date, once unless a second reason is
// given; the new date replaces the due date and the original is kept.
func TestApologyRules(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dsn func(testing.TB) string) {
		e := openWith(t, dsn(t), weekdayMorning, nil)
		ctx := context.Background()
		d := e.Receive(t, "1.004873") // Fri 27/11/2026, due Wed 2/12 17:00
		supervisor := motcua.User{ID: 1, Username: "admin", Role: motcua.RoleAdmin}
		issue := func(reason, date, second string) (motcua.Apology, error) {
			return e.Hub.Dossiers.IssueApology(ctx, d.ID, motcua.ApologyRequest{Reason: reason, NewDueAt: date, SecondReason: second}, supervisor)
		}

		// Monday: two working days left, neither late nor at risk.
		e.Clock.Set(time.Date(2026, 11, 30, 10, 0, 0, 0, hanoi))
		if _, err := issue("Cơ quan chuyên môn chưa có kết quả xác minh", "2026-12-07", ""); errCode(err) != motcua.EConflict {
			t.Fatalf("apology two days ahead: got %v, want a conflict", err)
		}
		// Tuesday: at risk, so a timely apology is allowed.
		e.Clock.Set(time.Date(2026, 12, 1, 10, 0, 0, 0, hanoi))
		for _, c := range []struct {
			reason, date, field, why string
		}{
			{"", "2026-12-07", "reason", "no reason"},
			{"Chưa có kết quả xác minh", "", "new_due_at", "no date"},
			{"Chưa có kết quả xác minh", "07/12/2026", "new_due_at", "date not YYYY-MM-DD"},
			{"Chưa có kết quả xác minh", "2026-12-05", "new_due_at", "a Saturday"},
			{"Chưa có kết quả xác minh", "2026-12-02", "new_due_at", "the current due date itself"},
			{"Chưa có kết quả xác minh", "2026-11-30", "new_due_at", "before the due date"},
			{"Chưa có kết quả xác minh", "2027-01-01", "new_due_at", "New Year's Day"},
			{"Chưa có kết quả xác minh", "2029-12-03", "new_due_at", "years ahead"},
		} {
			_, err := issue(c.reason, c.date, "")
			if errCode(err) != motcua.EValidation || fieldOf(err, c.field) == "" {
				t.Errorf("%s: got %v, want 422 on %s", c.why, err, c.field)
			}
		}
		if _, err := issue("x", "2027-01-01", ""); !strings.Contains(fieldOf(err, "new_due_at"), "Tết Dương lịch") {
			t.Errorf("a holiday: message %q should name it", fieldOf(err, "new_due_at"))
		}

		a, err := issue("Cơ quan chuyên môn chưa có kết quả xác minh", "2026-12-07", "")
		if err != nil {
			t.Fatalf("timely apology: %v", err)
		}
		wantDue := time.Date(2026, 12, 7, 17, 0, 0, 0, hanoi)
		if !a.NewDueAt.Equal(wantDue) || a.OriginalDueAt == nil || !a.OriginalDueAt.Equal(d.DueAt) || a.IssuedBy == nil || a.IssuedBy.Username != "admin" || a.ID == 0 {
			t.Errorf("apology: got %+v, want new %v original %v by admin", a, wantDue, d.DueAt)
		}
		if !strings.HasSuffix(a.LetterURL, "/letter") {
			t.Errorf("letter URL: got %q", a.LetterURL)
		}
		got := e.Dossier(t, d.ID)
		if !got.DueAt.Equal(wantDue) || got.Overdue || got.AtRisk || len(got.Apologies) != 1 {
			t.Errorf("dossier after the apology: due %v overdue %v at_risk %v apologies %d", got.DueAt, got.Overdue, got.AtRisk, len(got.Apologies))
		}
		pub := got.Public()
		if len(pub.Apologies) != 1 || pub.Apologies[0].IssuedBy != nil || pub.Apologies[0].ID != 0 || pub.Apologies[0].Reason != a.Reason {
			t.Errorf("public apology: got %+v, want reason and dates only", pub.Apologies)
		}

		// The new date passes too: a second apology needs its reason.
		e.Clock.Set(time.Date(2026, 12, 8, 9, 0, 0, 0, hanoi))
		_, err = issue("Vẫn chưa có kết quả", "2026-12-10", "")
		if errCode(err) != motcua.EConflict || !strings.Contains(motcua.ErrorMessage(err), "second_reason") {
			t.Fatalf("second apology without a reason: got %v, want a conflict naming second_reason", err)
		}
		// A date after today but not after the new due date is refused too.
		if _, err := issue("Vẫn chưa có kết quả", "2026-12-07", "Cơ quan giải quyết xin thêm thời gian"); errCode(err) != motcua.EValidation {
			t.Errorf("second apology on the current due date: got %v, want 422", err)
		}
		b, err := issue("Vẫn chưa có kết quả", "2026-12-10", "Cơ quan giải quyết xin thêm thời gian")
		if err != nil {
			t.Fatalf("second apology with its reason: %v", err)
		}
		// The original is the first promise, not the first extension.
		list, err := e.Hub.Dossiers.DossierApologies(ctx, d.ID)
		if err != nil || len(list) != 2 {
			t.Fatalf("apologies: got %d, %v", len(list), err)
		}
		if !list[1].OriginalDueAt.Equal(wantDue) || list[1].SecondReason != "Cơ quan giải quyết xin thêm thời gian" || b.ID != list[1].ID {
			t.Errorf("second apology: got %+v", list[1])
		}
		w, err := e.Hub.Dossiers.Watch(ctx, motcua.WatchFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(w.AtRisk) != 0 || len(w.Overdue) != 0 {
			t.Errorf("watch after the second apology (due 10/12, two days left): got %d at risk, %d overdue", len(w.AtRisk), len(w.Overdue))
		}

		// A finished dossier gets none.
		if _, err := e.Hub.Dossiers.ActOnDossier(ctx, d.ID, motcua.DossierMarkResultReady, "", e.Staff); err != nil {
			t.Fatal(err)
		}
		e.Clock.Set(time.Date(2026, 12, 11, 9, 0, 0, 0, hanoi))
		if _, err := issue("x", "2026-12-14", "y"); errCode(err) != motcua.EConflict {
			t.Errorf("apology for a finished dossier: got %v, want a conflict", err)
		}
		if _, err := e.Hub.Dossiers.IssueApology(ctx, 9999, motcua.ApologyRequest{Reason: "x", NewDueAt: "2026-12-14"}, supervisor); errCode(err) != motcua.ENotFound {
			t.Errorf("apology for an unknown dossier: got %v, want not found", err)
		}
	})
}

// The apology reaches the phones of every ticket linked to the dossier at
// once, with the public fields only.
func TestApologyEventReachesLinkedTickets(t *testing.T) {
	e := openWith(t, storetest.SQLiteDSN(t), weekdayMorning, nil)
	ctx := context.Background()
	d := e.Receive(t, "1.004873")
	e.Clock.Set(time.Date(2026, 12, 2, 8, 0, 0, 0, hanoi))
	e.Issue(t, 1, false)
	later := e.CallNext(t, 1)
	if _, err := e.Hub.Dossiers.LinkDossierVisit(ctx, d.ID, later.ID, e.Staff); err != nil {
		t.Fatal(err)
	}
	before := len(e.Pub.All())
	if _, err := e.Hub.Dossiers.IssueApology(ctx, d.ID, motcua.ApologyRequest{Reason: "Chờ ý kiến cơ quan phối hợp", NewDueAt: "2026-12-04"}, e.Staff); err != nil {
		t.Fatal(err)
	}
	tickets := map[int64]bool{}
	for _, ev := range e.Pub.All()[before:] {
		if ev.Type != motcua.EventDossier {
			continue
		}
		tickets[*ev.TicketID] = true
		body := string(ev.Body)
		for _, p := range append(personalData, "admin", "issued_by", "second_reason") {
			if strings.Contains(body, p) {
				t.Errorf("apology event carries %q: %s", p, body)
			}
		}
		if !strings.Contains(body, "Chờ ý kiến cơ quan phối hợp") || !strings.Contains(body, `"new_due_at":"2026-12-04T17:00:00+07:00"`) {
			t.Errorf("apology event: got %s", body)
		}
	}
	if !tickets[d.TicketID] || !tickets[later.ID] || len(tickets) != 2 {
		t.Errorf("apology events went to tickets %v, want %d and %d", tickets, d.TicketID, later.ID)
	}
}
