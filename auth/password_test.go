package auth

import (
	"strings"
	"testing"
)

func TestPasswordProblem(t *testing.T) {
	for _, c := range []struct {
		password, username, fullName string
		weak                         bool
	}{
		{"trâu vàng gặm cỏ non", "canbo1", "Trần Văn An", false},
		{"ghe-xanh-bo-song-7", "canbo1", "Trần Văn An", false},
		{"Xuân-Thu-Đông-Hạ!", "canbo1", "Trần Văn An", false},
		{"12345678901", "canbo1", "Trần Văn An", true},
		{"password123", "canbo1", "Trần Văn An", true},
		{"qwertyuiop1", "canbo1", "Trần Văn An", true},
		{"iloveyou2024", "canbo1", "Trần Văn An", true},
		{"short1!", "canbo1", "Trần Văn An", true},
		{"canbo1canbo1", "canbo1", "Trần Văn An", true},
		{"tranvanan1990", "canbo1", "Trần Văn An", true},
		{"Trần Văn An 1990", "canbo1", "Trần Văn An", true},
		{"dodung1990", "canbo.d", "Đỗ Văn Dũng", true},
		{"dungdo@2024", "canbo.d", "Đỗ Văn Dũng", true},
		{"Matkhau@123", "canbo1", "Trần Văn An", true},
		{"motcua@matkhau", "canbo1", "Trần Văn An", true},
		{strings.Repeat("đường xa ", 9), "canbo1", "Trần Văn An", true}, // over 72 bytes
		{"\xff\xfe invalid utf-8", "canbo1", "Trần Văn An", true},
	} {
		got := PasswordProblem(c.password, c.username, c.fullName)
		if (got != "") != c.weak {
			t.Errorf("PasswordProblem(%q, %q, %q) = %q, want weak %v", c.password, c.username, c.fullName, got, c.weak)
		}
		if got != "" && !strings.Contains(got, " / ") {
			t.Errorf("PasswordProblem(%q): %q, want a Vietnamese / English message", c.password, got)
		}
	}
}

func TestUnaccent(t *testing.T) {
	if got := unaccent("Nguyễn Đức Thắng"); got != "Nguyen Duc Thang" {
		t.Errorf("unaccent: got %q, want Nguyen Duc Thang", got)
	}
}
