package motcua

import (
	"sort"
	"time"
)

// Site is the hall as the hub runs it: the branch, its queue policy, its
// calendar and clock, its services and counters. The hub reads it once at
// start (the admin, not yet built, will replace it); every service and
// handler reads it, nobody changes it.
type Site struct {
	Branch   Branch
	Policy   QueuePolicy
	Calendar *Calendar
	Clock    Clock

	services map[int64]Service
	counters map[int64]Counter
	order    []int64 // service ids in display order
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
	s := &Site{Branch: branch, Policy: policy, Calendar: cal, Clock: clock,
		services: map[int64]Service{}, counters: map[int64]Counter{}}
	for _, sv := range services {
		if sv.Digits <= 0 {
			sv.Digits = 3
		}
		s.services[sv.ID] = sv
		s.order = append(s.order, sv.ID)
	}
	for _, c := range counters {
		s.counters[c.ID] = c
	}
	return s
}

// Location is the branch's time zone.
func (s *Site) Location() *time.Location { return s.Calendar.Location() }

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

// Service returns a configured service; ok is false when there is none.
func (s *Site) Service(id int64) (sv Service, ok bool) {
	sv, ok = s.services[id]
	return sv, ok
}

// Counter returns a configured counter; ok is false when there is none.
func (s *Site) Counter(id int64) (c Counter, ok bool) {
	c, ok = s.counters[id]
	return c, ok
}

// CounterRef names a counter the way screens show it; nil when id is nil or unknown.
func (s *Site) CounterRef(id *int64) *CounterRef {
	if id == nil {
		return nil
	}
	c, ok := s.counters[*id]
	if !ok {
		return nil
	}
	return &CounterRef{ID: c.ID, Number: c.Number, Name: c.Name}
}

// ServiceList returns the configured services in display order.
func (s *Site) ServiceList() []Service {
	out := make([]Service, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, s.services[id])
	}
	return out
}

// CounterList returns the configured counters by number.
func (s *Site) CounterList() []Counter {
	out := make([]Counter, 0, len(s.counters))
	for _, c := range s.counters {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out
}

// PriorityFirst says whether priority tickets go ahead of the queue.
func (s *Site) PriorityFirst() bool { return s.Policy.Priority != PolicyNone }
