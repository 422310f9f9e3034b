package kiosk

import (
	"fmt"
	"testing"
)

func TestQRCacheKeepsTheMostRecentlyUsed(t *testing.T) {
	var c qrCache
	if _, ok := c.get("nothing yet"); ok {
		t.Fatal("empty cache: got a hit")
	}
	for i := range qrCacheSize {
		c.add(fmt.Sprint(i), []byte{byte(i)})
	}
	c.get("0")                      // used again: now the most recent
	c.add("new", []byte("new"))     // pushes out the least recently used, "1"
	c.add("new", []byte("ignored")) // a second encoding of the same code
	tests := []struct {
		key  string
		want string // "" means not cached
	}{
		{"0", "\x00"},
		{"1", ""},
		{"2", "\x02"},
		{"new", "new"},
	}
	for _, tt := range tests {
		img, ok := c.get(tt.key)
		if got := string(img); ok != (tt.want != "") || got != tt.want {
			t.Errorf("get(%q): got %q, %v; want %q", tt.key, got, ok, tt.want)
		}
	}
	if n := c.recent.Len(); n != qrCacheSize || len(c.entries) != qrCacheSize {
		t.Errorf("size: got %d listed, %d mapped; want %d", n, len(c.entries), qrCacheSize)
	}
}
