package motcua

// PriorityGroup is a group of people served ahead of the queue (đối tượng
// ưu tiên), as a hall describes it: the legal groups (the elderly from 60,
// people with disabilities, pregnant women) and whatever the hall adds by
// local rule. A ticket records the group's Code.
type PriorityGroup struct {
	Code   string `json:"code" yaml:"code"`       // e.g. "elderly"; letters, digits, _ and -
	Name   string `json:"name" yaml:"name"`       // as the kiosk shows it, e.g. "Người cao tuổi (từ 60 tuổi)"
	NameEn string `json:"name_en" yaml:"name_en"` // English, for the kiosk's second language
	Basis  string `json:"basis" yaml:"basis"`     // the law or local rule that grants it
}

// KindPriorityGroup names priority groups in hall changes, keyed by code.
const KindPriorityGroup = "priority_group"

// PriorityGroups are the hall's priority groups, in the kiosk's order.
func (s *Site) PriorityGroups() []PriorityGroup { return s.cur().groups }

// PriorityGroup returns the hall's priority group with code; ok is false
// when the hall has none by that code (any more).
func (s *Site) PriorityGroup(code string) (g PriorityGroup, ok bool) {
	for _, g := range s.cur().groups {
		if g.Code == code {
			return g, true
		}
	}
	return PriorityGroup{}, false
}

// SetPriorityGroups gives a site that is being built its priority groups.
// Call it before the site is shared (or replaces a running one).
func (s *Site) SetPriorityGroups(groups []PriorityGroup) {
	next := *s.cur()
	next.groups = append([]PriorityGroup(nil), groups...)
	s.state.Store(&next)
}
