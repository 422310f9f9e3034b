package hub

import (
	"context"
	"strconv"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/hall"
	"github.com/motcua/motcua/store"
)

// SetCityCalendar applies the calendar the city registry published (issue
// 14): kept apart from the hall's own days, merged with them into the
// hub's calendar, so due dates count the city's holidays from the next
// request on. A revision already applied changes nothing.
func (h *Hub) SetCityCalendar(ctx context.Context, cal motcua.CityCalendar) error {
	var site *motcua.Site
	err := h.Writer.WriteAlone(ctx, func(tx *store.Tx) error {
		site = nil
		cur, err := tx.CityCalendar()
		if err != nil {
			return err
		}
		if cur.Revision == cal.Revision {
			return nil
		}
		if err := tx.PutCityCalendar(cal); err != nil {
			return err
		}
		hl, err := tx.Hall()
		if err != nil {
			return err
		}
		site, err = siteInTx(tx, hl, cal, h.Site.Clock)
		return err
	}, func() {
		if site != nil {
			h.Site.Replace(site)
		}
	})
	if err == nil && site != nil {
		h.log.Info("city calendar applied", "revision", cal.Revision, "holidays", len(cal.Holidays), "working_days", len(cal.WorkingDays))
	}
	return err
}

// SourceCity is the audit source of a change the city's procedure
// catalogue made at the hall: "city:<version>", the registry's number of
// the publication.
const SourceCity = "city:"

// SetCityProcedures applies the procedure catalogue the city registry
// published (issue 14), in one transaction of the single writer, beside the
// hall's own procedures: city procedures are added, changed or retired (their
// rows, and the dossiers that name them, stay); a code the hall has as its
// own is not taken (the hall's own is kept, and the clash is in the audit).
// Every change is audited with source "city:<version>" under one "hall"
// event, as a change of the hall is. A clash is audited and logged once,
// when it appears: one the hall already had under the previous revision
// (its code in that catalogue and the hall's own) is not recorded again; one
// that went away and comes back is new again. A revision already applied
// changes nothing.
func (h *Hub) SetCityProcedures(ctx context.Context, cat motcua.CityCatalogue) error {
	var changes []motcua.HallChange
	applied := false
	kept := 0 // clashes the hall already had, not recorded again
	err := h.Writer.WriteAlone(ctx, func(tx *store.Tx) error {
		changes, applied, kept = nil, false, 0
		cur, err := tx.CityCatalogue()
		if err != nil {
			return err
		}
		if cur.Revision == cat.Revision && cur.Version == cat.Version {
			return nil
		}
		if err := tx.PutCityCatalogue(cat); err != nil {
			return err
		}
		applied = true
		// The clashes of the previous revision: its codes the hall has as its
		// own. The hall's own procedures are the same now as then (a change
		// of the hall records the clashes it makes itself, see applyHall).
		before := map[string]bool{}
		for _, p := range cur.Procedures {
			before[p.Code] = true
		}
		now := h.Site.Clock.Now()
		newClash := func(code string) bool {
			if before[code] {
				kept++
				return false
			}
			return true
		}
		if changes, err = h.applyCityProcedures(tx, cat, newClash, now); err != nil || len(changes) == 0 {
			return err
		}
		ev, err := tx.AppendEvent(now, nil, nil, &motcua.HallBody{At: now.In(h.Site.Location()), Changes: len(changes),
			Kinds: []string{motcua.KindProcedure}})
		if err != nil {
			return err
		}
		return tx.AuditHall(now, nil, citySource(cat), ev.Seq, changes)
	}, nil)
	if err == nil && applied {
		var clashes []string
		for _, c := range changes {
			if c.Action == motcua.ChangeClash {
				clashes = append(clashes, c.Key)
			}
		}
		h.log.Info("city procedure catalogue applied", "revision", cat.Revision, "version", cat.Version,
			"procedures", len(cat.Procedures), "changes", len(changes)-len(clashes), "clashes_kept", kept)
		if len(clashes) > 0 {
			h.log.Warn("city procedure catalogue: the hall's own procedures kept on codes the city's catalogue now also has",
				"codes", clashes)
		}
	}
	return err
}

func citySource(cat motcua.CityCatalogue) string {
	return SourceCity + strconv.FormatInt(cat.Version, 10)
}

