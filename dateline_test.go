package motcua_test

import (
	"testing"
	"time"

	"github.com/motcua/motcua"
)

// Decree 30/2020/NĐ-CP: a leading zero for days below 10 and months 1 and 2 only.
func TestDateLine(t *testing.T) {
	hanoi := time.FixedZone("ICT", 7*3600)
	for _, tc := range []struct {
		place string
		at    time.Time
		want  string
	}{
		{"Hà Nội", time.Date(2026, 3, 5, 9, 0, 0, 0, hanoi), "Hà Nội, ngày 05 tháng 3 năm 2026"},
		{"Hà Nội", time.Date(2026, 1, 15, 9, 0, 0, 0, hanoi), "Hà Nội, ngày 15 tháng 01 năm 2026"},
		{"Hà Nội", time.Date(2026, 2, 9, 9, 0, 0, 0, hanoi), "Hà Nội, ngày 09 tháng 02 năm 2026"},
		{"Hà Nội", time.Date(2026, 11, 27, 9, 0, 0, 0, hanoi), "Hà Nội, ngày 27 tháng 11 năm 2026"},
		{"Hà Nội", time.Date(2026, 10, 1, 9, 0, 0, 0, hanoi), "Hà Nội, ngày 01 tháng 10 năm 2026"},
		{"", time.Date(2026, 12, 2, 9, 0, 0, 0, hanoi), "…………, ngày 02 tháng 12 năm 2026"},
	} {
		if got := motcua.DateLine(tc.place, tc.at); got != tc.want {
			t.Errorf("DateLine(%q, %s): got %q, want %q", tc.place, tc.at.Format(time.DateOnly), got, tc.want)
		}
	}
	if got, want := motcua.DeadlineWords(time.Date(2026, 11, 28, 0, 0, 0, 0, hanoi)), "24 giờ 00 phút, ngày 27 tháng 11 năm 2026"; got != want {
		t.Errorf("DeadlineWords at midnight: got %q, want %q", got, want)
	}
	if got, want := motcua.DeadlineWords(time.Date(2026, 3, 2, 17, 0, 0, 0, hanoi)), "17 giờ 00 phút, ngày 02 tháng 3 năm 2026"; got != want {
		t.Errorf("DeadlineWords: got %q, want %q", got, want)
	}
	if got, want := motcua.TimeWords(time.Date(2026, 12, 2, 17, 0, 0, 0, hanoi)), "17 giờ 00 phút, ngày 02 tháng 12 năm 2026"; got != want {
		t.Errorf("TimeWords: got %q, want %q", got, want)
	}
}
