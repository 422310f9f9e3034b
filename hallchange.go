package motcua

import (
	"encoding/json"
	"time"
)

// What a change to the hall does to one entity (issue 12).
const (
	ChangeAdd    = "add"    // new, or a retired entity brought back
	ChangeChange = "change" // some of its fields differ
	ChangeRetire = "retire" // left out of the new description: it leaves the screens, its history stays
	// ChangeClash: the city's catalogue has a procedure whose code the hall
	// has as its own; the hall's own is kept, the city's is not applied here.
	ChangeClash = "clash"
)

// Kinds of hall entities a change names. The sections of the description
// (branch, policy, reception, privacy, dossiers) are one entity each, keyed
// by their own name; services and procedures are keyed by code, counters by
// number, holidays and working days by date.
const (
	KindBranch     = "branch"
	KindPolicy     = "policy"
	KindReception  = "reception"
	KindPrivacy    = "privacy"
	KindDossiers   = "dossiers"
	KindService    = "service"
	KindCounter    = "counter"
	KindProcedure  = "procedure"
	KindHoliday    = "holiday"
	KindWorkingDay = "working_day"
	KindBooking    = "booking" // online numbers (one section)
)

// HallChange is one difference between the running hall and a new
// description. Before and After are the entity as the description writes it
// (JSON, the YAML field names); Fields names what differs in a change.
type HallChange struct {
	Kind   string          `json:"kind"`
	Key    string          `json:"key"`
	Action string          `json:"action"`
	Fields []string        `json:"fields,omitempty"`
	Before json.RawMessage `json:"before,omitempty"`
	After  json.RawMessage `json:"after,omitempty"`
}

// HallChangeSet is what a change of the hall does, or in a dry run would
// do: the changes, entity by entity, and the procedures of the new
// description whose codes the city's catalogue (version CityVersion, 0 when
// the hall never got one) also has (issue 14).
type HallChangeSet struct {
	Changes     []HallChange
	CityClashes []CityClash
	CityVersion int64
}

// HallAuditEntry is one recorded change of the hall's configuration: who
// (a user, or the -config file at start), when, and what before → after.
// Seq is the "hall" event that announced the change set it belongs to.
type HallAuditEntry struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	User   *UserRef  `json:"user"`
	Source string    `json:"source"` // "api", or "file:<path>" for -config at start, "load" for the first load, "city:<version>" for the city's catalogue
	Seq    int64     `json:"seq"`
	HallChange
}

// EventHall tells screens that the hall's configuration changed: they
// reload what they show of it (services, counters, the notice).
const EventHall = "hall"

// HallBody is the body of a "hall" event. Kinds lists the kinds of entity
// that changed, so a screen can ignore, say, a new procedure.
type HallBody struct {
	At      time.Time `json:"at"`
	Changes int       `json:"changes"`
	Kinds   []string  `json:"kinds"`
}

// EventType is EventHall.
func (*HallBody) EventType() string { return EventHall }
