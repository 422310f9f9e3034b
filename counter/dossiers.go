package counter

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/web"
)

// Registry is what the counter's dossier endpoints and printouts need of
// the dossier registry.
type Registry interface {
	Procedures(ctx context.Context, q string) ([]motcua.Procedure, error)
	CreateDossier(ctx context.Context, ticketID int64, req motcua.DossierRequest, by motcua.User) (motcua.Dossier, error)
	Dossier(ctx context.Context, id int64, by motcua.User, purpose string) (motcua.Dossier, error)
	Dossiers(ctx context.Context, f motcua.DossierFilter) ([]motcua.Dossier, error)
	ActOnDossier(ctx context.Context, id int64, action motcua.DossierAction, note string, by motcua.User) (motcua.Dossier, error)
	Act(ctx context.Context, id int64, req motcua.DossierActionRequest, by motcua.User) (motcua.Dossier, error)
	RecordHandover(ctx context.Context, id int64, req motcua.HandoverRequest, by motcua.User) (motcua.Dossier, error)
	LinkDossierVisit(ctx context.Context, dossierID, ticketID int64, by motcua.User) (motcua.Dossier, error)
}

// DossierHandler serves the staff dossier endpoints and the printouts
// (receipt, supplement request, refusal); all sit behind staff auth.
type DossierHandler struct {
	Site     *motcua.Site
	Registry Registry
	Clients  web.Clients
}

// procedureItem is a procedure as the counter's search lists it.
type procedureItem struct {
	motcua.Procedure
	RequiredDocuments []string  `json:"required_documents"`
	DueAt             time.Time `json:"due_at"` // the appointment if received now
}

// Procedures handles GET /api/v1/procedures[?q=]: the catalogue, searched
// without diacritics when q is set.
func (h *DossierHandler) Procedures(w http.ResponseWriter, r *http.Request) {
	ps, err := h.Registry.Procedures(r.Context(), r.URL.Query().Get("q"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	now := h.Site.Now()
	out := make([]procedureItem, len(ps))
	for i, p := range ps {
		if p.Documents == nil {
			p.Documents = []string{}
		}
		req := []string{}
		for _, d := range p.Documents {
			if !motcua.IsOptionalDocument(d) {
				req = append(req, d)
			}
		}
		out[i] = procedureItem{Procedure: p, RequiredDocuments: req, DueAt: h.Site.Calendar().DueFor(now, p)}
	}
	web.JSON(w, http.StatusOK, out)
}

type applicantBody struct {
	Kind        string `json:"kind"` // cccd (default), can_cuoc, passport, organisation
	Name        string `json:"name"`
	IDNumber    string `json:"id_number"`
	Phone       string `json:"phone"`
	Address     string `json:"address"`
	Email       string `json:"email"`
	Nationality string `json:"nationality"` // passport
	OrgCode     string `json:"org_code"`    // organisation
	OrgName     string `json:"org_name"`    // organisation
}

type createDossierBody struct {
	ProcedureID     int64                 `json:"procedure_id"`
	Applicant       applicantBody         `json:"applicant"`
	Documents       []string              `json:"documents"`
	DocumentDetails []motcua.DocumentCopy `json:"document_details"`
	Sets            int                   `json:"sets"`
	Delivery        string                `json:"delivery"`
	DeliveryAddress string                `json:"delivery_address"`
	Note            string                `json:"note"`
}

// dossierBody is the dossier object of the API with its links.
type dossierBody struct {
	motcua.Dossier
	TrackURL   string `json:"track_url,omitempty"`
	ReceiptURL string `json:"receipt_url"`
}

func (h *DossierHandler) body(r *http.Request, d motcua.Dossier) dossierBody {
	b := dossierBody{Dossier: d, ReceiptURL: "/dossiers/" + strconv.FormatInt(d.ID, 10) + "/receipt"}
	if d.TrackToken != "" {
		b.TrackURL = h.Clients.URL(r, "/t/"+d.TrackToken)
	}
	return b
}

// Create handles POST /api/v1/tickets/{id}/dossiers.
func (h *DossierHandler) Create(w http.ResponseWriter, r *http.Request) {
	ticketID, err := web.IDParam(r, "id")
	if err != nil {
		web.Error(w, r, err)
		return
	}
	var req createDossierBody
	if err := web.Decode(w, r, &req); err != nil {
		web.Error(w, r, err)
		return
	}
	u, _ := web.UserFrom(r.Context())
	d, err := h.Registry.CreateDossier(r.Context(), ticketID, motcua.DossierRequest{
		ProcedureID: req.ProcedureID,
		Applicant: motcua.Applicant{Kind: req.Applicant.Kind, Name: req.Applicant.Name, IDNumber: req.Applicant.IDNumber,
			Phone: req.Applicant.Phone, Address: req.Applicant.Address, Email: req.Applicant.Email,
			Nationality: req.Applicant.Nationality, OrgCode: req.Applicant.OrgCode, OrgName: req.Applicant.OrgName},
		Documents: req.Documents, DocumentDetails: req.DocumentDetails, Sets: req.Sets, Delivery: req.Delivery, DeliveryAddress: req.DeliveryAddress, Note: req.Note,
	}, u)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, h.body(r, d))
}

// Get handles GET /api/v1/dossiers/{id}: the whole dossier, personal data
// included; the view is audited.
func (h *DossierHandler) Get(w http.ResponseWriter, r *http.Request) {
	id, err := web.IDParam(r, "id")
	if err != nil {
		web.Error(w, r, err)
		return
	}
	u, _ := web.UserFrom(r.Context())
	d, err := h.Registry.Dossier(r.Context(), id, u, "view")
	if err != nil {
		web.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	web.JSON(w, http.StatusOK, h.body(r, d))
}

var dossierStatuses = map[motcua.DossierStatus]bool{
	motcua.DossierReceived: true, motcua.DossierTransferred: true, motcua.DossierProcessing: true,
	motcua.DossierSupplementRequested: true, motcua.DossierResultReady: true, motcua.DossierReturned: true, motcua.DossierRejected: true,
	motcua.DossierStopped: true,
}

// List handles GET /api/v1/dossiers?status=&overdue=true&transfer_late=true&code=&ticket_id=&limit=:
// newest first, applicant masked.
func (h *DossierHandler) List(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := motcua.DossierFilter{Status: motcua.DossierStatus(q.Get("status")), Code: q.Get("code"),
		Overdue: q.Get("overdue") == "true", TransferLate: q.Get("transfer_late") == "true"}
	fields := map[string]string{}
	if f.Status != "" && !dossierStatuses[f.Status] {
		fields["status"] = "Trạng thái không có. / Unknown status."
	}
	if v := q.Get("ticket_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			fields["ticket_id"] = "Phải là số. / Must be a number."
		}
		f.TicketID = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			fields["limit"] = "Từ 1 đến 500. / 1 to 500."
		}
		f.Limit = n
	}
	if len(fields) > 0 {
		web.Error(w, r, &motcua.Error{Code: motcua.EInvalid, Message: "Tham số lọc không hợp lệ. / Invalid filter.", Fields: fields})
		return
	}
	h.list(w, r, f)
}

