package dossiers

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/store"
)

// PrivacyAnswerDays is the time to answer a citizen's request about their
// personal data, in working days from its receipt: Decree 356/2025/NĐ-CP
// (guiding Law 91/2025/QH15) asks the controller to respond within two
// working days. Carrying out a correction or a deletion may take longer when
// the answer says so; the register keeps the answer and when it was given.
const PrivacyAnswerDays = 2

// AuditPrivacyRequest is the audit action of recording or answering a request.
const AuditPrivacyRequest = "privacy_request"

var privacyKinds = map[string]bool{motcua.PrivacyAccess: true, motcua.PrivacyCorrect: true, motcua.PrivacyDelete: true}
var privacyOutcomes = map[string]bool{motcua.PrivacyDone: true, motcua.PrivacyPartial: true, motcua.PrivacyRefused: true}

// RecordPrivacyRequest writes a citizen's request to see, correct or delete
// their personal data into the register, with its deadline.
func (rg *Registry) RecordPrivacyRequest(ctx context.Context, in motcua.PrivacyRequestInput, by motcua.User) (motcua.PrivacyRequest, error) {
	in.Requester = strings.Join(strings.Fields(in.Requester), " ")
	in.Contact = strings.TrimSpace(in.Contact)
	in.DossierCode = strings.TrimSpace(in.DossierCode)
	in.Detail = strings.TrimSpace(in.Detail)
	fields := map[string]string{}
	if !privacyKinds[in.Kind] {
		fields["kind"] = "Chọn access (xem), correct (chỉnh sửa) hoặc delete (xóa). / Choose access, correct or delete."
	}
	switch {
	case in.Requester == "":
		fields["requester"] = "Ghi họ tên người yêu cầu. / Give the requester's name."
	case utf8.RuneCountInString(in.Requester) > maxNameLen:
		fields["requester"] = fmt.Sprintf("Tối đa %d ký tự. / At most %d characters.", maxNameLen, maxNameLen)
	}
	if in.Contact == "" {
		fields["contact"] = "Ghi cách liên hệ để trả lời (điện thoại, địa chỉ, email). / Say how to answer (phone, address, e-mail)."
	} else if utf8.RuneCountInString(in.Contact) > maxAddressLen {
		fields["contact"] = fmt.Sprintf("Tối đa %d ký tự. / At most %d characters.", maxAddressLen, maxAddressLen)
	}
	if utf8.RuneCountInString(in.DossierCode) > 60 {
		fields["dossier_code"] = "Tối đa 60 ký tự. / At most 60 characters."
	}
	if utf8.RuneCountInString(in.Detail) > maxNoteLen {
		fields["detail"] = fmt.Sprintf("Tối đa %d ký tự. / At most %d characters.", maxNoteLen, maxNoteLen)
	}
	if in.Kind == motcua.PrivacyCorrect && in.Detail == "" {
		fields["detail"] = "Ghi dữ liệu cần chỉnh sửa. / Say what must be corrected."
	}
	if len(fields) > 0 {
		return motcua.PrivacyRequest{}, &motcua.Error{Code: motcua.EValidation,
			Message: "Yêu cầu về dữ liệu cá nhân chưa hợp lệ. / The personal data request is not valid.", Fields: fields}
	}
	var id int64
	err := rg.w.Write(ctx, func(tx *store.Tx) error {
		now := rg.site.Now()
		var err error
		id, err = tx.Dossiers.InsertPrivacyRequest(store.PrivacyRow{Kind: in.Kind, ReceivedAt: now,
			DueAt: rg.site.Calendar().DueAt(now, PrivacyAnswerDays), Requester: in.Requester, Contact: in.Contact,
			DossierCode: in.DossierCode, Detail: in.Detail, RecordedBy: by.ID})
		if err != nil {
			return err
		}
		return tx.Tickets.Audit(now, by.ID, AuditPrivacyRequest, nil, nil, fmt.Sprintf("record %d %s", id, in.Kind))
	})
	if err != nil {
		return motcua.PrivacyRequest{}, err
	}
	return rg.privacyRequest(ctx, id)
}

