// Package dossiers is the dossier registry: the procedure catalogue, the
// dossiers received at the counters and their lifecycle, due dates in
// working days, the apologies and extensions of late dossiers, the overdue
// watch, personal-data retention and the reports on dossiers. Every change
// goes through the writer, with its "dossier" events and its webhook
// notification in the same transaction.
package dossiers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/mail"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/store"
	"github.com/motcua/motcua/writer"
)

// Limits on what a counter may type into a dossier.
const (
	maxNameLen    = 200
	maxAddressLen = 500
	maxNoteLen    = 1000
	maxSets       = 50
)

// Notifier queues the notification of a dossier change inside the change's
// transaction (the webhook outbox).
type Notifier interface {
	Queue(tx *store.Tx, event string, d motcua.Dossier, now time.Time) error
}

// Registry keeps the branch's dossiers.
type Registry struct {
	site       *motcua.Site
	store      *store.Store
	w          *writer.Writer
	notify     Notifier
	atRiskDays atomic.Int64 // the hall's administration may change it live
}

// Config is what New needs.
type Config struct {
	Site     *motcua.Site
	Store    *store.Store
	Writer   *writer.Writer
	Notifier Notifier
	// AtRiskDays is the at-risk window in working days; 0 reads the
	// "at_risk_days" setting, else motcua.DefaultAtRiskDays.
	AtRiskDays int
}

// New opens the registry; it reads the at-risk window.
func New(ctx context.Context, cfg Config) (*Registry, error) {
	rg := &Registry{site: cfg.Site, store: cfg.Store, w: cfg.Writer, notify: cfg.Notifier}
	days := cfg.AtRiskDays
	// The window comes from the hub's configuration, else from the
	// "at_risk_days" setting (kept with the hall's settings), else 1.
	if days <= 0 {
		if err := cfg.Store.Setting(ctx, "at_risk_days", &days); err != nil {
			return nil, err
		}
	}
	rg.SetAtRiskDays(days)
	return rg, nil
}

// SetAtRiskDays sets the at-risk window in working days; 0 or less takes
// motcua.DefaultAtRiskDays.
func (rg *Registry) SetAtRiskDays(days int) {
	if days <= 0 {
		days = motcua.DefaultAtRiskDays
	}
	rg.atRiskDays.Store(int64(days))
}

// Audit actions on dossiers.
const (
	AuditViewDossier  = "view_dossier"
	AuditPrintDossier = "print_dossier"
	AuditPurgeDossier = "purge_personal_data"
)

// Procedures lists the procedure catalogue. q, when set, keeps procedures
// whose code, name, field or agency contains every word of q, compared
// without diacritics or case ("khai sinh", "KHAI SINH" and "khai sính" all
// find "Thủ tục đăng ký khai sinh").
func (rg *Registry) Procedures(ctx context.Context, q string) ([]motcua.Procedure, error) {
	all, err := rg.store.Procedures(ctx)
	if err != nil {
		return nil, err
	}
	words := strings.Fields(Fold(q))
	out := []motcua.Procedure{}
	for _, p := range all {
		if p.RetiredAt != nil {
			continue // no longer received here; its dossiers still name it
		}
		hay := Fold(p.Code + " " + p.Name + " " + p.Field + " " + p.Agency)
		match := true
		for _, w := range words {
			if !strings.Contains(hay, w) {
				match = false
				break
			}
		}
		if match {
			out = append(out, p)
		}
	}
	return out, nil
}

// Procedure returns one procedure of the catalogue.
func (rg *Registry) Procedure(ctx context.Context, id int64) (motcua.Procedure, error) {
	all, err := rg.store.Procedures(ctx)
	if err != nil {
		return motcua.Procedure{}, err
	}
	for _, p := range all {
		if p.ID == id {
			return p, nil
		}
	}
	return motcua.Procedure{}, motcua.Errorf(motcua.ENotFound, "Không có thủ tục số %d. / There is no procedure %d.", id, id)
}

