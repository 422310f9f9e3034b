package dossiers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/dossiers"
	"github.com/motcua/motcua/hub"
	"github.com/motcua/motcua/store/storetest"
)

func TestDossierCodesUniqueUnderConcurrentCreation(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dsn func(testing.TB) string) {
		db := dsn(t)
		e := newEnv(t, db, dossierHall())
		// A second hub on the same database: several hubs share one PostgreSQL registry.
		other, err := hub.New(context.Background(), hub.Config{Store: storetest.Open(t, db), Clock: e.Clock, Hall: dossierHall(), BcryptCost: 4})
		if err != nil {
			t.Fatalf("second hub: %v", err)
		}
		t.Cleanup(other.Close)
		e.Issue(t, 1, false)
		tk := e.CallNext(t, 1)
		proc := e.Procedure(t, "1.004873")

		const n = 40
		codes := make([]string, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				h := e.Hub
				if i%2 == 1 {
					h = other
				}
				d, err := h.Dossiers.CreateDossier(context.Background(), tk.ID, marriageRequest(proc.ID), e.Staff)
				codes[i], errs[i] = d.Code, err
			}(i)
		}
		wg.Wait()
		seen := map[string]bool{}
		for i, c := range codes {
			if errs[i] != nil {
				t.Fatalf("create %d: %v", i, errs[i])
			}
			if seen[c] {
				t.Errorf("code %s handed out twice", c)
			}
			seen[c] = true
		}
		for seq := 1; seq <= n; seq++ {
			want := fmt.Sprintf("000.00.01.H26-261127-%04d", seq)
			if !seen[want] {
				t.Errorf("code %s: missing; sequences must run 1..%d without gaps", want, n)
			}
		}
		// The next day starts again at 0001.
		e.Clock.Set(time.Date(2026, 11, 30, 8, 0, 0, 0, hanoi))
		e.Issue(t, 1, false)
		tk2 := e.CallNext(t, 1)
		d := e.CreateDossier(t, tk2.ID, marriageRequest(proc.ID))
		if d.Code != "000.00.01.H26-261130-0001" {
			t.Errorf("first code of Monday: got %s, want 000.00.01.H26-261130-0001", d.Code)
		}
	})
}

func TestCreateDossierFromTicket(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dsn func(testing.TB) string) {
		e := newEnv(t, dsn(t), dossierHall())
		e.Issue(t, 1, false)
		tk := e.CallNext(t, 1)
		proc := e.Procedure(t, "1.004873")
		req := marriageRequest(proc.ID)
		req.Applicant.IDNumber = "0011 9001 2345"
		req.Applicant.Phone = "+84 912 345 678"
		d := e.CreateDossier(t, tk.ID, req)

		if d.Status != motcua.DossierReceived || d.TicketID != tk.ID || d.ProcedureName != proc.Name || d.ProcessingDays != 3 {
			t.Errorf("dossier: got status %s ticket %d procedure %q days %d", d.Status, d.TicketID, d.ProcedureName, d.ProcessingDays)
		}
		// Friday 27/11/2026 09:00 + 3 working days, the Friday not counted: Wednesday 2/12 at close of reception.
		if want := time.Date(2026, 12, 2, 17, 0, 0, 0, hanoi); !d.DueAt.Equal(want) {
			t.Errorf("due_at: got %v, want %v", d.DueAt, want)
		}
		if d.Applicant.IDNumber != "001190012345" || d.Applicant.Phone != "0912345678" {
			t.Errorf("applicant numbers: got %q %q, want them normalised", d.Applicant.IDNumber, d.Applicant.Phone)
		}
		if d.Sets != 1 || d.Delivery != motcua.DeliveryCounter || d.ReceivedBy.Username != "admin" || d.TicketNumber != tk.Number {
			t.Errorf("defaults: got sets %d delivery %q by %q ticket %q", d.Sets, d.Delivery, d.ReceivedBy.Username, d.TicketNumber)
		}
		if d.Counter == nil || d.Counter.Number != 1 {
			t.Errorf("counter: got %+v, want counter 1", d.Counter)
		}
		// One ticket may create several dossiers.
		d2 := e.CreateDossier(t, tk.ID, req)
		if d2.Code == d.Code {
			t.Errorf("second dossier: got the same code %s", d2.Code)
		}
		pub, err := e.Hub.Dossiers.TicketDossiers(context.Background(), tk.ID)
		if err != nil || len(pub) != 2 {
			t.Fatalf("ticket dossiers: got %d, %v; want 2", len(pub), err)
		}
	})
}