// AnswerPrivacyRequest records the answer to a request: its outcome and what
// the citizen was told.
func (rg *Registry) AnswerPrivacyRequest(ctx context.Context, id int64, outcome, answer string, by motcua.User) (motcua.PrivacyRequest, error) {
	answer = strings.TrimSpace(answer)
	fields := map[string]string{}
	if !privacyOutcomes[outcome] {
		fields["outcome"] = "Chọn done (đã thực hiện), partial (một phần) hoặc refused (từ chối). / Choose done, partial or refused."
	}
	switch {
	case answer == "":
		fields["answer"] = "Ghi nội dung trả lời công dân. / Write what the citizen was told."
	case utf8.RuneCountInString(answer) > maxNoteLen:
		fields["answer"] = fmt.Sprintf("Tối đa %d ký tự. / At most %d characters.", maxNoteLen, maxNoteLen)
	}
	if len(fields) > 0 {
		return motcua.PrivacyRequest{}, &motcua.Error{Code: motcua.EValidation,
			Message: "Trả lời chưa hợp lệ. / The answer is not valid.", Fields: fields}
	}
	err := rg.w.Write(ctx, func(tx *store.Tx) error {
		now := rg.site.Now()
		if err := tx.Dossiers.AnswerPrivacyRequest(id, now, by.ID, outcome, answer); err != nil {
			return err
		}
		return tx.Tickets.Audit(now, by.ID, AuditPrivacyRequest, nil, nil, fmt.Sprintf("answer %d %s", id, outcome))
	})
	if err != nil {
		return motcua.PrivacyRequest{}, err
	}
	return rg.privacyRequest(ctx, id)
}

// PrivacyRequests lists the register: open requests first, soonest due.
func (rg *Registry) PrivacyRequests(ctx context.Context) ([]motcua.PrivacyRequest, error) {
	rows, err := rg.store.Dossiers.PrivacyRequests(ctx, 500)
	if err != nil {
		return nil, err
	}
	out := make([]motcua.PrivacyRequest, 0, len(rows))
	for _, r := range rows {
		p, err := rg.privacyOf(ctx, r)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func (rg *Registry) privacyRequest(ctx context.Context, id int64) (motcua.PrivacyRequest, error) {
	r, err := rg.store.Dossiers.PrivacyRequest(ctx, id)
	if err != nil {
		return motcua.PrivacyRequest{}, err
	}
	return rg.privacyOf(ctx, r)
}

func (rg *Registry) privacyOf(ctx context.Context, r store.PrivacyRow) (motcua.PrivacyRequest, error) {
	loc := rg.site.Location()
	p := motcua.PrivacyRequest{ID: r.ID, Kind: r.Kind, ReceivedAt: r.ReceivedAt.In(loc), DueAt: r.DueAt.In(loc),
		Requester: r.Requester, Contact: r.Contact, DossierCode: r.DossierCode, Detail: r.Detail,
		AnsweredAt: rg.site.Local(r.AnsweredAt), Outcome: r.Outcome, Answer: r.Answer}
	ref := func(id int64) motcua.UserRef {
		u, err := rg.store.Users.User(ctx, id)
		if err != nil {
			return motcua.UserRef{ID: id}
		}
		return motcua.UserRef{ID: u.ID, Username: u.Username, FullName: u.FullName}
	}
	p.RecordedBy = ref(r.RecordedBy)
	if r.AnsweredBy != nil {
		a := ref(*r.AnsweredBy)
		p.AnsweredBy = &a
	}
	end := rg.site.Now()
	if p.AnsweredAt != nil {
		end = *p.AnsweredAt
	}
	p.Overdue = end.After(p.DueAt)
	return p, nil
}

// purgePriorityGroups empties the priority group of tickets older than the
// retention (with or without a dossier): it says a disability or a pregnancy.
func (rg *Registry) purgePriorityGroups(ctx context.Context, retention time.Duration) (int, error) {
	var n int
	err := rg.w.Write(ctx, func(tx *store.Tx) error {
		var err error
		n, err = tx.Dossiers.PurgeTicketPriorityGroups(rg.site.Now().Add(-retention))
		return err
	})
	return n, err
}
