package dossiers

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/store"
)

// The forms of issue 17: the hand-overs of the process control sheet (Mẫu
// 06), the refusal after processing (the agency's own letter, never Mẫu 03),
// the dossier's place in the ledger (Mẫu 01 and 07), and the register of
// citizens' requests about their personal data.

// Limits on what staff type into a hand-over or a request.
const (
	maxPartyLen        = 200
	maxLetterNumberLen = 60
)

// Recipient is the party a result is returned to, as hand-overs name it.
const (
	partyCitizen = "Tổ chức, cá nhân nộp hồ sơ"
	partyPost    = "Dịch vụ bưu chính công ích"
)

// OneStop is how hand-overs name the branch's one-stop section.
func (rg *Registry) OneStop() string {
	return "Bộ phận Một cửa " + rg.site.Branch().Name
}

func (rg *Registry) handover(h store.HandoverRow) motcua.Handover {
	loc := rg.site.Location()
	return motcua.Handover{ID: h.ID, At: h.At.In(loc), From: h.From, To: h.To, DueAt: h.DueAt.In(loc),
		Timing: motcua.HandoverTiming(h.At, h.DueAt, loc),
		By:     motcua.UserRef{ID: h.UserID, Username: h.Username, FullName: h.FullName}, Note: h.Note}
}

// holder is the unit that holds a dossier after its hand-overs: the one-stop
// until it is handed on.
func (rg *Registry) holder(hs []store.HandoverRow) string {
	if len(hs) == 0 {
		return rg.OneStop()
	}
	return hs[len(hs)-1].To
}

// lifecycleHandover records the hand-over a lifecycle action makes: the
// transfer to the competent agency (due by the end of the day of receipt),
// the result (or a refusal, or a stop) coming back to the one-stop (due by
// the due date), the result returned to the citizen.
func (rg *Registry) lifecycleHandover(tx *store.Tx, row store.DossierRow, action motcua.DossierAction, now time.Time, by motcua.User) error {
	links, err := tx.Dossiers.DossierLinks([]int64{row.ID}, false)
	if err != nil {
		return err
	}
	hs := links[row.ID].Handovers
	h := store.HandoverRow{DossierID: row.ID, At: now, UserID: by.ID}
	switch action {
	case motcua.DossierTransfer:
		procs, err := rg.procedureMap(tx.Context())
		if err != nil {
			return err
		}
		agency := procs[row.ProcedureID].Agency
		if agency == "" {
			agency = "Cơ quan có thẩm quyền giải quyết"
		}
		h.From, h.To, h.DueAt = rg.holder(hs), agency, row.TransferDueAt
	case motcua.DossierMarkResultReady, motcua.DossierReject, motcua.DossierStop:
		// Only a dossier that left the one-stop comes back to it.
		if rg.holder(hs) == rg.OneStop() {
			return nil
		}
		h.From, h.To, h.DueAt = rg.holder(hs), rg.OneStop(), row.DueAt
	case motcua.DossierReturn:
		h.From, h.To, h.DueAt = rg.holder(hs), partyCitizen, row.DueAt
		if row.Delivery == motcua.DeliveryPost {
			h.To = partyPost
		}
	default:
		return nil
	}
	_, err = tx.Dossiers.InsertHandover(h)
	return err
}

