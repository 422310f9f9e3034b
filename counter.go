package motcua

// Counter is a service desk (quầy). ServiceIDs is in order of preference.
type Counter struct {
	ID         int64   `db:"id" json:"id"`
	Number     int     `db:"number" json:"number"`
	Name       string  `db:"name" json:"name"`
	ServiceIDs []int64 `db:"-" json:"service_ids"`
}

// CounterRef names a counter the way screens show it.
type CounterRef struct {
	ID     int64  `json:"id"`
	Number int    `json:"number"`
	Name   string `json:"name"`
}

// CounterView is a counter as the counter API lists it.
type CounterView struct {
	Counter
	Status        string      `json:"status"` // idle, calling, serving
	CurrentTicket *TicketView `json:"current_ticket"`
	// Officer is who works at the counter now: signed in on its screen, or
	// the last to act there today; nil when nobody.
	Officer *Officer `json:"officer"`
}
