package motcua

import (
	"crypto/rand"
	"encoding/base64"
	"time"
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

// TicketToken returns a ticket's tracking token: the issue time in
// milliseconds as 12 hex digits, then 12 random bytes (96 bits, URL-safe
// encoded). The random part is what makes it unguessable; the time in front
// makes tokens sort in issue order, so each new ticket lands on the last
// leaf of the tokens' unique index instead of a random one: one page written
// per commit instead of one per ticket (docs/PERFORMANCE.md). The issue time
// is printed on the ticket anyway.
func TicketToken(issuedAt time.Time) string {
	ms := uint64(issuedAt.UnixMilli())
	var prefix [12]byte
	const hex = "0123456789abcdef"
	for i := len(prefix) - 1; i >= 0; i-- {
		prefix[i] = hex[ms&0xf]
		ms >>= 4
	}
	return string(prefix[:]) + RandomToken(12)
}
