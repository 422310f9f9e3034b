package users_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/server/servertest"
	"github.com/motcua/motcua/store/storetest"
)

type user struct {
	ID          int64   `json:"id"`
	Username    string  `json:"username"`
	FullName    string  `json:"full_name"`
	Role        string  `json:"role"`
	CounterIDs  []int64 `json:"counter_ids"`
	Disabled    bool    `json:"disabled"`
	LastLoginAt *string `json:"last_login_at"`
}

type apiError struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

// dialects runs a test on SQLite, and on PostgreSQL when configured.
func dialects(t *testing.T, test func(t *testing.T, env *servertest.Env)) {
	for _, d := range storetest.Dialects() {
		t.Run(d.Name, func(t *testing.T) { test(t, servertest.New(t, servertest.WithDSN(d.DSN(t)))) })
	}
}

const goodPassword = "mây trắng bay qua cầu tre"

func TestCreateAndListUsers(t *testing.T) {
	dialects(t, func(t *testing.T, env *servertest.Env) {
		body := map[string]any{"username": "Hoa.NT", "full_name": "  Nguyễn Thị Hoa ", "role": "staff",
			"password": goodPassword, "counter_ids": []int64{2, 2}}
		status, raw := env.Raw("POST", "/api/v1/users", env.AdminToken, body)
		if status != http.StatusCreated {
			t.Fatalf("create: got %d %s, want 201", status, raw)
		}
		for _, secret := range []string{"password", "hash", goodPassword, "$2a$"} {
			if strings.Contains(string(raw), secret) {
				t.Errorf("create: the answer %s holds %q", raw, secret)
			}
		}
		var created user
		json.Unmarshal(raw, &created)
		if created.Username != "hoa.nt" || created.FullName != "Nguyễn Thị Hoa" || created.Role != "staff" ||
			fmt.Sprint(created.CounterIDs) != "[2]" || created.Disabled || created.LastLoginAt != nil {
			t.Errorf("created: got %+v, want hoa.nt, Nguyễn Thị Hoa, staff at [2], enabled, never signed in", created)
		}

		// The new officer signs in (with any case of the username) and sees
		// their name and counters.
		token := env.Login("HOA.NT", goodPassword)
		var me user
		if status := env.Do("GET", "/api/v1/auth/me", token, nil, &me); status != http.StatusOK ||
			me.FullName != "Nguyễn Thị Hoa" || fmt.Sprint(me.CounterIDs) != "[2]" || me.Role != "staff" {
			t.Errorf("me: got %d %+v, want the full name and counters [2]", status, me)
		}

		status, raw = env.Raw("GET", "/api/v1/users", env.AdminToken, nil)
		if status != http.StatusOK {
			t.Fatalf("list: got %d %s", status, raw)
		}
		if strings.Contains(string(raw), "$2a$") || strings.Contains(string(raw), "password") {
			t.Errorf("list: the answer holds a password or hash: %s", raw)
		}
		var list []user
		json.Unmarshal(raw, &list)
		if len(list) != 2 || list[0].Username != "admin" || list[1].Username != "hoa.nt" {
			t.Fatalf("list: got %+v, want admin and hoa.nt", list)
		}
		if got := list[1].LastLoginAt; got == nil || *got != "2026-11-27T09:00:00+07:00" {
			t.Errorf("last_login_at: got %v, want 2026-11-27T09:00:00+07:00 (branch time)", got)
		}

		// The username is taken, whatever its case.
		var e apiError
		body["username"] = "hoa.NT"
		if status := env.Do("POST", "/api/v1/users", env.AdminToken, body, &e); status != http.StatusConflict || e.Error.Fields["username"] == "" {
			t.Errorf("taken username: got %d %+v, want 409 naming username", status, e)
		}
	})
}

