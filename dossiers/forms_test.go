package dossiers_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/dossiers"
	"github.com/motcua/motcua/hub"
	"github.com/motcua/motcua/store/storetest"
)

// fieldsOf returns the field errors of a validation error.
func fieldsOf(err error) map[string]string {
	var e *motcua.Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

func act(t *testing.T, e interface {
	Act(ctx context.Context, id int64, req motcua.DossierActionRequest, by motcua.User) (motcua.Dossier, error)
}, id int64, req motcua.DossierActionRequest, by motcua.User) motcua.Dossier {
	t.Helper()
	d, err := e.Act(context.Background(), id, req, by)
	if err != nil {
		t.Fatalf("%s: %v", req.Action, err)
	}
	return d
}

// A stop (Mẫu 05) ends the dossier with its reason: public on the phone, not
// overdue, counted apart in the on-time report; the hand-overs of the
// lifecycle and inside the agency are recorded with their timing (Mẫu 06) and
// reach the phone without any officer, and the report counts them.
func TestStopAndHandovers(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dsn func(testing.TB) string) {
		gateway := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		t.Cleanup(gateway.Close)
		e := openWith(t, dsn(t), weekdayMorning, func(c *hub.Config) {
			c.Webhook.URL, c.Webhook.Secret = gateway.URL, "gateway-shared-secret"
		})
		ctx := context.Background()
		rg := e.Hub.Dossiers
		d := e.Receive(t, "1.004873") // due Wed 2/12 17:00
		act(t, rg, d.ID, motcua.DossierActionRequest{Action: motcua.DossierTransfer}, e.Staff)
		if _, err := rg.RecordHandover(ctx, d.ID, motcua.HandoverRequest{To: "Phòng Tư pháp", DueAt: time.Date(2026, 12, 1, 17, 0, 0, 0, hanoi)}, e.Staff); err != nil {
			t.Fatal(err)
		}
		if _, err := rg.RecordHandover(ctx, d.ID, motcua.HandoverRequest{To: " "}, e.Staff); motcua.ErrorCode(err) != motcua.EValidation ||
			fieldsOf(err)["to"] == "" || fieldsOf(err)["due_at"] == "" {
			t.Errorf("hand-over without to and due_at: got %v, want a 422 naming both", err)
		}
		e.Clock.Set(time.Date(2026, 12, 3, 9, 0, 0, 0, hanoi)) // a day late
		if _, err := rg.Act(ctx, d.ID, motcua.DossierActionRequest{Action: motcua.DossierStop}, e.Staff); motcua.ErrorCode(err) != motcua.EValidation {
			t.Errorf("stop without a reason: got %v, want a 422", err)
		}
		for _, leak := range []string{"Bà " + applicant.Name + " rút hồ sơ", "Người có CCCD 001 190 012 345 rút hồ sơ", "Gọi 0912.345.678"} {
			if _, err := rg.Act(ctx, d.ID, motcua.DossierActionRequest{Action: motcua.DossierStop, Note: leak}, e.Staff); fieldsOf(err)["note"] == "" {
				t.Errorf("stop reason %q: got %v, want a 422 on note (it is public)", leak, err)
			}
		}
		if _, err := rg.RecordHandover(ctx, d.ID, motcua.HandoverRequest{To: "nguyen thi binh", DueAt: d.DueAt}, e.Staff); fieldsOf(err)["to"] == "" {
			t.Errorf("hand-over to the applicant by name: got %v, want a 422 on to", err)
		}
		got := act(t, rg, d.ID, motcua.DossierActionRequest{Action: motcua.DossierStop, Note: "Công dân rút hồ sơ"}, e.Staff)
		if got.Status != motcua.DossierStopped || got.Overdue || len(got.NextActions) != 0 {
			t.Errorf("stopped: got status %s overdue %v next %v", got.Status, got.Overdue, got.NextActions)
		}
		wantHandovers := []struct{ from, to, timing string }{
			{rg.OneStop(), "Ủy ban nhân dân cấp xã", motcua.TimingOnTime},
			{"Ủy ban nhân dân cấp xã", "Phòng Tư pháp", motcua.TimingEarly},
			{"Phòng Tư pháp", rg.OneStop(), motcua.TimingLate},
		}
		if len(got.Handovers) != len(wantHandovers) {
			t.Fatalf("hand-overs: got %+v, want %d", got.Handovers, len(wantHandovers))
		}
		for i, w := range wantHandovers {
			if h := got.Handovers[i]; h.From != w.from || h.To != w.to || h.Timing != w.timing {
				t.Errorf("hand-over %d: got %s → %s %s, want %s → %s %s", i, h.From, h.To, h.Timing, w.from, w.to, w.timing)
			}
		}

		deliveries, err := e.Hub.Notify.Deliveries(ctx, 500)
		if err != nil {
			t.Fatal(err)
		}
		var events []string
		for _, dl := range deliveries {
			events = append(events, dl.Event)
		}
		slices.Sort(events)
		if want := []string{"dossier.handover", "dossier.received", "dossier.stop", "dossier.transfer"}; !slices.Equal(events, want) {
			t.Errorf("webhook events: got %v, want %v", events, want)
		}
		pub := publicDossierEvents(t, e.Pub.All())
		last := pub[len(pub)-1]
		if last.Status != motcua.DossierStopped || last.StopReason != "Công dân rút hồ sơ" || len(last.Handovers) != 3 {
			t.Errorf("public dossier: got status %s reason %q hand-overs %d", last.Status, last.StopReason, len(last.Handovers))
		}
		for _, ev := range e.Pub.All() {
			if ev.Type == motcua.EventDossier && (strings.Contains(string(ev.Body), "admin") || strings.Contains(string(ev.Body), "Quản trị")) {
				t.Errorf("a public dossier event names the officer: %s", ev.Body)
			}
		}

		start, end, _ := rg.ReportRange("2026-11-27", "2026-11-27")
		rep, err := rg.OnTimeReport(ctx, start, end, dossiers.ByProcedure)
		if err != nil {
			t.Fatal(err)
		}
		tot := rep.Total
		if tot.Stopped != 1 || tot.Finished != 0 || tot.PendingOverdue != 0 || tot.PendingOnTime != 0 {
			t.Errorf("report: got stopped %d finished %d pending %d/%d, want 1 stopped only", tot.Stopped, tot.Finished, tot.PendingOnTime, tot.PendingOverdue)
		}
		if tot.Handovers != 3 || tot.HandoversEarly != 1 || tot.HandoversOnTime != 1 || tot.HandoversLate != 1 {
			t.Errorf("report hand-overs: got %d (%d/%d/%d), want 3 (1/1/1)", tot.Handovers, tot.HandoversEarly, tot.HandoversOnTime, tot.HandoversLate)
		}
		ledger, err := rg.Ledger(ctx, start, end, e.Staff, "test")
		if err != nil || len(ledger) != 1 || ledger[0].Status != motcua.DossierStopped || len(ledger[0].Handovers) != 3 {
			t.Errorf("ledger: got %+v, %v", ledger, err)
		}
	})
}

