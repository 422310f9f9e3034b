package motcua

import (
	"crypto/rand"
	"encoding/base64"
)

// RandomToken returns n random bytes, URL-safe encoded: ticket tracking
// tokens, session tokens, generated passwords.
func RandomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
