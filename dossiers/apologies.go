package dossiers

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/store"
)

// maxApologyAhead bounds how far an apology may push a due date: a typo in
// the year should not promise a result in 2062.
const maxApologyAhead = 250 // working days, about a year

func letterURL(dossierID, apologyID int64) string {
	return "/dossiers/" + strconv.FormatInt(dossierID, 10) + "/apologies/" + strconv.FormatInt(apologyID, 10) + "/letter"
}

// IssueApology records the written apology and extension (Mẫu 04) of a
// dossier that is overdue or at risk: the reason, the new date (a working
// day after the current due date, which it replaces; the first original is
// kept), who issued it. A dossier gets one apology unless the supervisor
// writes why a further one is needed. The citizen's phone and the webhook
// hear of it in the same commit.
func (rg *Registry) IssueApology(ctx context.Context, dossierID int64, req motcua.ApologyRequest, by motcua.User) (motcua.Apology, error) {
	reason := strings.TrimSpace(req.Reason)
	second := strings.TrimSpace(req.SecondReason)
	fields := map[string]string{}
	switch {
	case reason == "":
		fields["reason"] = "Ghi rõ lý do chậm trễ. / Give the reason for the delay."
	case utf8.RuneCountInString(reason) > maxNoteLen:
		fields["reason"] = fmt.Sprintf("Tối đa %d ký tự. / At most %d characters.", maxNoteLen, maxNoteLen)
	}
	if utf8.RuneCountInString(second) > maxNoteLen {
		fields["second_reason"] = fmt.Sprintf("Tối đa %d ký tự. / At most %d characters.", maxNoteLen, maxNoteLen)
	}
	newDue, problem := rg.parseNewDueAt(req.NewDueAt)
	if problem != "" {
		fields["new_due_at"] = problem
	}
	if len(fields) > 0 {
		return motcua.Apology{}, invalidApology(fields)
	}
	var id int64
	err := rg.w.Write(ctx, func(tx *store.Tx) error {
		now := rg.site.Now()
		row, err := tx.Dossiers.Dossier(dossierID)
		if err != nil {
			return err
		}
		due := row.DueAt.In(rg.site.Location())
		status := motcua.DossierStatus(row.Status)
		if rg.alertOf(status, due, now) == alertNone {
			return motcua.Errorf(motcua.EConflict,
				"Hồ sơ %s (trạng thái %q, hẹn trả %s) chưa quá hạn và chưa có nguy cơ quá hạn: chỉ xin lỗi, gia hạn hồ sơ đã hoặc sắp quá hạn. / Dossier %s (%s, due %s) is neither overdue nor at risk: only a late or nearly late dossier gets an apology.",
				row.Code, status, due.Format("02/01/2006 15:04"), row.Code, status, due.Format("2006-01-02 15:04"))
		}
		prior, err := tx.Dossiers.Apologies([]int64{dossierID})
		if err != nil {
			return err
		}
		if n := len(prior[dossierID]); n > 0 && second == "" {
			last := prior[dossierID][n-1].IssuedAt.In(rg.site.Location())
			return &motcua.Error{Code: motcua.EConflict,
				Message: fmt.Sprintf("Hồ sơ %s đã có văn bản xin lỗi ngày %s. Xin lỗi lần nữa cần ghi lý do (second_reason). / Dossier %s already has an apology of %s; a further one needs second_reason saying why.",
					row.Code, last.Format("02/01/2006"), row.Code, last.Format("2006-01-02")),
				Fields: map[string]string{"second_reason": "Bắt buộc khi hồ sơ đã có văn bản xin lỗi. / Required when the dossier already has an apology."}}
		}
		if f := rg.checkNewDueAt(newDue, due, now); f != "" {
			return invalidApology(map[string]string{"new_due_at": f})
		}
		a := store.ApologyRow{DossierID: dossierID, IssuedAt: now, UserID: by.ID, Reason: reason, SecondReason: second,
			NewDueAt: newDue, OriginalDueAt: &due}
		if err := tx.Dossiers.InsertApology(&a); err != nil {
			return err
		}
		id = a.ID
		if err := tx.Dossiers.SetDossierDueAt(dossierID, newDue); err != nil {
			return err
		}
		if err := tx.Dossiers.SetAlertState(dossierID, rg.alertOf(status, newDue, now)); err != nil {
			return err
		}
		return rg.announceDossier(tx, dossierID, now, "dossier.apology")
	})
	if err != nil {
		return motcua.Apology{}, err
	}
	return rg.Apology(ctx, dossierID, id)
}