// RecordHandover records a hand-over inside the competent agency (from one
// unit to another), with the deadline of its step. From is the unit that
// holds the dossier when left empty.
func (rg *Registry) RecordHandover(ctx context.Context, id int64, req motcua.HandoverRequest, by motcua.User) (motcua.Dossier, error) {
	req.From = strings.Join(strings.Fields(req.From), " ")
	req.To = strings.Join(strings.Fields(req.To), " ")
	req.Note = strings.TrimSpace(req.Note)
	fields := map[string]string{}
	for key, v := range map[string]string{"from": req.From, "to": req.To} {
		if utf8.RuneCountInString(v) > maxPartyLen {
			fields[key] = fmt.Sprintf("Tối đa %d ký tự. / At most %d characters.", maxPartyLen, maxPartyLen)
		}
	}
	if req.To == "" {
		fields["to"] = "Ghi đơn vị, bộ phận nhận hồ sơ (không ghi tên người). / Name the unit that takes the dossier (not a person)."
	}
	if req.DueAt.IsZero() {
		fields["due_at"] = "Ghi thời hạn của bước này. / Give this step's deadline."
	}
	if utf8.RuneCountInString(req.Note) > maxNoteLen {
		fields["note"] = fmt.Sprintf("Tối đa %d ký tự. / At most %d characters.", maxNoteLen, maxNoteLen)
	}
	if len(fields) > 0 {
		return motcua.Dossier{}, &motcua.Error{Code: motcua.EValidation,
			Message: "Thông tin giao nhận hồ sơ chưa hợp lệ. / The hand-over is not valid.", Fields: fields}
	}
	err := rg.w.Write(ctx, func(tx *store.Tx) error {
		now := rg.site.Now()
		row, err := tx.Dossiers.Dossier(id)
		if err != nil {
			return err
		}
		switch motcua.DossierStatus(row.Status) {
		case motcua.DossierTransferred, motcua.DossierProcessing:
		default:
			return motcua.Errorf(motcua.EConflict,
				"Hồ sơ đang ở trạng thái %q: chỉ ghi giao nhận khi hồ sơ đang ở cơ quan giải quyết. / The dossier is %s: hand-overs are recorded while the agency holds it.",
				row.Status, row.Status)
		}
		if req.DueAt.Before(row.ReceivedAt) {
			return &motcua.Error{Code: motcua.EValidation, Message: "Thời hạn trước ngày tiếp nhận. / The deadline is before the receipt.",
				Fields: map[string]string{"due_at": "Thời hạn phải sau ngày tiếp nhận. / Must be after the receipt."}}
		}
		if err := checkPublicText(row, map[string]string{"from": req.From, "to": req.To}); err != nil {
			return err
		}
		links, err := tx.Dossiers.DossierLinks([]int64{id}, false)
		if err != nil {
			return err
		}
		from := req.From
		if from == "" {
			from = rg.holder(links[id].Handovers)
		}
		if _, err := tx.Dossiers.InsertHandover(store.HandoverRow{DossierID: id, At: now, From: from, To: req.To,
			DueAt: req.DueAt, UserID: by.ID, Note: req.Note}); err != nil {
			return err
		}
		// The phones hear of it; the status did not move, so no alert changes,
		// and the webhook names the hand-over (not the last lifecycle move).
		d, err := rg.appendDossierEvents(tx, id, now, nil)
		if err != nil {
			return err
		}
		return rg.notify.Queue(tx, "dossier.handover", d, now)
	})
	if err != nil {
		return motcua.Dossier{}, err
	}
	return rg.dossierView(ctx, id, false, true)
}

type letterRef struct{ number, date string }

// refusalLetter checks what a refusal carries. At reception (the dossier has
// not gone to the agency) the one-stop refuses with Mẫu 03 and no letter;
// after that the refusal is the agency's own letter, whose number and date
// are required. Other actions carry no letter.
func (rg *Registry) refusalLetter(tx *store.Tx, row store.DossierRow, action motcua.DossierAction, req motcua.DossierActionRequest) (letterRef, error) {
	l := letterRef{number: strings.TrimSpace(req.LetterNumber), date: strings.TrimSpace(req.LetterDate)}
	fields := map[string]string{}
	if action != motcua.DossierReject {
		if l.number != "" || l.date != "" {
			fields["letter_number"] = "Chỉ văn bản từ chối của cơ quan giải quyết có số văn bản. / Only an agency's refusal has a letter number."
		}
	} else {
		links, err := tx.Dossiers.DossierLinks([]int64{row.ID}, true)
		if err != nil {
			return l, err
		}
		if atReception(links[row.ID]) {
			if l.number != "" || l.date != "" {
				fields["letter_number"] = "Hồ sơ chưa chuyển cơ quan giải quyết: từ chối tiếp nhận bằng Mẫu 03, không ghi số văn bản. / Not yet at the agency: refuse with Mẫu 03, without a letter number."
			}
		} else {
			switch {
			case l.number == "":
				fields["letter_number"] = "Ghi số văn bản trả lời của cơ quan giải quyết, ví dụ 123/UBND-TP. / Give the number of the agency's letter, e.g. 123/UBND-TP."
			case utf8.RuneCountInString(l.number) > maxLetterNumberLen:
				fields["letter_number"] = fmt.Sprintf("Tối đa %d ký tự. / At most %d characters.", maxLetterNumberLen, maxLetterNumberLen)
			}
			_, err := time.Parse(time.DateOnly, l.date)
			switch {
			case l.date == "":
				fields["letter_date"] = "Ghi ngày của văn bản (YYYY-MM-DD). / Give the letter's date (YYYY-MM-DD)."
			case err != nil:
				fields["letter_date"] = "Ngày dạng YYYY-MM-DD. / A date YYYY-MM-DD."
			case l.date > rg.site.Day(rg.site.Now()) || l.date < rg.site.Day(row.ReceivedAt):
				fields["letter_date"] = "Ngày văn bản phải từ ngày tiếp nhận đến hôm nay. / The letter is dated between the receipt and today."
			}
		}
	}
	if len(fields) > 0 {
		return l, &motcua.Error{Code: motcua.EValidation, Message: "Văn bản từ chối chưa hợp lệ. / The refusal is not valid.", Fields: fields}
	}
	return l, nil
}

