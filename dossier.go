package motcua

// Procedure is an administrative procedure (thủ tục hành chính) from the
// national catalogue, as a branch offers it.
type Procedure struct {
	ID             int64    `db:"id" json:"id"`
	Code           string   `db:"code" json:"code"` // national code, e.g. "1.001193"
	Name           string   `db:"name" json:"name"`
	Field          string   `db:"field" json:"field"`   // lĩnh vực
	Agency         string   `db:"agency" json:"agency"` // cơ quan có thẩm quyền giải quyết
	ProcessingDays int      `db:"processing_days" json:"processing_days"`
	Fee            string   `db:"fee" json:"fee"`
	Documents      []string `db:"-" json:"documents"` // thành phần hồ sơ
	ServiceCode    string   `db:"service_code" json:"service_code,omitempty"`
}

// Holiday is a configured day off (public holiday or an announced swap day),
// as a branch-local date "YYYY-MM-DD".
type Holiday struct {
	Date string `json:"date" yaml:"date"`
	Name string `json:"name" yaml:"name"`
}