func TestCreateDossierFieldErrors(t *testing.T) {
	e := newEnv(t, storetest.SQLiteDSN(t), dossierHall())
	e.Issue(t, 1, false)
	tk := e.CallNext(t, 1)
	birth := e.Procedure(t, "1.001193")
	marriage := e.Procedure(t, "1.004873")
	cases := []struct {
		name  string
		edit  func(r *motcua.DossierRequest)
		field string
	}{
		{"unknown procedure", func(r *motcua.DossierRequest) { r.ProcedureID = 999 }, "procedure_id"},
		{"no name", func(r *motcua.DossierRequest) { r.Applicant.Name = "  " }, "applicant.name"},
		{"ID of 9 digits", func(r *motcua.DossierRequest) { r.Applicant.IDNumber = "012345678" }, "applicant.id_number"},
		{"ID with a letter", func(r *motcua.DossierRequest) { r.Applicant.IDNumber = "00119001234X" }, "applicant.id_number"},
		{"no phone", func(r *motcua.DossierRequest) { r.Applicant.Phone = "" }, "applicant.phone"},
		{"short phone", func(r *motcua.DossierRequest) { r.Applicant.Phone = "091234" }, "applicant.phone"},
		{"phone with letters", func(r *motcua.DossierRequest) { r.Applicant.Phone = "09123abc78" }, "applicant.phone"},
		{"no address", func(r *motcua.DossierRequest) { r.Applicant.Address = "" }, "applicant.address"},
		{"bad email", func(r *motcua.DossierRequest) { r.Applicant.Email = "binh@" }, "applicant.email"},
		{"required document missing", func(r *motcua.DossierRequest) { r.Documents = nil }, "documents"},
		{"unknown document", func(r *motcua.DossierRequest) { r.Documents = append(r.Documents, "Sổ hộ khẩu") }, "documents"},
		{"birth without its certificate", func(r *motcua.DossierRequest) {
			r.ProcedureID = birth.ID
			r.Documents = []string{"Tờ khai đăng ký khai sinh (theo mẫu)"}
		}, "documents"},
		{"zero sets", func(r *motcua.DossierRequest) { r.Sets = -1 }, "sets"},
		{"too many sets", func(r *motcua.DossierRequest) { r.Sets = 51 }, "sets"},
		{"post without address", func(r *motcua.DossierRequest) { r.Delivery = "post" }, "delivery_address"},
		{"unknown delivery", func(r *motcua.DossierRequest) { r.Delivery = "drone" }, "delivery"},
		{"long note", func(r *motcua.DossierRequest) { r.Note = strings.Repeat("x", 1001) }, "note"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := marriageRequest(marriage.ID)
			c.edit(&req)
			_, err := e.Hub.Dossiers.CreateDossier(context.Background(), tk.ID, req, e.Staff)
			var me *motcua.Error
			if motcua.ErrorCode(err) != motcua.EValidation || !asError(err, &me) || me.Fields[c.field] == "" {
				t.Fatalf("got %v, want a validation error on %s", err, c.field)
			}
			if len(me.Fields) != 1 {
				t.Errorf("fields: got %v, want only %s", me.Fields, c.field)
			}
		})
	}
	// Nothing half-written: no dossier exists after all those refusals.
	list, err := e.Hub.Dossiers.Dossiers(context.Background(), motcua.DossierFilter{})
	if err != nil || len(list) != 0 {
		t.Errorf("dossiers after refusals: got %d, %v; want 0", len(list), err)
	}
	// An optional document may be left out, and post with an address is fine.
	req := marriageRequest(marriage.ID)
	req.Delivery, req.DeliveryAddress = "post", "Số 5 Hàng Bạc"
	if _, err := e.Hub.Dossiers.CreateDossier(context.Background(), tk.ID, req, e.Staff); err != nil {
		t.Errorf("valid request: %v", err)
	}
}

