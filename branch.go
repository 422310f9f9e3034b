package motcua

// Branch is the hall one hub serves (chi nhánh).
type Branch struct {
	Code       string `json:"code" yaml:"code"`               // short code, e.g. "CN01"
	Name       string `json:"name" yaml:"name"`               // "Chi nhánh số 1 – Phường Hoàn Kiếm"
	CenterName string `json:"center_name" yaml:"center_name"` // "Trung tâm Phục vụ hành chính công Hà Nội"
	UnitCode   string `json:"unit_code" yaml:"unit_code"`     // V1V2V3.Z1Z2.Y1Y2.MX1X2 part of dossier codes
	TimeZone   string `json:"time_zone" yaml:"time_zone"`     // IANA name, default Asia/Ho_Chi_Minh
	Notice     string `json:"notice" yaml:"notice"`           // line shown under the hall display
	// Place is the place on the date line of printed forms ("Hà Nội, ngày
	// 05 tháng 3 năm 2026"); Phone is the one-stop's number the supplement
	// request (Mẫu 02) gives for guidance. Both optional: the forms then leave
	// a dotted space to write by hand.
	Place string `json:"place" yaml:"place"`
	Phone string `json:"phone" yaml:"phone"`
}

// Priority policies for serving priority tickets at a counter.
const (
	PolicyStrict     = "strict"     // a waiting priority ticket is always called first
	PolicyInterleave = "interleave" // one priority ticket after every N normal ones
	PolicyNone       = "none"       // priority tickets wait in issue order like the rest
)

// QueuePolicy configures call-next.
type QueuePolicy struct {
	Priority       string `json:"priority" yaml:"priority"`                   // strict (default), interleave, none
	InterleaveN    int    `json:"interleave_n" yaml:"interleave_n"`           // normal calls between priority calls
	NoShowMinCalls int    `json:"no_show_min_calls" yaml:"no_show_min_calls"` // calls before no-show is allowed
	// ReactivateMinutes is how long after a no-show the citizen may type the
	// ticket's short code at the kiosk to go back to their place; 0 disables it.
	ReactivateMinutes int `json:"reactivate_minutes" yaml:"reactivate_minutes"`
}

// Session is a morning or afternoon span of opening hours, in branch-local
// "HH:MM" form.
type Session struct {
	From string `json:"from" yaml:"from"`
	To   string `json:"to" yaml:"to"`
}
