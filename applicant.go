package motcua

import "strings"

// Applicant kinds: who may file a dossier (issue 17).
const (
	// ApplicantCCCD is a citizen with a chip citizen ID card (căn cước công
	// dân), 12-digit personal identification number. The default.
	ApplicantCCCD = "cccd"
	// ApplicantCanCuoc is a citizen with the thẻ căn cước issued from
	// 1/7/2024 (Law on Identification 26/2023/QH15); same 12-digit number.
	ApplicantCanCuoc = "can_cuoc"
	// ApplicantPassport is a foreigner (or a citizen abroad) identified by a
	// passport: its number and the nationality it states.
	ApplicantPassport = "passport"
	// ApplicantOrganisation is an enterprise or other organisation, by its
	// enterprise/tax code and name, filed by a person who submits for it
	// (Name, IDNumber: that person).
	ApplicantOrganisation = "organisation"
)

// ApplicantKinds lists the kinds in the order the counter offers them.
var ApplicantKinds = []string{ApplicantCCCD, ApplicantCanCuoc, ApplicantPassport, ApplicantOrganisation}

// IsApplicantKind reports whether k names an applicant kind.
func IsApplicantKind(k string) bool {
	for _, a := range ApplicantKinds {
		if a == k {
			return true
		}
	}
	return false
}

// Applicant is the person or organisation who files a dossier. It is
// personal data: mask IDNumber and Phone in lists (Masked), never log it,
// never publish it.
type Applicant struct {
	Kind     string `json:"kind"` // one of ApplicantKinds; empty reads as cccd
	Name     string `json:"name"` // the person; for an organisation, who submits for it
	IDNumber string `json:"id_number"`
	Phone    string `json:"phone"`
	Address  string `json:"address"`
	Email    string `json:"email"`
	// Nationality of a passport holder: the three-letter code printed on the
	// passport (ICAO Doc 9303 / ISO 3166-1 alpha-3, e.g. KOR, USA; D for Germany).
	Nationality string `json:"nationality,omitempty"`
	// OrgCode and OrgName: an organisation's enterprise or tax code
	// (mã số doanh nghiệp / mã số thuế) and its registered name.
	OrgCode string `json:"org_code,omitempty"`
	OrgName string `json:"org_name,omitempty"`
}

// Masked returns the applicant as lists show it: the last digits of the ID
// number and phone only, no address or email. An organisation's code and
// name are public registers, not personal data: they stay.
func (a Applicant) Masked() Applicant {
	return Applicant{Kind: a.Kind, Name: a.Name, IDNumber: MaskDigits(a.IDNumber, 4), Phone: MaskDigits(a.Phone, 3),
		Nationality: a.Nationality, OrgCode: a.OrgCode, OrgName: a.OrgName}
}

// Filer is who filed, as lists and ledgers name them: the person, or an
// organisation with the person who submitted for it.
func (a Applicant) Filer() string {
	if a.OrgName != "" {
		if a.Name == "" {
			return a.OrgName
		}
		return a.OrgName + " (người nộp: " + a.Name + ")"
	}
	return a.Name
}

// IDLabel names the applicant's identity document the way forms print it.
func (a Applicant) IDLabel() string {
	switch a.Kind {
	case ApplicantCanCuoc:
		return "Số định danh cá nhân (thẻ căn cước)"
	case ApplicantPassport:
		return "Số hộ chiếu"
	case ApplicantOrganisation:
		return "Số giấy tờ tùy thân của người nộp"
	}
	return "Số CCCD"
}

// ValidPassportNumber reports whether s looks like a passport number: 6 to
// 9 upper-case letters and digits with at least one digit (ICAO Doc 9303
// gives the number nine characters; Vietnamese passports are a letter and
// seven digits).
func ValidPassportNumber(s string) bool {
	if len(s) < 6 || len(s) > 9 {
		return false
	}
	digit := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digit = true
		case c >= 'A' && c <= 'Z':
		default:
			return false
		}
	}
	return digit
}

// ValidNationality reports whether s is a nationality code as a passport's
// machine-readable zone writes it: three upper-case letters, or "D"
// (Germany).
func ValidNationality(s string) bool {
	if s == "D" {
		return true
	}
	return len(s) == 3 && strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == ""
}

// taxWeights are the weights of the check digit of a 10-digit Vietnamese
// tax code (Circular 105/2020/TT-BTC and its predecessors): the tenth digit
// is 10 - (Σ dᵢ·wᵢ mod 11) over the first nine.
var taxWeights = [9]int{31, 29, 23, 19, 17, 13, 7, 5, 3}

// ValidTaxCode reports whether s is an enterprise or tax code: ten digits
// whose last is the check digit, or those ten, a hyphen and three digits for
// a branch or dependent unit (e.g. "0101248141" or "0101248141-001").
func ValidTaxCode(s string) bool {
	main, branch, hasBranch := strings.Cut(s, "-")
	if len(main) != 10 || !allDigits(main) {
		return false
	}
	if hasBranch && (len(branch) != 3 || !allDigits(branch) || branch == "000") {
		return false
	}
	sum := 0
	for i, w := range taxWeights {
		sum += int(main[i]-'0') * w
	}
	check := 10 - sum%11
	return check < 10 && int(main[9]-'0') == check
}
