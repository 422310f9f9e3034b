package motcua

import (
	"sort"
	"testing"
	"time"
)

// TestTicketTokenSortsByIssueTime checks what the tokens' index relies on:
// tokens of later tickets sort after earlier ones, tokens of one instant
// still differ, and each has 96 random bits after the time.
func TestTicketTokenSortsByIssueTime(t *testing.T) {
	start := time.Date(2026, 11, 30, 7, 30, 0, 0, time.UTC)
	var tokens []string
	seen := map[string]bool{}
	for i := range 1000 {
		tok := TicketToken(start.Add(time.Duration(i/3) * time.Millisecond))
		if len(tok) != 28 {
			t.Fatalf("got token %q of %d characters, want 28", tok, len(tok))
		}
		if seen[tok] {
			t.Fatalf("got token %q twice", tok)
		}
		seen[tok] = true
		tokens = append(tokens, tok)
	}
	for i := 1; i < len(tokens); i++ {
		if tokens[i-1][:12] > tokens[i][:12] {
			t.Fatalf("token %d (%s) sorts before token %d (%s), issued earlier", i, tokens[i], i-1, tokens[i-1])
		}
	}
	if !sort.StringsAreSorted([]string{TicketToken(start), TicketToken(start.Add(time.Millisecond))}) {
		t.Error("a token a millisecond later sorts first")
	}
	if got, want := TicketToken(start)[:12], "01a22b5c50c0"; got != want {
		t.Errorf("got time prefix %s, want %s (%d ms in hex)", got, want, start.UnixMilli())
	}
}