// applyCityProcedures makes the city's procedures at the hall those of
// cat, leaving the hall's own alone, and returns what changed. A code the
// hall has as its own is a clash: the hall's own stays, the city's is not
// applied. A clash is listed only when newClash says it is new: for a new
// catalogue, a code the previous one did not have; for a change of the
// hall, a city procedure the hall took over by naming its code.
func (h *Hub) applyCityProcedures(tx *store.Tx, cat motcua.CityCatalogue, newClash func(code string) bool, now time.Time) ([]motcua.HallChange, error) {
	rows, err := tx.Procedures()
	if err != nil {
		return nil, err
	}
	own := map[string]bool{}
	var cur []motcua.Procedure
	for _, r := range rows {
		switch {
		case r.RetiredAt != nil:
		case r.Origin == motcua.OriginHall:
			own[r.Code] = true
		default:
			cur = append(cur, r.Procedure)
		}
	}
	var next []motcua.Procedure
	var clashes []motcua.HallChange
	byCode := map[string]motcua.Procedure{}
	for _, p := range cat.Procedures {
		if own[p.Code] {
			if newClash(p.Code) {
				clashes = append(clashes, motcua.HallChange{Kind: motcua.KindProcedure, Key: p.Code, Action: motcua.ChangeClash,
					After: hall.ProcedureDoc(p)})
			}
			continue
		}
		next = append(next, p)
		byCode[p.Code] = p
	}
	changes := hall.DiffProcedures(cur, next)
	for _, c := range changes {
		if c.Action == motcua.ChangeRetire {
			err = tx.RetireCityProcedure(c.Key, now)
		} else {
			err = tx.PutCityProcedure(byCode[c.Key])
		}
		if err != nil {
			return nil, err
		}
	}
	return append(changes, clashes...), nil
}

// LinkCityVisit links a visit of this hall (a ticket) to a dossier another
// branch received, found through the city registry: the citizen came back
// here. The link is a "city_visit" event, which reaches the registry like
// every city event (later, when the hall is offline).
func (h *Hub) LinkCityVisit(ctx context.Context, d motcua.CityDossier, ticketID int64) (motcua.CityVisitBody, error) {
	var body motcua.CityVisitBody
	if d.Branch.Code == h.Site.Branch().Code {
		return body, &motcua.Error{Code: motcua.EConflict,
			Message: "Hồ sơ này do chính chi nhánh tiếp nhận: gắn lượt tại mục hồ sơ của chi nhánh. / This branch received the dossier: link the visit from the branch's own dossier.",
			Fields:  map[string]string{"code": "Hồ sơ của chính chi nhánh. / The branch's own dossier."}}
	}
	err := h.Writer.Write(ctx, func(tx *store.Tx) error {
		tk, err := tx.Tickets.Ticket(ticketID)
		if err != nil {
			if store.ErrorIsNotFound(err) {
				return &motcua.Error{Code: motcua.ENotFound, Message: "Không có số thứ tự này. / No such ticket.",
					Fields: map[string]string{"ticket_id": "Không có số thứ tự này. / No such ticket."}}
			}
			return err
		}
		now := h.Site.Clock.Now()
		body = motcua.CityVisitBody{Code: d.Code, Branch: d.Branch, TicketID: tk.ID, Number: tk.Number, At: now.In(h.Site.Location())}
		// No ticket id on the event: it is for the city, not the citizen's phone.
		_, err = tx.AppendEvent(now, nil, nil, &body)
		return err
	})
	return body, err
}

// CityProcedures is the city's catalogue as the hall last applied it, and
// the codes of it on which the hall keeps its own procedure instead.
func (h *Hub) CityProcedures(ctx context.Context) (motcua.CityCatalogue, []string, error) {
	cat, err := h.store.CityCatalogue(ctx)
	if err != nil {
		return cat, nil, err
	}
	if cat.Procedures == nil {
		cat.Procedures = []motcua.Procedure{}
	}
	own, err := h.store.Hall(ctx)
	if err != nil {
		return cat, nil, err
	}
	clashes := []string{}
	for _, c := range cityClashes(own, own, cat) {
		clashes = append(clashes, c.Code)
	}
	cat.PublishedAt = cat.PublishedAt.In(h.Site.Location())
	return cat, clashes, nil
}