// CreateDossier receives a dossier from the visit of ticketID at the counter:
// it validates the request against the procedure, gives the dossier its code
// and due date, and tells the ticket's phone.
func (rg *Registry) CreateDossier(ctx context.Context, ticketID int64, req motcua.DossierRequest, by motcua.User) (motcua.Dossier, error) {
	procs, err := rg.procedureMap(ctx)
	if err != nil {
		return motcua.Dossier{}, err
	}
	req, err = validateDossier(req, procs)
	if err != nil {
		return motcua.Dossier{}, err
	}
	proc := procs[req.ProcedureID]
	unit := rg.site.Branch().UnitCode
	if !motcua.ValidUnitCode(unit) {
		return motcua.Dossier{}, motcua.Errorf(motcua.EConflict,
			"Mã đơn vị của chi nhánh (%q) chưa đúng dạng (%s), chưa tạo được mã hồ sơ; báo quản trị viên. / The branch unit code %q is not valid; ask the administrator.", unit, motcua.UnitCodeRule, unit)
	}
	var id int64
	err = rg.w.Write(ctx, func(tx *store.Tx) error {
		now := rg.site.Now()
		tk, err := tx.Tickets.Ticket(ticketID)
		if err != nil {
			return err
		}
		if err := rg.checkVisit(tk, now, by); err != nil {
			return err
		}
		day := rg.site.Day(now)
		seq, err := tx.Dossiers.NextDossierSeq(unit, day)
		if err != nil {
			return err
		}
		if seq > motcua.MaxDossierSeq {
			return motcua.Errorf(motcua.EConflict, "Đơn vị đã tiếp nhận %d hồ sơ hôm nay, hết số trong ngày. / The unit has used all %d dossier numbers for today.",
				motcua.MaxDossierSeq, motcua.MaxDossierSeq)
		}
		code, err := motcua.FormatDossierCode(unit, now, seq)
		if err != nil {
			return err
		}
		row := store.DossierRow{
			Code: code, UnitCode: unit, Day: day, Seq: seq, TicketID: tk.ID, ProcedureID: proc.ID,
			ProcessingDays: proc.ProcessingDays, ProcessingTime: proc.ProcessingTime, Status: string(motcua.DossierReceived),
			ReceivedAt: now, DueAt: rg.site.Calendar().DueFor(now, proc), TransferDueAt: rg.endOfDay(now),
			ApplicantName: req.Applicant.Name, ApplicantIDNumber: req.Applicant.IDNumber, ApplicantPhone: req.Applicant.Phone,
			ApplicantAddress: req.Applicant.Address, ApplicantEmail: req.Applicant.Email,
			ApplicantKind: req.Applicant.Kind, Nationality: req.Applicant.Nationality,
			OrgCode: req.Applicant.OrgCode, OrgName: req.Applicant.OrgName,
			Sets: req.Sets, Delivery: req.Delivery, DeliveryAddress: req.DeliveryAddress, Note: req.Note,
			ReceivedBy: by.ID, CounterID: tk.CounterID,
		}
		if row.DocumentsJSON, err = documentsJSON(req.Documents); err != nil {
			return err
		}
		if row.DocumentDetailsJSON, err = documentDetailsJSON(req.DocumentDetails); err != nil {
			return err
		}
		if err := tx.Dossiers.InsertDossier(&row); err != nil {
			return err
		}
		id = row.ID
		if err := tx.Dossiers.InsertDossierStep(store.DossierStepRow{DossierID: id, Type: "receive", To: row.Status, At: now,
			UserID: by.ID, TicketID: &tk.ID}); err != nil {
			return err
		}
		return rg.dossierEvents(tx, id, now, nil)
	})
	if err != nil {
		return motcua.Dossier{}, err
	}
	// The officer has just typed the applicant in: the answer may show it whole.
	return rg.dossierView(ctx, id, true, true)
}

// checkVisit says whether a ticket's visit can create or join a dossier: it
// is at a counter now, or was served earlier today, and by may work at that
// counter.
func (rg *Registry) checkVisit(tk motcua.Ticket, now time.Time, by motcua.User) error {
	if tk.CounterID != nil {
		if err := rg.site.CheckWorksAt(by, *tk.CounterID); err != nil {
			return err
		}
	}
	switch tk.Status {
	case motcua.TicketCalled, motcua.TicketServing:
		return nil
	case motcua.TicketDone:
		if tk.Day == rg.site.Day(now) {
			return nil
		}
	}
	return motcua.Errorf(motcua.EConflict,
		"Số %s đang ở trạng thái %q: chỉ nhận hồ sơ cho số đã được gọi, đang phục vụ hoặc đã phục vụ hôm nay. / Ticket %s is %s: dossiers are received only for a ticket that is called, being served or served today.",
		tk.Number, tk.Status, tk.Number, tk.Status)
}

// endOfDay is midnight after t's branch-local date: a dossier must be passed
// to the competent agency before then.
func (rg *Registry) endOfDay(t time.Time) time.Time {
	y, m, d := t.In(rg.site.Location()).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, rg.site.Location())
}

// ActOnDossier applies a lifecycle action, recording who, when and why.
func (rg *Registry) ActOnDossier(ctx context.Context, id int64, action motcua.DossierAction, note string, by motcua.User) (motcua.Dossier, error) {
	return rg.Act(ctx, id, motcua.DossierActionRequest{Action: action, Note: note}, by)
}

