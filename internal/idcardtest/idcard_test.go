package idcardtest

import (
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/motcua/motcua"
)

const goodScan = "001089012345|012345678|Nguyễn Văn An|15081989|Nam|Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội|10052021"

func TestParseIDCardQRGood(t *testing.T) {
	want := IDCard{
		Number:     "001089012345",
		OldNumber:  "012345678",
		FullName:   "Nguyễn Văn An",
		BirthDate:  time.Date(1989, 8, 15, 0, 0, 0, 0, time.UTC),
		Sex:        "Nam",
		Address:    "Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội",
		IssuedDate: time.Date(2021, 5, 10, 0, 0, 0, 0, time.UTC),
	}
	// Decomposed "Nữ" (u + horn + tilde) as some keyboard layouts type it.
	decomposed := "Nu\u031b\u0303"
	tests := []struct {
		name string
		scan string
		edit func(*IDCard)
	}{
		{"as printed", goodScan, nil},
		{"scanner CR LF", goodScan + "\r\n", nil},
		{"leading and trailing spaces", "  \t" + goodScan + " \n", nil},
		{"empty old ID", strings.Replace(goodScan, "|012345678|", "||", 1), func(c *IDCard) { c.OldNumber = "" }},
		{"12-digit old ID", strings.Replace(goodScan, "|012345678|", "|001089000111|", 1), func(c *IDCard) { c.OldNumber = "001089000111" }},
		{"spaces around fields", strings.ReplaceAll(goodScan, "|", " | "), nil},
		{"female, decomposed diacritics kept as typed", strings.Replace(strings.Replace(goodScan, "|Nam|", "|"+decomposed+"|", 1), "Nguyễn Văn An", "Trần Thị Bích", 1),
			func(c *IDCard) { c.Sex = decomposed; c.FullName = "Trần Thị Bích" }},
		{"29 February of a leap year", strings.Replace(goodScan, "15081989", "29022000", 1),
			func(c *IDCard) { c.BirthDate = time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC) }},
		{"thẻ căn cước: fields after the seventh are read past", canCuocScan,
			func(c *IDCard) {
				c.Number, c.OldNumber, c.IssuedDate = "001089012346", "", time.Date(2024, 8, 15, 0, 0, 0, 0, time.UTC)
				c.Extra = []string{"Nguyễn Văn Cha", "001060012345", "Lê Thị Mẹ", "001062012345"}
			}},
		{"issued in the future is not checked here", strings.Replace(goodScan, "10052021", "01012099", 1),
			func(c *IDCard) { c.IssuedDate = time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseIDCardQR(tt.scan)
			if err != nil {
				t.Fatalf("ParseIDCardQR: %v", err)
			}
			w := want
			if tt.edit != nil {
				tt.edit(&w)
			}
			if !reflect.DeepEqual(got, w) {
				t.Errorf("got %+v\nwant %+v", got, w)
			}
		})
	}
}

func TestParseIDCardQRMalformed(t *testing.T) {
	field := func(i int, v string) string {
		parts := strings.Split(goodScan, "|")
		parts[i] = v
		return strings.Join(parts, "|")
	}
	tests := []struct {
		name   string
		scan   string
		fields []string
	}{
		{"empty", "", []string{"qr"}},
		{"six fields", "001089012345|012345678|Nguyễn Văn An|15081989|Nam|Hà Nội", []string{"qr"}},
		{"eight fields after a non-date", "001089012345|012345678|Nguyễn Văn An|15081989|Nam|Hà Nội|x|extra", []string{"qr"}},
		{"two scans run together", goodScan + goodScan, []string{"qr"}},
		{"not an ID card", "https://dichvucong.gov.vn/", []string{"qr"}},
		{"broken UTF-8", strings.Replace(goodScan, "ễ", "\xff", 1), []string{"qr"}},
		{"ID 11 digits", field(0, "00108901234"), []string{"id_number"}},
		{"ID 13 digits", field(0, "0010890123456"), []string{"id_number"}},
		{"ID with a letter", field(0, "00108901234O"), []string{"id_number"}},
		{"ID with full-width digits", field(0, "００１０８９０１２３４５"), []string{"id_number"}},
		{"old ID 8 digits", field(1, "01234567"), []string{"old_id_number"}},
		{"no name", field(2, " "), []string{"full_name"}},
		{"31 February", field(3, "31022000"), []string{"birth_date"}},
		{"29 February of a common year", field(3, "29021999"), []string{"birth_date"}},
		{"month 13", field(3, "15131989"), []string{"birth_date"}},
		{"day 00", field(3, "00081989"), []string{"birth_date"}},
		{"dashes", field(3, "15-08-1989"), []string{"birth_date"}},
		{"year 1800", field(3, "15081800"), []string{"birth_date"}},
		{"issued 31 April", field(6, "31042021"), []string{"issued_date"}},
		{"issued before birth", field(6, "10051980"), []string{"issued_date"}},
		{"several at once", strings.Join([]string{"1", "", "An", "31022000", "Nam", "", "x"}, "|"),
			[]string{"id_number", "birth_date", "issued_date"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			card, err := ParseIDCardQR(tt.scan)
			e, ok := err.(*motcua.Error)
			if !ok {
				t.Fatalf("got %+v, %v; want a validation error", card, err)
			}
			if e.Code != motcua.EValidation {
				t.Errorf("code = %q, want %q", e.Code, motcua.EValidation)
			}
			for _, k := range tt.fields {
				if e.Fields[k] == "" {
					t.Errorf("fields = %v, want key %q", e.Fields, k)
				}
			}
			if len(e.Fields) != len(tt.fields) {
				t.Errorf("fields = %v, want only %v", e.Fields, tt.fields)
			}
			if !reflect.DeepEqual(card, IDCard{}) {
				t.Errorf("card = %+v, want zero on error", card)
			}
			// The error must not echo the ID number back (it may reach logs).
			if strings.Contains(e.Error(), "001089012345") {
				t.Errorf("error %q contains the ID number", e.Error())
			}
		})
	}
}

