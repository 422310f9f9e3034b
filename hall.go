package motcua

// Hall is a whole hall description: what an operator writes in the -config
// file or sends to PUT /api/v1/hall, and what the embedded sample provides.
// The hub loads it into an empty database, and applies it as a change set to
// a database that already holds a hall.
type Hall struct {
	Branch      Branch        `yaml:"branch"`
	Policy      QueuePolicy   `yaml:"policy"`
	Reception   []Session     `yaml:"reception"` // dossier reception sessions, e.g. 07:30–11:30, 13:00–17:00
	Services    []ServiceSpec `yaml:"services"`
	Counters    []CounterSpec `yaml:"counters"`
	Procedures  []Procedure   `yaml:"-"`
	Holidays    []Holiday     `yaml:"holidays"`
	WorkingDays []Holiday     `yaml:"working_days"` // announced working Saturdays/Sundays
	Privacy     Privacy       `yaml:"privacy"`
	Dossiers    DossierPolicy `yaml:"dossiers"`

	// PriorityGroups are served ahead of the queue (issue 17); the kiosk
	// offers them in this order.
	PriorityGroups []PriorityGroup `yaml:"priority_groups"`
	Booking        BookingPolicy   `yaml:"booking"` // online numbers
}

// DossierPolicy tunes how dossiers are watched.
type DossierPolicy struct {
	// AtRiskDays: a dossier due within this many working days is at risk
	// (0 takes the default, DefaultAtRiskDays).
	AtRiskDays int `json:"at_risk_days" yaml:"at_risk_days"`
}

// Privacy is how long personal data is kept (Law 91/2025/QH15, Decree
// 356/2025/NĐ-CP: no longer than configured).
type Privacy struct {
	// DossierRetentionDays: the applicant's name, ID number, phone, address
	// and e-mail are erased this many days after the dossier's result was
	// returned or it was refused; the dossier, its code and history stay.
	// 0 keeps them until an operator decides.
	DossierRetentionDays int `json:"dossier_retention_days" yaml:"dossier_retention_days"`
}

// ServiceSpec is a service as written in a hall description.
type ServiceSpec struct {
	Code     string    `json:"code" yaml:"code"`
	Name     string    `json:"name" yaml:"name"`
	NameEn   string    `json:"name_en" yaml:"name_en"`
	Field    string    `json:"field" yaml:"field"`
	Prefix   string    `json:"prefix" yaml:"prefix"`
	Digits   int       `json:"digits" yaml:"digits"`
	DailyCap int       `json:"daily_cap" yaml:"daily_cap"`
	Hours    []Session `json:"hours" yaml:"hours"`

	// Reports (issue 15): the wait the service promises, in minutes (0: none).
	TargetWaitMinutes int `json:"target_wait_minutes" yaml:"target_wait_minutes"`
}

// CounterSpec is a counter as written in a hall description; Services lists
// service codes in order of preference.
type CounterSpec struct {
	Number   int      `json:"number" yaml:"number"`
	Name     string   `json:"name" yaml:"name"`
	Services []string `json:"services" yaml:"services"`
}
