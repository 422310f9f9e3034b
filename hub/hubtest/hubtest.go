// Package hubtest starts a whole hub (writer, queue, dossier registry,
// auth, outbox) on a real database with a manual clock, for the tests of the
// queue, dossiers and notify packages.
package hubtest

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/hall"
	"github.com/motcua/motcua/hub"
	"github.com/motcua/motcua/store"
	"github.com/motcua/motcua/store/storetest"
)

// Env is a hub on a real database with a manual clock and a recorder of
// the published events.
type Env struct {
	Hub   *hub.Hub
	Clock *motcua.ManualClock
	Store *store.Store
	Pub   *Recorder
	DSN   string
	Staff motcua.User
}

// TestHall is a small hall: three services, four counters with overlapping
// services, so every service is served by at least two counters.
func TestHall(policy motcua.QueuePolicy) motcua.Hall {
	return motcua.Hall{
		Branch: motcua.Branch{Code: "CN01", Name: "Chi nhánh thử", CenterName: "Trung tâm thử", UnitCode: "000.00.01.H26", TimeZone: "Asia/Ho_Chi_Minh"},
		Policy: policy,
		Services: []motcua.ServiceSpec{
			{Code: "TP", Name: "Tư pháp – Hộ tịch", Prefix: "1", Digits: 3},
			{Code: "DD", Name: "Đất đai", Prefix: "2", Digits: 3},
			{Code: "KD", Name: "Đăng ký kinh doanh", Prefix: "3", Digits: 3},
		},
		Counters: []motcua.CounterSpec{
			{Number: 1, Name: "Quầy 1", Services: []string{"TP", "DD"}},
			{Number: 2, Name: "Quầy 2", Services: []string{"DD", "KD"}},
			{Number: 3, Name: "Quầy 3", Services: []string{"KD", "TP"}},
			{Number: 4, Name: "Quầy 4", Services: []string{"TP", "DD", "KD"}},
		},
	}
}

// Recorder collects published events.
type Recorder struct {
	mu     sync.Mutex
	events []motcua.Event
	// published waits until the writer has published what it committed
	// (it publishes from a goroutine of its own); set by Env.Open.
	published func()
}

func (r *Recorder) Publish(ev motcua.Event) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
}

// All returns the events published so far, once every event committed
// before the call has been published.
func (r *Recorder) All() []motcua.Event {
	r.mu.Lock()
	wait := r.published
	r.mu.Unlock()
	if wait != nil {
		wait()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]motcua.Event(nil), r.events...)
}

// Hanoi is the branch time zone of the test halls.
var Hanoi, _ = time.LoadLocation("Asia/Ho_Chi_Minh")

// WeekdayMorning is Friday 27/11/2026 09:00 in Hà Nội.
var WeekdayMorning = time.Date(2026, 11, 27, 9, 0, 0, 0, Hanoi)

// New starts a hub at WeekdayMorning on dsn, loading hall into it.
func New(t testing.TB, dsn string, hall motcua.Hall) *Env {
	t.Helper()
	e := &Env{Clock: motcua.NewManualClock(WeekdayMorning), Pub: &Recorder{}, DSN: dsn}
	e.Open(t, hall)
	return e
}

// Open (re)starts the hub on the Env's database and closes it at cleanup.
func (e *Env) Open(t testing.TB, hall motcua.Hall) {
	t.Helper()
	e.Store = storetest.Open(t, e.DSN)
	h, err := hub.New(context.Background(), hub.Config{Store: e.Store, Clock: e.Clock, Publisher: e.Pub, Hall: hall,
		AdminPassword: "admin-password", BcryptCost: 4})
	if err != nil {
		t.Fatalf("hub.New: %v", err)
	}
	t.Cleanup(h.Close)
	e.Hub = h
	e.Pub.mu.Lock()
	e.Pub.published = func() { _ = h.Writer.Published(context.Background()) }
	e.Pub.mu.Unlock()
	e.Staff = motcua.User{ID: 1, Username: "admin", Role: motcua.RoleAdmin}
}

// Issue takes a ticket.
func (e *Env) Issue(t testing.TB, serviceID int64, priority bool) motcua.Ticket {
	t.Helper()
	tk, err := e.Hub.Queue.IssueTicket(context.Background(), motcua.IssueRequest{ServiceID: serviceID, Priority: priority})
	if err != nil {
		t.Fatalf("issue ticket for service %d: %v", serviceID, err)
	}
	return tk
}

// CallNext calls the next ticket at a counter; someone must be waiting.
func (e *Env) CallNext(t testing.TB, counterID int64) motcua.Ticket {
	t.Helper()
	tk, found, err := e.Hub.Queue.CallNext(context.Background(), counterID, e.Staff)
	if err != nil {
		t.Fatalf("call next at counter %d: %v", counterID, err)
	}
	if !found {
		t.Fatalf("call next at counter %d: nobody waiting", counterID)
	}
	return tk
}

// ForEachDialect runs fn on SQLite, and on PostgreSQL when configured.
func ForEachDialect(t *testing.T, fn func(t *testing.T, dsn func(testing.TB) string)) {
	for _, d := range storetest.Dialects() {
		t.Run(d.Name, func(t *testing.T) { fn(t, d.DSN) })
	}
}