// Act applies a lifecycle action with everything it carries (a refusal after
// processing names the agency's letter), and records the hand-over it makes
// (Mẫu 06, forms.go).
func (rg *Registry) Act(ctx context.Context, id int64, req motcua.DossierActionRequest, by motcua.User) (motcua.Dossier, error) {
	action, note := req.Action, strings.TrimSpace(req.Note)
	fields := map[string]string{}
	if !motcua.IsDossierAction(action) {
		names := make([]string, len(motcua.DossierActions))
		for i, a := range motcua.DossierActions {
			names[i] = string(a)
		}
		fields["type"] = "Phải là một trong / Must be one of: " + strings.Join(names, ", ")
	}
	if motcua.DossierActionNeedsNote(action) && note == "" {
		switch action {
		case motcua.DossierReject:
			fields["note"] = "Ghi rõ lý do từ chối. / Give the reason for the refusal."
		case motcua.DossierExtend:
			fields["note"] = "Ghi rõ lý do gia hạn (cần xác minh gì). / Give the reason for the extension (what must be verified)."
		default:
			fields["note"] = "Ghi rõ giấy tờ cần bổ sung và lý do. / Say what is missing and why."
		}
	}
	if utf8.RuneCountInString(note) > maxNoteLen {
		fields["note"] = fmt.Sprintf("Tối đa %d ký tự. / At most %d characters.", maxNoteLen, maxNoteLen)
	}
	if len(fields) > 0 {
		return motcua.Dossier{}, &motcua.Error{Code: motcua.EValidation,
			Message: "Thao tác hồ sơ chưa hợp lệ. / The dossier action is not valid.", Fields: fields}
	}
	err := rg.w.Write(ctx, func(tx *store.Tx) error {
		now := rg.site.Now()
		row, err := tx.Dossiers.Dossier(id)
		if err != nil {
			return err
		}
		from := motcua.DossierStatus(row.Status)
		if action == motcua.DossierExtend {
			return rg.extend(tx, row, note, now, by)
		}
		to, err := motcua.NextDossierStatus(from, action)
		if err != nil {
			return err
		}
		m := store.DossierMove{ID: id, From: row.Status, To: string(to)}
		if from == motcua.DossierReceived && row.TransferredAt == nil {
			m.TransferredAt = &now
		}
		switch to {
		case motcua.DossierResultReady, motcua.DossierRejected, motcua.DossierStopped:
			m.FinishedAt = &now
		case motcua.DossierReturned:
			m.ReturnedAt = &now
		}
		if action == motcua.DossierSupplementReceived {
			// The processing time starts again from the day the complete dossier is back.
			proc, err := rg.procedureOf(tx, row)
			if err != nil {
				return err
			}
			due := rg.site.Calendar().DueFor(now, proc)
			m.DueAt = &due
		}
		letter, err := rg.refusalLetter(tx, row, action, req)
		if err != nil {
			return err
		}
		if action == motcua.DossierStop {
			if err := checkPublicText(row, map[string]string{"note": note}); err != nil {
				return err
			}
		}
		if err := tx.Dossiers.MoveDossier(m); err != nil {
			return err
		}
		if err := tx.Dossiers.InsertDossierStep(store.DossierStepRow{DossierID: id, Type: string(action), From: row.Status, To: string(to),
			At: now, UserID: by.ID, Note: note, DueAt: m.DueAt, LetterNumber: letter.number, LetterDate: letter.date}); err != nil {
			return err
		}
		if err := rg.lifecycleHandover(tx, row, action, now, by); err != nil {
			return err
		}
		return rg.dossierEvents(tx, id, now, nil)
	})
	if err != nil {
		return motcua.Dossier{}, err
	}
	return rg.dossierView(ctx, id, false, true)
}

// procedureOf is the procedure a dossier was received under: its
// processing time as recorded on the dossier, the cut-off and extension of
// the catalogue's procedure.
func (rg *Registry) procedureOf(tx *store.Tx, row store.DossierRow) (motcua.Procedure, error) {
	procs, err := rg.procedureMap(tx.Context())
	if err != nil {
		return motcua.Procedure{}, err
	}
	p := procs[row.ProcedureID]
	p.ProcessingDays, p.ProcessingTime = row.ProcessingDays, row.ProcessingTime
	return p, nil
}

// extend moves a dossier's due date by its procedure's extended_days, once,
// while it is still being handled; the reason and the new date go into the
// history. The status stays.
func (rg *Registry) extend(tx *store.Tx, row store.DossierRow, reason string, now time.Time, by motcua.User) error {
	proc, err := rg.procedureOf(tx, row)
	if err != nil {
		return err
	}
	from := motcua.DossierStatus(row.Status)
	switch {
	case proc.ExtendedDays <= 0:
		return motcua.Errorf(motcua.EConflict, "Thủ tục %s không quy định gia hạn khi cần xác minh. / Procedure %s allows no extension.", proc.Code, proc.Code)
	case row.ExtendedAt != nil:
		return motcua.Errorf(motcua.EConflict, "Hồ sơ đã được gia hạn một lần. / The dossier was already extended.")
	case !motcua.CanExtend(from, false):
		return motcua.Errorf(motcua.EConflict, "Không thể gia hạn hồ sơ đang ở trạng thái %q. / Cannot extend a dossier that is %s.", from, from)
	}
	due := rg.site.Calendar().Extend(row.DueAt, proc.ExtendedDays)
	m := store.DossierMove{ID: row.ID, From: row.Status, To: row.Status, DueAt: &due, ExtendedAt: &now}
	if err := tx.Dossiers.MoveDossier(m); err != nil {
		return err
	}
	if err := tx.Dossiers.InsertDossierStep(store.DossierStepRow{DossierID: row.ID, Type: string(motcua.DossierExtend),
		From: row.Status, To: row.Status, At: now, UserID: by.ID, Note: reason, DueAt: &due}); err != nil {
		return err
	}
	return rg.dossierEvents(tx, row.ID, now, nil)
}

