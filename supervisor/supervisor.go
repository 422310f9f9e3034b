// Package supervisor serves the supervisor's desk: overdue and at-risk
// dossiers, the apology and extension letter (Mẫu 04), the live queues, the
// webhook deliveries, the on-time figures and the dossier ledger (Mẫu 07).
// Every endpoint sits behind the supervisor role; it never touches SQL.
package supervisor

import (
	"context"
	"io/fs"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/web"
)

// Dossiers is what the supervisor's desk needs of the dossier registry.
type Dossiers interface {
	Watch(ctx context.Context, f motcua.WatchFilter) (motcua.Watch, error)
	Procedures(ctx context.Context, q string) ([]motcua.Procedure, error)
	IssueApology(ctx context.Context, dossierID int64, req motcua.ApologyRequest, by motcua.User) (motcua.Apology, error)
	DossierApologies(ctx context.Context, dossierID int64) ([]motcua.Apology, error)
	ApologyLetter(ctx context.Context, dossierID, apologyID int64, by motcua.User) (motcua.Dossier, motcua.Apology, error)
}

// Reports gives the on-time figures and the ledger.
type Reports interface {
	ReportRange(from, to string) (time.Time, time.Time, error)
	OnTimeReport(ctx context.Context, start, end time.Time, by string) (motcua.OnTimeReport, error)
	Ledger(ctx context.Context, start, end time.Time, by motcua.User, format string) ([]motcua.Dossier, error)
}

// Queues gives the live queues and counters.
type Queues interface {
	Services(ctx context.Context) ([]motcua.ServiceView, error)
	Counters(ctx context.Context) ([]motcua.CounterView, error)
}

// Outbox lists the webhook notifications and queues a failed one again.
type Outbox interface {
	Deliveries(ctx context.Context, limit int) ([]motcua.WebhookDelivery, error)
	Retry(ctx context.Context, id int64) error
}

// Floor gives the live supervision of the hall floor.
type Floor interface {
	Floor(ctx context.Context) (motcua.Floor, error)
}

// Handler serves the supervisor's endpoints and pages.
type Handler struct {
	Site     *motcua.Site
	Dossiers Dossiers
	Reports  Reports
	Queues   Queues
	Outbox   Outbox
	Live     Floor // the live supervision of the floor (issue 15)
	Static   fs.FS // holds supervisor.html
}

// Page handles GET /supervisor: the page logs in by itself.
func (h *Handler) Page(w http.ResponseWriter, r *http.Request) {
	web.Page(h.Static, "supervisor.html")(w, r)
}

// serviceQueue is one live queue on the supervisor's page.
type serviceQueue struct {
	ID          int64  `json:"id"`
	Code        string `json:"code"`
	Name        string `json:"name"`
	Prefix      string `json:"prefix"`
	Waiting     int    `json:"waiting"`
	EstWaitS    int    `json:"est_wait_s"`
	Open        bool   `json:"open"`
	IssuedToday int    `json:"issued_today"`
	Counters    int    `json:"counters"`      // counters serving it
	BusyNow     int    `json:"counters_busy"` // of those, calling or serving now
}

type counterState struct {
	ID      int64           `json:"id"`
	Number  int             `json:"number"`
	Name    string          `json:"name"`
	Status  string          `json:"status"`
	Current string          `json:"current_number,omitempty"`
	Officer *motcua.Officer `json:"officer"` // who works there now, or null
}

// choices are the values the page's filters offer.
type choices struct {
	Agencies   []string          `json:"agencies"`
	Fields     []string          `json:"fields"`
	Procedures []procedureChoice `json:"procedures"`
}

type procedureChoice struct {
	ID     int64  `json:"id"`
	Code   string `json:"code"`
	Name   string `json:"name"`
	Agency string `json:"agency"`
	Field  string `json:"field"`
}

type overview struct {
	motcua.Watch
	Branch   motcua.Branch  `json:"branch"`
	Queues   []serviceQueue `json:"queues"`
	Counters []counterState `json:"counters"`
	Choices  choices        `json:"choices"`
}