func TestCreateUserNamesTheWrongField(t *testing.T) {
	env := servertest.New(t)
	ok := map[string]any{"username": "canbo.a", "full_name": "Trần Văn An", "role": "staff", "password": goodPassword, "counter_ids": []int64{1}}
	with := func(key string, value any) map[string]any {
		b := map[string]any{}
		for k, v := range ok {
			b[k] = v
		}
		if value == nil {
			delete(b, key)
		} else {
			b[key] = value
		}
		return b
	}
	for _, c := range []struct {
		name   string
		body   any
		status int
		field  string
	}{
		{"a common password", with("password", "password123"), 422, "password"},
		{"a keyboard walk", with("password", "qwertyuiop1"), 422, "password"},
		{"too short", with("password", "x7#Kq2!"), 422, "password"},
		{"the username in it", with("password", "canbo.a.canbo.a"), 422, "password"},
		{"the name without diacritics", with("password", "tranvanan1990"), 422, "password"},
		{"the system's name", with("password", "motcua@matkhau"), 422, "password"},
		{"no password", with("password", nil), 422, "password"},
		{"over 72 bytes", with("password", strings.Repeat("đường xa ", 9)), 422, "password"},
		{"no full name", with("full_name", "  "), 422, "full_name"},
		{"an unknown role", with("role", "boss"), 422, "role"},
		{"an unknown counter", with("counter_ids", []int64{1, 99}), 422, "counter_ids"},
		{"a username with spaces", with("username", "tran van an"), 422, "username"},
		{"a username with diacritics", with("username", "trầnvănan"), 422, "username"},
		{"a username too short", with("username", "an"), 422, "username"},
		{"counters of the wrong type", with("counter_ids", "1,2"), 400, "counter_ids"},
		{"an unknown field", with("email", "an@example.vn"), 400, "email"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var e apiError
			status := env.Do("POST", "/api/v1/users", env.AdminToken, c.body, &e)
			if status != c.status {
				t.Fatalf("got %d %+v, want %d", status, e, c.status)
			}
			if c.field != "" && e.Error.Fields[c.field] == "" {
				t.Errorf("fields: got %v, want a message under %q", e.Error.Fields, c.field)
			}
			if c.field == "password" && c.status == 422 && !strings.Contains(e.Error.Fields["password"], " / ") {
				t.Errorf("password message %q: want Vietnamese / English", e.Error.Fields["password"])
			}
		})
	}
	if n := userCount(t, env); n != 1 {
		t.Errorf("after the refusals: got %d users, want only the admin", n)
	}
}

func userCount(t *testing.T, env *servertest.Env) int {
	t.Helper()
	var list []user
	env.Do("GET", "/api/v1/users", env.AdminToken, nil, &list)
	return len(list)
}

func TestPatchUser(t *testing.T) {
	dialects(t, func(t *testing.T, env *servertest.Env) {
		id, _ := env.AddUser("canbo.b", "Lê Văn Bình", motcua.RoleStaff, 1)
		path := fmt.Sprintf("/api/v1/users/%d", id)
		var got user
		if status := env.Do("PATCH", path, env.AdminToken, map[string]any{"full_name": "Lê Văn Bính", "role": "supervisor", "counter_ids": []int64{2, 3}}, &got); status != http.StatusOK {
			t.Fatalf("patch: got %d", status)
		}
		if got.FullName != "Lê Văn Bính" || got.Role != "supervisor" || fmt.Sprint(got.CounterIDs) != "[2 3]" {
			t.Errorf("patched: got %+v", got)
		}
		// Only what was sent changes; an empty list frees the counters.
		if status := env.Do("PATCH", path, env.AdminToken, map[string]any{"counter_ids": []int64{}}, &got); status != http.StatusOK ||
			got.FullName != "Lê Văn Bính" || len(got.CounterIDs) != 0 {
			t.Errorf("patch counters only: got %d %+v", status, got)
		}
		for _, c := range []struct {
			name   string
			path   string
			body   any
			status int
			field  string
		}{
			{"nothing to change", path, map[string]any{}, 422, ""},
			{"a bad role", path, map[string]any{"role": "root"}, 422, "role"},
			{"an empty full name", path, map[string]any{"full_name": ""}, 422, "full_name"},
			{"an unknown counter", path, map[string]any{"counter_ids": []int64{42}}, 422, "counter_ids"},
			{"disabled of the wrong type", path, map[string]any{"disabled": "yes"}, 400, "disabled"},
			{"a password here", path, map[string]any{"password": goodPassword}, 400, "password"},
			{"an unknown user", "/api/v1/users/999", map[string]any{"full_name": "Ai đó"}, 404, ""},
		} {
			var e apiError
			if status := env.Do("PATCH", c.path, env.AdminToken, c.body, &e); status != c.status || (c.field != "" && e.Error.Fields[c.field] == "") {
				t.Errorf("%s: got %d %+v, want %d naming %q", c.name, status, e, c.status, c.field)
			}
		}
		// The last active admin stays an admin.
		var e apiError
		if status := env.Do("PATCH", "/api/v1/users/1", env.AdminToken, map[string]any{"role": "staff"}, &e); status != http.StatusConflict {
			t.Errorf("demote the last admin: got %d %+v, want 409", status, e)
		}
		if status := env.Do("PATCH", "/api/v1/users/1", env.AdminToken, map[string]any{"disabled": true}, &e); status != http.StatusConflict {
			t.Errorf("disable the last admin: got %d %+v, want 409", status, e)
		}
		// With a second admin, the first may step down.
		env.Do("PATCH", path, env.AdminToken, map[string]any{"role": "admin"}, nil)
		if status := env.Do("PATCH", "/api/v1/users/1", env.AdminToken, map[string]any{"role": "supervisor"}, &got); status != http.StatusOK || got.Role != "supervisor" {
			t.Errorf("demote an admin when another is left: got %d %+v", status, got)
		}
	})
}

