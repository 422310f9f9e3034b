package motcua

import "time"

// TicketStatus is where a ticket (số thứ tự) is in its visit.
type TicketStatus string

const (
	TicketWaiting     TicketStatus = "waiting"
	TicketCalled      TicketStatus = "called"
	TicketServing     TicketStatus = "serving"
	TicketDone        TicketStatus = "done"
	TicketNoShow      TicketStatus = "no_show"
	TicketTransferred TicketStatus = "transferred" // only in events: a transferred ticket waits again
	TicketCancelled   TicketStatus = "cancelled"
)

// TicketAction is a move a counter (or the kiosk) makes on a ticket.
type TicketAction string

const (
	ActionCall       TicketAction = "call"
	ActionRecall     TicketAction = "recall"
	ActionStart      TicketAction = "start"
	ActionFinish     TicketAction = "finish"
	ActionNoShow     TicketAction = "no_show"
	ActionTransfer   TicketAction = "transfer"
	ActionCancel     TicketAction = "cancel"
	ActionReactivate TicketAction = "reactivate"
)

// ticketMoves is the whole lifecycle: from each status, the actions allowed and
// the status they lead to. Anything not listed is a 409.
var ticketMoves = map[TicketStatus]map[TicketAction]TicketStatus{
	TicketWaiting: {
		ActionCall:   TicketCalled,
		ActionCancel: TicketCancelled,
	},
	TicketCalled: {
		ActionRecall:   TicketCalled,
		ActionStart:    TicketServing,
		ActionNoShow:   TicketNoShow,
		ActionTransfer: TicketWaiting,
		ActionFinish:   TicketDone, // served without pressing start: the visit still happened
	},
	TicketServing: {
		ActionFinish:   TicketDone,
		ActionTransfer: TicketWaiting,
	},
	TicketNoShow: {
		ActionReactivate: TicketWaiting,
	},
}

// NextTicketStatus says where action leads from status, or a conflict error.
func NextTicketStatus(from TicketStatus, action TicketAction) (TicketStatus, error) {
	if to, ok := ticketMoves[from][action]; ok {
		return to, nil
	}
	return "", Errorf(EConflict, "Không thể %s phiếu đang ở trạng thái %q. / Cannot %s a ticket that is %s.",
		action, from, action, from)
}

// Ticket is one citizen's place in a service queue for one day.
type Ticket struct {
	ID            int64  `db:"id" json:"id"`
	Day           string `db:"day" json:"-"` // branch-local YYYY-MM-DD the number belongs to
	Seq           int    `db:"seq" json:"-"` // sequence within the service and day
	Number        string `db:"number" json:"number"`
	ServiceID     int64  `db:"service_id" json:"service_id"`
	Priority      bool   `db:"priority" json:"priority"`
	PriorityGroup string `db:"priority_group" json:"priority_group,omitempty"`
	// Appointment: the ticket came from an online booking's check-in.
	Appointment bool         `db:"appointment" json:"appointment"`
	Status      TicketStatus `db:"status" json:"status"`
	IssuedAt    time.Time    `db:"issued_at" json:"issued_at"`
	QueuedAt    time.Time    `db:"queued_at" json:"-"` // place in line; kept across transfers
	Token       string       `db:"token" json:"token"`
	ShortCode   string       `db:"short_code" json:"short_code"`
	CounterID   *int64       `db:"counter_id" json:"counter_id"`
	Calls       int          `db:"calls" json:"calls"`
	CalledAt    *time.Time   `db:"called_at" json:"called_at,omitempty"`
	StartedAt   *time.Time   `db:"started_at" json:"started_at,omitempty"`
	FinishedAt  *time.Time   `db:"finished_at" json:"finished_at,omitempty"`
	OutOfOrder  bool         `db:"out_of_order" json:"out_of_order"`
	// CalledBy is the officer who last called the ticket; ServedBy the
	// officer at the counter that called or served the visit (reports group
	// by it). A transfer or a reactivation clears both.
	CalledBy *int64 `db:"called_by" json:"-"`
	ServedBy *int64 `db:"served_by" json:"-"`
}

// IssueRequest is what a kiosk (or a phone) asks for.
type IssueRequest struct {
	ServiceID     int64
	Priority      bool
	PriorityGroup string
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
