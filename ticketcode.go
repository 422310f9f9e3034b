package motcua

import (
	"crypto/aes"
	"crypto/cipher"
	"fmt"
)

// ShortCodeAlphabet has no 0/O, 1/I/L: the six characters of a ticket's
// short code are read off paper and typed at a kiosk by people who may not
// see well.
const ShortCodeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// shortCodeSpace is how many six-character codes there are (31⁶).
const shortCodeSpace = 31 * 31 * 31 * 31 * 31 * 31

// ShortCodes turns ticket ids into the six-character codes printed on
// tickets, and typed codes back into ids, with a secret key of the hall: a
// keyed permutation of 0..31⁶-1 (an 8-round Feistel network on 30 bits with
// AES as its round function, cycle-walking down to 31⁶). Distinct ids give
// distinct codes by construction, so no index has to check a random draw
// for clashes; without the key a code says nothing about any other
// ticket's. The store keeps only the id, so the codes' index grows at its
// end (docs/PERFORMANCE.md).
type ShortCodes struct {
	block cipher.Block
}

// NewShortCodes takes a 16-byte key.
func NewShortCodes(key []byte) (*ShortCodes, error) {
	if len(key) != 16 {
		return nil, fmt.Errorf("short code key: got %d bytes, want 16", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return &ShortCodes{block: block}, nil
}

// Code returns the short code of ticket id; ok is false for an id outside
// 1..31⁶-1 (the caller then draws a random code as before).
func (c *ShortCodes) Code(id int64) (code string, ok bool) {
	if id <= 0 || id >= shortCodeSpace {
		return "", false
	}
	x := uint32(id)
	for {
		x = c.feistel(x, false)
		if x < shortCodeSpace {
			break
		}
	}
	var out [6]byte
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = ShortCodeAlphabet[x%31]
		x /= 31
	}
	return string(out[:]), true
}

// ID returns the ticket id a typed code stands for; ok is false when code
// is not six characters of the alphabet. Any such code maps to some id: the
// caller checks that the ticket exists and may be reactivated.
func (c *ShortCodes) ID(code string) (id int64, ok bool) {
	if len(code) != 6 {
		return 0, false
	}
	var x uint32
	for i := range len(code) {
		d := indexOf(code[i])
		if d < 0 {
			return 0, false
		}
		x = x*31 + uint32(d)
	}
	for {
		x = c.feistel(x, true)
		if x < shortCodeSpace {
			break
		}
	}
	return int64(x), true
}

func indexOf(b byte) int {
	for i := range len(ShortCodeAlphabet) {
		if ShortCodeAlphabet[i] == b {
			return i
		}
	}
	return -1
}

// feistel runs the 8 rounds on a 30-bit value, or undoes them.
func (c *ShortCodes) feistel(x uint32, inverse bool) uint32 {
	const half, mask = 15, 1<<15 - 1
	l, r := x>>half&mask, x&mask
	if !inverse {
		for round := range 8 {
			l, r = r, l^c.round(round, r)
		}
	} else {
		for round := 7; round >= 0; round-- {
			l, r = r^c.round(round, l), l
		}
	}
	return l<<half | r
}

// round is the round function: 15 bits of AES(key, round ‖ v).
func (c *ShortCodes) round(round int, v uint32) uint32 {
	var in, out [aes.BlockSize]byte
	in[0], in[1], in[2] = byte(round), byte(v>>8), byte(v)
	c.block.Encrypt(out[:], in[:])
	return (uint32(out[0])<<8 | uint32(out[1])) & (1<<15 - 1)
}
