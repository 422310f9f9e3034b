package motcua

import "time"

// Service is one queue (lĩnh vực / dịch vụ).
type Service struct {
	ID       int64     `db:"id" json:"id"`
	Code     string    `db:"code" json:"code"`
	Name     string    `db:"name" json:"name"`
	NameEn   string    `db:"name_en" json:"name_en"`
	Field    string    `db:"field" json:"field"`   // group shown on the kiosk
	Prefix   string    `db:"prefix" json:"prefix"` // "1" → 1001, 1002 …
	Digits   int       `db:"digits" json:"digits"` // zero-padded width of the sequence, default 3
	DailyCap int       `db:"daily_cap" json:"daily_cap"`
	Hours    []Session `db:"-" json:"hours"` // empty: open at any hour

	// Reports (issue 15): the wait the service promises, in minutes (0: none).
	TargetWaitMinutes int `db:"target_wait_minutes" json:"target_wait_minutes"`
}

// ServiceView is a service as the kiosk lists it.
type ServiceView struct {
	Service
	Waiting     int        `json:"waiting"`
	EstWaitS    int        `json:"est_wait_s"`
	Open        bool       `json:"open"`
	OpensAt     *time.Time `json:"opens_at"`
	IssuedToday int        `json:"issued_today"`
}
