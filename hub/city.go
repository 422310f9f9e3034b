package hub

import (
	"context"

	"github.com/motcua/motcua"
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
