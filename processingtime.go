package motcua

import (
	"fmt"
	"strconv"
	"strings"
)

// WorkingDayHours is how many working hours a working day has (Labour Code
// 2019 art. 105: 8 hours a day); half a working day is half of it.
const WorkingDayHours = 8

// maxProcessingDays bounds a processing time: no procedure takes years.
const maxProcessingDays = 3650

// ProcessingTime is a procedure's processing time (thời hạn giải quyết) as the
// catalogue words it: whole working days ("15 ngày"), half days ("0.5 ngày",
// "1,5 ngày") or working hours ("4 giờ"). A half day is WorkingDayHours/2
// working hours.
type ProcessingTime struct {
	Days  int // whole working days
	Hours int // working hours on top of Days (a half day is 4)
	// InHours: written in hours ("12 giờ"), and written back so.
	InHours bool
}

// ByHours reports whether the time is counted in working hours from the
// moment of receipt (hours or half days) rather than in whole days.
func (p ProcessingTime) ByHours() bool { return p.Hours > 0 || p.InHours }

// String writes the time as ParseProcessingTime reads it: "15 ngày",
// "0.5 ngày", "1.5 ngày", "4 giờ", "10 giờ".
func (p ProcessingTime) String() string {
	switch {
	case p.InHours:
		return fmt.Sprintf("%d giờ", p.Days*WorkingDayHours+p.Hours)
	case p.Hours == 0:
		return fmt.Sprintf("%d ngày", p.Days)
	case p.Hours == WorkingDayHours/2:
		return fmt.Sprintf("%d.5 ngày", p.Days)
	}
	return fmt.Sprintf("%d giờ", p.Days*WorkingDayHours+p.Hours)
}

// ParseProcessingTime reads "N ngày" (N a whole number or a whole number and
// a half, written "0.5" or "0,5"; "ngày làm việc" is the same) or "N giờ" (N
// a whole number of working hours). Hours of a whole day or more become days
// and hours: "12 giờ" is 1 day and 4 hours.
func ParseProcessingTime(s string) (ProcessingTime, error) {
	f := strings.Fields(strings.ToLower(strings.TrimSpace(s)))
	if len(f) == 4 && f[2] == "làm" && f[3] == "việc" {
		f = f[:2]
	}
	bad := Errorf(EValidation, "Thời hạn %q không hợp lệ: viết \"15 ngày\", \"0.5 ngày\" hoặc \"4 giờ\". / Processing time %q is not valid: write \"15 ngày\", \"0.5 ngày\" or \"4 giờ\".", s, s)
	if len(f) != 2 {
		return ProcessingTime{}, bad
	}
	num := strings.Replace(f[0], ",", ".", 1)
	switch f[1] {
	case "ngày":
		whole, frac, hasFrac := strings.Cut(num, ".")
		if !allDigits(whole) || len(whole) > 4 || (hasFrac && frac != "5" && frac != "0") {
			return ProcessingTime{}, bad
		}
		d, _ := strconv.Atoi(whole)
		if d > maxProcessingDays {
			return ProcessingTime{}, bad
		}
		p := ProcessingTime{Days: d}
		if frac == "5" {
			p.Hours = WorkingDayHours / 2
		}
		return p, nil
	case "giờ":
		if !allDigits(num) || len(num) > 5 {
			return ProcessingTime{}, bad
		}
		h, _ := strconv.Atoi(num)
		if h == 0 || h/WorkingDayHours > maxProcessingDays {
			return ProcessingTime{}, bad
		}
		return ProcessingTime{Days: h / WorkingDayHours, Hours: h % WorkingDayHours, InHours: true}, nil
	}
	return ProcessingTime{}, bad
}

// ProcessingTimeOf is the processing time a procedure promises: its
// processing_time when it has one, else its processing_days.
func ProcessingTimeOf(p Procedure) ProcessingTime {
	if p.ProcessingTime != "" {
		if pt, err := ParseProcessingTime(p.ProcessingTime); err == nil {
			return pt
		}
	}
	return ProcessingTime{Days: max(p.ProcessingDays, 0)}
}

// ValidCutoff reports whether s is a cut-off time "HH:MM" (or empty: none).
func ValidCutoff(s string) bool {
	if s == "" {
		return true
	}
	_, ok := parseClock(s)
	return ok
}
