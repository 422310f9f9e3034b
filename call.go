package motcua

import "time"

// ManualCall is one call out of queue order, as the supervisor reviews it.
type ManualCall struct {
	At        time.Time `json:"at"`
	Username  string    `json:"username"`
	TicketID  int64     `json:"ticket_id"`
	Number    string    `json:"number"`
	CounterID int64     `json:"counter_id"`
	Reason    string    `json:"reason"`
}
