package queue

import (
	"strings"
	"testing"
)

func TestShortCodesAreReadableAndUniform(t *testing.T) {
	counts := map[rune]int{}
	const draws = 20000
	for range draws {
		code := shortCode()
		if len(code) != 6 {
			t.Fatalf("short code %q: got %d characters, want 6", code, len(code))
		}
		for _, r := range code {
			if strings.ContainsRune("0O1IL", r) {
				t.Fatalf("short code %q has the ambiguous character %q", code, r)
			}
			counts[r]++
		}
	}
	want := float64(draws*6) / 31
	for r, n := range counts {
		if float64(n) < want*0.85 || float64(n) > want*1.15 {
			t.Errorf("character %q drawn %d times, want about %.0f: the draw is biased", r, n, want)
		}
	}
	if len(counts) != 31 {
		t.Errorf("got %d distinct characters, want all 31", len(counts))
	}
}
