package motcua

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// ict is Vietnam time without depending on the host's tz database.
var ict = time.FixedZone("ICT", 7*3600)

func TestValidUnitCode(t *testing.T) {
	tests := []struct {
		code string
		want bool
	}{
		{"000.00.01.H26", true},
		{"000.00.00.G12", true},
		{"000.17.25.H29", true},
		{"A01.B2.00.H26", true},
		// Decision 20/2020/QĐ-TTg: other group counts and lengths.
		{"000.00.01.H26.01", true},
		{"H26.57.12", true},
		{"000.00.01", true},
		{"00.00.01.H26", true},
		{"G01.H26", true},
		{"000.00.01.H26.001.002.003.004.0005", true},    // 35 characters
		{"000.00.01.H26.001.002.003.004.000005", false}, // 36
		{"H26", false},                                  // one group
		{"000.00.01.h26", false},                        // canonical form is upper case
		{"000..01.H26", false},
		{".000.00.01.H26", false},
		{"000.00.01.H26.", false},
		{"000-00-01-H26", false},
		{"000.00.01.Ħ26", false},
		{"000.0 .01.H26", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := ValidUnitCode(tt.code); got != tt.want {
			t.Errorf("ValidUnitCode(%q) = %v, want %v", tt.code, got, tt.want)
		}
	}
}

func TestFormatDossierCode(t *testing.T) {
	received := time.Date(2026, 9, 30, 9, 15, 0, 0, ict)
	tests := []struct {
		name    string
		unit    string
		at      time.Time
		seq     int
		want    string
		errKeys []string
	}{
		{"first of the day", "000.00.01.H26", received, 1, "000.00.01.H26-260930-0001", nil},
		{"twelfth", "000.00.01.H26", received, 12, "000.00.01.H26-260930-0012", nil},
		{"last possible", "000.00.01.H26", received, 9999, "000.00.01.H26-260930-9999", nil},
		{"date read in the given zone", "000.00.01.H26", time.Date(2026, 9, 30, 23, 30, 0, 0, ict), 5, "000.00.01.H26-260930-0005", nil},
		{"seq 0", "000.00.01.H26", received, 0, "", []string{"seq"}},
		{"seq 10000", "000.00.01.H26", received, 10000, "", []string{"seq"}},
		{"bad unit", "H26", received, 1, "", []string{"unit_code"}},
		{"year 1999", "000.00.01.H26", time.Date(1999, 12, 31, 9, 0, 0, 0, ict), 1, "", []string{"received_at"}},
		{"everything wrong", "x", time.Date(2100, 1, 1, 9, 0, 0, 0, ict), -1, "", []string{"unit_code", "seq", "received_at"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FormatDossierCode(tt.unit, tt.at, tt.seq)
			if tt.errKeys == nil {
				if err != nil || got != tt.want {
					t.Fatalf("got %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			e, ok := err.(*Error)
			if !ok || e.Code != EValidation {
				t.Fatalf("err = %v, want %s", err, EValidation)
			}
			for _, k := range tt.errKeys {
				if e.Fields[k] == "" {
					t.Errorf("fields = %v, want key %q", e.Fields, k)
				}
			}
			if len(e.Fields) != len(tt.errKeys) {
				t.Errorf("fields = %v, want only %v", e.Fields, tt.errKeys)
			}
		})
	}
}

func TestParseDossierCode(t *testing.T) {
	tests := []struct {
		code    string
		unit    string
		day     string
		seq     int
		wantErr bool
	}{
		{"000.00.01.H26-260930-0012", "000.00.01.H26", "2026-09-30", 12, false},
		{"  000.00.01.h26-270101-9999\r\n", "000.00.01.H26", "2027-01-01", 9999, false},
		{"000.00.00.G12-000229-0001", "000.00.00.G12", "2000-02-29", 1, false},
		{"000.00.01.H26-260230-0001", "", "", 0, true}, // 30 February
		{"000.00.01.H26-261301-0001", "", "", 0, true},
		{"000.00.01.H26-260001-0001", "", "", 0, true},
		{"000.00.01.H26-260100-0001", "", "", 0, true},
		{"000.00.01.H26-260930-0000", "", "", 0, true},
		{"000.00.01.H26-260930-00012", "", "", 0, true},
		{"000.00.01.H26-260930-012", "", "", 0, true},
		{"000.00.01.H26-260930-+012", "", "", 0, true},
		{"000.00.01.H26-2609300-0012", "", "", 0, true},
		{"000.00.01.H26-26O930-0012", "", "", 0, true},
		{"000.00.01.H26-260930", "", "", 0, true},
		{"000.00.01.H26-260930-0012-1", "", "", 0, true},
		{"H26-260930-0012", "", "", 0, true},
		{"000.00.01.ſ26-260930-0012", "", "", 0, true}, // long s must not pass as S
		{"", "", "", 0, true},
	}
	for _, tt := range tests {
		unit, day, seq, err := ParseDossierCode(tt.code)
		if tt.wantErr {
			if ErrorCode(err) != EValidation {
				t.Errorf("ParseDossierCode(%q) err = %v, want %s", tt.code, err, EValidation)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseDossierCode(%q): %v", tt.code, err)
			continue
		}
		if unit != tt.unit || day.Format(time.DateOnly) != tt.day || seq != tt.seq {
			t.Errorf("ParseDossierCode(%q) = %q, %s, %d; want %q, %s, %d",
				tt.code, unit, day.Format(time.DateOnly), seq, tt.unit, tt.day, tt.seq)
		}
	}
}

func TestDossierCodeRoundTrip(t *testing.T) {
	start := time.Date(2026, 1, 1, 8, 0, 0, 0, ict)
	for day := 0; day < 800; day += 7 {
		for _, seq := range []int{1, 9, 10, 99, 100, 1234, 9999} {
			received := start.AddDate(0, 0, day)
			code, err := FormatDossierCode("000.00.01.H26", received, seq)
			if err != nil {
				t.Fatalf("FormatDossierCode(%s, %d): %v", received, seq, err)
			}
			unit, gotDay, gotSeq, err := ParseDossierCode(code)
			if err != nil {
				t.Fatalf("ParseDossierCode(%q): %v", code, err)
			}
			if unit != "000.00.01.H26" || gotSeq != seq || gotDay.Format(time.DateOnly) != received.Format(time.DateOnly) {
				t.Fatalf("round trip of %q gave %q, %s, %d", code, unit, gotDay, gotSeq)
			}
		}
	}
}

func FuzzParseDossierCode(f *testing.F) {
	for _, s := range []string{
		"000.00.01.H26-260930-0012",
		" 000.00.00.g12-271231-9999 ",
		"000.00.01.H26-260230-0001",
		"---",
		"000.00.01.H26-999999-0000",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		unit, day, seq, err := ParseDossierCode(code)
		if err != nil {
			if ErrorCode(err) != EValidation {
				t.Fatalf("ParseDossierCode(%q) err = %v, want %s", code, err, EValidation)
			}
			return
		}
		again, err := FormatDossierCode(unit, day, seq)
		if err != nil {
			t.Fatalf("FormatDossierCode of parsed %q: %v", code, err)
		}
		unit2, day2, seq2, err := ParseDossierCode(again)
		if err != nil || unit2 != unit || !day2.Equal(day) || seq2 != seq {
			t.Fatalf("%q → %q does not parse back the same: %q %s %d %v", code, again, unit2, day2, seq2, err)
		}
	})
}

// ParseDossierCode and asciiUpper read a code back; only the tests need
// it (they check that every code the hub formats parses back).

// ParseDossierCode splits a dossier code into its unit, date of receipt
// (midnight UTC of that calendar date: the code carries no zone) and daily
// sequence. Surrounding spaces are ignored and ASCII letters are read as
// upper case, since codes are often typed in by hand; unit is returned in
// canonical upper case.
func ParseDossierCode(code string) (unit string, day time.Time, seq int, err error) {
	invalid := func(why string) (string, time.Time, int, error) {
		return "", time.Time{}, 0, &Error{
			Code:    EValidation,
			Message: "Mã hồ sơ không đúng dạng V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX. / The dossier code is not in the form V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX.",
			Fields:  map[string]string{"code": why},
		}
	}
	parts := strings.Split(asciiUpper(strings.TrimSpace(code)), "-")
	if len(parts) != 3 {
		return invalid("Cần 3 phần ngăn bởi dấu gạch ngang. / Expected 3 parts separated by hyphens.")
	}
	unit, date, number := parts[0], parts[1], parts[2]
	if !ValidUnitCode(unit) {
		return invalid("Mã đơn vị không hợp lệ. / The unit code is not valid.")
	}
	if len(date) != 6 || !allDigits(date) {
		return invalid("Ngày tiếp nhận phải là 6 chữ số YYMMDD. / The date must be 6 digits YYMMDD.")
	}
	yy, _ := strconv.Atoi(date[0:2])
	mm, _ := strconv.Atoi(date[2:4])
	dd, _ := strconv.Atoi(date[4:6])
	day = time.Date(2000+yy, time.Month(mm), dd, 0, 0, 0, 0, time.UTC)
	if day.Month() != time.Month(mm) || day.Day() != dd {
		return invalid("Ngày tiếp nhận không có thật. / The date of receipt does not exist.")
	}
	if len(number) != 4 || !allDigits(number) {
		return invalid("Số thứ tự phải là 4 chữ số. / The sequence must be 4 digits.")
	}
	seq, _ = strconv.Atoi(number)
	if seq < 1 {
		return invalid("Số thứ tự bắt đầu từ 0001. / The sequence starts at 0001.")
	}
	return unit, day, seq, nil
}

// asciiUpper upper-cases ASCII letters only: strings.ToUpper would turn
// look-alikes such as "ſ" into "S" and accept codes nobody issued.
func asciiUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