// A refusal at reception is Mẫu 03 and carries no letter; after the agency
// has the dossier it is the agency's letter, whose number and date are required.
func TestRefusalLetter(t *testing.T) {
	e := openWith(t, storetest.SQLiteDSN(t), weekdayMorning, nil)
	ctx := context.Background()
	rg := e.Hub.Dossiers
	atCounter := e.Receive(t, "1.004873")
	if _, err := rg.Act(ctx, atCounter.ID, motcua.DossierActionRequest{Action: motcua.DossierReject, Note: "Sai thẩm quyền",
		LetterNumber: "12/UBND"}, e.Staff); fieldsOf(err)["letter_number"] == "" {
		t.Errorf("letter at reception: got %v, want a 422 on letter_number", err)
	}
	act(t, rg, atCounter.ID, motcua.DossierActionRequest{Action: motcua.DossierReject, Note: "Sai thẩm quyền"}, e.Staff)

	later := e.Receive(t, "1.004873")
	act(t, rg, later.ID, motcua.DossierActionRequest{Action: motcua.DossierTransfer}, e.Staff)
	for _, tc := range []struct {
		number, date, field string
	}{
		{"", "2026-11-27", "letter_number"},
		{"123/UBND-TP", "", "letter_date"},
		{"123/UBND-TP", "27/11/2026", "letter_date"},
		{"123/UBND-TP", "2026-11-28", "letter_date"}, // tomorrow
		{"123/UBND-TP", "2026-11-26", "letter_date"}, // before the receipt
	} {
		_, err := rg.Act(ctx, later.ID, motcua.DossierActionRequest{Action: motcua.DossierReject, Note: "Không đủ điều kiện",
			LetterNumber: tc.number, LetterDate: tc.date}, e.Staff)
		if motcua.ErrorCode(err) != motcua.EValidation || fieldsOf(err)[tc.field] == "" {
			t.Errorf("letter %q of %q: got %v, want a 422 on %s", tc.number, tc.date, err, tc.field)
		}
	}
	d := act(t, rg, later.ID, motcua.DossierActionRequest{Action: motcua.DossierReject, Note: "Không đủ điều kiện",
		LetterNumber: "123/UBND-TP", LetterDate: "2026-11-27"}, e.Staff)
	s := d.Steps[len(d.Steps)-1]
	if d.Status != motcua.DossierRejected || s.LetterNumber != "123/UBND-TP" || s.LetterDate != "2026-11-27" {
		t.Errorf("refused by letter: got %s, step %+v", d.Status, s)
	}
}