// LinkDossierVisit links a later visit's ticket (bringing papers, collecting
// the result) to an existing dossier, so that ticket's phone follows it too.
func (rg *Registry) LinkDossierVisit(ctx context.Context, dossierID, ticketID int64, by motcua.User) (motcua.Dossier, error) {
	err := rg.w.Write(ctx, func(tx *store.Tx) error {
		now := rg.site.Now()
		row, err := tx.Dossiers.Dossier(dossierID)
		if err != nil {
			return err
		}
		tk, err := tx.Tickets.Ticket(ticketID)
		if err != nil {
			return err
		}
		links, err := tx.Dossiers.DossierLinks([]int64{dossierID}, false)
		if err != nil {
			return err
		}
		if _, linked := links[dossierID].Tickets[ticketID]; linked {
			return nil
		}
		if err := rg.checkVisit(tk, now, by); err != nil {
			return err
		}
		if err := tx.Dossiers.LinkDossierTicket(dossierID, ticketID, now); err != nil {
			return err
		}
		if err := tx.Dossiers.InsertDossierStep(store.DossierStepRow{DossierID: dossierID, Type: "visit", From: row.Status, To: row.Status,
			At: now, UserID: by.ID, TicketID: &tk.ID}); err != nil {
			return err
		}
		return rg.dossierEvents(tx, dossierID, now, &ticketID)
	})
	if err != nil {
		return motcua.Dossier{}, err
	}
	return rg.dossierView(ctx, dossierID, false, true)
}

// Dossier returns the whole dossier, personal data included, for a staff
// member's dossier page or a printout; purpose says which, and every such
// view is written to the audit trail before the data is read.
func (rg *Registry) Dossier(ctx context.Context, id int64, by motcua.User, purpose string) (motcua.Dossier, error) {
	action := AuditViewDossier
	if purpose != "" && purpose != "view" {
		action = AuditPrintDossier
	}
	err := rg.w.Write(ctx, func(tx *store.Tx) error {
		row, err := tx.Dossiers.Dossier(id)
		if err != nil {
			return err
		}
		return tx.Dossiers.AuditDossier(rg.site.Now(), by.ID, action, id, &row.TicketID, purpose)
	})
	if err != nil {
		return motcua.Dossier{}, err
	}
	d, err := rg.dossierView(ctx, id, true, true)
	if err != nil {
		return d, err
	}
	d.LedgerBook, d.LedgerEntry, err = rg.ledgerEntry(ctx, d)
	return d, err
}

// Dossiers lists dossiers with the applicant masked and no history.
func (rg *Registry) Dossiers(ctx context.Context, f motcua.DossierFilter) ([]motcua.Dossier, error) {
	now := rg.site.Now()
	rows, err := rg.store.Dossiers.Dossiers(ctx, store.DossierQuery{DossierFilter: f, Now: now})
	if err != nil {
		return nil, err
	}
	return rg.complete(ctx, rows, false, false, now)
}

// TicketDossiers is what a ticket's phone shows: the public part of every
// dossier the visit created or joined.
func (rg *Registry) TicketDossiers(ctx context.Context, ticketID int64) ([]motcua.PublicDossier, error) {
	now := rg.site.Now()
	rows, err := rg.store.Dossiers.DossiersOfTicket(ctx, ticketID)
	if err != nil {
		return nil, err
	}
	ds, err := rg.complete(ctx, rows, false, true, now)
	if err != nil {
		return nil, err
	}
	out := make([]motcua.PublicDossier, len(ds))
	for i, d := range ds {
		out[i] = d.Public()
	}
	return out, nil
}

// DossierAudit lists who viewed or printed a dossier's personal data.
func (rg *Registry) DossierAudit(ctx context.Context, id int64) ([]store.DossierAuditEntry, error) {
	return rg.store.Dossiers.DossierAudit(ctx, id)
}

// ApplyRetention erases the personal data whose configured retention
// (privacy.dossier_retention_days) has run out; with no retention configured
// it does nothing. The background loop runs it once a day.
func (rg *Registry) ApplyRetention(ctx context.Context) (int, error) {
	var p motcua.Privacy
	if err := rg.store.Setting(ctx, "privacy", &p); err != nil {
		return 0, err
	}
	if p.DossierRetentionDays <= 0 {
		return 0, nil
	}
	retention := time.Duration(p.DossierRetentionDays) * 24 * time.Hour
	n, err := rg.PurgeDossierPersonalData(ctx, retention)
	if err != nil {
		return n, err
	}
	_, err = rg.purgePriorityGroups(ctx, retention)
	return n, err
}

// PurgeDossierPersonalData empties the applicant data of dossiers whose
// result was returned (or that were refused) longer than retention ago, and
// audits each purge. The dossier, its code and its history stay.
func (rg *Registry) PurgeDossierPersonalData(ctx context.Context, retention time.Duration) (int, error) {
	if retention <= 0 {
		return 0, motcua.Errorf(motcua.EInvalid, "Thời hạn lưu trữ phải lớn hơn 0. / The retention must be positive.")
	}
	var n int
	err := rg.w.Write(ctx, func(tx *store.Tx) error {
		now := rg.site.Now()
		ids, err := tx.Dossiers.PurgeDossierApplicants(now.Add(-retention), now)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := tx.Dossiers.AuditDossier(now, 0, AuditPurgeDossier, id, nil, "retention "+retention.String()); err != nil {
				return err
			}
		}
		n = len(ids)
		return nil
	})
	return n, err
}

// dossierEvents appends one public "dossier" event per linked ticket (or only
// for onlyTicket), so each ticket's phone hears about it, then refreshes the
// alert flags and queues the webhook (overdue.go).
func (rg *Registry) dossierEvents(tx *store.Tx, id int64, now time.Time, onlyTicket *int64) error {
	d, err := rg.appendDossierEvents(tx, id, now, onlyTicket)
	if err != nil {
		return err
	}
	return rg.afterDossierChange(tx, d, now, onlyTicket)
}