// Disabling a user refuses their live session at its next request, and
// closes their counter screen at once.
func TestDisableEndsSessionsAtOnce(t *testing.T) {
	dialects(t, func(t *testing.T, env *servertest.Env) {
		id, token := env.AddUser("canbo.c", "Phạm Thị Cúc", motcua.RoleStaff, 1)
		if status := env.Do("GET", "/api/v1/counters", token, nil, nil); status != http.StatusOK {
			t.Fatalf("before: got %d", status)
		}
		screen, _, err := env.WS("/ws/counter/1?token="+token, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer screen.Close()
		if m := servertest.Read(t, screen, 5*time.Second); m.Type() != "snapshot" {
			t.Fatalf("screen: got %v, want the snapshot", m)
		}

		var got user
		if status := env.Do("PATCH", fmt.Sprintf("/api/v1/users/%d", id), env.AdminToken, map[string]any{"disabled": true}, &got); status != http.StatusOK || !got.Disabled {
			t.Fatalf("disable: got %d %+v", status, got)
		}
		if status := env.Do("GET", "/api/v1/counters", token, nil, nil); status != http.StatusUnauthorized {
			t.Errorf("the live session after disabling: got %d, want 401", status)
		}
		if code := closeCode(t, screen); code != websocket.ClosePolicyViolation {
			t.Errorf("the counter screen: got close code %d, want %d (session ended)", code, websocket.ClosePolicyViolation)
		}
		var e apiError
		if status := env.Do("POST", "/api/v1/auth/login", "", map[string]string{"username": "canbo.c", "password": servertest.StaffPassword}, &e); status != http.StatusForbidden {
			t.Errorf("login while disabled: got %d %+v, want 403", status, e)
		}
		if _, _, err := env.WS("/ws/counter/1?token="+token, nil); err == nil {
			t.Errorf("the screen reconnects with the old token: got no error, want a refusal")
		}

		env.Do("PATCH", fmt.Sprintf("/api/v1/users/%d", id), env.AdminToken, map[string]any{"disabled": false}, nil)
		token = env.Login("canbo.c", servertest.StaffPassword)
		if status := env.Do("GET", "/api/v1/counters", token, nil, nil); status != http.StatusOK {
			t.Errorf("enabled again: got %d, want 200", status)
		}
	})
}

// closeCode reads until the server closes the socket and returns its code.
func closeCode(t *testing.T, c *websocket.Conn) int {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, _, err := c.ReadMessage(); err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				return ce.Code
			}
			t.Fatalf("read: got %v, want a close frame", err)
		}
	}
}

