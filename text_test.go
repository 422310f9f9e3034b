package motcua

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestOddText(t *testing.T) {
	cases := []struct {
		in   string
		odd  bool
		name string
	}{
		{"Nguyễn Văn An", false, "Vietnamese"},
		{"Tờ khai\nCCCD\tbản sao\r\n", false, "lines and tabs"},
		{"", false, "empty"},
		{"A\x00B", true, "NUL"},
		{"A\xffB", true, "invalid UTF-8"},
		{"A\x07B", true, "bell"},
		{"A\x7fB", true, "DEL"},
		{"A\u0085B", true, "C1 control"},
		{"A\u202eB", true, "right-to-left override"},
		{"A\u2066B", true, "isolate"},
		{"A\u200fB", true, "right-to-left mark"},
		{"Đ\u0300", false, "combining mark"},
	}
	for _, c := range cases {
		if got := OddText(c.in) != ""; got != c.odd {
			t.Errorf("%s: OddText(%q) odd = %v, want %v", c.name, c.in, got, c.odd)
		}
	}
}

func TestCheckTextNamesFields(t *testing.T) {
	type applicant struct {
		Name string `json:"name"`
	}
	v := struct {
		Applicant applicant         `json:"applicant"`
		Docs      []string          `json:"documents"`
		Extra     map[string]string `json:"extra"`
		Skip      string            `json:"-"`
		Ptr       *string           `json:"ptr"`
	}{Applicant: applicant{Name: "A\x00"}, Docs: []string{"ok", "\u202e"}, Extra: map[string]string{"k": "\x01"}, Skip: "\x00"}
	err := CheckText(v, "json")
	e, ok := err.(*Error)
	if !ok || e.Code != EInvalid {
		t.Fatalf("CheckText: got %v, want an %s *Error", err, EInvalid)
	}
	for _, f := range []string{"applicant.name", "documents[1]", "extra.k"} {
		if e.Fields[f] == "" {
			t.Errorf("CheckText fields %v: want %s named", e.Fields, f)
		}
	}
	if len(e.Fields) != 3 {
		t.Errorf("CheckText fields %v: want exactly 3 (a json:\"-\" field is not input)", e.Fields)
	}
}

// FuzzOddText: text OddText accepts is valid UTF-8 with no control
// character other than tab, line feed and carriage return, and no
// bidirectional control.
func FuzzOddText(f *testing.F) {
	for _, s := range []string{"Nguyễn", "a\x00", "\xff", "\u202e", "a\tb\nc\r", "\u0085"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if OddText(s) != "" {
			return
		}
		if !utf8.ValidString(s) {
			t.Fatalf("accepted invalid UTF-8 %q", s)
		}
		for _, r := range s {
			if (r < 0x20 && !strings.ContainsRune("\t\n\r", r)) || (r >= 0x7f && r <= 0x9f) ||
				(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
				t.Fatalf("accepted %q holding U+%04X", s, r)
			}
		}
	})
}