// appendDossierEvents appends the public "dossier" event of a dossier for
// each linked ticket (or only onlyTicket) and returns the dossier as built.
func (rg *Registry) appendDossierEvents(tx *store.Tx, id int64, now time.Time, onlyTicket *int64) (motcua.Dossier, error) {
	row, err := tx.Dossiers.Dossier(id)
	if err != nil {
		return motcua.Dossier{}, err
	}
	links, err := tx.Dossiers.DossierLinks([]int64{id}, true)
	if err != nil {
		return motcua.Dossier{}, err
	}
	procs, err := rg.procedureMap(tx.Context())
	if err != nil {
		return motcua.Dossier{}, err
	}
	d := rg.build(row, links[id], procs[row.ProcedureID].Name, now)
	body := &motcua.DossierBody{Dossier: d.Public()}
	for _, tid := range links[id].TicketIDs {
		if onlyTicket != nil && tid != *onlyTicket {
			continue
		}
		if _, err := tx.AppendEvent(now, &tid, nil, body); err != nil {
			return d, err
		}
	}
	return d, nil
}

// dossierView reads one dossier as staff see it.
func (rg *Registry) dossierView(ctx context.Context, id int64, full, withSteps bool) (motcua.Dossier, error) {
	row, err := rg.store.Dossiers.Dossier(ctx, id)
	if err != nil {
		return motcua.Dossier{}, err
	}
	ds, err := rg.complete(ctx, []store.DossierRow{row}, full, withSteps, rg.site.Now())
	if err != nil {
		return motcua.Dossier{}, err
	}
	return ds[0], nil
}

