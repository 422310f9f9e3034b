package motcua

import "time"

// DossierStatus is where a dossier (hồ sơ) is between receipt and the return
// of its result.
type DossierStatus string

const (
	DossierReceived            DossierStatus = "received"             // taken in at the counter
	DossierTransferred         DossierStatus = "transferred"          // passed to the competent agency
	DossierProcessing          DossierStatus = "processing"           // being decided
	DossierSupplementRequested DossierStatus = "supplement_requested" // waiting for the citizen's missing papers
	DossierResultReady         DossierStatus = "result_ready"         // the result is back at the one-stop
	DossierReturned            DossierStatus = "returned"             // the citizen has the result
	DossierRejected            DossierStatus = "rejected"             // refused, with a reason
	DossierStopped             DossierStatus = "stopped"              // stopped, with a reason (Mẫu 05)
)

// DossierAction is a move staff make on a dossier (POST /dossiers/{id}/events "type").
type DossierAction string

const (
	DossierTransfer           DossierAction = "transfer"
	DossierStartProcessing    DossierAction = "start_processing"
	DossierRequestSupplement  DossierAction = "request_supplement"
	DossierSupplementReceived DossierAction = "supplement_received"
	DossierMarkResultReady    DossierAction = "result_ready"
	DossierReturn             DossierAction = "return"
	DossierReject             DossierAction = "reject"
	// DossierExtend extends the processing time by the procedure's
	// extended_days when verification is needed, once, with the reason. The
	// status stays; the new due date is recorded in the history.
	DossierExtend DossierAction = "extend"
	DossierStop   DossierAction = "stop"
)

// dossierMoves is the whole dossier lifecycle: from each status, the actions
// allowed and the status they lead to. Anything not listed is a 409.
//
// received → transferred → processing → result_ready → returned is the usual
// road. A procedure settled at the one-stop itself (certified copies) may go
// from received straight to processing or result_ready. A supplement can be
// asked for at any point before the result; the papers come back through the
// counter, so the dossier is received again and transferred again, with a new
// due date. A refusal can come at any point before the result, and so can a
// stop (Mẫu 05: the citizen withdraws, or the law stops the procedure).
var dossierMoves = map[DossierStatus]map[DossierAction]DossierStatus{
	DossierReceived: {
		DossierTransfer:          DossierTransferred,
		DossierStartProcessing:   DossierProcessing,
		DossierMarkResultReady:   DossierResultReady,
		DossierRequestSupplement: DossierSupplementRequested,
		DossierReject:            DossierRejected,
		DossierStop:              DossierStopped,
	},
	DossierTransferred: {
		DossierStartProcessing:   DossierProcessing,
		DossierMarkResultReady:   DossierResultReady,
		DossierRequestSupplement: DossierSupplementRequested,
		DossierReject:            DossierRejected,
		DossierStop:              DossierStopped,
	},
	DossierProcessing: {
		DossierMarkResultReady:   DossierResultReady,
		DossierRequestSupplement: DossierSupplementRequested,
		DossierReject:            DossierRejected,
		DossierStop:              DossierStopped,
	},
	DossierSupplementRequested: {
		DossierSupplementReceived: DossierReceived,
		DossierReject:             DossierRejected,
		DossierStop:               DossierStopped,
	},
	DossierResultReady: {
		DossierReturn: DossierReturned,
	},
}

// dossierActionNames are the words staff see for each action, for 409 messages.
var dossierActionNames = map[DossierAction][2]string{
	DossierTransfer:           {"chuyển cơ quan giải quyết", "transfer"},
	DossierStartProcessing:    {"bắt đầu giải quyết", "start processing"},
	DossierRequestSupplement:  {"yêu cầu bổ sung", "request a supplement for"},
	DossierSupplementReceived: {"nhận bổ sung", "receive the supplement of"},
	DossierMarkResultReady:    {"ghi nhận có kết quả", "mark the result ready for"},
	DossierReturn:             {"trả kết quả", "return the result of"},
	DossierReject:             {"từ chối", "reject"},
	DossierExtend:             {"gia hạn", "extend"},
	DossierStop:               {"dừng giải quyết", "stop"},
}

