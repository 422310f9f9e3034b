package motcua

import "time"

// CounterRef names a counter the way screens show it.
type CounterRef struct {
	ID     int64  `json:"id"`
	Number int    `json:"number"`
	Name   string `json:"name"`
}

// TicketView is the ticket object of the API: the stored ticket plus what a
// screen needs to show it. URLs are filled by the HTTP layer, which knows the
// base URL.
type TicketView struct {
	Ticket
	ServiceName string      `json:"service_name"`
	Counter     *CounterRef `json:"counter"`
	Position    int         `json:"position"`
	EstWaitS    int         `json:"est_wait_s"`
	TrackURL    string      `json:"track_url,omitempty"`
	QRURL       string      `json:"qr_url,omitempty"`
	SVGURL      string      `json:"svg_url,omitempty"`
}

// ServiceView is a service as the kiosk lists it.
type ServiceView struct {
	Service
	Waiting     int        `json:"waiting"`
	EstWaitS    int        `json:"est_wait_s"`
	Open        bool       `json:"open"`
	OpensAt     *time.Time `json:"opens_at"`
	IssuedToday int        `json:"issued_today"`
}

// CounterView is a counter as the counter API lists it.
type CounterView struct {
	Counter
	Status        string      `json:"status"` // idle, calling, serving
	CurrentTicket *TicketView `json:"current_ticket"`
}

// ManualCall is one call out of queue order, as the supervisor reviews it.
type ManualCall struct {
	At        time.Time `json:"at"`
	Username  string    `json:"username"`
	TicketID  int64     `json:"ticket_id"`
	Number    string    `json:"number"`
	CounterID int64     `json:"counter_id"`
	Reason    string    `json:"reason"`
}
