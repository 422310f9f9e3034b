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
	// DueDate (YYYY-MM-DD) instead of due_at: the close of reception of that
	// working day (of the next one when it is a day off).
	DueDate string `json:"due_date"`
	Note    string `json:"note"`
}

// Handover handles POST /api/v1/dossiers/{id}/handovers {"from","to","due_at" or "due_date","note"}:
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
	if req.DueAt.IsZero() && req.DueDate != "" {
		day, err := time.ParseInLocation(time.DateOnly, req.DueDate, h.Site.Location())
		if err != nil {
			web.Error(w, r, &motcua.Error{Code: motcua.EValidation, Message: "Thông tin giao nhận hồ sơ chưa hợp lệ. / The hand-over is not valid.",
				Fields: map[string]string{"due_date": "Ngày dạng YYYY-MM-DD. / A date YYYY-MM-DD."}})
			return
		}
		req.DueAt = h.Site.Calendar().DueAt(day, 0)
	}
	u, _ := web.UserFrom(r.Context())
	d, err := h.Registry.RecordHandover(r.Context(), id, motcua.HandoverRequest{From: req.From, To: req.To, DueAt: req.DueAt, Note: req.Note}, u)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, h.body(r, d))
}
