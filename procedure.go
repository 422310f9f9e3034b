package motcua

import (
	"strings"
	"time"
)

// Procedure is an administrative procedure (thủ tục hành chính) from the
// national catalogue, as a branch offers it.
type Procedure struct {
	ID             int64  `db:"id" json:"id"`
	Code           string `db:"code" json:"code"` // national code, e.g. "1.001193"
	Name           string `db:"name" json:"name"`
	Field          string `db:"field" json:"field"`   // lĩnh vực
	Agency         string `db:"agency" json:"agency"` // cơ quan có thẩm quyền giải quyết
	ProcessingDays int    `db:"processing_days" json:"processing_days"`
	// ProcessingTime, when set, is the processing time in the catalogue's
	// words ("15 ngày", "0.5 ngày", "4 giờ"; see ParseProcessingTime);
	// ProcessingDays is then its whole days.
	ProcessingTime string `db:"processing_time" json:"processing_time"`
	// Cutoff "HH:MM": a dossier received at or after it counts from the next
	// working day (Decree 23/2015 art. 7, Circular 01/2020/TT-BTP art. 2 for
	// certification: after 15:00). Empty: the close of reception.
	Cutoff string `db:"cutoff" json:"cutoff"`
	// ExtendedDays: working days the time may be extended by when the
	// dossier needs verification (an officer's "extend", with the reason).
	ExtendedDays int      `db:"extended_days" json:"extended_days"`
	Fee          string   `db:"fee" json:"fee"`
	Documents    []string `db:"-" json:"documents"` // thành phần hồ sơ
	ServiceCode  string   `db:"service_code" json:"service_code,omitempty"`
	// RetiredAt is set once the procedure left the hall's catalogue; its
	// dossiers keep naming it.
	RetiredAt *time.Time `db:"retired_at" json:"retired_at,omitempty"`
}

// IsOptionalDocument reports whether a document of a procedure's list is
// conditional: the catalogue words those "(nếu có)", "(nếu …)" or "(khi …)".
// Every other document must be ticked to receive the dossier.
func IsOptionalDocument(doc string) bool {
	lower := strings.ToLower(doc)
	open := strings.Index(lower, "(")
	if open < 0 {
		return false
	}
	inside := lower[open:]
	return strings.Contains(inside, "nếu") || strings.Contains(inside, "khi ")
}
