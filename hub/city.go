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
		services, err := tx.Services()
		if err != nil {
			return err
		}
		counters, err := tx.Counters()
		if err != nil {
			return err
		}
		site, err = newSite(hl.Branch, hl.Policy, hl.Reception, motcua.MergeDays(hl.Holidays, cal.Holidays),
			motcua.MergeDays(hl.WorkingDays, cal.WorkingDays), services, counters, h.Site.Clock)
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