// DossierActions lists every action in lifecycle order.
var DossierActions = []DossierAction{DossierTransfer, DossierStartProcessing, DossierRequestSupplement,
	DossierSupplementReceived, DossierMarkResultReady, DossierReturn, DossierReject, DossierExtend, DossierStop}

// IsDossierAction reports whether a names a lifecycle action.
func IsDossierAction(a DossierAction) bool {
	_, ok := dossierActionNames[a]
	return ok
}

// NextDossierStatus says where action leads from status, or a conflict error.
func NextDossierStatus(from DossierStatus, action DossierAction) (DossierStatus, error) {
	if to, ok := dossierMoves[from][action]; ok {
		return to, nil
	}
	names, ok := dossierActionNames[action]
	if !ok {
		names = [2]string{string(action), string(action)}
	}
	return "", Errorf(EConflict, "Không thể %s hồ sơ đang ở trạng thái %q. / Cannot %s a dossier that is %s.",
		names[0], from, names[1], from)
}

// NextDossierActions lists the actions allowed from status, in lifecycle order.
func NextDossierActions(from DossierStatus) []DossierAction {
	out := []DossierAction{}
	for _, a := range DossierActions {
		if _, ok := dossierMoves[from][a]; ok {
			out = append(out, a)
		}
	}
	return out
}

// DossierActionNeedsNote reports the actions that must say why: a supplement
// request says what is missing (Mẫu 02), a refusal gives its reason (Mẫu 03,
// or the agency's letter), a stop gives its reason (Mẫu 05), an extension why
// verification is needed.
func DossierActionNeedsNote(a DossierAction) bool {
	return a == DossierRequestSupplement || a == DossierReject || a == DossierStop || a == DossierExtend
}

// CanExtend reports whether a dossier in status from may be extended: it is
// still being handled and has not been extended yet.
func CanExtend(from DossierStatus, extended bool) bool {
	if extended {
		return false
	}
	switch from {
	case DossierReceived, DossierTransferred, DossierProcessing:
		return true
	}
	return false
}

// Result delivery: at the counter or by post (dịch vụ bưu chính công ích).
const (
	DeliveryCounter = "counter"
	DeliveryPost    = "post"
)

// DossierRequest is what the counter sends to receive a dossier from a ticket.
type DossierRequest struct {
	ProcedureID     int64
	Applicant       Applicant
	Documents       []string
	DocumentDetails []DocumentCopy // optional: original or copy, how many (Mẫu 01)
	Sets            int            // 0 means 1
	Delivery        string
	DeliveryAddress string
	Note            string
}

// DossierStep is one recorded move of a dossier: who, when, why.
type DossierStep struct {
	ID       int64         `json:"id"`
	Type     string        `json:"type"` // "receive", "visit", or a DossierAction
	From     DossierStatus `json:"from,omitempty"`
	To       DossierStatus `json:"to"`
	At       time.Time     `json:"at"`
	By       UserRef       `json:"by"`
	Note     string        `json:"note"`
	TicketID *int64        `json:"ticket_id,omitempty"`
	DueAt    *time.Time    `json:"due_at,omitempty"` // the new due date a supplement or an extension brought
	// A refusal after processing is the competent agency's own letter, not
	// Mẫu 03: its number and date (YYYY-MM-DD).
	LetterNumber string `json:"letter_number,omitempty"`
	LetterDate   string `json:"letter_date,omitempty"`
}

