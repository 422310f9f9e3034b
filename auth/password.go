package auth

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"
	"golang.org/x/text/unicode/norm"
)

// Password rules for accounts made or changed through the API and the shell.
// The estimator (zxcvbn) scores how many guesses a password would take,
// knowing common passwords, words, names, keyboard patterns, dates and the
// account's own username and full name; a score of 3 is about 10^8 guesses.
const (
	MinPasswordLength = 10 // characters
	MaxPasswordBytes  = 72 // bcrypt reads no further
	MinPasswordScore  = 3
)

// siteWords are words anyone would try first against a one-stop hall's
// accounts, given to the estimator with the user's own name.
var siteWords = []string{"motcua", "mot cua", "matkhau", "mat khau", "quantri", "quantrivien", "canbo", "tiepnhan", "hanhchinh"}

// PasswordProblem says what is wrong with password as the new password of an
// account with this username and full name, in Vietnamese and English, or ""
// when it is good enough.
func PasswordProblem(password, username, fullName string) string {
	switch {
	case !utf8.ValidString(password):
		return "Mật khẩu có ký tự không hợp lệ. / The password holds invalid characters."
	case utf8.RuneCountInString(password) < MinPasswordLength:
		return "Mật khẩu cần ít nhất 10 ký tự; một cụm 3–4 từ không liên quan là dễ nhớ nhất. / The password needs at least 10 characters; three or four unrelated words are easiest to remember."
	case len(password) > MaxPasswordBytes:
		return "Mật khẩu dài tối đa 72 byte. / The password may be at most 72 bytes long."
	}
	r := zxcvbn.PasswordStrength(password, userInputs(username, fullName))
	if r.Score >= MinPasswordScore {
		return ""
	}
	for _, m := range r.Sequence {
		if m.DictionaryName == "user_inputs" && utf8.RuneCountInString(m.Token) >= 3 {
			return "Mật khẩu chứa tên đăng nhập, họ tên hoặc tên hệ thống nên dễ đoán; hãy dùng một cụm 3–4 từ không liên quan. / The password contains the username, the name or the system's name, so it is easy to guess; use three or four unrelated words."
		}
	}
	return "Mật khẩu quá dễ đoán (mật khẩu phổ biến, từ thông dụng, dãy phím hoặc ngày tháng); hãy dùng một cụm 3–4 từ không liên quan. / The password is too easy to guess (a common password, a common word, a keyboard pattern or a date); use three or four unrelated words."
}

// userInputs are the account's own words for the estimator: the username,
// the full name whole and word by word, with and without diacritics (people
// type Vietnamese passwords without them).
func userInputs(username, fullName string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		s = strings.ToLower(strings.TrimSpace(s))
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	add(username)
	for _, name := range []string{fullName, unaccent(fullName)} {
		add(name)
		add(strings.Join(strings.Fields(name), ""))
		for _, w := range strings.Fields(name) {
			add(w)
		}
	}
	for _, w := range siteWords {
		add(w)
	}
	return out
}

// unaccent strips Vietnamese diacritics: "Nguyễn Đức" → "Nguyen Duc".
func unaccent(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.Is(unicode.Mn, r):
			return -1
		case r == 'đ':
			return 'd'
		case r == 'Đ':
			return 'D'
		}
		return r
	}, norm.NFD.String(s))
}
