package motcua

import "time"

// Timing of a hand-over against its step's deadline (Mẫu 06): before the day
// it was due, on that day in time, or after it.
const (
	TimingEarly  = "early"
	TimingOnTime = "on_time"
	TimingLate   = "late"
)

// Handover is one hand-over of a dossier between two units, recorded for the
// process control sheet (Mẫu 06, "Phiếu kiểm soát quá trình giải quyết hồ
// sơ"): who gave it, who took it, when, and how that stands against the
// deadline of the step. From and To name units or roles ("Bộ phận Một cửa",
// "Phòng Tư pháp"), never a person: they are shown on the citizen's phone.
type Handover struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	From   string    `json:"from"`
	To     string    `json:"to"`
	DueAt  time.Time `json:"due_at"`
	Timing string    `json:"timing"` // TimingEarly, TimingOnTime, TimingLate
	By     UserRef   `json:"by"`     // the officer who recorded it (staff views only)
	Note   string    `json:"note"`
}

// PublicHandover is a hand-over as the citizen's phone shows it: units and
// times, no officer, no note.
type PublicHandover struct {
	At     time.Time `json:"at"`
	From   string    `json:"from"`
	To     string    `json:"to"`
	DueAt  time.Time `json:"due_at"`
	Timing string    `json:"timing"`
}

// Public returns the fields of h a citizen may see.
func (h Handover) Public() PublicHandover {
	return PublicHandover{At: h.At, From: h.From, To: h.To, DueAt: h.DueAt, Timing: h.Timing}
}

// HandoverTiming says whether a hand-over at at was early, on time or late
// against due; days compare in loc (early means a day before the due day).
func HandoverTiming(at, due time.Time, loc *time.Location) string {
	if at.After(due) {
		return TimingLate
	}
	ay, am, ad := at.In(loc).Date()
	// A deadline at midnight is the end of the day before.
	dy, dm, dd := due.Add(-time.Nanosecond).In(loc).Date()
	if time.Date(ay, am, ad, 0, 0, 0, 0, time.UTC).Before(time.Date(dy, dm, dd, 0, 0, 0, 0, time.UTC)) {
		return TimingEarly
	}
	return TimingOnTime
}

// HandoverRequest is what staff send to record a hand-over inside the
// competent agency (the one-stop's own hand-overs are recorded with the
// lifecycle: transfer, result ready, return).
type HandoverRequest struct {
	From  string
	To    string
	DueAt time.Time
	Note  string
}

// Document kinds on the receipt (Mẫu 01): an original, a copy, a certified copy.
const (
	DocOriginal      = "original"
	DocCopy          = "copy"
	DocCertifiedCopy = "certified_copy"
)

// DocumentCopy says, for one document received, whether it is an original or
// a copy and how many were handed in.
type DocumentCopy struct {
	Name  string `json:"name"`
	Kind  string `json:"kind"`
	Count int    `json:"count"`
}

// DocumentKindName is the kind as the receipt prints it.
func DocumentKindName(kind string) string {
	switch kind {
	case DocOriginal:
		return "Bản chính"
	case DocCopy:
		return "Bản sao"
	case DocCertifiedCopy:
		return "Bản sao có chứng thực"
	}
	return ""
}

// DossierActionRequest is a lifecycle move with what it must carry: the note
// (why), and for a refusal after processing the agency's letter.
type DossierActionRequest struct {
	Action       DossierAction
	Note         string
	LetterNumber string // the competent agency's refusal letter, "123/UBND-TP"
	LetterDate   string // its date, YYYY-MM-DD
}
