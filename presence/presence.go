// Package presence knows who works at which counter: the officers whose
// counter screens are open (their websockets) and, failing that, the officer
// who last acted at the counter today. The supervisor sees it next to each
// counter. It lives in memory only: after a restart the counter screens
// reconnect and take their seats again.
package presence

import (
	"sync"

	"github.com/motcua/motcua"
)

// Board is the hall's seating: counter → officer.
type Board struct {
	site *motcua.Site

	mu    sync.Mutex
	seats map[int64][]*seat // counter id → open screens, oldest first
	last  map[int64]action  // counter id → the last action there
}

// seat is one open counter screen.
type seat struct {
	userID  int64
	officer motcua.Officer
	end     func() // closes the screen's connection
}

type action struct {
	officer motcua.Officer
	userID  int64
	day     string // branch-local day of the action
}

// New returns an empty board for the site's counters.
func New(site *motcua.Site) *Board {
	return &Board{site: site, seats: map[int64][]*seat{}, last: map[int64]action{}}
}

func officerOf(u motcua.User) motcua.Officer { return motcua.Officer{ID: u.ID, FullName: u.Name()} }

// SitDown notes u's counter screen open at the counter; end closes that
// screen's connection (EndUser calls it). The returned function notes the
// screen closed.
func (b *Board) SitDown(counterID int64, u motcua.User, end func()) (standUp func()) {
	s := &seat{userID: u.ID, officer: officerOf(u), end: end}
	b.mu.Lock()
	b.seats[counterID] = append(b.seats[counterID], s)
	b.mu.Unlock()
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		list := b.seats[counterID]
		for i, x := range list {
			if x == s {
				list = append(list[:i:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(b.seats, counterID)
		} else {
			b.seats[counterID] = list
		}
	}
}

// Acted notes that u acted at the counter now. The hub's own moves (a zero
// user) are not an officer's.
func (b *Board) Acted(counterID int64, u motcua.User) {
	if u.ID == 0 {
		return
	}
	day := b.site.Day(b.site.Clock.Now())
	b.mu.Lock()
	b.last[counterID] = action{officer: officerOf(u), userID: u.ID, day: day}
	b.mu.Unlock()
}

// Officer is who works at the counter: the newest open screen's officer,
// else whoever acted there last today; nil when nobody.
func (b *Board) Officer(counterID int64) *motcua.Officer {
	day := b.site.Day(b.site.Clock.Now())
	b.mu.Lock()
	defer b.mu.Unlock()
	if list := b.seats[counterID]; len(list) > 0 {
		o := list[len(list)-1].officer
		return &o
	}
	if a, ok := b.last[counterID]; ok && a.day == day {
		o := a.officer
		return &o
	}
	return nil
}

// EndUser closes every counter screen of the user and forgets where they
// acted: their account was disabled or changed, or their password reset.
// A screen whose session still holds reconnects and sits down again.
func (b *Board) EndUser(userID int64) {
	var ends []func()
	b.mu.Lock()
	for _, list := range b.seats {
		for _, s := range list {
			if s.userID == userID && s.end != nil {
				ends = append(ends, s.end)
			}
		}
	}
	for id, a := range b.last {
		if a.userID == userID {
			delete(b.last, id)
		}
	}
	b.mu.Unlock()
	for _, end := range ends {
		end() // outside the lock: closing runs the connection's own clean-up
	}
}

// SignedIn tells whether an officer's counter screen is open at the counter
// now (the supervisor's floor, issue 15).
func (b *Board) SignedIn(counterID int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.seats[counterID]) > 0
}
