package supervisor

import (
	"context"
	"net/http"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/web"
)

// PrivacyRegister keeps citizens' requests about their personal data.
type PrivacyRegister interface {
	RecordPrivacyRequest(ctx context.Context, in motcua.PrivacyRequestInput, by motcua.User) (motcua.PrivacyRequest, error)
	AnswerPrivacyRequest(ctx context.Context, id int64, outcome, answer string, by motcua.User) (motcua.PrivacyRequest, error)
	PrivacyRequests(ctx context.Context) ([]motcua.PrivacyRequest, error)
}

// PrivacyHandler serves the supervisor's register of requests to see,
// correct or delete personal data (Law 91/2025/QH15).
type PrivacyHandler struct {
	Register PrivacyRegister
}

type privacyRequestBody struct {
	Kind        string `json:"kind"`
	Requester   string `json:"requester"`
	Contact     string `json:"contact"`
	DossierCode string `json:"dossier_code"`
	Detail      string `json:"detail"`
}

// List handles GET /api/v1/privacy-requests: open requests first, soonest due.
func (h *PrivacyHandler) List(w http.ResponseWriter, r *http.Request) {
	list, err := h.Register.PrivacyRequests(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	web.JSON(w, http.StatusOK, list)
}

// Create handles POST /api/v1/privacy-requests {"kind","requester","contact","dossier_code","detail"}.
func (h *PrivacyHandler) Create(w http.ResponseWriter, r *http.Request) {
	var req privacyRequestBody
	if err := web.Decode(w, r, &req); err != nil {
		web.Error(w, r, err)
		return
	}
	u, _ := web.UserFrom(r.Context())
	p, err := h.Register.RecordPrivacyRequest(r.Context(), motcua.PrivacyRequestInput{Kind: req.Kind, Requester: req.Requester,
		Contact: req.Contact, DossierCode: req.DossierCode, Detail: req.Detail}, u)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, p)
}

type privacyAnswerBody struct {
	Outcome string `json:"outcome"`
	Answer  string `json:"answer"`
}

// Answer handles POST /api/v1/privacy-requests/{id}/answer {"outcome","answer"}.
func (h *PrivacyHandler) Answer(w http.ResponseWriter, r *http.Request) {
	id, err := web.IDParam(r, "id")
	if err != nil {
		web.Error(w, r, err)
		return
	}
	var req privacyAnswerBody
	if err := web.Decode(w, r, &req); err != nil {
		web.Error(w, r, err)
		return
	}
	u, _ := web.UserFrom(r.Context())
	p, err := h.Register.AnswerPrivacyRequest(r.Context(), id, req.Outcome, req.Answer, u)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, p)
}
