package motcua

import (
	"fmt"
	"strings"
	"time"
)

// Dossier codes follow Circular 01/2018/TT-VPCP (kept by Decree 118/2025):
//
//	V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX
//
// The first part is the receiving unit's electronic identifier (QCVN
// 102:2016/BTTTT, Decision 20/2020/QĐ-TTg), e.g. "000.00.01.H26" (H26 is Hà
// Nội, G-codes are central agencies), then the date of receipt and a
// four-digit sequence that restarts every day for every unit.
//
// The rule ValidUnitCode enforces is the identifier form of Decision
// 20/2020/QĐ-TTg (electronic identifiers of agencies and organisations):
// groups of upper-case ASCII letters and digits separated by dots, at least
// two groups, at most MaxUnitCodeLen characters in all. The 3-2-2-3 form of
// QCVN 102:2016 ("000.00.01.H26") is one of them; so are the longer and
// shorter forms ministries and provinces assign ("H26.57.12",
// "000.00.01.H26.01"). A hyphen never appears: it separates the parts of a
// dossier code.

// MaxDossierSeq is the largest daily sequence a four-digit code can carry.
const MaxDossierSeq = 9999

// MaxUnitCodeLen is the longest unit identifier accepted (Decision
// 20/2020/QĐ-TTg: up to 35 characters).
const MaxUnitCodeLen = 35

// UnitCodeRule says in words what ValidUnitCode accepts, for messages.
const UnitCodeRule = "các nhóm chữ in hoa và số cách nhau bởi dấu chấm, ít nhất 2 nhóm, tối đa 35 ký tự (Quyết định 20/2020/QĐ-TTg), ví dụ 000.00.01.H26 / dot-separated groups of capital letters and digits, at least 2 groups, at most 35 characters, e.g. 000.00.01.H26"

// ValidUnitCode reports whether s is a unit identifier (see the rule above).
func ValidUnitCode(s string) bool {
	if len(s) > MaxUnitCodeLen {
		return false
	}
	groups := strings.Split(s, ".")
	if len(groups) < 2 {
		return false
	}
	for _, g := range groups {
		if g == "" {
			return false
		}
		for i := 0; i < len(g); i++ {
			if c := g[i]; !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') {
				return false
			}
		}
	}
	return true
}

// FormatDossierCode builds the code of the seq-th dossier a unit received on
// received's date. The date is read in received's own location, so pass
// branch-local time. Dossier codes carry a two-digit year, so only years
// 2000–2099 are accepted.
func FormatDossierCode(unitCode string, received time.Time, seq int) (string, error) {
	fields := map[string]string{}
	if !ValidUnitCode(unitCode) {
		fields["unit_code"] = "Mã đơn vị: " + UnitCodeRule + "."
	}
	if seq < 1 || seq > MaxDossierSeq {
		fields["seq"] = fmt.Sprintf("Số thứ tự hồ sơ trong ngày phải từ 1 đến %d. / The daily dossier sequence must be 1 to %d.",
			MaxDossierSeq, MaxDossierSeq)
	}
	if y := received.Year(); y < 2000 || y > 2099 {
		fields["received_at"] = "Năm tiếp nhận phải trong khoảng 2000–2099. / The year of receipt must be 2000–2099."
	}
	if len(fields) > 0 {
		return "", &Error{
			Code:    EValidation,
			Message: "Không tạo được mã hồ sơ. / Cannot build the dossier code.",
			Fields:  fields,
		}
	}
	return fmt.Sprintf("%s-%s-%04d", unitCode, received.Format("060102"), seq), nil
}
