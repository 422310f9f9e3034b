package motcua_test

import (
	"testing"

	"github.com/motcua/motcua"
)

func TestValidTaxCode(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"0100109106", true},     // Viettel
		{"0101248141", true},     // FPT
		{"0300588569", true},     // Vinamilk
		{"0101248141-001", true}, // a branch
		{"0101248142", false},    // wrong check digit
		{"010124814", false},     // nine digits
		{"0101248141-1", false},
		{"0101248141-000", false},
		{"01012481411", false},
		{"010124814A", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := motcua.ValidTaxCode(tt.in); got != tt.want {
			t.Errorf("ValidTaxCode(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestValidPassportAndNationality(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want bool
	}{{"C1234567", true}, {"M12345678", true}, {"123456", true}, {"c1234567", false}, {"ABCDEFGH", false}, {"C12", false}, {"C1234567890", false}, {"C 123456", false}} {
		if got := motcua.ValidPassportNumber(tt.in); got != tt.want {
			t.Errorf("ValidPassportNumber(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
	for _, tt := range []struct {
		in   string
		want bool
	}{{"KOR", true}, {"USA", true}, {"D", true}, {"kor", false}, {"KO", false}, {"Hàn Quốc", false}, {"", false}} {
		if got := motcua.ValidNationality(tt.in); got != tt.want {
			t.Errorf("ValidNationality(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestApplicantFilerAndMasked(t *testing.T) {
	org := motcua.Applicant{Kind: motcua.ApplicantOrganisation, Name: "Phạm Thu Hà", IDNumber: "001190054321", Phone: "0912345678",
		Address: "Số 9 phố Huế", OrgCode: "0101248141", OrgName: "Công ty Cổ phần Ánh Dương"}
	if got, want := org.Filer(), "Công ty Cổ phần Ánh Dương (người nộp: Phạm Thu Hà)"; got != want {
		t.Errorf("Filer() = %q, want %q", got, want)
	}
	if got := (motcua.Applicant{Name: "Lê Văn A"}).Filer(); got != "Lê Văn A" {
		t.Errorf("Filer() of a person = %q, want the name", got)
	}
	m := org.Masked()
	if m.IDNumber != "********4321" || m.Address != "" || m.OrgCode != "0101248141" || m.Kind != motcua.ApplicantOrganisation {
		t.Errorf("Masked() = %+v, want the numbers masked, no address, the organisation kept", m)
	}
}
