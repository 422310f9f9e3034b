package counter

import (
	"net/http"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/web"
)

type handoverBody struct {
	From  string    `json:"from"`
	To    string    `json:"to"`
	DueAt time.Time `json:"due_at"`
	Note  string    `json:"note"`
}

// Handover handles POST /api/v1/dossiers/{id}/handovers {"from","to","due_at","note"}:
// a hand-over inside the competent agency, for the process control sheet
// (Mẫu 06). The one-stop's own hand-overs come with the lifecycle.
func (h *DossierHandler) Handover(w http.ResponseWriter, r *http.Request) {
	id, err := web.IDParam(r, "id")
	if err != nil {
		web.Error(w, r, err)
		return
	}
	var req handoverBody
	if err := web.Decode(w, r, &req); err != nil {
		web.Error(w, r, err)
		return
	}
	u, _ := web.UserFrom(r.Context())
	d, err := h.Registry.RecordHandover(r.Context(), id, motcua.HandoverRequest{From: req.From, To: req.To, DueAt: req.DueAt, Note: req.Note}, u)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, h.body(r, d))
}