// Dossier is a dossier as staff see it. Lists carry a masked Applicant and no
// Steps; the full record is for the dossier page, and every view is audited.
type Dossier struct {
	ID              int64           `json:"id"`
	Code            string          `json:"code"`
	TicketID        int64           `json:"ticket_id"`  // the visit that created it
	TicketIDs       []int64         `json:"ticket_ids"` // every visit linked to it, first one first
	TicketNumber    string          `json:"ticket_number"`
	ProcedureID     int64           `json:"procedure_id"`
	ProcedureCode   string          `json:"procedure_code"`
	ProcedureName   string          `json:"procedure_name"`
	Agency          string          `json:"agency"`
	ProcessingDays  int             `json:"processing_days"`
	ProcessingTime  string          `json:"processing_time"` // "15 ngày", "0.5 ngày", "4 giờ"
	ExtendedAt      *time.Time      `json:"extended_at,omitempty"`
	Status          DossierStatus   `json:"status"`
	ReceivedAt      time.Time       `json:"received_at"`
	DueAt           time.Time       `json:"due_at"`
	Overdue         bool            `json:"overdue"`
	AtRisk          bool            `json:"at_risk"`                   // due within the at-risk window, not yet late
	OriginalDueAt   *time.Time      `json:"original_due_at,omitempty"` // the due date before the first apology
	TransferDueAt   time.Time       `json:"transfer_due_at"`
	TransferredAt   *time.Time      `json:"transferred_at"`
	TransferLate    bool            `json:"transfer_late"`
	FinishedAt      *time.Time      `json:"finished_at"`
	ReturnedAt      *time.Time      `json:"returned_at"`
	Applicant       Applicant       `json:"applicant"`
	Documents       []string        `json:"documents"`
	Sets            int             `json:"sets"`
	Delivery        string          `json:"delivery"`
	DeliveryAddress string          `json:"delivery_address"`
	Note            string          `json:"note"`
	ReceivedBy      UserRef         `json:"received_by"`
	Counter         *CounterRef     `json:"counter"`
	NextActions     []DossierAction `json:"next_actions"`
	Steps           []DossierStep   `json:"events,omitempty"`
	Apologies       []Apology       `json:"apologies"`
	Handovers       []Handover      `json:"handovers"`        // Mẫu 06, oldest first
	DocumentDetails []DocumentCopy  `json:"document_details"` // Mẫu 01: original or copy, how many
	LedgerBook      int             `json:"ledger_book"`      // "Quyển số": the year's book of the ledger
	LedgerEntry     int             `json:"ledger_entry"`     // "Số thứ tự" in that book
	TrackToken      string          `json:"-"`                // the creating ticket's token, for the receipt's QR
	Purged          bool            `json:"personal_data_purged,omitempty"`
}

// DossierHistory is one public step of a dossier: a status and when.
type DossierHistory struct {
	Status DossierStatus `json:"status"`
	At     time.Time     `json:"at"`
}

// PublicDossier is what a citizen's phone and the public websocket see: no
// applicant, no notes, no staff names.
type PublicDossier struct {
	Code       string           `json:"code"`
	Procedure  string           `json:"procedure"`
	Status     DossierStatus    `json:"status"`
	ReceivedAt time.Time        `json:"received_at"`
	DueAt      time.Time        `json:"due_at"`
	Overdue    bool             `json:"overdue"`
	AtRisk     bool             `json:"at_risk"`
	Apologies  []Apology        `json:"apologies"`
	History    []DossierHistory `json:"history"`
	StopReason string           `json:"stop_reason,omitempty"` // Mẫu 05, written for the citizen
	Handovers  []PublicHandover `json:"handovers"`
}

// Public returns the fields of d a citizen may see.
func (d Dossier) Public() PublicDossier {
	p := PublicDossier{Code: d.Code, Procedure: d.ProcedureName, Status: d.Status, ReceivedAt: d.ReceivedAt,
		DueAt: d.DueAt, Overdue: d.Overdue, AtRisk: d.AtRisk, Apologies: make([]Apology, 0, len(d.Apologies)), History: []DossierHistory{}}
	for _, a := range d.Apologies {
		p.Apologies = append(p.Apologies, a.PublicApology())
	}
	for _, s := range d.Steps {
		if s.Type == "visit" || s.Type == string(DossierExtend) {
			continue // an extension moves the due date, not the status
		}
		p.History = append(p.History, DossierHistory{Status: s.To, At: s.At})
		if s.Type == string(DossierStop) {
			p.StopReason = s.Note
		}
	}
	p.Handovers = make([]PublicHandover, 0, len(d.Handovers))
	for _, h := range d.Handovers {
		p.Handovers = append(p.Handovers, h.Public())
	}
	return p
}

// DossierFilter selects dossiers for a list.
type DossierFilter struct {
	Status       DossierStatus
	Overdue      bool
	TransferLate bool
	Code         string // exact code, or a part of it
	TicketID     int64
	Limit        int
}
