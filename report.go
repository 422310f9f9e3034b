package motcua

import "time"

// OnTimeRow is one line of the on-time report: a procedure, agency or officer.
type OnTimeRow struct {
	Key            string `json:"key"`  // procedure code, agency name or user id
	Name           string `json:"name"` // what people read
	Received       int    `json:"received"`
	Finished       int    `json:"finished"`
	FinishedOnTime int    `json:"finished_on_time"`
	FinishedLate   int    `json:"finished_late"`
	// Issue 15 (QĐ 766): the finished dossiers split early / on the due day /
	// late. FinishedEarly + FinishedOnDue = FinishedOnTime.
	FinishedEarly      int      `json:"finished_early"`  // finished on a branch day before the promised one
	FinishedOnDue      int      `json:"finished_on_due"` // finished on the promised day, in time
	PendingOnTime      int      `json:"pending_on_time"`
	PendingOverdue     int      `json:"pending_overdue"`
	OnTimeRate         *float64 `json:"on_time_rate"` // finished on time / finished; null when nothing finished
	AvgLateDays        float64  `json:"avg_late_days"`
	WorstLateDays      int      `json:"worst_late_days"`
	Apologies          int      `json:"apologies"`
	ApologizedDossiers int      `json:"apologized_dossiers"`
	WorstLateCode      string   `json:"worst_late_code,omitempty"`
	// Issue 17: dossiers stopped (Mẫu 05) are an outcome of their own, neither
	// finished nor pending; the hand-overs (Mẫu 06) counted by timing.
	Stopped         int `json:"stopped"`
	Handovers       int `json:"handovers"`
	HandoversEarly  int `json:"handovers_early"`
	HandoversOnTime int `json:"handovers_on_time"`
	HandoversLate   int `json:"handovers_late"`
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
