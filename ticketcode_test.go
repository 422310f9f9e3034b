package motcua

import (
	"strings"
	"testing"
)

// TestShortCodes checks the permutation the codes rest on: codes are six
// characters of the alphabet, distinct for distinct ids, turn back into
// their id, and differ under another key; ids outside the code space and
// malformed codes are refused.
func TestShortCodes(t *testing.T) {
	key := []byte("0123456789abcdef")
	c, err := NewShortCodes(key)
	if err != nil {
		t.Fatal(err)
	}
	other, err := NewShortCodes([]byte("fedcba9876543210"))
	if err != nil {
		t.Fatal(err)
	}
	seen := make(map[string]int64, 100000)
	same := 0
	for _, id := range append(seq(1, 100000), shortCodeSpace-1, 123456789) {
		code, ok := c.Code(id)
		if !ok {
			t.Fatalf("id %d: got no code", id)
		}
		if len(code) != 6 || strings.Trim(code, ShortCodeAlphabet) != "" {
			t.Fatalf("id %d: got code %q, want six characters of %s", id, code, ShortCodeAlphabet)
		}
		if prev, dup := seen[code]; dup {
			t.Fatalf("ids %d and %d: got the same code %s", prev, id, code)
		}
		seen[code] = id
		if back, ok := c.ID(code); !ok || back != id {
			t.Fatalf("code %s of id %d: got id %d (%v) back", code, id, back, ok)
		}
		if o, _ := other.Code(id); o == code {
			same++
		}
	}
	if same > 10 {
		t.Errorf("got %d of 100,002 codes equal under another key, want about none", same)
	}
	for _, id := range []int64{0, -1, shortCodeSpace, 1 << 40} {
		if code, ok := c.Code(id); ok {
			t.Errorf("id %d: got code %q, want none", id, code)
		}
	}
	for _, code := range []string{"", "ABCDE", "ABCDEFG", "ABCDE0", "abcdef", "ABCDÉ"} {
		if id, ok := c.ID(code); ok {
			t.Errorf("code %q: got id %d, want none", code, id)
		}
	}
	if _, err := NewShortCodes([]byte("short")); err == nil {
		t.Error("a 5-byte key: got no error")
	}
}

func seq(from, to int64) []int64 {
	out := make([]int64, 0, to-from+1)
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

// FuzzShortCodeID feeds typed codes (outside input, from the kiosk) to the
// codes' inverse: a code of six alphabet characters always stands for one
// id whose code it is; anything else is refused, never a panic.
func FuzzShortCodeID(f *testing.F) {
	for _, seed := range []string{"ABCDEF", "999999", "AAAAAA", "ABCDE0", "", "ĐĐĐĐĐĐ"} {
		f.Add(seed)
	}
	c, err := NewShortCodes([]byte("0123456789abcdef"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, code string) {
		id, ok := c.ID(code)
		valid := len(code) == 6 && strings.Trim(code, ShortCodeAlphabet) == ""
		if ok != valid {
			t.Fatalf("code %q: got ok %v, want %v", code, ok, valid)
		}
		if !ok {
			return
		}
		back, ok := c.Code(id)
		if id == 0 {
			// The one code that stands for id 0, which no ticket has.
			if ok {
				t.Fatalf("code %q: id 0 got code %q", code, back)
			}
			return
		}
		if !ok || back != code {
			t.Fatalf("code %q: id %d gives code %q (%v)", code, id, back, ok)
		}
	})
}
