package motcua

import "time"

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

// ApologyRequest is what a supervisor sends to issue an apology (Mẫu 04).
// NewDueAt is "YYYY-MM-DD" (the close of reception that day) or RFC 3339.
type ApologyRequest struct {
	Reason       string
	NewDueAt     string
	SecondReason string // required when the dossier already has an apology
}