func invalidApology(fields map[string]string) error {
	return &motcua.Error{Code: motcua.EValidation,
		Message: "Văn bản xin lỗi chưa hợp lệ, xem các trường được đánh dấu. / The apology is not valid; see the marked fields.", Fields: fields}
}

// parseNewDueAt reads "YYYY-MM-DD" (the close of reception that day) or an
// RFC 3339 time; problem is the field message when it cannot.
func (rg *Registry) parseNewDueAt(s string) (time.Time, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, "Chọn ngày hẹn trả kết quả mới. / Choose the new date for the result."
	}
	if d, err := time.ParseInLocation(time.DateOnly, s, rg.site.Location()); err == nil {
		if !rg.site.Calendar().IsWorkingDay(d) {
			return time.Time{}, rg.notWorkingDay(d)
		}
		return rg.site.Calendar().DueAt(d, 0), ""
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, "Ngày không đúng dạng YYYY-MM-DD. / The date must be YYYY-MM-DD."
	}
	t = t.In(rg.site.Location())
	if !rg.site.Calendar().IsWorkingDay(t) {
		return time.Time{}, rg.notWorkingDay(t)
	}
	return t, ""
}

func (rg *Registry) notWorkingDay(t time.Time) string {
	why := "thứ Bảy/Chủ nhật / a weekend day"
	if name := rg.site.Calendar().HolidayName(t); name != "" {
		why = name + " / a public holiday"
	}
	return fmt.Sprintf("Ngày %s không phải ngày làm việc (%s). / %s is not a working day.",
		t.Format("02/01/2006"), why, t.Format("2006-01-02"))
}

// checkNewDueAt says what is wrong with an apology's new date, or "".
func (rg *Registry) checkNewDueAt(newDue, due, now time.Time) string {
	switch {
	case rg.site.Calendar().WorkingDaysBetween(due, newDue) < 1:
		return fmt.Sprintf("Ngày hẹn mới phải là ngày làm việc sau ngày hẹn hiện tại (%s). / The new date must be a working day after the current due date (%s).",
			due.Format("02/01/2006"), due.Format("2006-01-02"))
	case !newDue.After(now):
		return "Ngày hẹn mới đã qua. / The new date is in the past."
	case rg.site.Calendar().WorkingDaysBetween(now, newDue) > maxApologyAhead:
		return fmt.Sprintf("Ngày hẹn mới quá xa (hơn %d ngày làm việc). / The new date is too far ahead (over %d working days).", maxApologyAhead, maxApologyAhead)
	}
	return ""
}

// DossierApologies lists a dossier's apologies, oldest first, with who issued them.
func (rg *Registry) DossierApologies(ctx context.Context, dossierID int64) ([]motcua.Apology, error) {
	if _, err := rg.store.Dossiers.Dossier(ctx, dossierID); err != nil {
		return nil, err
	}
	rows, err := rg.store.Dossiers.Apologies(ctx, []int64{dossierID})
	if err != nil {
		return nil, err
	}
	list, _ := rg.apologies(rows[dossierID])
	return list, nil
}

// Apology returns one apology of a dossier.
func (rg *Registry) Apology(ctx context.Context, dossierID, apologyID int64) (motcua.Apology, error) {
	list, err := rg.DossierApologies(ctx, dossierID)
	if err != nil {
		return motcua.Apology{}, err
	}
	for _, a := range list {
		if a.ID == apologyID {
			return a, nil
		}
	}
	return motcua.Apology{}, motcua.Errorf(motcua.ENotFound, "Hồ sơ không có văn bản xin lỗi số %d. / The dossier has no apology %d.", apologyID, apologyID)
}

// ApologyLetter returns what the printed letter (Mẫu 04) needs: the whole
// dossier, applicant included, and the apology. The print is audited first
// (print_dossier, reason "apology_letter").
func (rg *Registry) ApologyLetter(ctx context.Context, dossierID, apologyID int64, by motcua.User) (motcua.Dossier, motcua.Apology, error) {
	a, err := rg.Apology(ctx, dossierID, apologyID)
	if err != nil {
		return motcua.Dossier{}, motcua.Apology{}, err
	}
	d, err := rg.Dossier(ctx, dossierID, by, "apology_letter")
	if err != nil {
		return motcua.Dossier{}, motcua.Apology{}, err
	}
	rows, err := rg.store.Dossiers.Apologies(ctx, []int64{d.ID})
	if err != nil {
		return motcua.Dossier{}, motcua.Apology{}, err
	}
	d.Apologies, d.OriginalDueAt = rg.apologies(rows[d.ID])
	return d, a, nil
}
