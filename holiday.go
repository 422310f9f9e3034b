package motcua

// Holiday is a configured day off (public holiday or an announced swap day),
// as a branch-local date "YYYY-MM-DD".
type Holiday struct {
	Date string `json:"date" yaml:"date"`
	Name string `json:"name" yaml:"name"`
}
