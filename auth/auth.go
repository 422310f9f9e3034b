// Package auth keeps the staff accounts and their sessions: it creates,
// changes and disables accounts, weighs new passwords (zxcvbn), checks
// passwords (bcrypt), opens and ends sessions (only a token's hash is
// stored) and limits login attempts per username.
package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/store"
	"github.com/motcua/motcua/writer"
)

// SessionLength is how long a login lasts: one working day and a margin.
const SessionLength = 12 * time.Hour

// Auth checks staff passwords and sessions.
type Auth struct {
	store  *store.Store
	w      *writer.Writer
	clock  motcua.Clock
	log    *slog.Logger
	cost   int
	logins *loginLimiter

	dummyMu sync.Mutex
	dummy   []byte // the decoy hash, at the cost of the stored hashes
}

// Config is what New needs.
type Config struct {
	Store  *store.Store
	Writer *writer.Writer
	Clock  motcua.Clock
	Logger *slog.Logger
	// BcryptCost is the password hashing cost; 0 means bcrypt.DefaultCost.
	BcryptCost int
}

// New makes the staff account keeper.
func New(cfg Config) *Auth {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.BcryptCost == 0 {
		cfg.BcryptCost = bcrypt.DefaultCost
	}
	return &Auth{store: cfg.Store, w: cfg.Writer, clock: cfg.Clock, log: cfg.Logger, cost: cfg.BcryptCost, logins: newLoginLimiter(cfg.Clock)}
}

var (
	errBadLogin = motcua.Errorf(motcua.EUnauthorized, "Sai tên đăng nhập hoặc mật khẩu. / Wrong username or password.")
	errDisabled = motcua.Errorf(motcua.EForbidden, "Tài khoản này đã bị khóa; liên hệ quản trị viên. / This account is disabled; ask an administrator.")
)

// EnsureAdmin creates the first admin on an empty user table. Without a
// configured password it generates one and logs it once: the only time it is
// ever shown.
func (a *Auth) EnsureAdmin(ctx context.Context, password string) error {
	n, err := a.store.Users.UserCount(ctx)
	if err != nil || n > 0 {
		return err
	}
	generated := password == ""
	if generated {
		password = motcua.RandomToken(12)
	}
	if _, err := a.CreateUser(ctx, "admin", "Quản trị viên", motcua.RoleAdmin, password); err != nil {
		return err
	}
	if generated {
		a.log.Warn("created user admin with a generated password; write it down, it is not shown again (set MOTCUA_ADMIN_PASSWORD to choose it)",
			"username", "admin", "password", password)
	} else {
		a.log.Info("created user admin with the password from MOTCUA_ADMIN_PASSWORD")
	}
	return nil
}

// CreateUser adds a staff account checking only the password's length, as
// the first admin always was (the operator chose MOTCUA_ADMIN_PASSWORD).
// The API and the shell use AddUser, which also weighs the password.
func (a *Auth) CreateUser(ctx context.Context, username, fullName, role, password string) (motcua.User, error) {
	username = normalUsername(username)
	fields := map[string]string{}
	if username == "" {
		fields["username"] = "Bắt buộc. / Required."
	}
	if !motcua.IsRole(role) {
		fields["role"] = roleProblem
	}
	if len(password) < 8 {
		fields["password"] = "Ít nhất 8 ký tự. / At least 8 characters."
	}
	if len(password) > MaxPasswordBytes {
		fields["password"] = "Tối đa 72 byte. / At most 72 bytes."
	}
	if len(fields) > 0 {
		return motcua.User{}, &motcua.Error{Code: motcua.EValidation, Message: "Thông tin tài khoản chưa hợp lệ. / The account details are not valid.", Fields: fields}
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), a.cost)
	if err != nil {
		return motcua.User{}, err
	}
	u := motcua.User{Username: username, FullName: fullName, Role: role, PasswordHash: string(hash), CounterIDs: []int64{}}
	err = a.w.Write(ctx, func(tx *store.Tx) error { return tx.Users.InsertUser(&u, a.clock.Now()) })
	return u, err
}

