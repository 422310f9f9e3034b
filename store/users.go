package store

import (
	"context"
	"time"

	"github.com/motcua/motcua"
)

const userColumns = `id, username, full_name, role, password_hash`

// UserCount counts staff accounts.
func (s UserStore) UserCount(ctx context.Context) (int, error) {
	var n int
	err := s.read.GetContext(ctx, &n, `SELECT COUNT(*) FROM users`)
	return n, Normalize(err)
}

// UserByName reads a user by username.
func (s UserStore) UserByName(ctx context.Context, username string) (motcua.User, error) {
	var u motcua.User
	err := s.read.GetContext(ctx, &u, s.read.Rebind(`SELECT `+userColumns+` FROM users WHERE username = ?`), username)
	return u, Normalize(err)
}

// User reads a user by id.
func (s UserStore) User(ctx context.Context, id int64) (motcua.User, error) {
	var u motcua.User
	err := s.read.GetContext(ctx, &u, s.read.Rebind(`SELECT `+userColumns+` FROM users WHERE id = ?`), id)
	return u, Normalize(err)
}

// InsertUser creates a staff account and sets its id.
func (t UserTx) InsertUser(u *motcua.User, at time.Time) error {
	id, err := t.insert(`INSERT INTO users (username, full_name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?)`,
		u.Username, u.FullName, u.Role, u.PasswordHash, at.UTC())
	if err != nil {
		return err
	}
	u.ID = id
	return nil
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

// DeleteExpiredSessions removes sessions that ended before now.
func (t UserTx) DeleteExpiredSessions(now time.Time) error {
	return t.exec(`DELETE FROM sessions WHERE expires_at < ?`, now.UTC())
}

// SessionUser returns the user of a live session.
func (s UserStore) SessionUser(ctx context.Context, tokenHash string, now time.Time) (motcua.User, error) {
	var u motcua.User
	err := s.read.GetContext(ctx, &u, s.read.Rebind(`SELECT u.id, u.username, u.full_name, u.role, u.password_hash
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.expires_at > ?`), tokenHash, now.UTC())
	return u, Normalize(err)
}
