package auth

import (
	"net/netip"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/time/rate"

	"github.com/motcua/motcua"
)

// Login limits: every address and every username may fail a burst of times,
// then once every few seconds. Only wrong passwords count.
const (
	loginFailEvery  = 6 * time.Second
	loginFailBurst  = 10
	loginLimitNames = 10000 // addresses and usernames remembered each; the oldest are forgotten first
)

// loginLimiter counts wrong passwords by address and by username, so a
// password can be guessed neither from one counter PC nor by spraying one
// account from many. A username under attack stays open to an address that
// has not failed recently: a run of wrong passwords from elsewhere never
// locks the right person out. Both tables are bounded LRUs: a spray of
// made-up names evicts the oldest entries, it does not wipe every counter.
type loginLimiter struct {
	clock motcua.Clock
	mu    sync.Mutex // makes "look at both, then count on both" one step
	addrs *lru.Cache[netip.Addr, *rate.Limiter]
	names *lru.Cache[string, *rate.Limiter]
}

func newLoginLimiter(clock motcua.Clock) *loginLimiter {
	if clock == nil {
		clock = motcua.SystemClock{}
	}
	addrs, err := lru.New[netip.Addr, *rate.Limiter](loginLimitNames)
	if err != nil {
		panic(err) // only for a size below 1
	}
	names, err := lru.New[string, *rate.Limiter](loginLimitNames)
	if err != nil {
		panic(err)
	}
	return &loginLimiter{clock: clock, addrs: addrs, names: names}
}

// allow says whether a login from this address for this (normalised)
// username may be checked at all.
func (l *loginLimiter) allow(from netip.Addr, name string) bool {
	now := l.clock.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	addr, seen := l.addrs.Get(from)
	if seen && addr.TokensAt(now) < 1 {
		return false // this address is guessing
	}
	clean := !seen || addr.TokensAt(now) >= loginFailBurst // no recent failure from here
	if user, ok := l.names.Get(name); ok && user.TokensAt(now) < 1 && !clean {
		return false // this account is under attack, and this address took part
	}
	return true
}

// failed counts a wrong password against the address and the username.
func (l *loginLimiter) failed(from netip.Addr, name string) {
	now := l.clock.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, lim := range []*rate.Limiter{limiterOf(l.addrs, from), limiterOf(l.names, name)} {
		lim.AllowN(now, 1)
	}
}

// allowName and failedName count the wrong current passwords of a signed-in
// user changing their own password: the session is known, so only the
// username counts.
func (l *loginLimiter) allowName(name string) bool {
	now := l.clock.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.names.Get(normalUsername(name))
	return !ok || lim.TokensAt(now) >= 1
}

func (l *loginLimiter) failedName(name string) {
	now := l.clock.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	limiterOf(l.names, normalUsername(name)).AllowN(now, 1)
}

func limiterOf[K comparable](c *lru.Cache[K, *rate.Limiter], key K) *rate.Limiter {
	lim, ok := c.Get(key)
	if !ok {
		lim = rate.NewLimiter(rate.Every(loginFailEvery), loginFailBurst)
		c.Add(key, lim)
	}
	return lim
}
