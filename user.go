package motcua

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Roles of staff users.
const (
	RoleAdmin      = "admin"
	RoleSupervisor = "supervisor"
	RoleStaff      = "staff"
)

// User is a staff account. CounterIDs are the counters a staff member may
// work at (none: any counter); admins and supervisors work anywhere.
type User struct {
	ID           int64      `db:"id" json:"id"`
	Username     string     `db:"username" json:"username"`
	FullName     string     `db:"full_name" json:"full_name"`
	Role         string     `db:"role" json:"role"`
	PasswordHash string     `db:"password_hash" json:"-"`
	CounterIDs   []int64    `db:"-" json:"counter_ids"`
	Disabled     bool       `db:"disabled" json:"disabled"`
	LastLoginAt  *time.Time `db:"last_login_at" json:"last_login_at"`
}

// IsRole reports whether role is one of the three roles.
func IsRole(role string) bool {
	return role == RoleAdmin || role == RoleSupervisor || role == RoleStaff
}

// Can reports whether the user's role covers the required role: admin covers
// everything, supervisor covers staff.
func (u User) Can(required string) bool {
	rank := map[string]int{RoleStaff: 1, RoleSupervisor: 2, RoleAdmin: 3}
	return rank[u.Role] >= rank[required] && rank[required] > 0
}

// WorksAt reports whether the user may act at a counter: admins and
// supervisors anywhere, a staff member at the counters bound to them (any
// counter while none are).
func (u User) WorksAt(counterID int64) bool {
	if u.Role != RoleStaff || len(u.CounterIDs) == 0 {
		return true
	}
	return slices.Contains(u.CounterIDs, counterID)
}

// Name is how printouts and screens name the user: the full name, else the username.
func (u User) Name() string {
	if u.FullName != "" {
		return u.FullName
	}
	return u.Username
}

// Ref is the user as a dossier's history names them.
func (u User) Ref() UserRef { return UserRef{ID: u.ID, Username: u.Username, FullName: u.FullName} }

// UserRef names a staff member in a dossier's history.
type UserRef struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	FullName string `json:"full_name,omitempty"`
}

// Officer is the staff member working at a counter, as the supervisor sees it.
type Officer struct {
	ID       int64  `json:"id"`
	FullName string `json:"full_name"`
}

// CheckWorksAt is nil when u may act at the counter, else a 403 that says
// which counters u may work at.
func (s *Site) CheckWorksAt(u User, counterID int64) error {
	if u.WorksAt(counterID) {
		return nil
	}
	var nums []string
	for _, id := range u.CounterIDs {
		if c, ok := s.Counter(id); ok {
			nums = append(nums, strconv.Itoa(c.Number))
		}
	}
	here := strconv.FormatInt(counterID, 10)
	if c, ok := s.Counter(counterID); ok {
		here = strconv.Itoa(c.Number)
	}
	mine := strings.Join(nums, ", ")
	if mine == "" {
		mine = "—"
	}
	return Errorf(EForbidden,
		"Tài khoản %s chỉ được làm việc tại quầy %s, không phải quầy %s; hãy chọn đúng quầy hoặc nhờ quản trị viên phân công. / User %s may work only at counter(s) %s, not at counter %s; choose your counter or ask an administrator.",
		u.Username, mine, here, u.Username, mine, here)
}
