package motcua

import (
	"strings"
	"time"
)

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
)

// dossierMoves is the whole dossier lifecycle: from each status, the actions
// allowed and the status they lead to. Anything not listed is a 409.
//
// received → transferred → processing → result_ready → returned is the usual
// road. A procedure settled at the one-stop itself (certified copies) may go
// from received straight to processing or result_ready. A supplement can be
// asked for at any point before the result; the papers come back through the
// counter, so the dossier is received again and transferred again, with a new
// due date. A refusal can come at any point before the result.
var dossierMoves = map[DossierStatus]map[DossierAction]DossierStatus{
	DossierReceived: {
		DossierTransfer:          DossierTransferred,
		DossierStartProcessing:   DossierProcessing,
		DossierMarkResultReady:   DossierResultReady,
		DossierRequestSupplement: DossierSupplementRequested,
		DossierReject:            DossierRejected,
	},
	DossierTransferred: {
		DossierStartProcessing:   DossierProcessing,
		DossierMarkResultReady:   DossierResultReady,
		DossierRequestSupplement: DossierSupplementRequested,
		DossierReject:            DossierRejected,
	},
	DossierProcessing: {
		DossierMarkResultReady:   DossierResultReady,
		DossierRequestSupplement: DossierSupplementRequested,
		DossierReject:            DossierRejected,
	},
	DossierSupplementRequested: {
		DossierSupplementReceived: DossierReceived,
		DossierReject:             DossierRejected,
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
}

// DossierActions lists every action in lifecycle order.
var DossierActions = []DossierAction{DossierTransfer, DossierStartProcessing, DossierRequestSupplement,
	DossierSupplementReceived, DossierMarkResultReady, DossierReturn, DossierReject}

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
// request says what is missing (Mẫu 02), a refusal gives its reason (Mẫu 03).
func DossierActionNeedsNote(a DossierAction) bool {
	return a == DossierRequestSupplement || a == DossierReject
}

// Result delivery: at the counter or by post (dịch vụ bưu chính công ích).
const (
	DeliveryCounter = "counter"
	DeliveryPost    = "post"
)

// Applicant is the person who files a dossier. It is personal data: mask
// IDNumber and Phone in lists (MaskDigits), never log it, never publish it.
type Applicant struct {
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
	Phone    string `json:"phone"`
	Address  string `json:"address"`
	Email    string `json:"email"`
}

// Masked returns the applicant as lists show it: the last digits of the ID
// number and phone only, no address or email.
func (a Applicant) Masked() Applicant {
	return Applicant{Name: a.Name, IDNumber: MaskDigits(a.IDNumber, 4), Phone: MaskDigits(a.Phone, 3)}
}

// DossierRequest is what the counter sends to receive a dossier from a ticket.
type DossierRequest struct {
	ProcedureID     int64
	Applicant       Applicant
	Documents       []string
	Sets            int // 0 means 1
	Delivery        string
	DeliveryAddress string
	Note            string
}

// UserRef names a staff member in a dossier's history.
type UserRef struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	FullName string `json:"full_name,omitempty"`
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
	DueAt    *time.Time    `json:"due_at,omitempty"` // the new due date a supplement brought
}

// Apology is a written apology with a new date for a late dossier (Mẫu 04).
type Apology struct {
	Reason   string    `json:"reason"`
	NewDueAt time.Time `json:"new_due_at"`
	IssuedAt time.Time `json:"issued_at"`
	// Staff-only fields, left out of public dossiers (see Dossier.Public).
	ID            int64      `json:"id,omitempty"`
	DossierID     int64      `json:"dossier_id,omitempty"`
	OriginalDueAt *time.Time `json:"original_due_at,omitempty"` // the due date this apology replaced
	SecondReason  string     `json:"second_reason,omitempty"`   // why a further apology was needed
	IssuedBy      *UserRef   `json:"issued_by,omitempty"`
	LetterURL     string     `json:"letter_url,omitempty"`
}

// PublicApology is the part of an apology a citizen sees.
func (a Apology) PublicApology() Apology {
	return Apology{Reason: a.Reason, NewDueAt: a.NewDueAt, IssuedAt: a.IssuedAt}
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
	TrackToken      string          `json:"-"` // the creating ticket's token, for the receipt's QR
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
}