// canCuocScan plays a thẻ căn cước: the seven CCCD fields, then more (the
// relatives' names and numbers of Circular 16/2024/TT-BCA, as assumed).
const canCuocScan = "001089012346||Nguyễn Văn An|15081989|Nam|Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội|15082024|Nguyễn Văn Cha|001060012345|Lê Thị Mẹ|001062012345"

func TestCanCuoc(t *testing.T) {
	for _, tt := range []struct {
		name string
		scan string
		want bool
	}{
		{"CCCD issued 2021", goodScan, false},
		{"seven fields issued 1/7/2024", strings.Replace(goodScan, "10052021", "01072024", 1), true},
		{"seven fields issued 30/6/2024", strings.Replace(goodScan, "10052021", "30062024", 1), false},
		{"more than seven fields", canCuocScan, true},
	} {
		card, err := ParseIDCardQR(tt.scan)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := card.CanCuoc(); got != tt.want {
			t.Errorf("%s: CanCuoc() = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestFormatIDCardQRRoundTrip(t *testing.T) {
	card, err := ParseIDCardQR(goodScan)
	if err != nil {
		t.Fatal(err)
	}
	if got := FormatIDCardQR(card); got != goodScan {
		t.Errorf("FormatIDCardQR = %q, want %q", got, goodScan)
	}
	card, err = ParseIDCardQR(canCuocScan)
	if err != nil {
		t.Fatal(err)
	}
	if got := FormatIDCardQR(card); got != canCuocScan {
		t.Errorf("FormatIDCardQR(thẻ căn cước) = %q, want %q", got, canCuocScan)
	}
}

func FuzzParseIDCardQR(f *testing.F) {
	f.Add(goodScan)
	f.Add(goodScan + "\r\n")
	f.Add("001089012345||Trần Thị Bích|29022000|Nữ||01012022")
	f.Add("001089012345|012345678|Nguyễn Văn An|31022000|Nam|Hà Nội|10052021")
	f.Add("||||||")
	f.Add("\xff|\xfe")
	f.Fuzz(func(t *testing.T, scan string) {
		card, err := ParseIDCardQR(scan)
		if err != nil {
			if motcua.ErrorCode(err) != motcua.EValidation {
				t.Fatalf("ParseIDCardQR(%q) err = %v, want %s", scan, err, motcua.EValidation)
			}
			return
		}
		if !motcua.ValidIDNumber(card.Number) {
			t.Fatalf("ParseIDCardQR(%q) accepted number %q", scan, card.Number)
		}
		if !strings.HasPrefix(strings.TrimSpace(scan), card.Number) {
			t.Fatalf("ParseIDCardQR(%q) number %q is not the first field", scan, card.Number)
		}
		if !utf8.ValidString(card.FullName) || !utf8.ValidString(card.Address) {
			t.Fatalf("ParseIDCardQR(%q) returned invalid UTF-8", scan)
		}
		again, err := ParseIDCardQR(FormatIDCardQR(card))
		if err != nil {
			t.Fatalf("re-parsing %q: %v", FormatIDCardQR(card), err)
		}
		if !reflect.DeepEqual(again, card) {
			t.Fatalf("round trip changed the card: %+v → %+v", card, again)
		}
		if masked := motcua.MaskDigits(card.Number, 4); masked != "********"+card.Number[8:] {
			t.Fatalf("MaskDigits(%q, 4) = %q", card.Number, masked)
		}
	})
}
