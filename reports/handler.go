package reports

import (
	"context"
	"net/http"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/web"
)

// Queries is what the report endpoints ask.
type Queries interface {
	ParseRange(from, to string) (Range, error)
	Queue(ctx context.Context, rg Range, by string, f Filter) ([]motcua.QueueRow, error)
}

// Handler serves the report endpoints to logged-in staff: a supervisor (or
// admin) sees everyone's figures; an officer only their own, with
// group_by=staff or staff=me.
type Handler struct {
	Reports Queries
}

// filter decides whose figures the request may see.
func filter(r *http.Request, by string) (Filter, error) {
	u, _ := web.UserFrom(r.Context())
	mine := r.URL.Query().Get("staff") == "me"
	if u.Can(motcua.RoleSupervisor) {
		if mine {
			return Filter{StaffID: &u.ID}, nil
		}
		return Filter{}, nil
	}
	if mine || by == motcua.GroupStaff {
		return Filter{StaffID: &u.ID}, nil
	}
	return Filter{}, motcua.Errorf(motcua.EForbidden,
		"Cán bộ chỉ xem được số liệu của mình: dùng group_by=staff hoặc staff=me. / Staff see only their own figures: use group_by=staff or staff=me.")
}

// QueueReport handles GET /api/v1/reports/queue?from&to&group_by[&staff=me][&format=csv|xlsx].
func (h *Handler) QueueReport(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	by := q.Get("group_by")
	if by == "" {
		by = motcua.GroupDay
	}
	f, err := filter(r, by)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	rg, err := h.Reports.ParseRange(q.Get("from"), q.Get("to"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	rows, err := h.Reports.Queue(r.Context(), rg, by, f)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	answer(w, r, QueueTable(rows, rg, by), rows)
}

// answer writes rows as JSON, or t as CSV or XLSX.
func answer(w http.ResponseWriter, r *http.Request, t table, rows any) {
	var err error
	switch format := r.URL.Query().Get("format"); format {
	case "", "json":
		web.JSON(w, http.StatusOK, rows)
		return
	case "csv":
		err = writeCSV(w, t)
	case "xlsx":
		err = writeXLSX(w, t)
	default:
		err = &motcua.Error{Code: motcua.EValidation, Message: "Định dạng không có. / Unknown format.",
			Fields: map[string]string{"format": "json, csv, xlsx"}}
	}
	if err != nil {
		web.Error(w, r, err)
	}
}

// QueueTable is the queue report as a spreadsheet.
func QueueTable(rows []motcua.QueueRow, rg Range, by string) table {
	t := table{name: "hang-doi-" + by + "-" + rg.From + "-" + rg.To,
		header: []string{"key", "label", "issued", "served", "no_show", "transferred",
			"wait_p50_s", "wait_p90_s", "service_p50_s", "service_p90_s", "wait_avg_s",
			"within_target", "target_served", "within_target_rate"}}
	for _, r := range rows {
		t.rows = append(t.rows, []any{r.Key, r.Label, r.Issued, r.Served, r.NoShow, r.Transferred,
			intOrNil(r.WaitP50S), intOrNil(r.WaitP90S), intOrNil(r.ServiceP50S), intOrNil(r.ServiceP90S), intOrNil(r.WaitAvgS),
			r.WithinTarget, r.TargetServed, floatOrNil(r.WithinTargetRate)})
	}
	return t
}
