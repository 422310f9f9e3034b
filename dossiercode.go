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
// The first part is the receiving unit's electronic identifier from
// QCVN 102:2016/BTTTT, e.g. "000.00.01.H26" (H26 is Hà Nội, G-codes are
// central agencies), then the date of receipt and a four-digit sequence that
// restarts every day for every unit.
//
// The rule ValidUnitCode enforces: four dot-separated groups of 3, 2, 2 and 3
// characters; the first three groups are upper-case ASCII letters or digits
// (they are numbers in practice, letters are tolerated because level codes
// are assigned by each ministry and province); the last group is one
// upper-case letter followed by two digits (M X1X2, the level-1 agency).

// MaxDossierSeq is the largest daily sequence a four-digit code can carry.
const MaxDossierSeq = 9999

var unitGroupLengths = [4]int{3, 2, 2, 3}

// ValidUnitCode reports whether s is a unit identifier of the form
// V1V2V3.Z1Z2.Y1Y2.MX1X2 (see the rule above).
func ValidUnitCode(s string) bool {
	groups := strings.Split(s, ".")
	if len(groups) != len(unitGroupLengths) {
		return false
	}
	for i, g := range groups {
		if len(g) != unitGroupLengths[i] {
			return false
		}
		for _, r := range g {
			if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z') {
				return false
			}
		}
	}
	last := groups[3]
	return last[0] >= 'A' && last[0] <= 'Z' && allDigits(last[1:])
}

// FormatDossierCode builds the code of the seq-th dossier a unit received on
// received's date. The date is read in received's own location, so pass
// branch-local time. Dossier codes carry a two-digit year, so only years
// 2000–2099 are accepted.
func FormatDossierCode(unitCode string, received time.Time, seq int) (string, error) {
	fields := map[string]string{}
	if !ValidUnitCode(unitCode) {
		fields["unit_code"] = "Mã đơn vị phải có dạng V1V2V3.Z1Z2.Y1Y2.MX1X2, ví dụ 000.00.01.H26. / The unit code must look like 000.00.01.H26."
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
