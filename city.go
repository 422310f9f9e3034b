package motcua

import (
	"sort"
	"time"
)

// The city (issue 14): branches that each run their own hall join one
// registry (`motcua registry`), which sees every hall's queues and dossiers.
// A hall sends the city its public events; nothing personal leaves the hall.

// CityEvent is one event of a hall as it travels to the registry: the
// branch's code and the event's seq in that branch's log are its identity,
// so the registry applies it once however often it arrives.
type CityEvent struct {
	Branch string    `json:"branch"`
	Seq    int64     `json:"seq"`
	Type   string    `json:"type"`
	At     time.Time `json:"at"`
	Body   []byte    `json:"body"`
}

// CityEventTypes are the event types a hall sends the city: waiting counts
// and tickets (for the queues) and dossiers (for the city-wide lookup and
// the overdue lists) and visits about another branch's dossier. Calls are the hall screens' business.
var CityEventTypes = []string{EventQueue, EventTicket, EventDossier, EventCityVisit}

// IsCityEvent says whether an event of type typ goes to the city.
func IsCityEvent(typ string) bool {
	for _, t := range CityEventTypes {
		if t == typ {
			return true
		}
	}
	return false
}

// CityBranch is a branch as the registry sees it.
type CityBranch struct {
	Code     string     `json:"code"`
	Name     string     `json:"name"`
	UnitCode string     `json:"unit_code"`
	Online   bool       `json:"online"`
	LastSeen *time.Time `json:"last_seen"`
	// OnlineSince is when the hall's current link came up.
	OnlineSince *time.Time `json:"online_since,omitempty"`
	Revoked     bool       `json:"revoked"`
	// Waiting counts the tickets waiting now; Serving today's tickets called
	// or at a counter.
	Waiting int `json:"waiting"`
	Serving int `json:"serving"`
	// Overdue and AtRisk count the open dossiers past or near their due date.
	Overdue int `json:"overdue"`
	AtRisk  int `json:"at_risk"`
	// Received counts today's dossiers.
	Received int `json:"received_today"`
	// LastSeq is the newest event of the branch the registry applied.
	LastSeq int64 `json:"last_seq"`
}

// BranchRef names a branch.
type BranchRef struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// CityDossier is a dossier found through the registry: its public part and
// the branch that received it.
type CityDossier struct {
	PublicDossier
	Branch BranchRef `json:"branch"`
	// Visits are the visits linked to it at other branches.
	Visits []CityVisit `json:"visits"`
}

// CityCalendar is the city's calendar, published at the registry: days off
// and announced working days that every hall applies beside its own.
// Revision is the registry's, so a hall applies each publication once.
type CityCalendar struct {
	Revision    uint64    `json:"revision"`
	Holidays    []Holiday `json:"holidays"`
	WorkingDays []Holiday `json:"working_days"`
}

// CityCatalogue is the city's procedure catalogue, published at the
// registry: every hall applies it beside its own procedures. Revision is the
// registry bucket's (a hall applies each publication once), Version the
// registry's number of the publication, Source who published it there.
type CityCatalogue struct {
	Revision    uint64      `json:"revision"`
	Version     int64       `json:"version"`
	PublishedAt time.Time   `json:"published_at"`
	Source      string      `json:"source,omitempty"`
	Procedures  []Procedure `json:"procedures"`
}

// CityClash is a procedure a hall has, or in a proposed hall description
// would have, as its own while the city's catalogue also has its code: the
// hall's own is kept there and the city's is not applied (docs/city.md).
type CityClash struct {
	Code     string `json:"code"`
	Name     string `json:"name"`      // the hall's own procedure's name
	CityName string `json:"city_name"` // the city's procedure of that code
	// New: the hall does not have the code as its own yet, so the change
	// takes over a procedure it now offers as the city's; false for a clash
	// the hall already has and keeps.
	New bool `json:"new"`
}

// Where a procedure of a hall comes from: the hall's own (its hall
// description) or the city's catalogue. On a code both have, the hall's own
// is kept and the city's is not applied at that hall (docs/city.md).
const (
	OriginHall = "hall"
	OriginCity = "city"
)

// MergeDays is the union of a hall's own days and the city's, by date,
// sorted; the hall's own name wins on a date both have.
func MergeDays(own, city []Holiday) []Holiday {
	seen := map[string]bool{}
	out := make([]Holiday, 0, len(own)+len(city))
	for _, list := range [][]Holiday{own, city} {
		for _, d := range list {
			if !seen[d.Date] {
				seen[d.Date] = true
				out = append(out, d)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Date < out[j].Date })
	return out
}

// EventCityVisit records, at a hall, a visit (a ticket) linked to a dossier
// another branch received: the citizen came back here with a missing paper.
const EventCityVisit = "city_visit"

// CityVisitBody is the body of a "city_visit" event. It names the dossier by
// code and the ticket by its number of the day; nothing personal.
type CityVisitBody struct {
	Code     string    `json:"code"`
	Branch   BranchRef `json:"branch"` // where the dossier was received
	TicketID int64     `json:"ticket_id"`
	Number   string    `json:"number"`
	At       time.Time `json:"at"`
}

// EventType is EventCityVisit.
func (*CityVisitBody) EventType() string { return EventCityVisit }

// CityVisit is a visit at a branch about a dossier, as the registry lists it.
type CityVisit struct {
	Branch BranchRef `json:"branch"`
	Number string    `json:"number"`
	At     time.Time `json:"at"`
}