// atReception: the dossier never went to the competent agency.
func atReception(l *store.DossierLinks) bool {
	if l == nil {
		return true
	}
	for _, s := range l.Steps {
		switch motcua.DossierAction(s.Type) {
		case motcua.DossierTransfer, motcua.DossierStartProcessing, motcua.DossierMarkResultReady:
			return false
		}
	}
	return true
}

// ledgerEntry is the dossier's book (its year of receipt) and number in that
// book (Mẫu 01: "Vào Sổ theo dõi hồ sơ, Quyển số …, Số thứ tự …").
func (rg *Registry) ledgerEntry(ctx context.Context, d motcua.Dossier) (int, int, error) {
	loc := rg.site.Location()
	y := d.ReceivedAt.In(loc).Year()
	n, err := rg.store.Dossiers.LedgerEntry(ctx, d.ID, time.Date(y, 1, 1, 0, 0, 0, 0, loc), time.Date(y+1, 1, 1, 0, 0, 0, 0, loc))
	return y, n, err
}

// maxDocumentCount bounds how many of one document a citizen hands in.
const maxDocumentCount = 50

// checkDocumentDetails keeps, in the order of docs, the details of documents
// that were received, and writes what is wrong into fields
// ("document_details"): a paper not ticked, an unknown kind, a count out of range.
func checkDocumentDetails(details []motcua.DocumentCopy, docs []string, fields map[string]string) []motcua.DocumentCopy {
	byName := map[string]motcua.DocumentCopy{}
	for _, dc := range details {
		dc.Name = strings.TrimSpace(dc.Name)
		switch {
		case motcua.DocumentKindName(dc.Kind) == "":
			fields["document_details"] = fmt.Sprintf("%q: chọn bản chính (original), bản sao (copy) hoặc bản sao có chứng thực (certified_copy). / Choose original, copy or certified_copy.", dc.Name)
		case dc.Count < 1 || dc.Count > maxDocumentCount:
			fields["document_details"] = fmt.Sprintf("%q: số lượng từ 1 đến %d. / The count is 1 to %d.", dc.Name, maxDocumentCount, maxDocumentCount)
		}
		byName[dc.Name] = dc
	}
	out := []motcua.DocumentCopy{}
	for _, d := range docs {
		if dc, ok := byName[d]; ok {
			out = append(out, dc)
			delete(byName, d)
		}
	}
	for name := range byName {
		fields["document_details"] = fmt.Sprintf("%q không có trong giấy tờ đã nhận. / %q is not among the documents received.", name, name)
	}
	return out
}

func documentDetailsJSON(details []motcua.DocumentCopy) (string, error) {
	if details == nil {
		details = []motcua.DocumentCopy{}
	}
	raw, err := json.Marshal(details)
	return string(raw), err
}

// checkPublicText refuses text bound for the citizen's phone (a stop's reason,
// the units of a hand-over) that carries the applicant's name, ID number or
// phone: the phone page is public to whoever holds the ticket.
func checkPublicText(row store.DossierRow, texts map[string]string) error {
	fields := map[string]string{}
	for key, text := range texts {
		folded := Fold(text)
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, text)
		switch {
		case row.ApplicantName != "" && strings.Contains(folded, Fold(row.ApplicantName)):
			fields[key] = "Nội dung này hiện trên điện thoại của công dân: không ghi họ tên người nộp. / This is shown on the citizen's phone: leave out the applicant's name."
		case row.ApplicantIDNumber != "" && strings.Contains(digits, row.ApplicantIDNumber),
			row.ApplicantPhone != "" && strings.Contains(digits, row.ApplicantPhone):
			fields[key] = "Nội dung này hiện trên điện thoại của công dân: không ghi số định danh, số điện thoại. / This is shown on the citizen's phone: leave out ID and phone numbers."
		}
	}
	if len(fields) > 0 {
		return &motcua.Error{Code: motcua.EValidation, Message: "Không ghi dữ liệu cá nhân vào nội dung công khai. / No personal data in public text.", Fields: fields}
	}
	return nil
}
