package motcua

// QueueRow is one line of the queue report: a day, an hour, a service, a
// counter, an officer, or an hour of the week (see docs/reports.md).
type QueueRow struct {
	Key         string `json:"key"`
	Label       string `json:"label"`
	Issued      int    `json:"issued"`
	Served      int    `json:"served"`
	NoShow      int    `json:"no_show"`
	Transferred int    `json:"transferred"`
	WaitP50S    *int   `json:"wait_p50_s"` // null when nobody was called
	WaitP90S    *int   `json:"wait_p90_s"`
	ServiceP50S *int   `json:"service_p50_s"` // null when nobody was served
	ServiceP90S *int   `json:"service_p90_s"`
	WaitAvgS    *int   `json:"wait_avg_s"`
	// WithinTarget counts the served visits whose wait was within their
	// service's target wait, out of TargetServed served visits of services
	// that set a target; WithinTargetRate is their share (null: no target).
	WithinTarget     int      `json:"within_target"`
	TargetServed     int      `json:"target_served"`
	WithinTargetRate *float64 `json:"within_target_rate"`
	// Days is the number of days of the range on which this hour of the
	// week fell (group_by=weekhour only), so IssuedPerDay compares hours.
	Days         int      `json:"days,omitempty"`
	IssuedPerDay *float64 `json:"issued_per_day,omitempty"`
}

// Queue report groupings.
const (
	GroupDay      = "day"
	GroupHour     = "hour"
	GroupService  = "service"
	GroupCounter  = "counter"
	GroupStaff    = "staff"
	GroupWeekHour = "weekhour"
)
