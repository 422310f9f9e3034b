package server_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/motcua/motcua/server/servertest"
	"github.com/motcua/motcua/store/storetest"
)

func loginVia(env *servertest.Env, c *http.Client, user, password string) int {
	env.T.Helper()
	status, _ := env.RawVia(c, "POST", "/api/v1/auth/login", "", map[string]string{"username": user, "password": password})
	return status
}

// A run of wrong passwords for admin from one address must not keep the
// real admin out: a right password from an address that has not failed
// gets in, while the guessing address stays limited.
func TestWrongPasswordsDoNotLockOutTheRightOne(t *testing.T) {
	env := servertest.New(t)
	guesser := servertest.ClientFrom("127.0.0.2")
	var got []int
	for range 12 {
		got = append(got, loginVia(env, guesser, "admin", "guess-guess"))
	}
	if got[len(got)-1] != http.StatusTooManyRequests {
		t.Fatalf("12 wrong passwords from one address: got %v, want the last 429", got)
	}
	if s := loginVia(env, guesser, "admin", servertest.AdminPassword); s != http.StatusTooManyRequests {
		t.Errorf("right password from the guessing address: got %d, want 429", s)
	}
	if s := loginVia(env, servertest.ClientFrom("127.0.0.3"), "admin", servertest.AdminPassword); s != http.StatusOK {
		t.Errorf("right password from an address that has not failed: got %d, want 200", s)
	}
	// The guesser cannot move on to another account from the same address.
	if s := loginVia(env, guesser, "someone-else", "guess-guess"); s != http.StatusTooManyRequests {
		t.Errorf("another username from the guessing address: got %d, want 429", s)
	}
}

// Spraying made-up names must not reset the counters: the address that
// guessed admin's password is still limited afterwards.
func TestSprayingNamesDoesNotResetTheLimits(t *testing.T) {
	env := servertest.New(t)
	guesser := servertest.ClientFrom("127.0.0.2")
	for range 11 {
		loginVia(env, guesser, "admin", "guess-guess")
	}
	sprayer := servertest.ClientFrom("127.0.0.4")
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for w := range 8 { // eight connections from the one address
		wg.Go(func() {
			for i := w; i < 10050; i += 8 {
				s := loginVia(env, sprayer, fmt.Sprintf("nobody%05d", i), "guess-guess")
				mu.Lock()
				statuses[s]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if statuses[http.StatusTooManyRequests] < 10000 {
		t.Errorf("10050 made-up names from one address: got statuses %v, want nearly all 429", statuses)
	}
	if s := loginVia(env, guesser, "admin", servertest.AdminPassword); s != http.StatusTooManyRequests {
		t.Errorf("after the spray, the guessing address: got %d, want still 429", s)
	}
}

// An unknown username takes as long as a known one, even when the stored
// hashes were made at a higher cost than the hub's own (an earlier hub, the
// shell): the decoy is hashed at the stored cost.
func TestUnknownUsernameTakesAsLongAsAKnownOne(t *testing.T) {
	path := storetest.SQLiteDSN(t)
	servertest.New(t, servertest.WithDSN(path), servertest.WithBcryptCost(10)).Close()
	env := servertest.New(t, servertest.WithDSN(path), servertest.WithBcryptCost(4))
	timeOf := func(ip, user string) time.Duration {
		var best time.Duration
		for i := range 3 {
			c := servertest.ClientFrom(fmt.Sprintf("127.0.1.%d", 10*len(ip)+i)) // a fresh address each try
			loginVia(env, c, "warm-up", "x")                                    // the connection and the decoy, outside the measure
			start := time.Now()
			if s := loginVia(env, c, user, "wrong-password"); s != http.StatusUnauthorized {
				t.Fatalf("login %s: got %d, want 401", user, s)
			}
			if d := time.Since(start); i == 0 || d < best {
				best = d
			}
		}
		return best
	}
	known := timeOf("a", "admin")
	unknown := timeOf("bb", "nobody-here")
	ratio := float64(known) / float64(unknown)
	t.Logf("known %v, unknown %v, ratio %.1f", known, unknown, ratio)
	if ratio > 4 || ratio < 0.25 {
		t.Errorf("wrong password for a known name took %v, for an unknown name %v: want about the same", known, unknown)
	}
}