// The receipt's documents say original or copy and how many; bad details are
// a 422 naming document_details. The dossier gets its place in the year's ledger.
func TestDocumentDetailsAndLedgerEntry(t *testing.T) {
	e := openWith(t, storetest.SQLiteDSN(t), weekdayMorning, nil)
	ctx := context.Background()
	p := e.Procedure(t, "1.001193")
	for _, bad := range [][]motcua.DocumentCopy{
		{{Name: "Giấy chứng sinh", Kind: "photo", Count: 1}},
		{{Name: "Giấy chứng sinh", Kind: motcua.DocCopy, Count: 0}},
		{{Name: "Sổ đỏ", Kind: motcua.DocCopy, Count: 1}},
	} {
		e.Issue(t, 1, false)
		tk := e.CallNext(t, 1)
		req := motcua.DossierRequest{ProcedureID: p.ID, Applicant: applicant, Documents: p.Documents, DocumentDetails: bad}
		if _, err := e.Hub.Dossiers.CreateDossier(ctx, tk.ID, req, e.Staff); fieldsOf(err)["document_details"] == "" {
			t.Errorf("details %+v: got %v, want a 422 on document_details", bad, err)
		}
	}
	e.Receive(t, "1.004873")
	e.Issue(t, 1, false)
	tk := e.CallNext(t, 1)
	d := e.CreateDossier(t, tk.ID, motcua.DossierRequest{ProcedureID: p.ID, Applicant: applicant, Documents: p.Documents,
		DocumentDetails: []motcua.DocumentCopy{{Name: "Giấy chứng sinh", Kind: motcua.DocOriginal, Count: 1},
			{Name: "Tờ khai đăng ký khai sinh (theo mẫu)", Kind: motcua.DocCopy, Count: 2}}})
	got, err := e.Hub.Dossiers.Dossier(ctx, d.ID, e.Staff, "receipt")
	if err != nil {
		t.Fatal(err)
	}
	// In the procedure's order, not the order sent.
	if len(got.DocumentDetails) != 2 || got.DocumentDetails[0].Name != "Tờ khai đăng ký khai sinh (theo mẫu)" || got.DocumentDetails[0].Count != 2 {
		t.Errorf("details: got %+v", got.DocumentDetails)
	}
	if got.LedgerBook != 2026 || got.LedgerEntry != 2 {
		t.Errorf("ledger entry: got book %d number %d, want 2026 and 2", got.LedgerBook, got.LedgerEntry)
	}
}

