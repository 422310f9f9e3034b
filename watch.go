package motcua

import "time"

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
