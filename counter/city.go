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

// CityHandler serves the city-wide dossier lookup at a hall that joined a
// registry (issue 14).
type CityHandler struct {
	City CityLookup
}

// Dossier handles GET /api/v1/city/dossiers/{code}: the dossier with the
// branch that received it; 404 unknown; 503 at once when the registry
// cannot be reached.
func (h *CityHandler) Dossier(w http.ResponseWriter, r *http.Request) {
	code := strings.TrimSpace(chi.URLParam(r, "code"))
	if code == "" || len(code) > 64 {
		web.Error(w, r, &motcua.Error{Code: motcua.EValidation, Message: "Mã hồ sơ không hợp lệ. / The dossier code is not valid.",
			Fields: map[string]string{"code": "Mã hồ sơ không hợp lệ. / The dossier code is not valid."}})
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