// The register of requests about personal data: the deadline is two working
// days (Decree 356/2025/NĐ-CP), the answer is recorded once, bad input names its field.
func TestPrivacyRegister(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dsn func(testing.TB) string) {
		e := openWith(t, dsn(t), weekdayMorning, nil) // Friday 27/11/2026
		ctx := context.Background()
		rg := e.Hub.Dossiers
		if _, err := rg.RecordPrivacyRequest(ctx, motcua.PrivacyRequestInput{Kind: "forget"}, e.Staff); motcua.ErrorCode(err) != motcua.EValidation ||
			fieldsOf(err)["kind"] == "" || fieldsOf(err)["requester"] == "" || fieldsOf(err)["contact"] == "" {
			t.Errorf("bad request: got %v", err)
		}
		p, err := rg.RecordPrivacyRequest(ctx, motcua.PrivacyRequestInput{Kind: motcua.PrivacyCorrect, Requester: "Nguyễn Thị Bình",
			Contact: "0912345678", Detail: "Sửa địa chỉ: số 7 phố Hàng Bạc"}, e.Staff)
		if err != nil {
			t.Fatal(err)
		}
		// Friday: Monday and Tuesday are the two working days.
		if want := time.Date(2026, 12, 1, 17, 0, 0, 0, hanoi); !p.DueAt.Equal(want) {
			t.Errorf("deadline: got %s, want %s", p.DueAt, want)
		}
		e.Clock.Set(time.Date(2026, 12, 2, 9, 0, 0, 0, hanoi))
		list, err := rg.PrivacyRequests(ctx)
		if err != nil || len(list) != 1 || !list[0].Overdue || list[0].AnsweredAt != nil {
			t.Errorf("register: got %+v, %v; want one open overdue request", list, err)
		}
		if _, err := rg.AnswerPrivacyRequest(ctx, p.ID, "maybe", "", e.Staff); fieldsOf(err)["outcome"] == "" || fieldsOf(err)["answer"] == "" {
			t.Errorf("bad answer: got %v", err)
		}
		a, err := rg.AnswerPrivacyRequest(ctx, p.ID, motcua.PrivacyDone, "Đã sửa địa chỉ trong hồ sơ.", e.Staff)
		if err != nil || a.AnsweredAt == nil || a.Outcome != motcua.PrivacyDone || a.AnsweredBy == nil {
			t.Errorf("answer: got %+v, %v", a, err)
		}
		if _, err := rg.AnswerPrivacyRequest(ctx, p.ID, motcua.PrivacyDone, "Lần nữa", e.Staff); motcua.ErrorCode(err) != motcua.EConflict {
			t.Errorf("second answer: got %v, want a conflict", err)
		}
		if _, err := rg.AnswerPrivacyRequest(ctx, 999, motcua.PrivacyDone, "?", e.Staff); motcua.ErrorCode(err) != motcua.ENotFound {
			t.Errorf("unknown request: got %v, want not found", err)
		}
	})
}

// The retention purge also empties the priority group (health-related) of
// the tickets past the retention, with or without a dossier.
func TestRetentionPurgesPriorityGroups(t *testing.T) {
	hall := dossierHall()
	hall.Privacy.DossierRetentionDays = 30
	e := newEnv(t, storetest.SQLiteDSN(t), hall)
	ctx := context.Background()
	tk, err := e.Hub.Queue.IssueTicket(ctx, motcua.IssueRequest{ServiceID: 1, Priority: true, PriorityGroup: "pregnant"})
	if err != nil {
		t.Fatal(err)
	}
	group := func() string {
		got, err := e.Store.Tickets.Ticket(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.PriorityGroup
	}
	e.Clock.Advance(29 * 24 * time.Hour)
	if _, err := e.Hub.Dossiers.ApplyRetention(ctx); err != nil || group() != "pregnant" {
		t.Errorf("after 29 days: got group %q, %v; want it kept", group(), err)
	}
	e.Clock.Advance(2 * 24 * time.Hour)
	if _, err := e.Hub.Dossiers.ApplyRetention(ctx); err != nil || group() != "" {
		t.Errorf("after 31 days: got group %q, %v; want it erased", group(), err)
	}
}
