package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/motcua/motcua"
)

const userColumns = `u.id, u.username, u.full_name, u.role, u.password_hash, u.counter_ids, u.disabled, u.last_login_at`

// userRow is a users row; counter_ids is stored as a JSON array.
type userRow struct {
	ID           int64      `db:"id"`
	Username     string     `db:"username"`
	FullName     string     `db:"full_name"`
	Role         string     `db:"role"`
	PasswordHash string     `db:"password_hash"`
	CounterIDs   string     `db:"counter_ids"`
	Disabled     bool       `db:"disabled"`
	LastLoginAt  *time.Time `db:"last_login_at"`
}

func (r userRow) user() (motcua.User, error) {
	u := motcua.User{ID: r.ID, Username: r.Username, FullName: r.FullName, Role: r.Role, PasswordHash: r.PasswordHash,
		Disabled: r.Disabled, LastLoginAt: r.LastLoginAt, CounterIDs: []int64{}}
	if r.CounterIDs != "" {
		if err := json.Unmarshal([]byte(r.CounterIDs), &u.CounterIDs); err != nil {
			return u, fmt.Errorf("user %d: counter_ids %q: %w", r.ID, r.CounterIDs, err)
		}
	}
	return u, nil
}

func counterIDsJSON(ids []int64) string {
	if ids == nil {
		ids = []int64{}
	}
	raw, _ := json.Marshal(ids) // a slice of integers always marshals
	return string(raw)
}

func getUser(ctx context.Context, q queryer, where string, args ...any) (motcua.User, error) {
	var r userRow
	err := sqlx.GetContext(ctx, q, &r, q.Rebind(`SELECT `+userColumns+` FROM users u WHERE `+where), args...)
	if err != nil {
		if ErrorIsNotFound(err) {
			return motcua.User{}, motcua.Errorf(motcua.ENotFound, "Không có tài khoản này. / There is no such user.")
		}
		return motcua.User{}, Normalize(err)
	}
	return r.user()
}

// UserCount counts staff accounts.
func (s UserStore) UserCount(ctx context.Context) (int, error) {
	var n int
	err := s.read.GetContext(ctx, &n, `SELECT COUNT(*) FROM users`)
	return n, Normalize(err)
}

// UserByName reads a user by username.
func (s UserStore) UserByName(ctx context.Context, username string) (motcua.User, error) {
	return getUser(ctx, s.read, `u.username = ?`, username)
}

// User reads a user by id.
func (s UserStore) User(ctx context.Context, id int64) (motcua.User, error) {
	return getUser(ctx, s.read, `u.id = ?`, id)
}

// Users lists every account, by username.
func (s UserStore) Users(ctx context.Context) ([]motcua.User, error) {
	var rows []userRow
	if err := s.read.SelectContext(ctx, &rows, `SELECT `+userColumns+` FROM users u ORDER BY u.username`); err != nil {
		return nil, Normalize(err)
	}
	out := make([]motcua.User, 0, len(rows))
	for _, r := range rows {
		u, err := r.user()
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

// User reads a user inside the transaction.
func (t UserTx) User(id int64) (motcua.User, error) {
	return getUser(t.ctx, t.tx, `u.id = ?`, id)
}

// UserByName reads a user by username inside the transaction.
func (t UserTx) UserByName(username string) (motcua.User, error) {
	return getUser(t.ctx, t.tx, `u.username = ?`, username)
}

// ActiveAdmins counts the admins who are not disabled.
func (t UserTx) ActiveAdmins() (int, error) {
	var n int
	err := t.get(&n, `SELECT COUNT(*) FROM users WHERE role = ? AND disabled = ?`, motcua.RoleAdmin, false)
	return n, err
}

// InsertUser creates a staff account and sets its id.
func (t UserTx) InsertUser(u *motcua.User, at time.Time) error {
	id, err := t.insert(`INSERT INTO users (username, full_name, role, password_hash, counter_ids, disabled, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		u.Username, u.FullName, u.Role, u.PasswordHash, counterIDsJSON(u.CounterIDs), u.Disabled, at.UTC())
	if err != nil {
		return err
	}
	u.ID = id
	return nil
}

// UpdateUser writes an account's full name, role, counters and disabled flag.
func (t UserTx) UpdateUser(u motcua.User) error {
	return t.exec(`UPDATE users SET full_name = ?, role = ?, counter_ids = ?, disabled = ? WHERE id = ?`,
		u.FullName, u.Role, counterIDsJSON(u.CounterIDs), u.Disabled, u.ID)
}

// SetPasswordHash replaces an account's password hash.
func (t UserTx) SetPasswordHash(userID int64, hash string) error {
	return t.exec(`UPDATE users SET password_hash = ? WHERE id = ?`, hash, userID)
}

// SetLastLogin notes when the user last signed in.
func (t UserTx) SetLastLogin(userID int64, at time.Time) error {
	return t.exec(`UPDATE users SET last_login_at = ? WHERE id = ?`, at.UTC(), userID)
}

// InsertSession stores a session by the hash of its token; the token itself is never stored.
func (t UserTx) InsertSession(tokenHash string, userID int64, created, expires time.Time) error {
	return t.exec(`INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		tokenHash, userID, created.UTC(), expires.UTC())
}

// DeleteSession ends a session.
func (t UserTx) DeleteSession(tokenHash string) error {
	return t.exec(`DELETE FROM sessions WHERE token_hash = ?`, tokenHash)
}

// DeleteUserSessions ends every session of a user but the one whose token
// hash is keep ("" keeps none).
func (t UserTx) DeleteUserSessions(userID int64, keep string) error {
	return t.exec(`DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?`, userID, keep)
}

// DeleteExpiredSessions removes sessions that ended before now.
func (t UserTx) DeleteExpiredSessions(now time.Time) error {
	return t.exec(`DELETE FROM sessions WHERE expires_at < ?`, now.UTC())
}

// SessionUser returns the user of a live session; a disabled user has none.
func (s UserStore) SessionUser(ctx context.Context, tokenHash string, now time.Time) (motcua.User, error) {
	return getUser(ctx, s.read, `u.id = (SELECT s.user_id FROM sessions s WHERE s.token_hash = ? AND s.expires_at > ?) AND u.disabled = ?`,
		tokenHash, now.UTC(), false)
}

// Audit records a change to the accounts; by is 0 for the shell (motcua user …).
func (t UserTx) Audit(at time.Time, by int64, action, reason string) error {
	var byID *int64
	if by != 0 {
		byID = &by
	}
	_, err := t.insert(`INSERT INTO audit (at, user_id, action, reason) VALUES (?, ?, ?, ?)`, at.UTC(), byID, action, reason)
	return err
}
