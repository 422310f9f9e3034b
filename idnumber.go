package motcua

// Citizen ID numbers (số định danh cá nhân) are personal data: checked when a
// dossier is received, masked in lists, never logged.

// ValidIDNumber reports whether s is a 12-digit citizen ID number.
func ValidIDNumber(s string) bool { return len(s) == 12 && allDigits(s) }

// MaskDigits hides all but the last keep digits of s for lists and public
// output: MaskDigits("001089012345", 4) is "********2345". Characters other
// than ASCII digits (spaces in a phone number) are left in place.
func MaskDigits(s string, keep int) string {
	digits := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			digits++
		}
	}
	toMask := digits - max(keep, 0)
	b := []byte(s)
	for i := 0; i < len(b) && toMask > 0; i++ {
		if b[i] >= '0' && b[i] <= '9' {
			b[i] = '*'
			toMask--
		}
	}
	return string(b)
}

// allDigits reports whether s is non-empty and only ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
