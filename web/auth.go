package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/motcua/motcua"
)

// SessionCookie holds the session token for pages; API clients send it as a bearer token.
const SessionCookie = "motcua_session"

// CSRFHeader must carry the CSRF token on state-changing requests that
// authenticate with the cookie (a bearer token cannot be sent by another site).
const CSRFHeader = "X-CSRF-Token"

// Sessions checks passwords and session tokens (the auth package).
type Sessions interface {
	Authenticate(ctx context.Context, token string) (motcua.User, error)
	Login(ctx context.Context, from netip.Addr, username, password string) (string, motcua.User, error)
	Logout(ctx context.Context, token string) error
}

type ctxKey int

const (
	userKey ctxKey = iota
	tokenKey
)

// TokenFrom returns the session token of a request that passed Require.
func TokenFrom(ctx context.Context) string {
	tok, _ := ctx.Value(tokenKey).(string)
	return tok
}

// UserFrom returns the authenticated user of a request that passed Require.
func UserFrom(ctx context.Context) (motcua.User, bool) {
	u, ok := ctx.Value(userKey).(motcua.User)
	return u, ok
}

// Auth guards staff endpoints.
type Auth struct {
	Sessions Sessions
	// SessionLength is the login cookie's lifetime.
	SessionLength time.Duration
	// Secure marks the cookie Secure (behind HTTPS: -secure-cookies, or a
	// base URL on https). A request that came in over TLS gets it anyway.
	Secure bool
}

// token finds the session token: bearer header, then ?token= on websocket
// paths only (a browser cannot set headers on a websocket; anywhere else a
// token in the URL would end up in histories, logs and printed pages), then
// the cookie. fromCookie tells the caller that CSRF protection applies.
func token(r *http.Request) (tok string, fromCookie bool) {
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		return strings.TrimSpace(strings.TrimPrefix(h, "Bearer ")), false
	}
	if strings.HasPrefix(r.URL.Path, "/ws/") {
		if t := r.URL.Query().Get("token"); t != "" {
			return t, false
		}
	}
	if c, err := r.Cookie(SessionCookie); err == nil {
		return c.Value, true
	}
	return "", false
}

// CSRFToken derives the CSRF token of a session; it is given at login and
// checked on cookie-authenticated writes.
func CSRFToken(session string) string {
	m := hmac.New(sha256.New, []byte(session))
	m.Write([]byte("motcua-csrf"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Require returns middleware that admits users whose role covers role.
func (a Auth) Require(role string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tok, fromCookie := token(r)
			u, err := a.Sessions.Authenticate(r.Context(), tok)
			if err != nil {
				Error(w, r, err)
				return
			}
			if fromCookie && r.Method != http.MethodGet && r.Method != http.MethodHead {
				if !hmac.Equal([]byte(r.Header.Get(CSRFHeader)), []byte(CSRFToken(tok))) {
					Error(w, r, motcua.Errorf(motcua.EForbidden, "Thiếu mã chống giả mạo (CSRF). / Missing or wrong CSRF token."))
					return
				}
			}
			if !u.Can(role) {
				Error(w, r, motcua.Errorf(motcua.EForbidden, "Tài khoản %s (vai trò %s) không có quyền này. / User %s (role %s) may not do this.",
					u.Username, u.Role, u.Username, u.Role))
				return
			}
			ctx := context.WithValue(r.Context(), userKey, u)
			ctx = context.WithValue(ctx, tokenKey, tok)
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type loginResponse struct {
	Token string      `json:"token"`
	CSRF  string      `json:"csrf"`
	User  userSummary `json:"user"`
}

// userSummary is the signed-in user as login and /auth/me give it.
type userSummary struct {
	ID         int64   `json:"id"`
	Username   string  `json:"username"`
	Role       string  `json:"role"`
	FullName   string  `json:"full_name"`
	CounterIDs []int64 `json:"counter_ids"`
}

func summaryOf(u motcua.User) userSummary {
	ids := u.CounterIDs
	if ids == nil {
		ids = []int64{}
	}
	return userSummary{ID: u.ID, Username: u.Username, Role: u.Role, FullName: u.FullName, CounterIDs: ids}
}

// Login handles POST /api/v1/auth/login.
func (a Auth) Login(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if err := Decode(w, r, &req); err != nil {
		Error(w, r, err)
		return
	}
	if req.Username == "" || req.Password == "" {
		Error(w, r, &motcua.Error{Code: motcua.EValidation, Message: "Nhập tên đăng nhập và mật khẩu. / Enter a username and a password.",
			Fields: map[string]string{"username": "required", "password": "required"}})
		return
	}
	tok, u, err := a.Sessions.Login(r.Context(), Addr(r), req.Username, req.Password)
	if err != nil {
		Error(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: tok, Path: "/", HttpOnly: true, Secure: a.Secure || r.TLS != nil,
		SameSite: http.SameSiteStrictMode, MaxAge: int(a.SessionLength.Seconds())})
	JSON(w, http.StatusOK, loginResponse{Token: tok, CSRF: CSRFToken(tok), User: summaryOf(u)})
}

// Logout handles POST /api/v1/auth/logout (behind Require).
func (a Auth) Logout(w http.ResponseWriter, r *http.Request) {
	tok, _ := r.Context().Value(tokenKey).(string)
	if err := a.Sessions.Logout(r.Context(), tok); err != nil {
		Error(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: a.Secure || r.TLS != nil,
		SameSite: http.SameSiteStrictMode})
	w.WriteHeader(http.StatusNoContent)
}

// Me handles GET /api/v1/auth/me (behind Require).
func (a Auth) Me(w http.ResponseWriter, r *http.Request) {
	u, _ := UserFrom(r.Context())
	JSON(w, http.StatusOK, summaryOf(u))
}
