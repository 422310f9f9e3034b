package motcua

import "time"

// The hall floor as the supervisor watches it live (issue 15): per counter,
// who works there, what they serve and for how long, how long it has been
// idle, and the calls that skipped someone; alerts when a wait passes its
// service's target or a counter stays idle while people wait for it. It is
// for the supervisor only: ticket numbers and officers, never a citizen.

// Floor is the live state of the hall at At.
type Floor struct {
	At         time.Time      `json:"at"`
	Counters   []CounterFloor `json:"counters"`
	OutOfOrder []SkippedCall  `json:"out_of_order"` // today's calls that skipped someone, newest first
	Alerts     []AlertBody    `json:"alerts"`       // the conditions that hold now
}

// CounterFloor is one counter on the floor.
type CounterFloor struct {
	CounterRef
	Officer  *Officer `json:"officer"`   // who works there: signed in, or the last to act today
	SignedIn bool     `json:"signed_in"` // the officer's counter screen is open
	Status   string   `json:"status"`    // idle, calling, serving
	// Current is the visit at the counter (called or being served) and
	// since when; ForS is how long, in seconds.
	Current *FloorVisit `json:"current"`
	// IdleSince is when the counter last ended a visit today (null: none
	// yet); IdleS counts from it while the counter is idle.
	IdleSince  *time.Time `json:"idle_since"`
	IdleS      *int       `json:"idle_s"`
	Waiting    int        `json:"waiting"` // tickets waiting for its services
	Served     int        `json:"served_today"`
	OutOfOrder int        `json:"out_of_order_today"`
}

// FloorVisit is the visit a counter is calling or serving.
type FloorVisit struct {
	Ticket  TicketRef    `json:"ticket"`
	Service string       `json:"service"` // the service's name
	Status  TicketStatus `json:"status"`
	Since   time.Time    `json:"since"` // the call, or the start of service
	ForS    int          `json:"for_s"`
}

// SkippedCall is a call out of queue order that passed over older tickets
// waiting for the same service, without the policy's reason (a priority
// ticket called before ordinary ones under a priority policy is not one).
type SkippedCall struct {
	At       time.Time   `json:"at"`
	Ticket   TicketRef   `json:"ticket"`
	Counter  *CounterRef `json:"counter"`
	Officer  *Officer    `json:"officer"`
	Reason   string      `json:"reason"`  // what the officer wrote
	Skipped  []string    `json:"skipped"` // the numbers passed over
	Priority bool        `json:"priority"`
}

// EventAlert is the type of the event that warns the supervisor.
const EventAlert = "alert"

// Alert kinds.
const (
	AlertWaitOverTarget = "wait_over_target" // a ticket has waited longer than its service's target
	AlertCounterIdle    = "counter_idle"     // a staffed counter idle while people wait for its services
)

// AlertBody is the body of an "alert" event (the supervisor's socket only).
type AlertBody struct {
	Kind    string      `json:"kind"`
	Ticket  *TicketRef  `json:"ticket,omitempty"`
	Service string      `json:"service,omitempty"` // the service's name
	Counter *CounterRef `json:"counter,omitempty"`
	Officer *Officer    `json:"officer,omitempty"`
	Since   time.Time   `json:"since"` // waiting since, or idle since
	ForS    int         `json:"for_s"`
	TargetS int         `json:"target_s,omitempty"` // the service's target wait
	Waiting int         `json:"waiting,omitempty"`  // people waiting for the idle counter
	At      time.Time   `json:"at"`
}

// EventType is EventAlert.
func (*AlertBody) EventType() string { return EventAlert }