// Login checks a password and opens a session; the returned token is shown
// once and only its hash is stored. from is the client's address: wrong
// passwords are counted per address and per username (see loginLimiter), and
// an unknown username costs the same time as a known one.
func (a *Auth) Login(ctx context.Context, from netip.Addr, username, password string) (string, motcua.User, error) {
	name := normalUsername(username)
	if !a.logins.allow(from, name) {
		return "", motcua.User{}, motcua.Errorf(motcua.ETooMany,
			"Đăng nhập sai quá nhiều lần, vui lòng thử lại sau một phút. / Too many login attempts; try again in a minute.")
	}
	u, err := a.store.Users.UserByName(ctx, name)
	if err != nil {
		if motcua.ErrorCode(err) != motcua.ENotFound {
			return "", motcua.User{}, err
		}
		// Spend the same time as a real check, so timing does not reveal usernames.
		dummy, derr := a.dummyHash(ctx, 0)
		if derr != nil {
			return "", motcua.User{}, derr
		}
		_ = bcrypt.CompareHashAndPassword(dummy, []byte(password)) // a mismatch either way
		a.logins.failed(from, name)
		return "", motcua.User{}, errBadLogin
	}
	if cost, cerr := bcrypt.Cost([]byte(u.PasswordHash)); cerr == nil {
		// Keep the decoy as slow as this real hash (made at another cost,
		// e.g. by an earlier hub or by the shell).
		if _, derr := a.dummyHash(ctx, cost); derr != nil {
			return "", motcua.User{}, derr
		}
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		a.logins.failed(from, name)
		return "", motcua.User{}, errBadLogin
	}
	if u.Disabled {
		// Said only to someone who knows the password.
		return "", motcua.User{}, errDisabled
	}
	token := motcua.RandomToken(32)
	now := a.clock.Now()
	err = a.w.Write(ctx, func(tx *store.Tx) error {
		if err := tx.Users.DeleteExpiredSessions(now); err != nil {
			return err
		}
		if err := tx.Users.SetLastLogin(u.ID, now); err != nil {
			return err
		}
		return tx.Users.InsertSession(hashToken(token), u.ID, now, now.Add(SessionLength))
	})
	if err != nil {
		return "", motcua.User{}, err
	}
	u.LastLoginAt = &now
	return token, u, nil
}

// dummyHash is the decoy checked when the username does not exist. It is
// made on first use at the highest cost of the stored hashes (never below the
// hub's own cost), and made again when a real hash turns out costlier
// (atLeast), so an unknown name takes as long as a known one.
func (a *Auth) dummyHash(ctx context.Context, atLeast int) ([]byte, error) {
	a.dummyMu.Lock()
	defer a.dummyMu.Unlock()
	want := max(a.cost, atLeast)
	if a.dummy == nil {
		users, err := a.store.Users.Users(ctx)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			if c, err := bcrypt.Cost([]byte(u.PasswordHash)); err == nil {
				want = max(want, c)
			}
		}
	} else if c, _ := bcrypt.Cost(a.dummy); c >= want {
		return a.dummy, nil
	}
	dummy, err := bcrypt.GenerateFromPassword([]byte(motcua.RandomToken(16)), want)
	if err != nil {
		return nil, err
	}
	a.dummy = dummy
	return dummy, nil
}

// Logout ends a session.
func (a *Auth) Logout(ctx context.Context, token string) error {
	return a.w.Write(ctx, func(tx *store.Tx) error { return tx.Users.DeleteSession(hashToken(token)) })
}

// Authenticate returns the user of a live session token.
func (a *Auth) Authenticate(ctx context.Context, token string) (motcua.User, error) {
	if token == "" {
		return motcua.User{}, motcua.Errorf(motcua.EUnauthorized, "Cần đăng nhập. / Login required.")
	}
	u, err := a.store.Users.SessionUser(ctx, hashToken(token), a.clock.Now())
	if motcua.ErrorCode(err) == motcua.ENotFound {
		return u, motcua.Errorf(motcua.EUnauthorized, "Phiên đăng nhập đã hết hạn, vui lòng đăng nhập lại. / The session has expired; please log in again.")
	}
	return u, err
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
