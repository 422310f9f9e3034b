package sheet

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

func TestCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"Nguyễn Văn An", "Nguyễn Văn An"},
		{"=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"},
		{"+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"},
		{"-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"},
		{"@SUM(1,2)", "'@SUM(1,2)"},
		{"\t=1+1", "'\t=1+1"},
		{"\r=1+1", "'\r=1+1"},
		{"\n=1+1", "'\n=1+1"},
		{"a=1", "a=1"},
		{"'=1", "'=1"},
		{"-5", "-5"},
		{"+3.25", "+3.25"},
		{"42", "42"},
		{"-", "'-"},
		{"+", "'+"},
		{"-.5", "'-.5"},
		{"-5.", "'-5."},
		{"-1.2.3", "'-1.2.3"},
		{"+84 912 345 678", "'+84 912 345 678"},
	}
	for _, tt := range tests {
		if got := Cell(tt.in); got != tt.want {
			t.Errorf("Cell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWriter(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	row := []string{"1", "=cmd", "Trần Thị Bình"}
	if err := w.Write(row); err != nil {
		t.Fatal(err)
	}
	if err := w.Write([]string{"2", "@x", "-3"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if row[1] != "=cmd" {
		t.Errorf("Write changed the caller's row: %q", row)
	}
	out := buf.String()
	if !strings.HasPrefix(out, BOM) || strings.Count(out, BOM) != 1 {
		t.Fatalf("want exactly one leading byte order mark, got %q", out)
	}
	if !strings.Contains(out, "\r\n") {
		t.Errorf("want CRLF line ends, got %q", out)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, BOM))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"1", "'=cmd", "Trần Thị Bình"}, {"2", "'@x", "-3"}}
	for i := range want {
		for j := range want[i] {
			if recs[i][j] != want[i][j] {
				t.Errorf("cell %d,%d: got %q, want %q", i, j, recs[i][j], want[i][j])
			}
		}
	}
}

// FuzzCell: whatever the text, the cell never starts with a formula
// character unless it is a plain number, and only an apostrophe is added.
func FuzzCell(f *testing.F) {
	for _, s := range []string{"", "=1", "-5", "+x", "@a", "\tb", "Nguyễn", "-1.5", "--1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Cell(s)
		if got != s && got != "'"+s {
			t.Fatalf("Cell(%q) = %q: only a leading apostrophe may be added", s, got)
		}
		if got != "" && formulaStart(got[0]) && !isNumber(got) {
			t.Fatalf("Cell(%q) = %q still starts with a formula character", s, got)
		}
	})
}