// complete turns rows into dossiers: procedure, visits, history, flags, and
// the applicant whole (full) or masked.
func (rg *Registry) complete(ctx context.Context, rows []store.DossierRow, full, withSteps bool, now time.Time) ([]motcua.Dossier, error) {
	out := make([]motcua.Dossier, 0, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	links, err := rg.store.Dossiers.DossierLinks(ctx, ids, withSteps)
	if err != nil {
		return nil, err
	}
	procs, err := rg.procedureMap(ctx)
	if err != nil {
		return nil, err
	}
	users := map[int64]motcua.UserRef{}
	userRef := func(id int64) (motcua.UserRef, error) {
		if u, ok := users[id]; ok {
			return u, nil
		}
		ref := motcua.UserRef{ID: id}
		u, err := rg.store.Users.User(ctx, id)
		switch {
		case err == nil:
			ref = motcua.UserRef{ID: u.ID, Username: u.Username, FullName: u.FullName}
		case motcua.ErrorCode(err) != motcua.ENotFound: // a user no longer there keeps the bare id
			return ref, err
		}
		users[id] = ref
		return ref, nil
	}
	for _, r := range rows {
		p := procs[r.ProcedureID]
		d := rg.build(r, links[r.ID], p.Name, now)
		d.ProcedureCode, d.Agency = p.Code, p.Agency
		if p.ExtendedDays > 0 && motcua.CanExtend(d.Status, d.ExtendedAt != nil) {
			d.NextActions = append(d.NextActions, motcua.DossierExtend)
		}
		if d.ReceivedBy, err = userRef(r.ReceivedBy); err != nil {
			return nil, err
		}
		for i := range d.Steps {
			if d.Steps[i].By, err = userRef(d.Steps[i].By.ID); err != nil {
				return nil, err
			}
		}
		if !full {
			d.Applicant = d.Applicant.Masked()
			d.DeliveryAddress = ""
		}
		out = append(out, d)
	}
	return out, nil
}

// build makes the dossier of a stored row and its links, times in branch time.
func (rg *Registry) build(r store.DossierRow, l *store.DossierLinks, procName string, now time.Time) motcua.Dossier {
	if l == nil {
		l = &store.DossierLinks{}
	}
	d := motcua.Dossier{
		ID: r.ID, Code: r.Code, TicketID: r.TicketID, TicketIDs: l.TicketIDs, ProcedureID: r.ProcedureID, ProcedureName: procName,
		ProcessingDays: r.ProcessingDays, ProcessingTime: r.ProcessingTime, ExtendedAt: rg.site.Local(r.ExtendedAt),
		Status:     motcua.DossierStatus(r.Status),
		ReceivedAt: r.ReceivedAt.In(rg.site.Location()), DueAt: r.DueAt.In(rg.site.Location()), TransferDueAt: r.TransferDueAt.In(rg.site.Location()),
		TransferredAt: rg.site.Local(r.TransferredAt), FinishedAt: rg.site.Local(r.FinishedAt), ReturnedAt: rg.site.Local(r.ReturnedAt),
		Applicant: motcua.Applicant{Kind: r.ApplicantKind, Name: r.ApplicantName, IDNumber: r.ApplicantIDNumber, Phone: r.ApplicantPhone,
			Address: r.ApplicantAddress, Email: r.ApplicantEmail, Nationality: r.Nationality, OrgCode: r.OrgCode, OrgName: r.OrgName},
		Documents: r.Documents(), Sets: r.Sets, Delivery: r.Delivery, DeliveryAddress: r.DeliveryAddress, Note: r.Note,
		ReceivedBy: motcua.UserRef{ID: r.ReceivedBy}, Counter: rg.site.CounterRef(r.CounterID),
		NextActions: motcua.NextDossierActions(motcua.DossierStatus(r.Status)),
		Apologies:   []motcua.Apology{}, Purged: r.PurgedAt != nil,
	}
	if d.TicketIDs == nil {
		d.TicketIDs = []int64{}
	}
	if r.PurgedAt != nil {
		d.Applicant = motcua.Applicant{} // erased after the retention period: nothing of it is shown
	}
	if tk, ok := l.Tickets[r.TicketID]; ok {
		d.TicketNumber, d.TrackToken = tk.Number, tk.Token
	}
	for _, a := range l.Apologies {
		d.Apologies = append(d.Apologies, motcua.Apology{Reason: a.Reason, NewDueAt: a.NewDueAt.In(rg.site.Location()), IssuedAt: a.IssuedAt.In(rg.site.Location())})
	}
	for _, s := range l.Steps {
		d.Steps = append(d.Steps, motcua.DossierStep{ID: s.ID, Type: s.Type, From: motcua.DossierStatus(s.From),
			To: motcua.DossierStatus(s.To), At: s.At.In(rg.site.Location()), By: motcua.UserRef{ID: s.UserID, Username: s.Username, FullName: s.FullName},
			Note: s.Note, TicketID: s.TicketID, DueAt: rg.site.Local(s.DueAt), LetterNumber: s.LetterNumber, LetterDate: s.LetterDate})
	}
	d.DocumentDetails = r.DocumentDetails()
	d.Handovers = make([]motcua.Handover, 0, len(l.Handovers))
	for _, h := range l.Handovers {
		d.Handovers = append(d.Handovers, rg.handover(h))
	}
	d.Overdue = isOverdue(d, now)
	d.AtRisk = !d.Overdue && rg.alertOf(d.Status, d.DueAt, now) == alertAtRisk
	d.TransferLate = isTransferLate(d, now)
	return d
}

// isOverdue: not finished by the due date. The clock stops while the citizen
// completes the dossier (the due date is recomputed when the papers are back).
func isOverdue(d motcua.Dossier, now time.Time) bool {
	if d.Status == motcua.DossierSupplementRequested || d.Status == motcua.DossierStopped {
		return false
	}
	if d.FinishedAt != nil {
		return d.FinishedAt.After(d.DueAt)
	}
	return now.After(d.DueAt)
}

// isTransferLate: not passed on by the end of the day of receipt.
func isTransferLate(d motcua.Dossier, now time.Time) bool {
	if d.TransferredAt != nil {
		return d.TransferredAt.After(d.TransferDueAt)
	}
	return d.Status == motcua.DossierReceived && !now.Before(d.TransferDueAt)
}

func (rg *Registry) procedureMap(ctx context.Context) (map[int64]motcua.Procedure, error) {
	all, err := rg.store.Procedures(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[int64]motcua.Procedure, len(all))
	for _, p := range all {
		m[p.ID] = p
	}
	return m, nil
}

// validateDossier checks a request against its procedure and returns it
// normalised (trimmed, digits only in numbers, defaults filled). Field keys
// follow the JSON body: "applicant.id_number", "documents", ...
func validateDossier(req motcua.DossierRequest, procs map[int64]motcua.Procedure) (motcua.DossierRequest, error) {
	fields := map[string]string{}
	proc, ok := procs[req.ProcedureID]
	if !ok || proc.RetiredAt != nil {
		ok = false
		fields["procedure_id"] = "Chọn thủ tục trong danh mục. / Choose a procedure from the catalogue."
	}
	a := &req.Applicant
	a.Address = strings.TrimSpace(a.Address)
	a.Email = strings.TrimSpace(a.Email)
	a.Phone = normalizePhone(a.Phone)
	checkApplicant(a, fields)
	switch {
	case a.Phone == "":
		fields["applicant.phone"] = "Nhập số điện thoại. / Enter a phone number."
	case !validPhone(a.Phone):
		fields["applicant.phone"] = "Số điện thoại gồm 10 chữ số bắt đầu bằng 0 (máy bàn 11 số), hoặc +84. / A phone number has 10 digits starting with 0 (landlines 11), or +84."
	}
	switch {
	case a.Address == "":
		fields["applicant.address"] = "Nhập địa chỉ. / Enter the address."
	case utf8.RuneCountInString(a.Address) > maxAddressLen:
		fields["applicant.address"] = fmt.Sprintf("Tối đa %d ký tự. / At most %d characters.", maxAddressLen, maxAddressLen)
	}
	if a.Email != "" {
		if addr, err := mail.ParseAddress(a.Email); err != nil || addr.Address != a.Email || !strings.Contains(a.Email[strings.LastIndex(a.Email, "@"):], ".") {
			fields["applicant.email"] = "Email không đúng dạng, ví dụ ten@example.vn. / The email is not valid, e.g. name@example.vn."
		}
	}
	if ok {
		docs, problem := checkDocuments(req.Documents, proc.Documents)
		req.Documents = docs
		if problem != "" {
			fields["documents"] = problem
		}
		req.DocumentDetails = checkDocumentDetails(req.DocumentDetails, req.Documents, fields)
	}
	switch {
	case req.Sets == 0:
		req.Sets = 1
	case req.Sets < 1 || req.Sets > maxSets:
		fields["sets"] = fmt.Sprintf("Số bộ hồ sơ từ 1 đến %d. / The number of sets is 1 to %d.", maxSets, maxSets)
	}
	req.DeliveryAddress = strings.TrimSpace(req.DeliveryAddress)
	switch req.Delivery {
	case "", motcua.DeliveryCounter:
		req.Delivery = motcua.DeliveryCounter
		req.DeliveryAddress = ""
	case motcua.DeliveryPost:
		if req.DeliveryAddress == "" {
			fields["delivery_address"] = "Nhận qua bưu điện cần địa chỉ nhận. / Delivery by post needs an address."
		} else if utf8.RuneCountInString(req.DeliveryAddress) > maxAddressLen {
			fields["delivery_address"] = fmt.Sprintf("Tối đa %d ký tự. / At most %d characters.", maxAddressLen, maxAddressLen)
		}
	default:
		fields["delivery"] = "Chọn nhận tại quầy (counter) hoặc qua bưu điện (post). / Choose counter or post."
	}
	req.Note = strings.TrimSpace(req.Note)
	if utf8.RuneCountInString(req.Note) > maxNoteLen {
		fields["note"] = fmt.Sprintf("Tối đa %d ký tự. / At most %d characters.", maxNoteLen, maxNoteLen)
	}
	if len(fields) > 0 {
		return req, &motcua.Error{Code: motcua.EValidation,
			Message: "Hồ sơ chưa đủ thông tin, xem các trường được đánh dấu. / The dossier is incomplete; see the marked fields.", Fields: fields}
	}
	return req, nil
}

// checkApplicant normalises the applicant and checks it by its kind: a
// citizen's 12-digit number (CCCD or thẻ căn cước), a foreigner's passport
// number and nationality, an organisation's enterprise/tax code and name and
// the person who submits for it. Each problem names its field.
func checkApplicant(a *motcua.Applicant, fields map[string]string) {
	a.Kind = strings.TrimSpace(a.Kind)
	if a.Kind == "" {
		a.Kind = motcua.ApplicantCCCD
	}
	a.Name = strings.Join(strings.Fields(a.Name), " ")
	a.Nationality = strings.ToUpper(strings.TrimSpace(a.Nationality))
	a.OrgName = strings.Join(strings.Fields(a.OrgName), " ")
	a.OrgCode = strings.TrimSpace(strings.ReplaceAll(a.OrgCode, " ", ""))
	person := "người nộp / the applicant's"
	if a.Kind == motcua.ApplicantOrganisation {
		person = "người nộp thay tổ chức / the person submitting for the organisation:"
	}
	switch {
	case a.Name == "":
		fields["applicant.name"] = "Nhập họ và tên " + person + " full name."
	case utf8.RuneCountInString(a.Name) > maxNameLen:
		fields["applicant.name"] = fmt.Sprintf("Tối đa %d ký tự. / At most %d characters.", maxNameLen, maxNameLen)
	}
	switch a.Kind {
	case motcua.ApplicantCCCD, motcua.ApplicantCanCuoc:
		a.IDNumber = stripSeparators(a.IDNumber)
		a.Nationality, a.OrgCode, a.OrgName = "", "", ""
		doc := "số CCCD / the citizen ID (CCCD) number"
		if a.Kind == motcua.ApplicantCanCuoc {
			doc = "số định danh cá nhân trên thẻ căn cước / the personal identification number on the thẻ căn cước"
		}
		switch {
		case a.IDNumber == "":
			fields["applicant.id_number"] = "Nhập " + doc + " (12 chữ số / 12 digits)."
		case !motcua.ValidIDNumber(a.IDNumber):
			fields["applicant.id_number"] = "Cần 12 chữ số: " + doc + " must have 12 digits."
		}
	case motcua.ApplicantPassport:
		a.IDNumber = strings.ToUpper(stripSeparators(a.IDNumber))
		a.OrgCode, a.OrgName = "", ""
		switch {
		case a.IDNumber == "":
			fields["applicant.id_number"] = "Nhập số hộ chiếu. / Enter the passport number."
		case !motcua.ValidPassportNumber(a.IDNumber):
			fields["applicant.id_number"] = "Số hộ chiếu gồm 6–9 chữ cái in hoa và chữ số, ví dụ C1234567. / A passport number has 6 to 9 capital letters and digits, e.g. C1234567."
		}
		switch {
		case a.Nationality == "":
			fields["applicant.nationality"] = "Nhập quốc tịch (mã 3 chữ cái trên hộ chiếu, ví dụ KOR). / Enter the nationality (the 3-letter code on the passport, e.g. KOR)."
		case !motcua.ValidNationality(a.Nationality):
			fields["applicant.nationality"] = "Quốc tịch là mã 3 chữ cái trên hộ chiếu, ví dụ KOR, USA, JPN. / The nationality is the passport's 3-letter code, e.g. KOR, USA, JPN."
		}
	case motcua.ApplicantOrganisation:
		a.Nationality = ""
		// The person who submits: a citizen's 12 digits or a passport number.
		a.IDNumber = strings.ToUpper(stripSeparators(a.IDNumber))
		switch {
		case a.IDNumber == "":
			fields["applicant.id_number"] = "Nhập số CCCD hoặc hộ chiếu của người nộp thay tổ chức. / Enter the ID or passport number of the person submitting."
		case !motcua.ValidIDNumber(a.IDNumber) && !motcua.ValidPassportNumber(a.IDNumber):
			fields["applicant.id_number"] = "Số giấy tờ của người nộp: 12 chữ số (CCCD) hoặc số hộ chiếu. / The submitter's ID: 12 digits (CCCD) or a passport number."
		}
		switch {
		case a.OrgCode == "":
			fields["applicant.org_code"] = "Nhập mã số doanh nghiệp / mã số thuế của tổ chức. / Enter the organisation's enterprise or tax code."
		case !motcua.ValidTaxCode(a.OrgCode):
			fields["applicant.org_code"] = "Mã số doanh nghiệp / mã số thuế gồm 10 chữ số đúng chữ số kiểm tra (chi nhánh: thêm -001…), ví dụ 0101248141. / The enterprise or tax code is 10 digits with a valid check digit (a branch adds -001…), e.g. 0101248141."
		}
		switch {
		case a.OrgName == "":
			fields["applicant.org_name"] = "Nhập tên tổ chức, doanh nghiệp. / Enter the organisation's name."
		case utf8.RuneCountInString(a.OrgName) > maxAddressLen:
			fields["applicant.org_name"] = fmt.Sprintf("Tối đa %d ký tự. / At most %d characters.", maxAddressLen, maxAddressLen)
		}
	default:
		fields["applicant.kind"] = "Chọn loại người nộp: cccd, can_cuoc, passport hoặc organisation. / Choose the applicant kind: cccd, can_cuoc, passport or organisation."
	}
}

// checkDocuments keeps the ticked documents in the procedure's order and says
// what is wrong: a paper the procedure does not list, or a required one
// missing (the citizen should then get a supplement request, not a receipt).
func checkDocuments(ticked, listed []string) ([]string, string) {
	want := map[string]bool{}
	for _, d := range ticked {
		want[strings.TrimSpace(d)] = true
	}
	known := map[string]bool{}
	var docs, missing []string
	for _, d := range listed {
		known[d] = true
		if want[d] {
			docs = append(docs, d)
		} else if !motcua.IsOptionalDocument(d) {
			missing = append(missing, d)
		}
	}
	for d := range want {
		if d != "" && !known[d] {
			return docs, fmt.Sprintf("Giấy tờ %q không thuộc thành phần hồ sơ của thủ tục; ghi vào phần ghi chú. / %q is not in the procedure's list; put it in the note.", d, d)
		}
	}
	if len(missing) > 0 {
		return docs, "Còn thiếu giấy tờ bắt buộc: " + strings.Join(missing, "; ") +
			". Hướng dẫn công dân bổ sung (Mẫu 02). / Required documents are missing; guide the citizen to complete the dossier."
	}
	if docs == nil {
		docs = []string{}
	}
	return docs, ""
}

// stripSeparators drops the spaces, dots and dashes people type inside numbers.
func stripSeparators(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '.', '-', '\t', '(', ')':
			return -1
		}
		return r
	}, s)
}

