package motcua

import (
	"sort"
	"sync/atomic"
	"time"
)

// Site is the hall as the hub runs it: the branch, its queue policy, its
// calendar and clock, its services and counters. Every service and handler
// reads it; the hall's administration replaces its configuration as a whole
// (Replace) after a change commits, so a reader sees the old hall or the new
// one, never a mix of fields of both within one call.
type Site struct {
	Clock Clock

	state atomic.Pointer[siteState]
}

// siteState is one configuration of the hall; it never changes once built.
type siteState struct {
	branch   Branch
	policy   QueuePolicy
	calendar *Calendar
	services map[int64]Service
	counters map[int64]Counter
	order    []int64 // service ids in display order
	groups   []PriorityGroup
	booking  BookingPolicy
}

// NewSite builds a site from the stored configuration. services come in
// display order; empty policy and zone fields take their defaults.
func NewSite(branch Branch, policy QueuePolicy, cal *Calendar, clock Clock, services []Service, counters []Counter) *Site {
	if policy.Priority == "" {
		policy.Priority = PolicyStrict
	}
	if policy.Priority == PolicyInterleave && policy.InterleaveN < 1 {
		policy.InterleaveN = 3
	}
	if clock == nil {
		clock = SystemClock{}
	}
	st := &siteState{branch: branch, policy: policy, calendar: cal,
		services: map[int64]Service{}, counters: map[int64]Counter{}}
	for _, sv := range services {
		if sv.Digits <= 0 {
			sv.Digits = 3
		}
		st.services[sv.ID] = sv
		st.order = append(st.order, sv.ID)
	}
	for _, c := range counters {
		st.counters[c.ID] = c
	}
	s := &Site{Clock: clock}
	s.state.Store(st)
	return s
}

// Replace takes next's configuration (branch, policy, calendar, services,
// counters); the clock stays. Readers that already hold a value keep it.
func (s *Site) Replace(next *Site) { s.state.Store(next.state.Load()) }

func (s *Site) cur() *siteState { return s.state.Load() }

// SetBooking sets the rules of online numbers; call it while building a
// site, before it is shared (Replace takes them with the rest).
func (s *Site) SetBooking(b BookingPolicy) {
	next := *s.cur()
	next.booking = b
	s.state.Store(&next)
}

// Booking is the hall's rules for online numbers.
func (s *Site) Booking() BookingPolicy { return s.cur().booking }

// ServiceBooking returns the booking rules of a service; ok is false when
// the service takes no online numbers.
func (s *Site) ServiceBooking(serviceID int64) (ServiceBooking, bool) {
	st := s.cur()
	sv, ok := st.services[serviceID]
	if !ok {
		return ServiceBooking{}, false
	}
	return st.booking.For(sv.Code)
}

// Branch is the branch the hall belongs to.
func (s *Site) Branch() Branch { return s.cur().branch }

// Policy is how call-next treats priority tickets, and the no-show rules.
func (s *Site) Policy() QueuePolicy { return s.cur().policy }

// Calendar is the branch's working-day calendar.
func (s *Site) Calendar() *Calendar { return s.cur().calendar }

// Location is the branch's time zone.
func (s *Site) Location() *time.Location { return s.Calendar().Location() }

// Now is the branch-local time.
func (s *Site) Now() time.Time { return s.Clock.Now().In(s.Location()) }

// Day is t's branch-local date, "YYYY-MM-DD": ticket numbers start again each day.
func (s *Site) Day(t time.Time) string { return t.In(s.Location()).Format(time.DateOnly) }

// Local returns t in the branch's time zone (nil stays nil).
func (s *Site) Local(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	l := t.In(s.Location())
	return &l
}

// Service returns a configured service; ok is false when there is none (or
// it was retired).
func (s *Site) Service(id int64) (sv Service, ok bool) {
	sv, ok = s.cur().services[id]
	return sv, ok
}

// Counter returns a configured counter; ok is false when there is none (or
// it was retired).
func (s *Site) Counter(id int64) (c Counter, ok bool) {
	c, ok = s.cur().counters[id]
	return c, ok
}

// CounterRef names a counter the way screens show it; nil when id is nil or unknown.
func (s *Site) CounterRef(id *int64) *CounterRef {
	if id == nil {
		return nil
	}
	c, ok := s.cur().counters[*id]
	if !ok {
		return nil
	}
	return &CounterRef{ID: c.ID, Number: c.Number, Name: c.Name}
}

// ServiceList returns the configured services in display order.
func (s *Site) ServiceList() []Service {
	st := s.cur()
	out := make([]Service, 0, len(st.order))
	for _, id := range st.order {
		out = append(out, st.services[id])
	}
	return out
}

// CounterList returns the configured counters by number.
func (s *Site) CounterList() []Counter {
	st := s.cur()
	out := make([]Counter, 0, len(st.counters))
	for _, c := range st.counters {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out
}

// PriorityFirst says whether priority tickets go ahead of the queue.
func (s *Site) PriorityFirst() bool { return s.Policy().Priority != PolicyNone }