// Overview handles GET /api/v1/supervisor/overview?agency=&procedure_id=&field=:
// the lists of overdue, at-risk and not-transferred dossiers with their
// counts, the live queues and counters, and the filter choices. The page
// polls it every few seconds.
func (h *Handler) Overview(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := motcua.WatchFilter{Agency: q.Get("agency"), Field: q.Get("field")}
	if v := q.Get("procedure_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			web.Error(w, r, &motcua.Error{Code: motcua.EInvalid, Message: "procedure_id phải là số. / procedure_id must be a number.",
				Fields: map[string]string{"procedure_id": v}})
			return
		}
		f.ProcedureID = id
	}
	ctx := r.Context()
	watch, err := h.Dossiers.Watch(ctx, f)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	out := overview{Watch: watch, Branch: h.Site.Branch(), Queues: []serviceQueue{}, Counters: []counterState{}}
	services, err := h.Queues.Services(ctx)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	counters, err := h.Queues.Counters(ctx)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	for _, s := range services {
		sq := serviceQueue{ID: s.ID, Code: s.Code, Name: s.Name, Prefix: s.Prefix, Waiting: s.Waiting, EstWaitS: s.EstWaitS,
			Open: s.Open, IssuedToday: s.IssuedToday}
		for _, c := range counters {
			for _, id := range c.ServiceIDs {
				if id == s.ID {
					sq.Counters++
					if c.Status != "idle" {
						sq.BusyNow++
					}
				}
			}
		}
		out.Queues = append(out.Queues, sq)
	}
	for _, c := range counters {
		cs := counterState{ID: c.ID, Number: c.Number, Name: c.Name, Status: c.Status, Officer: c.Officer}
		if c.CurrentTicket != nil {
			cs.Current = c.CurrentTicket.Number
		}
		out.Counters = append(out.Counters, cs)
	}
	procs, err := h.Dossiers.Procedures(ctx, "")
	if err != nil {
		web.Error(w, r, err)
		return
	}
	out.Choices = choicesOf(procs)
	w.Header().Set("Cache-Control", "no-store")
	web.JSON(w, http.StatusOK, out)
}

func choicesOf(procs []motcua.Procedure) choices {
	c := choices{Agencies: []string{}, Fields: []string{}, Procedures: []procedureChoice{}}
	agencies, fields := map[string]bool{}, map[string]bool{}
	for _, p := range procs {
		c.Procedures = append(c.Procedures, procedureChoice{ID: p.ID, Code: p.Code, Name: p.Name, Agency: p.Agency, Field: p.Field})
		if p.Agency != "" && !agencies[p.Agency] {
			agencies[p.Agency] = true
			c.Agencies = append(c.Agencies, p.Agency)
		}
		if p.Field != "" && !fields[p.Field] {
			fields[p.Field] = true
			c.Fields = append(c.Fields, p.Field)
		}
	}
	sort.Strings(c.Agencies)
	sort.Strings(c.Fields)
	return c
}

type apologyBody struct {
	Reason       string `json:"reason"`
	NewDueAt     string `json:"new_due_at"`
	SecondReason string `json:"second_reason"`
}

// IssueApology handles POST /api/v1/dossiers/{id}/apologies
// {"reason","new_due_at","second_reason"}: 201 apology; 409 unless the
// dossier is overdue or at risk, or when it has one already and no
// second_reason; 422 with field errors.
func (h *Handler) IssueApology(w http.ResponseWriter, r *http.Request) {
	id, err := web.IDParam(r, "id")
	if err != nil {
		web.Error(w, r, err)
		return
	}
	var body apologyBody
	if err := web.Decode(w, r, &body); err != nil {
		web.Error(w, r, err)
		return
	}
	u, _ := web.UserFrom(r.Context())
	a, err := h.Dossiers.IssueApology(r.Context(), id, motcua.ApologyRequest{Reason: body.Reason, NewDueAt: body.NewDueAt, SecondReason: body.SecondReason}, u)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	w.Header().Set("Location", a.LetterURL)
	web.JSON(w, http.StatusCreated, a)
}

// Apologies handles GET /api/v1/dossiers/{id}/apologies: oldest first, with who issued each.
func (h *Handler) Apologies(w http.ResponseWriter, r *http.Request) {
	id, err := web.IDParam(r, "id")
	if err != nil {
		web.Error(w, r, err)
		return
	}
	list, err := h.Dossiers.DossierApologies(r.Context(), id)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, list)
}

// Deliveries handles GET /api/v1/webhook/deliveries?limit=: the newest
// notifications, each with every attempt (time, status code, error).
func (h *Handler) Deliveries(w http.ResponseWriter, r *http.Request) {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			web.Error(w, r, &motcua.Error{Code: motcua.EInvalid, Message: "limit từ 1 đến 500. / limit is 1 to 500.",
				Fields: map[string]string{"limit": v}})
			return
		}
		limit = n
	}
	list, err := h.Outbox.Deliveries(r.Context(), limit)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, list)
}

// RetryDelivery handles POST /api/v1/webhook/deliveries/{id}/retry: a
// notification given up after its last attempt is queued again.
func (h *Handler) RetryDelivery(w http.ResponseWriter, r *http.Request) {
	id, err := web.IDParam(r, "id")
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if err := h.Outbox.Retry(r.Context(), id); err != nil {
		web.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// OnTime handles GET /api/v1/reports/on-time?from=&to=&by=procedure|agency|officer
// for the dossiers received between the two dates (both included).
func (h *Handler) OnTime(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	start, end, err := h.Reports.ReportRange(q.Get("from"), q.Get("to"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	rep, err := h.Reports.OnTimeReport(r.Context(), start, end, q.Get("by"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, rep)
}

// Floor handles GET /api/v1/supervisor/floor: per counter, who works there,
// what they serve and for how long, idle time; today's calls that skipped
// someone; the alerts that hold now (issue 15).
func (h *Handler) Floor(w http.ResponseWriter, r *http.Request) {
	f, err := h.Live.Floor(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, f)
}
