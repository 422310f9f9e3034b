package motcua

import "time"

// Rating is a citizen's rating of a visit (issue 15): a score from 1 to 5,
// the reasons ticked and an optional comment.
type Rating struct {
	Score   int       `json:"score"`
	Reasons []string  `json:"reasons"`
	Comment string    `json:"comment,omitempty"`
	RatedAt time.Time `json:"rated_at"`
}

// RatingReasons are the reasons the phone and tablet pages offer (any short
// text is accepted; these are what the pages show).
var RatingReasons = []string{
	"Cán bộ thân thiện, tận tình",
	"Hướng dẫn rõ ràng, dễ hiểu",
	"Giải quyết nhanh",
	"Phải chờ lâu",
	"Hướng dẫn chưa rõ",
	"Thái độ chưa tốt",
	"Phải đi lại nhiều lần",
}

// LowScore is the highest score the supervisor is alerted to at once.
const LowScore = 2

// EventRating is the type of the event that tells the supervisor of a low
// rating.
const EventRating = "rating"

// RatingBody is the body of a "rating" event (the supervisor's socket only):
// a low rating, with the visit's ticket number, service, counter and officer.
// It names no citizen.
type RatingBody struct {
	Score     int         `json:"score"`
	Reasons   []string    `json:"reasons"`
	Comment   string      `json:"comment,omitempty"`
	Ticket    TicketRef   `json:"ticket"`
	Counter   *CounterRef `json:"counter"`
	StaffID   *int64      `json:"staff_id"`
	StaffName string      `json:"staff_name,omitempty"`
	At        time.Time   `json:"at"`
}

// EventType is EventRating.
func (*RatingBody) EventType() string { return EventRating }

// SatisfactionRow is one line of the satisfaction report.
type SatisfactionRow struct {
	Key      string         `json:"key"`
	Label    string         `json:"label"`
	Ratings  int            `json:"ratings"`
	AvgScore *float64       `json:"avg_score"` // null without ratings
	ByScore  map[string]int `json:"by_score"`  // "1".."5"
	// SatisfiedRate is the QĐ 766 satisfaction rate: ratings of 4 or 5 over
	// all ratings (see docs/reports.md); null without ratings.
	SatisfiedRate *float64 `json:"satisfied_rate"`
}