func asError(err error, target **motcua.Error) bool {
	e, ok := err.(*motcua.Error)
	if ok {
		*target = e
	}
	return ok
}

func TestCreateDossierNeedsAVisitAtTheCounter(t *testing.T) {
	e := newEnv(t, storetest.SQLiteDSN(t), dossierHall())
	proc := e.Procedure(t, "1.004873")
	waiting := e.Issue(t, 1, false)
	if _, err := e.Hub.Dossiers.CreateDossier(context.Background(), waiting.ID, marriageRequest(proc.ID), e.Staff); motcua.ErrorCode(err) != motcua.EConflict {
		t.Errorf("waiting ticket: got %v, want a conflict", err)
	}
	if _, err := e.Hub.Dossiers.CreateDossier(context.Background(), 999, marriageRequest(proc.ID), e.Staff); motcua.ErrorCode(err) != motcua.ENotFound {
		t.Errorf("unknown ticket: got %v, want not found", err)
	}
	tk := e.CallNext(t, 1)
	if _, err := e.Hub.Queue.Finish(context.Background(), tk.ID, e.Staff); err != nil {
		t.Fatal(err)
	}
	// Served earlier today: the officer finished first, then typed the dossier.
	if _, err := e.Hub.Dossiers.CreateDossier(context.Background(), tk.ID, marriageRequest(proc.ID), e.Staff); err != nil {
		t.Errorf("done today: %v", err)
	}
	e.Clock.Set(time.Date(2026, 11, 30, 8, 0, 0, 0, hanoi))
	if _, err := e.Hub.Dossiers.CreateDossier(context.Background(), tk.ID, marriageRequest(proc.ID), e.Staff); motcua.ErrorCode(err) != motcua.EConflict {
		t.Errorf("done on an earlier day: got %v, want a conflict", err)
	}
}

func TestDossierLifecycleRecordsWhoWhenWhy(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dsn func(testing.TB) string) {
		e := newEnv(t, dsn(t), dossierHall())
		ctx := context.Background()
		e.Issue(t, 1, false)
		tk := e.CallNext(t, 1)
		proc := e.Procedure(t, "1.004873")
		d := e.CreateDossier(t, tk.ID, marriageRequest(proc.ID))

		act := func(action motcua.DossierAction, note string) (motcua.Dossier, error) {
			return e.Hub.Dossiers.ActOnDossier(ctx, d.ID, action, note, e.Staff)
		}
		if _, err := act(motcua.DossierReturn, ""); motcua.ErrorCode(err) != motcua.EConflict {
			t.Errorf("return a received dossier: got %v, want a conflict", err)
		}
		if _, err := act("teleport", ""); motcua.ErrorCode(err) != motcua.EValidation {
			t.Errorf("unknown action: got %v, want a validation error", err)
		}
		if _, err := act(motcua.DossierRequestSupplement, " "); motcua.ErrorCode(err) != motcua.EValidation {
			t.Errorf("supplement without a note: got %v, want a validation error", err)
		}
		e.Clock.Advance(time.Hour)
		got, err := act(motcua.DossierTransfer, "Chuyển UBND phường")
		if err != nil || got.Status != motcua.DossierTransferred || got.TransferLate || got.TransferredAt == nil {
			t.Fatalf("transfer: got %s late=%v at=%v, %v", got.Status, got.TransferLate, got.TransferredAt, err)
		}
		if _, err := act(motcua.DossierStartProcessing, ""); err != nil {
			t.Fatal(err)
		}
		// Monday: the agency needs one more paper. The clock stops until it comes.
		e.Clock.Set(time.Date(2026, 11, 30, 10, 0, 0, 0, hanoi))
		got, err = act(motcua.DossierRequestSupplement, "Thiếu bản sao quyết định ly hôn")
		if err != nil || got.Status != motcua.DossierSupplementRequested {
			t.Fatalf("request supplement: got %s, %v", got.Status, err)
		}
		// It comes back after the original due date (Wed 2/12): the due date starts over.
		e.Clock.Set(time.Date(2026, 12, 3, 9, 0, 0, 0, hanoi))
		got, err = act(motcua.DossierSupplementReceived, "")
		if err != nil || got.Status != motcua.DossierReceived {
			t.Fatalf("supplement received: got %s, %v", got.Status, err)
		}
		if want := time.Date(2026, 12, 8, 17, 0, 0, 0, hanoi); !got.DueAt.Equal(want) {
			t.Errorf("due after supplement: got %v, want %v", got.DueAt, want)
		}
		if got.Overdue {
			t.Error("overdue after supplement: got true, want false")
		}
		for _, a := range []motcua.DossierAction{motcua.DossierTransfer, motcua.DossierMarkResultReady, motcua.DossierReturn} {
			if got, err = act(a, ""); err != nil {
				t.Fatalf("%s: %v", a, err)
			}
		}
		if got.Status != motcua.DossierReturned || got.ReturnedAt == nil || got.FinishedAt == nil || got.Overdue {
			t.Errorf("returned: got %s returned=%v finished=%v overdue=%v", got.Status, got.ReturnedAt, got.FinishedAt, got.Overdue)
		}
		if len(got.NextActions) != 0 {
			t.Errorf("next actions of a returned dossier: got %v, want none", got.NextActions)
		}
		var types []string
		for _, s := range got.Steps {
			types = append(types, s.Type)
			if s.By.Username != "admin" {
				t.Errorf("step %s by: got %q, want admin", s.Type, s.By.Username)
			}
		}
		want := "receive transfer start_processing request_supplement supplement_received transfer result_ready return"
		if strings.Join(types, " ") != want {
			t.Errorf("steps: got %q, want %q", strings.Join(types, " "), want)
		}
		if got.Steps[3].Note != "Thiếu bản sao quyết định ly hôn" || got.Steps[4].DueAt == nil {
			t.Errorf("supplement steps: got note %q due %v", got.Steps[3].Note, got.Steps[4].DueAt)
		}
	})
}

