// Package users serves the staff accounts API: the admin lists, creates,
// changes, disables accounts and resets their passwords; everyone changes
// their own password. No answer ever carries a password or its hash.
package users

import (
	"context"
	"net/http"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/auth"
	"github.com/motcua/motcua/web"
)

// Accounts keeps the staff accounts (the auth package).
type Accounts interface {
	Users(ctx context.Context) ([]motcua.User, error)
	AddUser(ctx context.Context, nu auth.NewUser, by motcua.User) (motcua.User, error)
	UpdateUser(ctx context.Context, id int64, p auth.UserPatch, by motcua.User) (motcua.User, error)
	ResetPassword(ctx context.Context, id int64, password string, by motcua.User, keepToken string) (motcua.User, error)
	ChangePassword(ctx context.Context, u motcua.User, token, current, next string) error
}

// Screens ends the open counter screens of a user whose sessions ended or
// whose account changed (the presence board).
type Screens interface {
	EndUser(userID int64)
}

// Handler serves /api/v1/users and /api/v1/auth/password.
type Handler struct {
	Site     *motcua.Site
	Accounts Accounts
	Screens  Screens
}

// User is an account as the API shows it: never a password or hash.
type User struct {
	ID          int64      `json:"id"`
	Username    string     `json:"username"`
	FullName    string     `json:"full_name"`
	Role        string     `json:"role"`
	CounterIDs  []int64    `json:"counter_ids"`
	Disabled    bool       `json:"disabled"`
	LastLoginAt *time.Time `json:"last_login_at"`
}

func (h *Handler) body(u motcua.User) User {
	ids := u.CounterIDs
	if ids == nil {
		ids = []int64{}
	}
	return User{ID: u.ID, Username: u.Username, FullName: u.FullName, Role: u.Role, CounterIDs: ids,
		Disabled: u.Disabled, LastLoginAt: h.Site.Local(u.LastLoginAt)}
}

// List handles GET /api/v1/users.
func (h *Handler) List(w http.ResponseWriter, r *http.Request) {
	list, err := h.Accounts.Users(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	out := make([]User, len(list))
	for i, u := range list {
		out[i] = h.body(u)
	}
	w.Header().Set("Cache-Control", "no-store")
	web.JSON(w, http.StatusOK, out)
}

type createRequest struct {
	Username   string  `json:"username"`
	FullName   string  `json:"full_name"`
	Role       string  `json:"role"`
	Password   string  `json:"password"`
	CounterIDs []int64 `json:"counter_ids"`
}

// Create handles POST /api/v1/users: 201 with the account, 409 when the
// username is taken, 422 naming each wrong field (a weak password under
// "password").
func (h *Handler) Create(w http.ResponseWriter, r *http.Request) {
	var req createRequest
	if err := web.Decode(w, r, &req); err != nil {
		web.Error(w, r, err)
		return
	}
	by, _ := web.UserFrom(r.Context())
	u, err := h.Accounts.AddUser(r.Context(), auth.NewUser{Username: req.Username, FullName: req.FullName, Role: req.Role,
		Password: req.Password, CounterIDs: req.CounterIDs}, by)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, h.body(u))
}

type patchRequest struct {
	FullName   *string  `json:"full_name"`
	Role       *string  `json:"role"`
	CounterIDs *[]int64 `json:"counter_ids"`
	Disabled   *bool    `json:"disabled"`
}

// Update handles PATCH /api/v1/users/{id} with any of full_name, role,
// counter_ids and disabled. Disabling ends the user's sessions at once; any
// change closes their counter screens, which reconnect under the new rules.
func (h *Handler) Update(w http.ResponseWriter, r *http.Request) {
	id, err := web.IDParam(r, "id")
	if err != nil {
		web.Error(w, r, err)
		return
	}
	var req patchRequest
	if err := web.Decode(w, r, &req); err != nil {
		web.Error(w, r, err)
		return
	}
	if req.FullName == nil && req.Role == nil && req.CounterIDs == nil && req.Disabled == nil {
		web.Error(w, r, &motcua.Error{Code: motcua.EValidation,
			Message: "Gửi ít nhất một trong full_name, role, counter_ids, disabled. / Send at least one of full_name, role, counter_ids, disabled."})
		return
	}
	by, _ := web.UserFrom(r.Context())
	u, err := h.Accounts.UpdateUser(r.Context(), id, auth.UserPatch{FullName: req.FullName, Role: req.Role,
		CounterIDs: req.CounterIDs, Disabled: req.Disabled}, by)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	h.Screens.EndUser(u.ID)
	web.JSON(w, http.StatusOK, h.body(u))
}

type passwordRequest struct {
	Password string `json:"password"`
}

// ResetPassword handles POST /api/v1/users/{id}/password: 204, and the
// user's other sessions end.
func (h *Handler) ResetPassword(w http.ResponseWriter, r *http.Request) {
	id, err := web.IDParam(r, "id")
	if err != nil {
		web.Error(w, r, err)
		return
	}
	var req passwordRequest
	if err := web.Decode(w, r, &req); err != nil {
		web.Error(w, r, err)
		return
	}
	by, _ := web.UserFrom(r.Context())
	u, err := h.Accounts.ResetPassword(r.Context(), id, req.Password, by, web.TokenFrom(r.Context()))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	h.Screens.EndUser(u.ID)
	w.WriteHeader(http.StatusNoContent)
}

type changeRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// ChangeOwnPassword handles POST /api/v1/auth/password (any signed-in
// user): 204; 403 for a wrong current password; 422 for a weak new one. The
// user's other sessions end; this one goes on.
func (h *Handler) ChangeOwnPassword(w http.ResponseWriter, r *http.Request) {
	var req changeRequest
	if err := web.Decode(w, r, &req); err != nil {
		web.Error(w, r, err)
		return
	}
	if req.CurrentPassword == "" || req.NewPassword == "" {
		fields := map[string]string{}
		if req.CurrentPassword == "" {
			fields["current_password"] = "Bắt buộc. / Required."
		}
		if req.NewPassword == "" {
			fields["new_password"] = "Bắt buộc. / Required."
		}
		web.Error(w, r, &motcua.Error{Code: motcua.EValidation,
			Message: "Nhập mật khẩu hiện tại và mật khẩu mới. / Enter the current and the new password.", Fields: fields})
		return
	}
	u, _ := web.UserFrom(r.Context())
	if err := h.Accounts.ChangePassword(r.Context(), u, web.TokenFrom(r.Context()), req.CurrentPassword, req.NewPassword); err != nil {
		web.Error(w, r, err)
		return
	}
	h.Screens.EndUser(u.ID)
	w.WriteHeader(http.StatusNoContent)
}
