package main

import (
	"os"
	"path/filepath"
	"testing"
)

// The booking key is made once in the data folder, private, and read back
// the same at the next start; the variable wins; a short one is refused.
func TestBookingKey(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "motcua.db")
	first, err := bookingKey(db, "")
	if err != nil || len(first) < 32 {
		t.Fatalf("first start: got %q, %v; want a new key", first, err)
	}
	info, err := os.Stat(filepath.Join(dir, "booking.key"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("booking.key: %v, mode %v; want a file readable by the hub only", err, info.Mode().Perm())
	}
	again, err := bookingKey(db, "")
	if err != nil || string(again) != string(first) {
		t.Errorf("second start: got %q, %v; want the same key %q", again, err, first)
	}
	if k, err := bookingKey(db, "a-key-from-the-environment"); err != nil || string(k) != "a-key-from-the-environment" {
		t.Errorf("MOTCUA_BOOKING_KEY: got %q, %v", k, err)
	}
	if _, err := bookingKey(db, "short"); err == nil {
		t.Error("a 5-character key: got no error, want one")
	}
	if k, err := bookingKey("postgres://u@h/db", ""); err != nil || k != nil {
		t.Errorf("PostgreSQL without the variable: got %q, %v; want none (the hub warns)", k, err)
	}
}
