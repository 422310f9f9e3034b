package motcua

import "testing"

func TestValidIDNumber(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"001089012345", true},
		{"079203000001", true},
		{"00108901234", false},
		{"0010890123456", false},
		{"00108901234a", false},
		{" 01089012345", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := ValidIDNumber(tt.s); got != tt.want {
			t.Errorf("ValidIDNumber(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}

func TestMaskDigits(t *testing.T) {
	tests := []struct {
		s    string
		keep int
		want string
	}{
		{"001089012345", 4, "********2345"},
		{"001089012345", 0, "************"},
		{"001089012345", -2, "************"},
		{"001089012345", 12, "001089012345"},
		{"001089012345", 20, "001089012345"},
		{"0912 345 678", 3, "**** *** 678"},
		{"+84 912-345-678", 3, "+** ***-***-678"},
		{"Số 12", 1, "Số *2"},
		{"", 4, ""},
	}
	for _, tt := range tests {
		if got := MaskDigits(tt.s, tt.keep); got != tt.want {
			t.Errorf("MaskDigits(%q, %d) = %q, want %q", tt.s, tt.keep, got, tt.want)
		}
	}
}
