package motcua

// Roles of staff users.
const (
	RoleAdmin      = "admin"
	RoleSupervisor = "supervisor"
	RoleStaff      = "staff"
)

// User is a staff account.
type User struct {
	ID           int64  `db:"id" json:"id"`
	Username     string `db:"username" json:"username"`
	FullName     string `db:"full_name" json:"full_name,omitempty"`
	Role         string `db:"role" json:"role"`
	PasswordHash string `db:"password_hash" json:"-"`
}

// Can reports whether the user's role covers the required role: admin covers
// everything, supervisor covers staff.
func (u User) Can(required string) bool {
	rank := map[string]int{RoleStaff: 1, RoleSupervisor: 2, RoleAdmin: 3}
	return rank[u.Role] >= rank[required] && rank[required] > 0
}

// UserRef names a staff member in a dossier's history.
type UserRef struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	FullName string `json:"full_name,omitempty"`
}
