package motcua

import (
	"fmt"
	"time"
)

// DateWords writes a date as official documents do, "ngày 05 tháng 3 năm
// 2026": Decree 30/2020/NĐ-CP (Annex I) puts a leading zero before a day
// below 10 and before months 1 and 2 only.
func DateWords(t time.Time) string {
	month := fmt.Sprintf("%d", t.Month())
	if t.Month() <= time.February {
		month = fmt.Sprintf("%02d", t.Month())
	}
	return fmt.Sprintf("ngày %02d tháng %s năm %d", t.Day(), month, t.Year())
}

// DateLine is the place and date line of an official document, "Hà Nội,
// ngày 05 tháng 3 năm 2026"; with no place configured, a dotted space to
// write it by hand.
func DateLine(place string, t time.Time) string {
	if place == "" {
		place = "…………"
	}
	return place + ", " + DateWords(t)
}

// TimeWords writes "09 giờ 00 phút, ngày 27 tháng 11 năm 2026".
func TimeWords(t time.Time) string {
	return fmt.Sprintf("%02d giờ %02d phút, %s", t.Hour(), t.Minute(), DateWords(t))
}

// DeadlineWords writes a deadline like TimeWords, but a deadline at midnight
// as the end of the day before: "24 giờ 00 phút, ngày 27 tháng 11 năm 2026"
// (the transfer to the agency is due by the end of the day of receipt).
func DeadlineWords(t time.Time) string {
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
		return "24 giờ 00 phút, " + DateWords(t.AddDate(0, 0, -1))
	}
	return TimeWords(t)
}
