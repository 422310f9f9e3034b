package motcua

// Holiday is a configured day off (public holiday or an announced swap day),
// or an announced working weekend day, as a branch-local date "YYYY-MM-DD".
type Holiday struct {
	Date string `json:"date" yaml:"date"`
	Name string `json:"name" yaml:"name"`
	// Assumed marks a date not yet announced (next year's holidays and
	// swaps are assumptions until the Government publishes them): it counts
	// like any other, and the admin page shows it as to be confirmed.
	Assumed bool `json:"assumed,omitempty" yaml:"assumed,omitempty"`
}
