package auth

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/store"
)

// NewUser is an account to create.
type NewUser struct {
	Username   string
	FullName   string
	Role       string
	Password   string
	CounterIDs []int64
}

// UserPatch changes some of an account's settings; nil fields stay.
type UserPatch struct {
	FullName   *string
	Role       *string
	CounterIDs *[]int64
	Disabled   *bool
}

const (
	roleProblem     = "Phải là admin, supervisor hoặc staff. / Must be admin, supervisor or staff."
	maxFullNameLen  = 100
	usernameProblem = "3–32 ký tự: chữ thường không dấu, số, dấu chấm, gạch dưới hoặc gạch ngang, bắt đầu bằng chữ hoặc số. / 3–32 characters: lower-case letters, digits, dot, underscore or hyphen, starting with a letter or digit."
)

var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,31}$`)

// normalUsername is how usernames are stored and looked up: trimmed, lower case.
func normalUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func invalid(fields map[string]string) error {
	return &motcua.Error{Code: motcua.EValidation,
		Message: "Thông tin tài khoản chưa hợp lệ, xem từng trường. / The account details are not valid; see each field.", Fields: fields}
}

// Users lists every account.
func (a *Auth) Users(ctx context.Context) ([]motcua.User, error) { return a.store.Users.Users(ctx) }

// UserByName reads one account by username.
func (a *Auth) UserByName(ctx context.Context, username string) (motcua.User, error) {
	return a.store.Users.UserByName(ctx, normalUsername(username))
}

// checkCounters names the ids that are not counters of the hall.
func (a *Auth) checkCounters(ctx context.Context, ids []int64, fields map[string]string) error {
	if len(ids) == 0 {
		return nil
	}
	counters, err := a.store.Counters(ctx)
	if err != nil {
		return err
	}
	var unknown []string
	for _, id := range ids {
		if !slices.ContainsFunc(counters, func(c motcua.Counter) bool { return c.ID == id }) {
			unknown = append(unknown, fmt.Sprint(id))
		}
	}
	if len(unknown) > 0 {
		list := strings.Join(unknown, ", ")
		fields["counter_ids"] = "Không có quầy mã " + list + ". / There is no counter with id " + list + "."
	}
	return nil
}

func fullNameProblem(name string) string {
	switch {
	case name == "":
		return "Bắt buộc: họ tên in trên giấy tiếp nhận và các mẫu. / Required: the full name printed on receipts and forms."
	case utf8.RuneCountInString(name) > maxFullNameLen:
		return fmt.Sprintf("Tối đa %d ký tự. / At most %d characters.", maxFullNameLen, maxFullNameLen)
	}
	return ""
}

// uniqueIDs drops repeated ids, keeping the order; nil becomes empty.
func uniqueIDs(ids []int64) []int64 {
	out := []int64{}
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// AddUser creates an account after checking every field and weighing the
// password. A taken username is a conflict. by is who creates it (a zero
// user from the shell).
func (a *Auth) AddUser(ctx context.Context, nu NewUser, by motcua.User) (motcua.User, error) {
	nu.Username = normalUsername(nu.Username)
	nu.FullName = strings.TrimSpace(nu.FullName)
	fields := map[string]string{}
	if !usernamePattern.MatchString(nu.Username) {
		fields["username"] = usernameProblem
	}
	if p := fullNameProblem(nu.FullName); p != "" {
		fields["full_name"] = p
	}
	if !motcua.IsRole(nu.Role) {
		fields["role"] = roleProblem
	}
	if err := a.checkCounters(ctx, nu.CounterIDs, fields); err != nil {
		return motcua.User{}, err
	}
	if p := PasswordProblem(nu.Password, nu.Username, nu.FullName); p != "" {
		fields["password"] = p
	}
	if len(fields) > 0 {
		return motcua.User{}, invalid(fields)
	}
	// A taken name is said before the (slow) hash; the write checks again.
	if _, err := a.store.Users.UserByName(ctx, nu.Username); err == nil {
		return motcua.User{}, usernameTaken(nu.Username)
	} else if motcua.ErrorCode(err) != motcua.ENotFound {
		return motcua.User{}, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(nu.Password), a.cost)
	if err != nil {
		return motcua.User{}, err
	}
	u := motcua.User{Username: nu.Username, FullName: nu.FullName, Role: nu.Role, PasswordHash: string(hash),
		CounterIDs: uniqueIDs(nu.CounterIDs)}
	err = a.w.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.Users.UserByName(u.Username); err == nil {
			return usernameTaken(u.Username)
		} else if motcua.ErrorCode(err) != motcua.ENotFound {
			return err
		}
		now := a.clock.Now()
		if err := tx.Users.InsertUser(&u, now); err != nil {
			if motcua.ErrorCode(err) == motcua.EConflict {
				return usernameTaken(u.Username)
			}
			return err
		}
		return tx.Users.Audit(now, by.ID, "user_create", fmt.Sprintf("%s (id %d): %s, %s, quầy/counters %v",
			u.Username, u.ID, u.FullName, u.Role, u.CounterIDs))
	})
	return u, err
}

func usernameTaken(name string) error {
	return &motcua.Error{Code: motcua.EConflict,
		Message: "Tên đăng nhập " + name + " đã có người dùng. / The username " + name + " is taken.",
		Fields:  map[string]string{"username": "Đã có người dùng. / Taken."}}
}

// UpdateUser changes an account. Disabling it ends its sessions at once. The
// last active admin can be neither disabled nor demoted: someone must be able
// to run the hall.
func (a *Auth) UpdateUser(ctx context.Context, id int64, p UserPatch, by motcua.User) (motcua.User, error) {
	fields := map[string]string{}
	if p.FullName != nil {
		name := strings.TrimSpace(*p.FullName)
		p.FullName = &name
		if pr := fullNameProblem(name); pr != "" {
			fields["full_name"] = pr
		}
	}
	if p.Role != nil && !motcua.IsRole(*p.Role) {
		fields["role"] = roleProblem
	}
	if p.CounterIDs != nil {
		if err := a.checkCounters(ctx, *p.CounterIDs, fields); err != nil {
			return motcua.User{}, err
		}
	}
	if len(fields) > 0 {
		return motcua.User{}, invalid(fields)
	}
	var u motcua.User
	err := a.w.Write(ctx, func(tx *store.Tx) error {
		old, err := tx.Users.User(id)
		if err != nil {
			return err
		}
		u = old
		var changes []string
		if p.FullName != nil && *p.FullName != old.FullName {
			u.FullName = *p.FullName
			changes = append(changes, fmt.Sprintf("họ tên/full name %q → %q", old.FullName, u.FullName))
		}
		if p.Role != nil && *p.Role != old.Role {
			u.Role = *p.Role
			changes = append(changes, fmt.Sprintf("vai trò/role %s → %s", old.Role, u.Role))
		}
		if p.CounterIDs != nil && !slices.Equal(uniqueIDs(*p.CounterIDs), old.CounterIDs) {
			u.CounterIDs = uniqueIDs(*p.CounterIDs)
			changes = append(changes, fmt.Sprintf("quầy/counters %v → %v", old.CounterIDs, u.CounterIDs))
		}
		if p.Disabled != nil && *p.Disabled != old.Disabled {
			u.Disabled = *p.Disabled
			changes = append(changes, fmt.Sprintf("khóa/disabled %v → %v", old.Disabled, u.Disabled))
		}
		if len(changes) == 0 {
			return nil
		}
		if old.Role == motcua.RoleAdmin && !old.Disabled && (u.Role != motcua.RoleAdmin || u.Disabled) {
			n, err := tx.Users.ActiveAdmins()
			if err != nil {
				return err
			}
			if n <= 1 {
				return motcua.Errorf(motcua.EConflict,
					"%s là quản trị viên cuối cùng còn hoạt động; hãy tạo hoặc mở khóa một quản trị viên khác trước. / %s is the last active admin; create or enable another admin first.",
					old.Username, old.Username)
			}
		}
		if err := tx.Users.UpdateUser(u); err != nil {
			return err
		}
		if u.Disabled {
			if err := tx.Users.DeleteUserSessions(u.ID, ""); err != nil {
				return err
			}
		}
		return tx.Users.Audit(a.clock.Now(), by.ID, "user_update", fmt.Sprintf("%s (id %d): %s", u.Username, u.ID, strings.Join(changes, "; ")))
	})
	return u, err
}

// ResetPassword sets a new password for an account (an admin's reset, or the
// shell's) and ends the account's sessions, but for keepToken: the session
// of an admin who resets their own password.
func (a *Auth) ResetPassword(ctx context.Context, id int64, password string, by motcua.User, keepToken string) (motcua.User, error) {
	u, err := a.store.Users.User(ctx, id)
	if err != nil {
		return u, err
	}
	if p := PasswordProblem(password, u.Username, u.FullName); p != "" {
		return u, invalid(map[string]string{"password": p})
	}
	return u, a.setPassword(ctx, u, password, by, "user_password_reset", keepToken)
}

// ChangePassword changes the signed-in user's own password, given the
// current one; their other sessions end. A wrong current password is a 403
// (not a 401: the session itself is fine) and counts as a failed login.
func (a *Auth) ChangePassword(ctx context.Context, u motcua.User, token, current, next string) error {
	if !a.logins.allowName(u.Username) {
		return motcua.Errorf(motcua.ETooMany,
			"Nhập sai mật khẩu quá nhiều lần, vui lòng thử lại sau một phút. / Too many wrong passwords; try again in a minute.")
	}
	// u comes from the session; read the stored hash afresh.
	stored, err := a.store.Users.User(ctx, u.ID)
	if err != nil {
		return err
	}
	if bcrypt.CompareHashAndPassword([]byte(stored.PasswordHash), []byte(current)) != nil {
		a.logins.failedName(stored.Username)
		return &motcua.Error{Code: motcua.EForbidden,
			Message: "Mật khẩu hiện tại không đúng. / The current password is wrong.",
			Fields:  map[string]string{"current_password": "Không đúng. / Wrong."}}
	}
	if p := PasswordProblem(next, stored.Username, stored.FullName); p != "" {
		return invalid(map[string]string{"new_password": p})
	}
	return a.setPassword(ctx, stored, next, stored, "user_password_change", token)
}

func (a *Auth) setPassword(ctx context.Context, u motcua.User, password string, by motcua.User, action, keepToken string) error {
	hash, err := bcrypt.GenerateFromPassword([]byte(password), a.cost)
	if err != nil {
		return err
	}
	keep := ""
	if keepToken != "" {
		keep = hashToken(keepToken)
	}
	return a.w.Write(ctx, func(tx *store.Tx) error {
		if err := tx.Users.SetPasswordHash(u.ID, string(hash)); err != nil {
			return err
		}
		if err := tx.Users.DeleteUserSessions(u.ID, keep); err != nil {
			return err
		}
		return tx.Users.Audit(a.clock.Now(), by.ID, action, fmt.Sprintf("%s (id %d)", u.Username, u.ID))
	})
}
