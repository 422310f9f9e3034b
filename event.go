package motcua

import (
	"encoding/json"
	"fmt"
	"time"
)

// Event is one entry of the branch's event log. Body is the JSON object sent
// to websocket clients without "type" and "seq", which are spliced in once.
// Data is the same body as a typed value: the hub sets it when it appends the
// event, and the store decodes it when it reads the event back from the log,
// so readers (the phone filter) never search the JSON.
type Event struct {
	Seq       int64     `db:"seq"`
	Type      string    `db:"type"`
	At        time.Time `db:"at"`
	TicketID  *int64    `db:"ticket_id"`
	CounterID *int64    `db:"counter_id"`
	Body      []byte    `db:"body"`
	Data      EventBody `db:"-"`
}

// Event types on the websockets.
const (
	EventCall    = "call"
	EventQueue   = "queue"
	EventTicket  = "ticket"
	EventDossier = "dossier"
)

// EventBody is the typed body of an event; its type names the event.
type EventBody interface {
	EventType() string
}

// TicketRef is the part of a ticket a hall screen shows.
type TicketRef struct {
	ID        int64  `json:"id"`
	Number    string `json:"number"`
	ServiceID int64  `json:"service_id"`
}

// CallBody is the body of a "call" event: a ticket called (or recalled) to a
// counter. OutOfOrder marks a call made by hand, out of queue order.
type CallBody struct {
	Ticket     TicketRef  `json:"ticket"`
	Counter    CounterRef `json:"counter"`
	Recall     bool       `json:"recall"`
	OutOfOrder bool       `json:"out_of_order"`
	At         time.Time  `json:"at"`
}

// EventType is EventCall.
func (*CallBody) EventType() string { return EventCall }

// PublicTicket is a ticket as events carry it: no token, no short code, since
// events reach every counter screen and the log.
type PublicTicket struct {
	ID            int64        `json:"id"`
	Number        string       `json:"number"`
	ServiceID     int64        `json:"service_id"`
	Priority      bool         `json:"priority"`
	PriorityGroup string       `json:"priority_group,omitempty"`
	Status        TicketStatus `json:"status"`
	IssuedAt      time.Time    `json:"issued_at"`
	Counter       *CounterRef  `json:"counter"`
	Calls         int          `json:"calls"`
	CalledAt      *time.Time   `json:"called_at,omitempty"`
	StartedAt     *time.Time   `json:"started_at,omitempty"`
	FinishedAt    *time.Time   `json:"finished_at,omitempty"`
	OutOfOrder    bool         `json:"out_of_order"`
}

// TicketBody is the body of a "ticket" event: a ticket changed status. A
// transfer is announced with status "transferred" while the ticket waits again.
type TicketBody struct {
	Ticket PublicTicket `json:"ticket"`
}

// EventType is EventTicket.
func (*TicketBody) EventType() string { return EventTicket }

// QueueBody is the body of a "queue" event: the waiting counts of the
// services that changed, by service id. Clients merge them into what they have.
type QueueBody struct {
	Waiting map[int64]int `json:"waiting"`
}

// EventType is EventQueue.
func (*QueueBody) EventType() string { return EventQueue }

// DossierBody is the body of a "dossier" event: the public part of a dossier
// that changed, sent to the phone of one of its tickets.
type DossierBody struct {
	Dossier PublicDossier `json:"dossier"`
}

// EventType is EventDossier.
func (*DossierBody) EventType() string { return EventDossier }

// DecodeEventBody reads the JSON body of an event of type typ back into its
// typed value.
func DecodeEventBody(typ string, raw []byte) (EventBody, error) {
	var body EventBody
	switch typ {
	case EventCall:
		body = &CallBody{}
	case EventTicket:
		body = &TicketBody{}
	case EventQueue:
		body = &QueueBody{}
	case EventDossier:
		body = &DossierBody{}
	case EventHall:
		body = &HallBody{}
	case EventRating: // issue 15
		body = &RatingBody{}
	case EventCityVisit: // issue 14
		body = &CityVisitBody{}
	case EventAlert: // issue 15, live supervision
		body = &AlertBody{}
	default:
		return nil, fmt.Errorf("unknown event type %q", typ)
	}
	if err := json.Unmarshal(raw, body); err != nil {
		return nil, fmt.Errorf("event %s: %w", typ, err)
	}
	return body, nil
}