// Public returns the fields of d a citizen may see.
func (d Dossier) Public() PublicDossier {
	p := PublicDossier{Code: d.Code, Procedure: d.ProcedureName, Status: d.Status, ReceivedAt: d.ReceivedAt,
		DueAt: d.DueAt, Overdue: d.Overdue, AtRisk: d.AtRisk, Apologies: make([]Apology, 0, len(d.Apologies)), History: []DossierHistory{}}
	for _, a := range d.Apologies {
		p.Apologies = append(p.Apologies, a.PublicApology())
	}
	for _, s := range d.Steps {
		if s.Type == "visit" {
			continue
		}
		p.History = append(p.History, DossierHistory{Status: s.To, At: s.At})
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

// IsOptionalDocument reports whether a document of a procedure's list is
// conditional: the catalogue words those "(nếu có)", "(nếu …)" or "(khi …)".
// Every other document must be ticked to receive the dossier.
func IsOptionalDocument(doc string) bool {
	lower := strings.ToLower(doc)
	open := strings.Index(lower, "(")
	if open < 0 {
		return false
	}
	inside := lower[open:]
	return strings.Contains(inside, "nếu") || strings.Contains(inside, "khi ")
}

// ---- Overdue dossiers: watch lists, apologies, notifications, reports ----

// DefaultAtRiskDays is how many working days before its due date a dossier
// appears on the supervisor's at-risk list.
const DefaultAtRiskDays = 1

// WatchedDossier is a dossier on the supervisor's lists: the staff dossier
// (applicant masked) and where it is stuck.
type WatchedDossier struct {
	Dossier
	Field          string    `json:"field"`
	StatusSince    time.Time `json:"status_since"`         // when it entered its current status
	LateDays       int       `json:"late_days"`            // working days past the due date (0: late today)
	DaysLeft       int       `json:"days_left"`            // working days until the due date (at risk)
	SuggestedDueAt time.Time `json:"suggested_new_due_at"` // a sensible new date for an apology
}

// WatchFilter narrows the supervisor's lists; zero values mean all.
type WatchFilter struct {
	Agency      string
	ProcedureID int64
	Field       string
}

// WatchCounts are the figures at the top of the supervisor's page.
type WatchCounts struct {
	Overdue           int `json:"overdue"`
	AtRisk            int `json:"at_risk"`
	TransferLate      int `json:"transfer_late"`
	OverdueNoApology  int `json:"overdue_without_apology"`
	ApologiesToday    int `json:"apologies_today"`
	OpenDossiers      int `json:"open"`
	PendingDeliveries int `json:"pending_deliveries"`
	FailedDeliveries  int `json:"failed_deliveries"`
}

// Watch is the supervisor's view of late and nearly late dossiers, most late first.
type Watch struct {
	Now          time.Time        `json:"now"`
	AtRiskDays   int              `json:"at_risk_days"`
	Counts       WatchCounts      `json:"counts"`
	Overdue      []WatchedDossier `json:"overdue"`
	AtRisk       []WatchedDossier `json:"at_risk"`
	TransferLate []WatchedDossier `json:"transfer_late"`
}

// ApologyRequest is what a supervisor sends to issue an apology (Mẫu 04).
// NewDueAt is "YYYY-MM-DD" (the close of reception that day) or RFC 3339.
type ApologyRequest struct {
	Reason       string
	NewDueAt     string
	SecondReason string // required when the dossier already has an apology
}

// OnTimeRow is one line of the on-time report: a procedure, agency or officer.
type OnTimeRow struct {
	Key                string   `json:"key"`  // procedure code, agency name or user id
	Name               string   `json:"name"` // what people read
	Received           int      `json:"received"`
	Finished           int      `json:"finished"`
	FinishedOnTime     int      `json:"finished_on_time"`
	FinishedLate       int      `json:"finished_late"`
	PendingOnTime      int      `json:"pending_on_time"`
	PendingOverdue     int      `json:"pending_overdue"`
	OnTimeRate         *float64 `json:"on_time_rate"` // finished on time / finished; null when nothing finished
	AvgLateDays        float64  `json:"avg_late_days"`
	WorstLateDays      int      `json:"worst_late_days"`
	Apologies          int      `json:"apologies"`
	ApologizedDossiers int      `json:"apologized_dossiers"`
	WorstLateCode      string   `json:"worst_late_code,omitempty"`
}

// OnTimeReport is the on-time figures for dossiers received in a date range.
type OnTimeReport struct {
	From  string      `json:"from"`
	To    string      `json:"to"`
	By    string      `json:"by"`
	Now   time.Time   `json:"now"`
	Rows  []OnTimeRow `json:"rows"`
	Total OnTimeRow   `json:"total"`
}

// WebhookAttempt is one try to deliver a notification.
type WebhookAttempt struct {
	At         time.Time `json:"at"`
	StatusCode int       `json:"status_code"` // 0 when no answer came
	Error      string    `json:"error"`
	DurationMS int64     `json:"duration_ms"`
}

// Webhook delivery states.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed" // gave up after the last retry
)

// WebhookDelivery is one outbound notification and its attempts.
type WebhookDelivery struct {
	ID            int64            `json:"id"`
	Event         string           `json:"event"`
	DossierID     int64            `json:"dossier_id"`
	DossierCode   string           `json:"dossier_code"`
	State         string           `json:"state"`
	CreatedAt     time.Time        `json:"created_at"`
	NextAttemptAt *time.Time       `json:"next_attempt_at"`
	DeliveredAt   *time.Time       `json:"delivered_at"`
	Attempts      []WebhookAttempt `json:"attempts"`
	Payload       string           `json:"payload"`
}