// DossierHall is the test hall with a small procedure catalogue and the 2026 calendar.
func DossierHall() motcua.Hall {
	h := TestHall(motcua.QueuePolicy{})
	h.Procedures = []motcua.Procedure{
		{Code: "1.001193", Name: "Thủ tục đăng ký khai sinh", Field: "Hộ tịch", Agency: "Ủy ban nhân dân cấp xã", ProcessingDays: 0,
			Documents: []string{"Tờ khai đăng ký khai sinh (theo mẫu)", "Giấy chứng sinh"}, ServiceCode: "TP"},
		{Code: "1.004873", Name: "Thủ tục cấp Giấy xác nhận tình trạng hôn nhân", Field: "Hộ tịch", Agency: "Ủy ban nhân dân cấp xã", ProcessingDays: 3,
			Documents: []string{"Tờ khai (theo mẫu)", "Giấy tờ chứng minh việc ly hôn (nếu đã từng kết hôn)"}, ServiceCode: "TP"},
		{Code: "1.013225", Name: "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ", Field: "Xây dựng", Agency: "Ủy ban nhân dân cấp xã", ProcessingDays: 15,
			Documents: []string{"Đơn đề nghị cấp giấy phép xây dựng"}, ServiceCode: "DD"},
	}
	sample := hall.Sample()
	h.Holidays, h.WorkingDays = sample.Holidays, sample.WorkingDays
	return h
}

// Applicant is the citizen who files the test dossiers.
var Applicant = motcua.Applicant{Kind: motcua.ApplicantCCCD, Name: "Nguyễn Thị Bình", IDNumber: "001190012345", Phone: "0912345678",
	Address: "Số 5 phố Hàng Bạc, Hoàn Kiếm, Hà Nội", Email: "binh@example.vn"}

// PersonalData are the strings that must never leave through public channels.
var PersonalData = []string{Applicant.Name, Applicant.IDNumber, Applicant.Phone, "0912 345 678", "Hàng Bạc", Applicant.Email}

// MarriageRequest files a dossier of procedure procID for Applicant.
func MarriageRequest(procID int64) motcua.DossierRequest {
	return motcua.DossierRequest{ProcedureID: procID, Applicant: Applicant, Documents: []string{"Tờ khai (theo mẫu)"}, Sets: 1}
}

// Procedure finds a procedure of the catalogue by its code.
func (e *Env) Procedure(t testing.TB, code string) motcua.Procedure {
	t.Helper()
	ps, err := e.Hub.Dossiers.Procedures(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.Code == code {
			return p
		}
	}
	t.Fatalf("no procedure %s", code)
	return motcua.Procedure{}
}

// CreateDossier receives a dossier from a ticket as the admin.
func (e *Env) CreateDossier(t testing.TB, ticketID int64, req motcua.DossierRequest) motcua.Dossier {
	t.Helper()
	d, err := e.Hub.Dossiers.CreateDossier(context.Background(), ticketID, req, e.Staff)
	if err != nil {
		t.Fatalf("create dossier: %v", err)
	}
	return d
}

// OpenWith starts a hub on the dossier hall with extra configuration; the
// background overdue check is off, so tests decide when it runs.
func OpenWith(t testing.TB, dsn string, at time.Time, adjust func(*hub.Config)) *Env {
	t.Helper()
	e := &Env{Clock: motcua.NewManualClock(at), Pub: &Recorder{}, DSN: dsn}
	e.Store = storetest.Open(t, dsn)
	cfg := hub.Config{Store: e.Store, Clock: e.Clock, Publisher: e.Pub, Hall: DossierHall(),
		AdminPassword: "admin-password", BcryptCost: 4, OverdueCheckEvery: -1}
	if adjust != nil {
		adjust(&cfg)
	}
	h, err := hub.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("hub.New: %v", err)
	}
	t.Cleanup(h.Close)
	e.Hub = h
	e.Pub.mu.Lock()
	e.Pub.published = func() { _ = h.Writer.Published(context.Background()) }
	e.Pub.mu.Unlock()
	e.Staff = motcua.User{ID: 1, Username: "admin", Role: motcua.RoleAdmin}
	return e
}

// Receive takes a ticket, calls it at counter 1 and receives a dossier of
// the procedure with that code.
func (e *Env) Receive(t testing.TB, procCode string) motcua.Dossier {
	t.Helper()
	e.Issue(t, 1, false)
	tk := e.CallNext(t, 1)
	p := e.Procedure(t, procCode)
	req := MarriageRequest(p.ID)
	if procCode != "1.004873" {
		req.Documents = p.Documents
	}
	return e.CreateDossier(t, tk.ID, req)
}

// Dossier finds a dossier in the (masked) list.
func (e *Env) Dossier(t testing.TB, id int64) motcua.Dossier {
	t.Helper()
	ds, err := e.Hub.Dossiers.Dossiers(context.Background(), motcua.DossierFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.ID == id {
			return d
		}
	}
	t.Fatalf("dossier %d not listed", id)
	return motcua.Dossier{}
}

// PublicDossierEvents decodes the public dossiers of the dossier events.
func PublicDossierEvents(t testing.TB, evs []motcua.Event) []motcua.PublicDossier {
	t.Helper()
	var out []motcua.PublicDossier
	for _, ev := range evs {
		if ev.Type != motcua.EventDossier {
			continue
		}
		var body struct {
			Dossier motcua.PublicDossier `json:"dossier"`
		}
		if err := json.Unmarshal(ev.Body, &body); err != nil {
			t.Fatal(err)
		}
		out = append(out, body.Dossier)
	}
	return out
}