// normalizePhone writes a phone number as digits with a leading 0: "+84 912 345 678" → "0912345678".
func normalizePhone(s string) string {
	s = stripSeparators(s)
	if strings.HasPrefix(s, "+84") {
		s = "0" + s[3:]
	} else if strings.HasPrefix(s, "84") && len(s) == 11 {
		s = "0" + s[2:]
	}
	return s
}

// validPhone accepts Vietnamese numbers: 10 digits (mobile, new landlines) or
// 11 (older landlines), starting with 0.
func validPhone(s string) bool {
	if len(s) != 10 && len(s) != 11 {
		return false
	}
	if s[0] != '0' || s[1] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// vietnameseBase maps each accented Vietnamese letter to its plain letter.
var vietnameseBase = func() map[rune]rune {
	groups := map[rune]string{
		'a': "àáạảãâầấậẩẫăằắặẳẵ",
		'e': "èéẹẻẽêềếệểễ",
		'i': "ìíịỉĩ",
		'o': "òóọỏõôồốộổỗơờớợởỡ",
		'u': "ùúụủũưừứựửữ",
		'y': "ỳýỵỷỹ",
		'd': "đ",
	}
	m := map[rune]rune{}
	for base, letters := range groups {
		for _, r := range letters {
			m[r] = base
		}
	}
	return m
}()

// Fold lower-cases s and strips Vietnamese diacritics ("Đăng ký" → "dang ky"),
// for searches typed without accents. Combining marks (text in decomposed
// form) are dropped too.
func Fold(s string) string {
	s = strings.ToLower(s)
	return strings.Map(func(r rune) rune {
		if b, ok := vietnameseBase[r]; ok {
			return b
		}
		if r >= 0x0300 && r <= 0x036F { // combining diacritical marks
			return -1
		}
		return r
	}, s)
}

func documentsJSON(docs []string) (string, error) {
	if docs == nil {
		docs = []string{}
	}
	raw, err := json.Marshal(docs)
	return string(raw), err
}
