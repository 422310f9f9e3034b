package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// userCmd runs "motcua user …" through run, as the shell would.
func userCmd(t *testing.T, env map[string]string, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"motcua", "user"}, args...), envFrom(env), strings.NewReader(stdin), &out, &errOut)
	return out.String() + errOut.String(), err
}

func getJSON(t *testing.T, url, token string, out any) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

func login(t *testing.T, base, username, password string) (string, int) {
	t.Helper()
	var out struct {
		Token string `json:"token"`
	}
	status := postJSON(t, base+"/api/v1/auth/login", "", map[string]string{"username": username, "password": password}, &out)
	return out.Token, status
}

const (
	hoaPassword   = "trâu vàng gặm cỏ non"
	adminPassword = "very-secret-1"
	newAdminPass  = "mây trắng bay qua cầu tre"
)

// The shell commands work on a real database file, with and without the hub
// running, and what they do shows at once over HTTP.
func TestUserCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "hall.db")

	// No database yet: nothing is created by a mistyped path.
	if _, err := userCmd(t, nil, hoaPassword+"\n", "add", "hoa", "-db", db); err == nil || !strings.Contains(err.Error(), "no database") {
		t.Errorf("add on a missing database: got %v, want an error saying there is none", err)
	}
	if _, err := os.Stat(db); err == nil {
		t.Fatalf("the failed command created %s", db)
	}

	// The hub starts once: the hall and its first admin.
	_, _, stop := startRun(t, []string{"-addr", "127.0.0.1:0", "-db", db}, map[string]string{"MOTCUA_ADMIN_PASSWORD": adminPassword})
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	// With the hub stopped: the password from stdin, the flags after the name.
	out, err := userCmd(t, nil, hoaPassword+"\n", "add", "hoa", "-db", db, "-role", "staff", "-full-name", "Nguyễn Thị Hoa", "-counters", "1, 2")
	if err != nil {
		t.Fatalf("add hoa: %v\n%s", err, out)
	}
	if !strings.Contains(out, "hoa") {
		t.Errorf("add hoa: got %q, want it to say what it made", out)
	}
	// The password from the environment, the flags before the name, the database from MOTCUA_DB.
	if out, err := userCmd(t, map[string]string{"MOTCUA_DB": db, "MOTCUA_USER_PASSWORD": hoaPassword}, "",
		"add", "-role", "supervisor", "-full-name", "Trần Văn Giám", "giamsat"); err != nil {
		t.Fatalf("add giamsat: %v\n%s", err, out)
	}
	for _, c := range []struct {
		name, stdin, want string
		args              []string
	}{
		{"a weak password", "hoa12345678\n", "password", []string{"add", "hoa2", "-db", db, "-full-name", "Hoa Hai"}},
		{"a taken username", hoaPassword + "\n", "taken", []string{"add", "HOA", "-db", db, "-full-name", "Nguyễn Thị Hoa"}},
		{"no full name", hoaPassword + "\n", "-full-name", []string{"add", "lan", "-db", db}},
		{"an unknown counter", hoaPassword + "\n", "counter number", []string{"add", "lan", "-db", db, "-full-name", "Lan", "-counters", "9"}},
		{"no password", "", "no password", []string{"add", "lan", "-db", db, "-full-name", "Lan"}},
		{"no name", "", "exactly one username", []string{"add", "-db", db}},
		{"two names", "", "exactly one username", []string{"disable", "hoa", "giamsat", "-db", db}},
		{"an unknown command", "", "unknown command", []string{"delete", "hoa", "-db", db}},
		{"an unknown user", hoaPassword + "\n", "no such user", []string{"passwd", "nobody", "-db", db}},
		{"the last admin", "", "last active admin", []string{"disable", "admin", "-db", db}},
	} {
		if out, err := userCmd(t, nil, c.stdin, c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v (%s), want an error about %q", c.name, err, out, c.want)
		}
	}

	// The hub runs again: the new accounts sign in over HTTP.
	base, _, stop := startRun(t, []string{"-addr", "127.0.0.1:0", "-db", db}, nil)
	defer stop()
	hoa, status := login(t, base, "hoa", hoaPassword)
	if status != http.StatusOK {
		t.Fatalf("hoa logs in: got %d, want 200", status)
	}
	var me struct {
		FullName   string  `json:"full_name"`
		Role       string  `json:"role"`
		CounterIDs []int64 `json:"counter_ids"`
	}
	getJSON(t, base+"/api/v1/auth/me", hoa, &me)
	if me.FullName != "Nguyễn Thị Hoa" || me.Role != "staff" || len(me.CounterIDs) != 2 {
		t.Errorf("hoa: got %+v, want Nguyễn Thị Hoa, staff, two counters", me)
	}
	admin, _ := login(t, base, "admin", adminPassword)
	var list []struct {
		Username string `json:"username"`
		Role     string `json:"role"`
		FullName string `json:"full_name"`
	}
	getJSON(t, base+"/api/v1/users", admin, &list)
	if len(list) != 3 || list[1].Username != "giamsat" || list[1].Role != "supervisor" || list[1].FullName != "Trần Văn Giám" {
		t.Errorf("users: got %+v, want admin, giamsat (supervisor, Trần Văn Giám) and hoa", list)
	}

	// While the hub runs, the admin's lost password is replaced from the shell.
	if out, err := userCmd(t, nil, newAdminPass+"\n", "passwd", "admin", "-db", db); err != nil {
		t.Fatalf("passwd admin: %v\n%s", err, out)
	}
	if status := getJSON(t, base+"/api/v1/auth/me", admin, nil); status != http.StatusUnauthorized {
		t.Errorf("the admin's old session: got %d, want 401", status)
	}
	if _, status := login(t, base, "admin", adminPassword); status != http.StatusUnauthorized {
		t.Errorf("the old admin password: got %d, want 401", status)
	}
	if _, status := login(t, base, "admin", newAdminPass); status != http.StatusOK {
		t.Errorf("the new admin password: got %d, want 200", status)
	}

	// Disabled from the shell: Hoa's live session is refused at once.
	if out, err := userCmd(t, nil, "", "disable", "hoa", "-db", db); err != nil {
		t.Fatalf("disable hoa: %v\n%s", err, out)
	}
	if status := getJSON(t, base+"/api/v1/counters", hoa, nil); status != http.StatusUnauthorized {
		t.Errorf("hoa's session after disable: got %d, want 401", status)
	}
	if _, status := login(t, base, "hoa", hoaPassword); status != http.StatusForbidden {
		t.Errorf("hoa logs in while disabled: got %d, want 403", status)
	}
	if out, err := userCmd(t, nil, "", "enable", "hoa", "-db", db); err != nil {
		t.Fatalf("enable hoa: %v\n%s", err, out)
	}
	if _, status := login(t, base, "hoa", hoaPassword); status != http.StatusOK {
		t.Errorf("hoa logs in once enabled: got %d, want 200", status)
	}
}