func TestAdminResetsAPassword(t *testing.T) {
	dialects(t, func(t *testing.T, env *servertest.Env) {
		id, first := env.AddUser("canbo.d", "Đỗ Văn Dũng", motcua.RoleStaff)
		second := env.Login("canbo.d", servertest.StaffPassword)
		path := fmt.Sprintf("/api/v1/users/%d/password", id)

		var e apiError
		if status := env.Do("POST", path, env.AdminToken, map[string]string{"password": "dodung1990"}, &e); status != http.StatusUnprocessableEntity || e.Error.Fields["password"] == "" {
			t.Errorf("a weak reset: got %d %+v, want 422 naming password", status, e)
		}
		if status := env.Do("GET", "/api/v1/auth/me", first, nil, nil); status != http.StatusOK {
			t.Errorf("a refused reset ends nothing: got %d, want 200", status)
		}
		if status, raw := env.Raw("POST", path, env.AdminToken, map[string]string{"password": goodPassword}); status != http.StatusNoContent {
			t.Fatalf("reset: got %d %s, want 204", status, raw)
		}
		for i, tok := range []string{first, second} {
			if status := env.Do("GET", "/api/v1/auth/me", tok, nil, nil); status != http.StatusUnauthorized {
				t.Errorf("session %d after the reset: got %d, want 401", i+1, status)
			}
		}
		if status := env.Do("POST", "/api/v1/auth/login", "", map[string]string{"username": "canbo.d", "password": servertest.StaffPassword}, nil); status != http.StatusUnauthorized {
			t.Errorf("the old password: got %d, want 401", status)
		}
		env.Login("canbo.d", goodPassword)
		if status := env.Do("GET", "/api/v1/auth/me", env.AdminToken, nil, nil); status != http.StatusOK {
			t.Errorf("the admin's own session: got %d, want 200", status)
		}
		if status := env.Do("POST", "/api/v1/users/999/password", env.AdminToken, map[string]string{"password": goodPassword}, nil); status != http.StatusNotFound {
			t.Errorf("unknown user: got %d, want 404", status)
		}
	})
}

func TestChangeOwnPassword(t *testing.T) {
	dialects(t, func(t *testing.T, env *servertest.Env) {
		_, token := env.AddUser("canbo.e", "Vũ Thị Em", motcua.RoleStaff)
		other := env.Login("canbo.e", servertest.StaffPassword)
		for _, c := range []struct {
			name   string
			body   any
			status int
			field  string
		}{
			{"a wrong current password", map[string]string{"current_password": "not-it-at-all", "new_password": goodPassword}, 403, "current_password"},
			{"a weak new password", map[string]string{"current_password": servertest.StaffPassword, "new_password": "vuthiem2024"}, 422, "new_password"},
			{"a short new password", map[string]string{"current_password": servertest.StaffPassword, "new_password": "Ab1!"}, 422, "new_password"},
			{"no current password", map[string]string{"new_password": goodPassword}, 422, "current_password"},
			{"an unknown field", map[string]string{"password": goodPassword}, 400, "password"},
		} {
			var e apiError
			if status := env.Do("POST", "/api/v1/auth/password", token, c.body, &e); status != c.status || (c.field != "" && e.Error.Fields[c.field] == "") {
				t.Errorf("%s: got %d %+v, want %d naming %q", c.name, status, e, c.status, c.field)
			}
		}
		if status := env.Do("POST", "/api/v1/auth/password", "", map[string]string{"current_password": "x", "new_password": "y"}, nil); status != http.StatusUnauthorized {
			t.Errorf("without a login: got %d, want 401", status)
		}
		if status := env.Do("POST", "/api/v1/auth/password", token,
			map[string]string{"current_password": servertest.StaffPassword, "new_password": goodPassword}, nil); status != http.StatusNoContent {
			t.Fatalf("change: got %d, want 204", status)
		}
		if status := env.Do("GET", "/api/v1/auth/me", token, nil, nil); status != http.StatusOK {
			t.Errorf("this session after the change: got %d, want 200", status)
		}
		if status := env.Do("GET", "/api/v1/auth/me", other, nil, nil); status != http.StatusUnauthorized {
			t.Errorf("the other session after the change: got %d, want 401", status)
		}
		env.Login("canbo.e", goodPassword)
	})
}
