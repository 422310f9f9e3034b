package motcua

import "time"

// Kinds of a citizen's request about their personal data (Law 91/2025/QH15
// on personal data protection): to see it, to have it corrected, to have it
// deleted.
const (
	PrivacyAccess  = "access"
	PrivacyCorrect = "correct"
	PrivacyDelete  = "delete"
)

// Outcomes of an answered request.
const (
	PrivacyDone    = "done"    // done as asked
	PrivacyPartial = "partial" // done in part, the answer says why
	PrivacyRefused = "refused" // refused, the answer gives the legal ground
)

// PrivacyRequest is a citizen's request about their personal data as the
// supervisor's register keeps it: when it came, by when it must be answered,
// and the answer. Requester and Contact are personal data: staff pages only.
type PrivacyRequest struct {
	ID          int64      `json:"id"`
	Kind        string     `json:"kind"`
	ReceivedAt  time.Time  `json:"received_at"`
	DueAt       time.Time  `json:"due_at"`
	Requester   string     `json:"requester"`
	Contact     string     `json:"contact"`
	DossierCode string     `json:"dossier_code"`
	Detail      string     `json:"detail"`
	RecordedBy  UserRef    `json:"recorded_by"`
	AnsweredAt  *time.Time `json:"answered_at"`
	AnsweredBy  *UserRef   `json:"answered_by"`
	Outcome     string     `json:"outcome"`
	Answer      string     `json:"answer"`
	Overdue     bool       `json:"overdue"` // not answered by DueAt
}

// PrivacyRequestInput is what a supervisor records when a citizen asks.
type PrivacyRequestInput struct {
	Kind        string
	Requester   string
	Contact     string
	DossierCode string
	Detail      string
}
