// Package admin serves the hall's administration: the hall description, read
// and changed live (GET and PUT /api/v1/hall, with a dry run), the audit of
// every change, the import of a procedure catalogue, and the /admin page.
// Every endpoint sits behind the admin role; it never touches SQL.
package admin

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"strconv"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/hall"
	"github.com/motcua/motcua/web"
)

// MaxHallBytes bounds a hall description or an imported catalogue: a center
// with a thousand procedures and their documents fits easily.
const MaxHallBytes = 8 << 20

// Audit page sizes.
const (
	DefaultAuditLimit = 100
	MaxAuditLimit     = 1000
)

// Hall is the running hall, changed as a whole.
type Hall interface {
	Hall(ctx context.Context) (motcua.Hall, error)
	// ChangeHall applies next (or, in a dry run, only checks it) and answers
	// the changes and next's clashes with the city's procedure catalogue.
	ChangeHall(ctx context.Context, next motcua.Hall, by motcua.User, dryRun bool) (motcua.HallChangeSet, error)
	HallAudit(ctx context.Context, limit int, beforeID int64) ([]motcua.HallAuditEntry, error)
}

// Handler serves the administration endpoints and page.
type Handler struct {
	Hall   Hall
	Static fs.FS // holds admin.html
}

// Page handles GET /admin: the page logs in by itself.
func (h *Handler) Page(w http.ResponseWriter, r *http.Request) {
	web.Page(h.Static, "admin.html")(w, r)
}

// AccountPage handles GET /account: any signed-in user changes their own
// password there (the page logs in by itself).
func (h *Handler) AccountPage(w http.ResponseWriter, r *http.Request) {
	web.Page(h.Static, "account.html")(w, r)
}

// Get handles GET /api/v1/hall: the running hall as a description, the same
// fields as the YAML file.
func (h *Handler) Get(w http.ResponseWriter, r *http.Request) {
	cur, err := h.Hall.Hall(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	raw, err := hall.JSON(cur)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, json.RawMessage(raw))
}

type changeList struct {
	Changes []motcua.HallChange `json:"changes"`
	DryRun  bool                `json:"dry_run"`
	// CityClashes (issue 14) are the procedures the description adds or
	// keeps as the hall's own whose codes the city's catalogue, version
	// CityVersion (0: none applied), also has: the hall's own wins there.
	CityClashes []motcua.CityClash `json:"city_clashes"`
	CityVersion int64              `json:"city_version"`
}

// Put handles PUT /api/v1/hall: a whole description, applied at once;
// ?dry_run=true lists the changes and applies nothing. Both answers list the
// description's clashes with the city's procedure catalogue.
func (h *Handler) Put(w http.ResponseWriter, r *http.Request) {
	dryRun, err := boolParam(r, "dry_run")
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if err := web.RequireJSON(r); err != nil {
		web.Error(w, r, err)
		return
	}
	body, err := readBody(w, r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	next, err := hall.ParseJSON(body)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	u, _ := web.UserFrom(r.Context())
	set, err := h.Hall.ChangeHall(r.Context(), next, u, dryRun)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	clashes := set.CityClashes
	if clashes == nil {
		clashes = []motcua.CityClash{}
	}
	web.JSON(w, http.StatusOK, changeList{Changes: set.Changes, DryRun: dryRun, CityClashes: clashes, CityVersion: set.CityVersion})
}

// Audit handles GET /api/v1/hall/audit?limit=&before=: every change of the
// hall's configuration, newest first.
func (h *Handler) Audit(w http.ResponseWriter, r *http.Request) {
	limit, err := intParam(r, "limit", DefaultAuditLimit)
	if err == nil && (limit < 1 || limit > MaxAuditLimit) {
		err = &motcua.Error{Code: motcua.EValidation, Message: "limit phải từ 1 đến 1000. / limit must be 1 to 1000.",
			Fields: map[string]string{"limit": "1–1000"}}
	}
	if err != nil {
		web.Error(w, r, err)
		return
	}
	before, err := intParam(r, "before", 0)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	list, err := h.Hall.HallAudit(r.Context(), limit, int64(before))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if list == nil {
		list = []motcua.HallAuditEntry{}
	}
	web.JSON(w, http.StatusOK, list)
}

// ImportProcedures handles POST /api/v1/hall/procedures/import?format=csv|yaml:
// it reads a procedure catalogue file (the body, as is) and answers its
// procedures as the description writes them, or 422 naming the row and
// field. It changes nothing: the page merges them into the hall and applies
// the whole with PUT /api/v1/hall, after a dry run.
func (h *Handler) ImportProcedures(w http.ResponseWriter, r *http.Request) {
	format := r.URL.Query().Get("format")
	body, err := readBody(w, r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	procs, err := hall.ParseProcedures(body, format)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	raw, err := hall.ProceduresJSON(procs)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, map[string]json.RawMessage{"procedures": raw})
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxHallBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, motcua.Errorf(motcua.ETooLarge, "Nội dung quá lớn (tối đa %d byte). / The body is too large (at most %d bytes).", tooLarge.Limit, tooLarge.Limit)
	}
	if err != nil {
		return nil, motcua.Errorf(motcua.EInvalid, "Không đọc được nội dung gửi lên. / The body cannot be read.")
	}
	return body, nil
}

func boolParam(r *http.Request, name string) (bool, error) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return false, nil
	}
	v, err := strconv.ParseBool(raw)
	if err != nil {
		return false, &motcua.Error{Code: motcua.EInvalid, Message: name + " phải là true hoặc false. / " + name + " must be true or false.",
			Fields: map[string]string{name: "true or false"}}
	}
	return v, nil
}

func intParam(r *http.Request, name string, def int) (int, error) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return def, nil
	}
	v, err := strconv.Atoi(raw)
	if err != nil || v < 0 {
		return 0, &motcua.Error{Code: motcua.EInvalid, Message: name + " phải là số nguyên không âm. / " + name + " must be a whole number, 0 or more.",
			Fields: map[string]string{name: "whole number"}}
	}
	return v, nil
}

// CityCatalogue is the city's procedure catalogue as the hall applied it
// (issue 14).
type CityCatalogue interface {
	CityProcedures(ctx context.Context) (motcua.CityCatalogue, []string, error)
}

// CityHandler serves the city's catalogue at a hall.
type CityHandler struct {
	City CityCatalogue
	// Joined: the hall runs joined to a city registry (-registry).
	Joined bool
}

// Procedures handles GET /api/v1/city/procedures at a hall: the city's
// catalogue as last applied here ({"version","revision","published_at",
// "procedures":[…]} as the registry answers; version 0 and no procedures
// when none was), "clashes", the codes on which the hall keeps its own
// procedure instead of the city's, and "joined", whether the hall runs
// joined to a registry now.
func (h *CityHandler) Procedures(w http.ResponseWriter, r *http.Request) {
	cat, clashes, err := h.City.CityProcedures(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	procs, err := hall.ProceduresJSON(cat.Procedures)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	out := map[string]any{"version": cat.Version, "revision": cat.Revision, "published_at": nil,
		"procedures": json.RawMessage(procs), "clashes": clashes, "joined": h.Joined}
	if cat.Version > 0 {
		out["published_at"] = cat.PublishedAt
	}
	w.Header().Set("Cache-Control", "no-store")
	web.JSON(w, http.StatusOK, out)
}
