package counter

import (
	"context"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/web"
)

// CityLookup finds a dossier of any branch through the city registry.
type CityLookup interface {
	LookupDossier(ctx context.Context, code string) (motcua.CityDossier, error)
}

// CityVisits links a visit of this hall to another branch's dossier.
type CityVisits interface {
	LinkCityVisit(ctx context.Context, d motcua.CityDossier, ticketID int64) (motcua.CityVisitBody, error)
}

// CityHandler serves the city-wide dossier lookup at a hall that joined a
// registry (issue 14), and links visits to dossiers of other branches.
type CityHandler struct {
	Site   *motcua.Site
	City   CityLookup
	Visits CityVisits
}

// Dossier handles GET /api/v1/city/dossiers/{code}: the dossier with the
// branch that received it; 404 unknown; 503 at once when the registry
// cannot be reached.
func (h *CityHandler) Dossier(w http.ResponseWriter, r *http.Request) {
	code, ok := dossierCode(w, r)
	if !ok {
		return
	}
	d, err := h.City.LookupDossier(r.Context(), code)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	web.JSON(w, http.StatusOK, d)
}

func dossierCode(w http.ResponseWriter, r *http.Request) (string, bool) {
	code := strings.TrimSpace(chi.URLParam(r, "code"))
	if code == "" || len(code) > 64 {
		web.Error(w, r, &motcua.Error{Code: motcua.EValidation, Message: "Mã hồ sơ không hợp lệ. / The dossier code is not valid.",
			Fields: map[string]string{"code": "Mã hồ sơ không hợp lệ. / The dossier code is not valid."}})
		return "", false
	}
	return code, true
}

// LinkVisit handles POST /api/v1/city/dossiers/{code}/visits {"ticket_id"}:
// the citizen of this ticket came back about a dossier another branch
// received. 201 the dossier with the visit; 404 unknown code or ticket; 409
// the hall's own dossier; 503 at once when the registry cannot be reached.
func (h *CityHandler) LinkVisit(w http.ResponseWriter, r *http.Request) {
	code, ok := dossierCode(w, r)
	if !ok {
		return
	}
	var req struct {
		TicketID int64 `json:"ticket_id"`
	}
	if err := web.Decode(w, r, &req); err != nil {
		web.Error(w, r, err)
		return
	}
	if req.TicketID <= 0 {
		web.Error(w, r, &motcua.Error{Code: motcua.EValidation, Message: "Cần số thứ tự của lượt. / The visit's ticket is needed.",
			Fields: map[string]string{"ticket_id": "Cần số thứ tự của lượt. / The visit's ticket is needed."}})
		return
	}
	d, err := h.City.LookupDossier(r.Context(), code)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	v, err := h.Visits.LinkCityVisit(r.Context(), d, req.TicketID)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	d.Visits = append(d.Visits, motcua.CityVisit{Branch: motcua.BranchRef{Code: h.Site.Branch().Code, Name: h.Site.Branch().Name}, Number: v.Number, At: v.At})
	web.JSON(w, http.StatusCreated, d)
}