// OfTicket handles GET /api/v1/tickets/{id}/dossiers: the dossiers a visit
// created or joined, applicant masked.
func (h *DossierHandler) OfTicket(w http.ResponseWriter, r *http.Request) {
	id, err := web.IDParam(r, "id")
	if err != nil {
		web.Error(w, r, err)
		return
	}
	h.list(w, r, motcua.DossierFilter{TicketID: id, Limit: 500})
}

func (h *DossierHandler) list(w http.ResponseWriter, r *http.Request, f motcua.DossierFilter) {
	ds, err := h.Registry.Dossiers(r.Context(), f)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	out := make([]dossierBody, len(ds))
	for i, d := range ds {
		out[i] = h.body(r, d)
	}
	web.JSON(w, http.StatusOK, out)
}

type dossierEventBody struct {
	Type         string `json:"type"`
	Note         string `json:"note"`
	LetterNumber string `json:"letter_number"` // a refusal after processing: the agency's letter
	LetterDate   string `json:"letter_date"`   // YYYY-MM-DD
}

// Act handles POST /api/v1/dossiers/{id}/events {"type","note"}: a lifecycle move.
func (h *DossierHandler) Act(w http.ResponseWriter, r *http.Request) {
	id, err := web.IDParam(r, "id")
	if err != nil {
		web.Error(w, r, err)
		return
	}
	var req dossierEventBody
	if err := web.Decode(w, r, &req); err != nil {
		web.Error(w, r, err)
		return
	}
	u, _ := web.UserFrom(r.Context())
	d, err := h.Registry.Act(r.Context(), id, motcua.DossierActionRequest{Action: motcua.DossierAction(req.Type), Note: req.Note,
		LetterNumber: req.LetterNumber, LetterDate: req.LetterDate}, u)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, h.body(r, d))
}

type visitBody struct {
	TicketID int64 `json:"ticket_id"`
}

// LinkVisit handles POST /api/v1/dossiers/{id}/visits {"ticket_id"}: a later
// visit's ticket joins the dossier, so its phone follows the dossier too.
func (h *DossierHandler) LinkVisit(w http.ResponseWriter, r *http.Request) {
	id, err := web.IDParam(r, "id")
	if err != nil {
		web.Error(w, r, err)
		return
	}
	var req visitBody
	if err := web.Decode(w, r, &req); err != nil {
		web.Error(w, r, err)
		return
	}
	if req.TicketID <= 0 {
		web.Error(w, r, &motcua.Error{Code: motcua.EValidation, Message: "Chọn số thứ tự của lượt này (ticket_id). / Give this visit's ticket (ticket_id).",
			Fields: map[string]string{"ticket_id": "Bắt buộc. / Required."}})
		return
	}
	u, _ := web.UserFrom(r.Context())
	d, err := h.Registry.LinkDossierVisit(r.Context(), id, req.TicketID, u)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, h.body(r, d))
}
