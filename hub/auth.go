package hub

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/time/rate"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/store"
)

// SessionLength is how long a login lasts: one working day and a margin.
const SessionLength = 12 * time.Hour

var errBadLogin = motcua.Errorf(motcua.EUnauthorized, "Sai tên đăng nhập hoặc mật khẩu. / Wrong username or password.")

// ensureAdmin creates the first admin on an empty user table. Without a
// configured password it generates one and logs it once: the only time it is
// ever shown.
func (h *Hub) ensureAdmin(ctx context.Context, password string) error {
	n, err := h.store.UserCount(ctx)
	if err != nil || n > 0 {
		return err
	}
	generated := password == ""
	if generated {
		password = randomToken(12)
	}
	if _, err := h.CreateUser(ctx, "admin", "Quản trị viên", motcua.RoleAdmin, password); err != nil {
		return err
	}
	if generated {
		h.log.Warn("created user admin with a generated password; write it down, it is not shown again (set MOTCUA_ADMIN_PASSWORD to choose it)",
			"username", "admin", "password", password)
	} else {
		h.log.Info("created user admin with the password from MOTCUA_ADMIN_PASSWORD")
	}
	return nil
}

// CreateUser adds a staff account.
func (h *Hub) CreateUser(ctx context.Context, username, fullName, role, password string) (motcua.User, error) {
	username = strings.TrimSpace(username)
	fields := map[string]string{}
	if username == "" {
		fields["username"] = "Bắt buộc. / Required."
	}
	if role != motcua.RoleAdmin && role != motcua.RoleSupervisor && role != motcua.RoleStaff {
		fields["role"] = "Phải là admin, supervisor hoặc staff. / Must be admin, supervisor or staff."
	}
	if len(password) < 8 {
		fields["password"] = "Ít nhất 8 ký tự. / At least 8 characters."
	}
	if len(password) > 72 {
		fields["password"] = "Tối đa 72 byte. / At most 72 bytes."
	}
	if len(fields) > 0 {
		return motcua.User{}, &motcua.Error{Code: motcua.EValidation, Message: "Thông tin tài khoản chưa hợp lệ. / The account details are not valid.", Fields: fields}
	}
	cost := h.cost
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		return motcua.User{}, err
	}
	u := motcua.User{Username: username, FullName: fullName, Role: role, PasswordHash: string(hash)}
	err = h.writeNow(ctx, func(tx *store.Tx) error { return tx.InsertUser(&u, h.clock.Now()) })
	return u, err
}

// writeNow runs fn in its own transaction; used before the writer starts.
func (h *Hub) writeNow(ctx context.Context, fn func(tx *store.Tx) error) error {
	select {
	case <-h.stopped:
		return errClosed
	default:
	}
	if h.isWriterRunning() {
		return h.write(ctx, fn)
	}
	tx, err := h.store.BeginWrite(ctx)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Login checks a password and opens a session; the returned token is shown
// once and only its hash is stored.
func (h *Hub) Login(ctx context.Context, username, password string) (string, motcua.User, error) {
	if !h.logins.allow(username) {
		return "", motcua.User{}, motcua.Errorf(motcua.ETooMany,
			"Đăng nhập sai quá nhiều lần, vui lòng thử lại sau một phút. / Too many login attempts; try again in a minute.")
	}
	u, err := h.store.UserByName(ctx, strings.TrimSpace(username))
	if err != nil {
		if motcua.ErrorCode(err) == motcua.ENotFound {
			// Spend the same time as a real check, so timing does not reveal usernames.
			bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
			return "", motcua.User{}, errBadLogin
		}
		return "", motcua.User{}, err
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		return "", motcua.User{}, errBadLogin
	}
	token := randomToken(32)
	now := h.clock.Now()
	err = h.write(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteExpiredSessions(now); err != nil {
			return err
		}
		return tx.InsertSession(hashToken(token), u.ID, now, now.Add(SessionLength))
	})
	if err != nil {
		return "", motcua.User{}, err
	}
	return token, u, nil
}

var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("motcua-dummy-password"), bcrypt.MinCost)

// Logout ends a session.
func (h *Hub) Logout(ctx context.Context, token string) error {
	return h.write(ctx, func(tx *store.Tx) error { return tx.DeleteSession(hashToken(token)) })
}

// Authenticate returns the user of a live session token.
func (h *Hub) Authenticate(ctx context.Context, token string) (motcua.User, error) {
	if token == "" {
		return motcua.User{}, motcua.Errorf(motcua.EUnauthorized, "Cần đăng nhập. / Login required.")
	}
	u, err := h.store.SessionUser(ctx, hashToken(token), h.clock.Now())
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
