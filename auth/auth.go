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
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/time/rate"

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

	dummyOnce sync.Once
	dummy     []byte
	dummyErr  error
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
	return &Auth{store: cfg.Store, w: cfg.Writer, clock: cfg.Clock, log: cfg.Logger, cost: cfg.BcryptCost, logins: newLoginLimiter()}
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
// once and only its hash is stored.
func (a *Auth) Login(ctx context.Context, username, password string) (string, motcua.User, error) {
	if !a.logins.allow(username) {
		return "", motcua.User{}, motcua.Errorf(motcua.ETooMany,
			"Đăng nhập sai quá nhiều lần, vui lòng thử lại sau một phút. / Too many login attempts; try again in a minute.")
	}
	u, err := a.store.Users.UserByName(ctx, normalUsername(username))
	if err != nil {
		if motcua.ErrorCode(err) == motcua.ENotFound {
			// Spend the same time as a real check, so timing does not reveal usernames.
			dummy, derr := a.dummyHash()
			if derr != nil {
				return "", motcua.User{}, derr
			}
			_ = bcrypt.CompareHashAndPassword(dummy, []byte(password)) // a mismatch either way
			return "", motcua.User{}, errBadLogin
		}
		return "", motcua.User{}, err
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
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

// dummyHash is the hash checked when the username does not exist, made at
// the accounts' cost on first use.
func (a *Auth) dummyHash() ([]byte, error) {
	a.dummyOnce.Do(func() {
		a.dummy, a.dummyErr = bcrypt.GenerateFromPassword([]byte("motcua-dummy-password"), a.cost)
	})
	return a.dummy, a.dummyErr
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

// loginLimiter allows a burst of attempts per username, then one every few
// seconds, so a password cannot be guessed from a counter PC.
type loginLimiter struct {
	mu  sync.Mutex
	per map[string]*rate.Limiter
}

func newLoginLimiter() *loginLimiter { return &loginLimiter{per: map[string]*rate.Limiter{}} }

func (l *loginLimiter) allow(username string) bool {
	key := strings.ToLower(strings.TrimSpace(username))
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.per[key]
	if !ok {
		if len(l.per) > 10000 {
			l.per = map[string]*rate.Limiter{} // bounded memory under a spray of names
		}
		lim = rate.NewLimiter(rate.Every(6*time.Second), 10)
		l.per[key] = lim
	}
	return lim.Allow()
}
