// Package idcardtest plays a USB QR scanner reading a chip citizen ID card
// (CCCD) or the thẻ căn cước issued from 1/7/2024: browser tests type what
// the scanner would. The counter page reads the QR itself
// (static/counter-dossier.js, the same rules as ParseIDCardQR); the hub never
// parses it.
//
// Layouts. The CCCD's QR holds seven "|"-separated fields:
// number|old number|full name|ddmmyyyy birth|sex|address|ddmmyyyy issued.
// The thẻ căn cước (Law 26/2023/QH15, Circular 16/2024/TT-BCA) keeps those
// seven first and may carry more after them (the circular lists the names and
// numbers of the holder's relatives and a cancelled number). Its exact
// field list is not published in a form we could check, so the reader takes
// the first seven and ignores (and never keeps) what follows; a card issued
// from 1/7/2024, or a QR with more than seven fields, is a thẻ căn cước.
package idcardtest

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/motcua/motcua"
)

// IDCard is what the QR code on a chip citizen ID card (CCCD / thẻ căn cước)
// holds. It is personal data: mask Number in lists (motcua.MaskDigits) and never log
// it. Dates are calendar dates at midnight UTC.
type IDCard struct {
	Number     string    `json:"number"`     // 12-digit personal identification number
	OldNumber  string    `json:"old_number"` // previous 9-digit CMND, often empty
	FullName   string    `json:"full_name"`  // as typed by the scanner, diacritics kept
	BirthDate  time.Time `json:"birth_date"`
	Sex        string    `json:"sex"` // "Nam" or "Nữ" on the card; kept as typed
	Address    string    `json:"address"`
	IssuedDate time.Time `json:"issued_date"`
	// Extra are the fields after the seventh on a thẻ căn cước (relatives'
	// names and numbers): personal data of other people, never kept; tests
	// use it to play such a card.
	Extra []string `json:"-"`
}

// CanCuocFrom is the date the thẻ căn cước replaced the CCCD (Law on
// Identification 26/2023/QH15 in force).
var CanCuocFrom = time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)

// CanCuoc reports whether the card is a thẻ căn cước rather than a CCCD:
// issued from 1/7/2024, or its QR carried more than the seven CCCD fields.
func (c IDCard) CanCuoc() bool { return !c.IssuedDate.Before(CanCuocFrom) || len(c.Extra) > 0 }

// idCardQRFields is the number of "|"-separated fields on a CCCD's QR (and
// the first fields of a thẻ căn cước's):
// number|old number|full name|ddmmyyyy birth|sex|address|ddmmyyyy issued.
const idCardQRFields = 7

// ParseIDCardQR reads the text a USB QR scanner types when it reads the card.
// Surrounding whitespace and the scanner's CR/LF are ignored, as are spaces
// around each field; text is otherwise kept as typed (no Unicode
// normalisation). It checks the shape, not the facts: dates in the future are
// accepted here. Errors are EValidation with Fields keyed "qr", "id_number",
// "old_id_number", "full_name", "birth_date" and "issued_date".
func ParseIDCardQR(s string) (IDCard, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		return IDCard{}, idCardError(map[string]string{
			"qr": "Dữ liệu quét có ký tự lỗi, hãy quét lại. / The scan has broken characters, please scan again.",
		})
	}
	parts := strings.Split(s, "|")
	notCard := idCardError(map[string]string{
		"qr": "Mã QR không phải của thẻ CCCD / căn cước (cần ít nhất 7 trường ngăn bởi |). / Not an ID card QR code (expected at least 7 fields separated by |).",
	})
	if len(parts) < idCardQRFields {
		return IDCard{}, notCard
	}
	var extra []string
	if len(parts) > idCardQRFields {
		// More fields: a thẻ căn cước, unless the seventh is no date, which
		// is two scans run together or some other code.
		if _, ok := parseDDMMYYYY(strings.TrimSpace(parts[idCardQRFields-1])); !ok {
			return IDCard{}, notCard
		}
		extra = append(extra, parts[idCardQRFields:]...)
		parts = parts[:idCardQRFields]
	}
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	card := IDCard{
		Number:    parts[0],
		OldNumber: parts[1],
		FullName:  parts[2],
		Sex:       parts[4],
		Address:   parts[5],
		Extra:     extra,
	}
	fields := map[string]string{}
	if !motcua.ValidIDNumber(card.Number) {
		fields["id_number"] = "Số CCCD phải có 12 chữ số. / The citizen ID number must have 12 digits."
	}
	if n := len(card.OldNumber); n > 0 && !((n == 9 || n == 12) && allDigits(card.OldNumber)) {
		fields["old_id_number"] = "Số CMND cũ phải có 9 hoặc 12 chữ số. / The old ID number must have 9 or 12 digits."
	}
	if card.FullName == "" {
		fields["full_name"] = "Thiếu họ và tên. / The full name is missing."
	}
	var birthOK, issuedOK bool
	card.BirthDate, birthOK = parseDDMMYYYY(parts[3])
	if !birthOK {
		fields["birth_date"] = "Ngày sinh phải là ngày có thật dạng ddmmyyyy. / The birth date must be a real date as ddmmyyyy."
	}
	card.IssuedDate, issuedOK = parseDDMMYYYY(parts[6])
	if !issuedOK {
		fields["issued_date"] = "Ngày cấp phải là ngày có thật dạng ddmmyyyy. / The issue date must be a real date as ddmmyyyy."
	} else if birthOK && card.IssuedDate.Before(card.BirthDate) {
		fields["issued_date"] = "Ngày cấp không thể trước ngày sinh. / The issue date cannot be before the birth date."
	}
	if len(fields) > 0 {
		return IDCard{}, idCardError(fields)
	}
	return card, nil
}

// FormatIDCardQR writes card back in the QR's text form, the inverse of
// ParseIDCardQR (Extra after the seven fields, for a thẻ căn cước); tests and
// the kiosk simulator use it to play a scanner.
func FormatIDCardQR(card IDCard) string {
	return strings.Join(append([]string{
		card.Number,
		card.OldNumber,
		card.FullName,
		card.BirthDate.Format("02012006"),
		card.Sex,
		card.Address,
		card.IssuedDate.Format("02012006"),
	}, card.Extra...), "|")
}

func idCardError(fields map[string]string) *motcua.Error {
	return &motcua.Error{
		Code:    motcua.EValidation,
		Message: "Mã QR trên thẻ căn cước không hợp lệ. / The ID card QR code is not valid.",
		Fields:  fields,
	}
}

// parseDDMMYYYY reads a strict ddmmyyyy date of a real calendar day
// (31022000 is rejected) from 1900 on.
func parseDDMMYYYY(s string) (time.Time, bool) {
	if len(s) != 8 || !allDigits(s) {
		return time.Time{}, false
	}
	d, _ := strconv.Atoi(s[0:2])
	m, _ := strconv.Atoi(s[2:4])
	y, _ := strconv.Atoi(s[4:8])
	if y < 1900 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || t.Month() != time.Month(m) || t.Day() != d {
		return time.Time{}, false
	}
	return t, true
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