func TestDossierFlags(t *testing.T) {
	e := newEnv(t, storetest.SQLiteDSN(t), dossierHall())
	ctx := context.Background()
	e.Issue(t, 1, false)
	tk := e.CallNext(t, 1)
	proc := e.Procedure(t, "1.004873")
	late := e.CreateDossier(t, tk.ID, marriageRequest(proc.ID))
	onTime := e.CreateDossier(t, tk.ID, marriageRequest(proc.ID))
	if _, err := e.Hub.Dossiers.ActOnDossier(ctx, onTime.ID, motcua.DossierTransfer, "", e.Staff); err != nil {
		t.Fatal(err)
	}
	flagged := func(f motcua.DossierFilter) []string {
		t.Helper()
		list, err := e.Hub.Dossiers.Dossiers(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var codes []string
		for _, d := range list {
			codes = append(codes, d.Code)
		}
		return codes
	}
	if got := flagged(motcua.DossierFilter{TransferLate: true}); len(got) != 0 {
		t.Errorf("late transfers on the day of receipt: got %v, want none", got)
	}
	// Saturday morning: the first dossier was never passed on.
	e.Clock.Set(time.Date(2026, 11, 28, 8, 0, 0, 0, hanoi))
	if got := flagged(motcua.DossierFilter{TransferLate: true}); len(got) != 1 || got[0] != late.Code {
		t.Errorf("late transfers: got %v, want [%s]", got, late.Code)
	}
	d, _ := e.Hub.Dossiers.Dossier(ctx, late.ID, e.Staff, "view")
	if !d.TransferLate {
		t.Error("transfer_late of the forgotten dossier: got false, want true")
	}
	// Transferred late stays flagged.
	if d, _ = e.Hub.Dossiers.ActOnDossier(ctx, late.ID, motcua.DossierTransfer, "", e.Staff); !d.TransferLate {
		t.Error("transfer_late after a late transfer: got false, want true")
	}
	if got := flagged(motcua.DossierFilter{Overdue: true}); len(got) != 0 {
		t.Errorf("overdue before the due date: got %v", got)
	}
	// Thursday 3/12: both are past Wednesday's 17:00.
	e.Clock.Set(time.Date(2026, 12, 3, 8, 0, 0, 0, hanoi))
	if got := flagged(motcua.DossierFilter{Overdue: true}); len(got) != 2 {
		t.Errorf("overdue: got %v, want both", got)
	}
	if got := flagged(motcua.DossierFilter{Status: motcua.DossierTransferred, Code: "-0001"}); len(got) != 1 || got[0] != late.Code {
		t.Errorf("filter by status and code: got %v, want [%s]", got, late.Code)
	}
}

func TestDossierListsMaskAndViewsAreAudited(t *testing.T) {
	e := newEnv(t, storetest.SQLiteDSN(t), dossierHall())
	ctx := context.Background()
	e.Issue(t, 1, false)
	tk := e.CallNext(t, 1)
	d := e.CreateDossier(t, tk.ID, marriageRequest(e.Procedure(t, "1.004873").ID))
	list, err := e.Hub.Dossiers.Dossiers(ctx, motcua.DossierFilter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("list: got %d, %v", len(list), err)
	}
	a := list[0].Applicant
	if a.IDNumber != "********2345" || a.Phone != "*******678" || a.Address != "" || a.Email != "" {
		t.Errorf("listed applicant: got %+v, want masked numbers and no address or email", a)
	}
	if trail, _ := e.Hub.Dossiers.DossierAudit(ctx, d.ID); len(trail) != 0 {
		t.Errorf("audit after a list: got %d entries, want 0", len(trail))
	}
	full, err := e.Hub.Dossiers.Dossier(ctx, d.ID, e.Staff, "view")
	if err != nil || full.Applicant != applicant {
		t.Fatalf("full view: got %+v, %v", full.Applicant, err)
	}
	if _, err := e.Hub.Dossiers.Dossier(ctx, d.ID, e.Staff, "receipt"); err != nil {
		t.Fatal(err)
	}
	trail, err := e.Hub.Dossiers.DossierAudit(ctx, d.ID)
	if err != nil || len(trail) != 2 {
		t.Fatalf("audit: got %d entries, %v; want 2", len(trail), err)
	}
	if trail[0].Action != dossiers.AuditViewDossier || trail[1].Action != dossiers.AuditPrintDossier || trail[0].UserID == nil || *trail[0].UserID != e.Staff.ID {
		t.Errorf("audit entries: got %+v", trail)
	}
	if _, err := e.Hub.Dossiers.Dossier(ctx, 999, e.Staff, "view"); motcua.ErrorCode(err) != motcua.ENotFound {
		t.Errorf("unknown dossier: got %v, want not found", err)
	}
}

// Dossier events reach each linked ticket's phone and carry public fields only.
func TestDossierEventsArePublicAndPerTicket(t *testing.T) {
	e := newEnv(t, storetest.SQLiteDSN(t), dossierHall())
	ctx := context.Background()
	e.Issue(t, 1, false)
	first := e.CallNext(t, 1)
	d := e.CreateDossier(t, first.ID, marriageRequest(e.Procedure(t, "1.004873").ID))
	// Monday the citizen comes back with a new ticket to bring a paper.
	e.Clock.Set(time.Date(2026, 11, 30, 9, 0, 0, 0, hanoi))
	e.Issue(t, 1, false)
	second := e.CallNext(t, 1)
	linked, err := e.Hub.Dossiers.LinkDossierVisit(ctx, d.ID, second.ID, e.Staff)
	if err != nil || len(linked.TicketIDs) != 2 {
		t.Fatalf("link visit: got tickets %v, %v", linked.TicketIDs, err)
	}
	if _, err := e.Hub.Dossiers.LinkDossierVisit(ctx, d.ID, second.ID, e.Staff); err != nil {
		t.Errorf("linking twice: %v, want no error", err)
	}
	if _, err := e.Hub.Dossiers.ActOnDossier(ctx, d.ID, motcua.DossierTransfer, "Ghi chú nội bộ về "+applicant.Name, e.Staff); err != nil {
		t.Fatal(err)
	}
	perTicket := map[int64]int{}
	for _, ev := range e.Pub.All() {
		if ev.Type != motcua.EventDossier {
			continue
		}
		for _, p := range append(personalData, "Ghi chú nội bộ", "admin") {
			if strings.Contains(string(ev.Body), p) {
				t.Errorf("dossier event %s contains %q", ev.Body, p)
			}
		}
		var body struct {
			Dossier motcua.PublicDossier `json:"dossier"`
		}
		if err := json.Unmarshal(ev.Body, &body); err != nil || body.Dossier.Code != d.Code {
			t.Errorf("event body %s: code got %q, want %s (%v)", ev.Body, body.Dossier.Code, d.Code, err)
		}
		if ev.TicketID == nil {
			t.Errorf("dossier event without a ticket: %s", ev.Body)
			continue
		}
		perTicket[*ev.TicketID]++
	}
	// create → first; link → second; transfer → both.
	if perTicket[first.ID] != 2 || perTicket[second.ID] != 2 {
		t.Errorf("dossier events per ticket: got %v, want 2 for each of %d and %d", perTicket, first.ID, second.ID)
	}
	pub, err := e.Hub.Dossiers.TicketDossiers(ctx, second.ID)
	if err != nil || len(pub) != 1 || pub[0].Status != motcua.DossierTransferred || len(pub[0].History) != 2 {
		t.Errorf("second ticket's dossiers: got %+v, %v", pub, err)
	}
}

func TestPurgeDossierPersonalData(t *testing.T) {
	e := newEnv(t, storetest.SQLiteDSN(t), dossierHall())
	ctx := context.Background()
	e.Issue(t, 1, false)
	tk := e.CallNext(t, 1)
	proc := e.Procedure(t, "1.004873")
	done := e.CreateDossier(t, tk.ID, marriageRequest(proc.ID))
	open := e.CreateDossier(t, tk.ID, marriageRequest(proc.ID))
	for _, a := range []motcua.DossierAction{motcua.DossierTransfer, motcua.DossierMarkResultReady, motcua.DossierReturn} {
		if _, err := e.Hub.Dossiers.ActOnDossier(ctx, done.ID, a, "", e.Staff); err != nil {
			t.Fatal(err)
		}
	}
	const retention = 365 * 24 * time.Hour
	if n, err := e.Hub.Dossiers.PurgeDossierPersonalData(ctx, retention); err != nil || n != 0 {
		t.Errorf("purge right away: got %d, %v; want 0", n, err)
	}
	e.Clock.Advance(retention + time.Hour)
	if n, err := e.Hub.Dossiers.PurgeDossierPersonalData(ctx, retention); err != nil || n != 1 {
		t.Fatalf("purge a year later: got %d, %v; want 1", n, err)
	}
	got, _ := e.Hub.Dossiers.Dossier(ctx, done.ID, e.Staff, "view")
	if got.Applicant != (motcua.Applicant{}) || !got.Purged || got.Code != done.Code {
		t.Errorf("purged dossier: got applicant %+v purged=%v code %s", got.Applicant, got.Purged, got.Code)
	}
	still, _ := e.Hub.Dossiers.Dossier(ctx, open.ID, e.Staff, "view")
	if still.Applicant != applicant {
		t.Errorf("open dossier: got %+v, want it kept", still.Applicant)
	}
	trail, _ := e.Hub.Dossiers.DossierAudit(ctx, done.ID)
	if len(trail) == 0 || trail[0].Action != dossiers.AuditPurgeDossier {
		t.Errorf("audit of the purge: got %+v", trail)
	}
}

func TestProcedureSearchIgnoresDiacritics(t *testing.T) {
	e := newEnv(t, storetest.SQLiteDSN(t), dossierHall())
	for _, q := range []string{"khai sinh", "KHAI SINH", "khai sính", "Đăng ký khai", "dang ky khai", "1.001193"} {
		ps, err := e.Hub.Dossiers.Procedures(context.Background(), q)
		if err != nil || len(ps) != 1 || ps[0].Code != "1.001193" {
			t.Errorf("search %q: got %d results, %v; want the birth registration", q, len(ps), err)
		}
	}
	if ps, _ := e.Hub.Dossiers.Procedures(context.Background(), "ho tich"); len(ps) != 2 {
		t.Errorf("search by field: got %d, want 2", len(ps))
	}
	if ps, _ := e.Hub.Dossiers.Procedures(context.Background(), "xay dung giay phep"); len(ps) != 1 {
		t.Errorf("words in any order: got %d, want 1", len(ps))
	}
	if got := dossiers.Fold("Đường Nguyễn Trãi"); got != "duong nguyen trai" {
		t.Errorf("Fold: got %q", got)
	}
	// Decomposed text (a base letter and combining marks) folds the same.
	if got := dossiers.Fold("Nguye\u0302\u0303n"); got != "nguyen" {
		t.Errorf("Fold of decomposed text: got %q", got)
	}
}

func TestRetentionSettingErasesPersonalData(t *testing.T) {
	hall := dossierHall()
	hall.Privacy.DossierRetentionDays = 30
	e := newEnv(t, storetest.SQLiteDSN(t), hall)
	ctx := context.Background()
	e.Issue(t, 1, false)
	tk := e.CallNext(t, 1)
	d := e.CreateDossier(t, tk.ID, marriageRequest(e.Procedure(t, "1.004873").ID))
	for _, a := range []motcua.DossierAction{motcua.DossierTransfer, motcua.DossierMarkResultReady, motcua.DossierReturn} {
		if _, err := e.Hub.Dossiers.ActOnDossier(ctx, d.ID, a, "", e.Staff); err != nil {
			t.Fatal(err)
		}
	}
	e.Clock.Advance(29 * 24 * time.Hour)
	if n, err := e.Hub.Dossiers.ApplyRetention(ctx); err != nil || n != 0 {
		t.Errorf("after 29 days: got %d erased, %v; want 0", n, err)
	}
	e.Clock.Advance(2 * 24 * time.Hour)
	if n, err := e.Hub.Dossiers.ApplyRetention(ctx); err != nil || n != 1 {
		t.Fatalf("after 31 days: got %d erased, %v; want 1", n, err)
	}
	got, _ := e.Hub.Dossiers.Dossier(ctx, d.ID, e.Staff, "view")
	if got.Applicant != (motcua.Applicant{}) {
		t.Errorf("after the retention: got applicant %+v, want it erased", got.Applicant)
	}

	keep := newEnv(t, storetest.SQLiteDSN(t), dossierHall()) // no retention configured
	if n, err := keep.Hub.Dossiers.ApplyRetention(ctx); err != nil || n != 0 {
		t.Errorf("without a retention setting: got %d, %v; want nothing erased", n, err)
	}
}

// The purge erases what a passport holder or an organisation's submitter
// gave too (issue 17): nationality, enterprise code and name.
func TestPurgeErasesEveryKindOfApplicant(t *testing.T) {
	e := newEnv(t, storetest.SQLiteDSN(t), dossierHall())
	ctx := context.Background()
	e.Issue(t, 1, false)
	tk := e.CallNext(t, 1)
	proc := e.Procedure(t, "1.004873")
	var ids []int64
	for _, a := range []motcua.Applicant{
		{Kind: motcua.ApplicantPassport, Name: "KIM MIN-JUN", IDNumber: "M12345678", Nationality: "KOR", Phone: "0912345000", Address: "Hà Nội"},
		{Kind: motcua.ApplicantOrganisation, Name: "Phạm Thu Hà", IDNumber: "001190054321", OrgCode: "0101248141",
			OrgName: "Công ty Cổ phần Ánh Dương", Phone: "0912345001", Address: "Hà Nội"},
	} {
		req := marriageRequest(proc.ID)
		req.Applicant = a
		d := e.CreateDossier(t, tk.ID, req)
		for _, act := range []motcua.DossierAction{motcua.DossierTransfer, motcua.DossierMarkResultReady, motcua.DossierReturn} {
			if _, err := e.Hub.Dossiers.ActOnDossier(ctx, d.ID, act, "", e.Staff); err != nil {
				t.Fatal(err)
			}
		}
		ids = append(ids, d.ID)
	}
	e.Clock.Advance(31 * 24 * time.Hour)
	if n, err := e.Hub.Dossiers.PurgeDossierPersonalData(ctx, 30*24*time.Hour); err != nil || n != 2 {
		t.Fatalf("purge: got %d, %v; want 2", n, err)
	}
	for _, id := range ids {
		row, err := e.Store.Dossiers.Dossier(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if row.ApplicantName != "" || row.ApplicantIDNumber != "" || row.Nationality != "" || row.OrgCode != "" || row.OrgName != "" {
			t.Errorf("dossier %d after the purge: got %+v, want the applicant erased", id, row)
		}
	}
}
