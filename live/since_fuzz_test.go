package live

import (
	"strconv"
	"testing"

	"github.com/motcua/motcua"
)

// FuzzParseSince feeds any ?since= value: it is either a non-negative seq
// that prints back the same (leading zeros and a plus sign aside), or an
// EInvalid error with a bilingual message; never a panic, never a negative.
func FuzzParseSince(f *testing.F) {
	for _, s := range []string{"", "0", "42", "-1", "9223372036854775807", "9223372036854775808", "+5", "007", "1e3", " 1", "1\x00", "١٢"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		n, err := ParseSince(v)
		if v == "" {
			if n != -1 || err != nil {
				t.Fatalf(`ParseSince(""): got %d, %v, want -1 (a snapshot)`, n, err)
			}
			return
		}
		if err != nil {
			if motcua.ErrorCode(err) != motcua.EInvalid {
				t.Fatalf("ParseSince(%q): error %v, want %s", v, err, motcua.EInvalid)
			}
			return
		}
		if n < 0 {
			t.Fatalf("ParseSince(%q) = %d, want a non-negative seq", v, n)
		}
		if back, _ := strconv.ParseInt(v, 10, 64); back != n {
			t.Fatalf("ParseSince(%q) = %d, but the text reads %d", v, n, back)
		}
	})
}
