package hub

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/hall"
	"github.com/motcua/motcua/store"
)

// Where a change of the hall comes from, as the audit records it.
const (
	SourceAPI  = "api"   // PUT /api/v1/hall, by a user
	SourceLoad = "load"  // the first hall loaded into an empty database
	SourceFile = "file:" // -config FILE applied at start; the file's path follows
)

// errDryRun undoes a dry run's transaction once its change list is known.
var errDryRun = errors.New("dry run")

// Hall returns the running hall as a description.
func (h *Hub) Hall(ctx context.Context) (motcua.Hall, error) {
	cur, err := h.store.Hall(ctx)
	cur.PriorityGroups = priorityGroups(cur.PriorityGroups)
	return cur, err
}

// priorityGroups are the stored groups, or, for a hall loaded before they
// could be configured (nothing stored), the fixed list every hall served
// then: the sample hall's.
func priorityGroups(stored []motcua.PriorityGroup) []motcua.PriorityGroup {
	if stored != nil {
		return stored
	}
	return hall.Sample().PriorityGroups
}

// HallAudit lists the recorded changes of the hall, newest first: at most
// limit, with an id below beforeID when it is set (the next page).
func (h *Hub) HallAudit(ctx context.Context, limit int, beforeID int64) ([]motcua.HallAuditEntry, error) {
	list, err := h.store.HallAudit(ctx, store.HallAuditFilter{Limit: limit, BeforeID: beforeID})
	for i := range list {
		list[i].At = list[i].At.In(h.Site.Location())
	}
	return list, err
}

// ApplyHall makes the running hall what next describes (a hall as
// hall.Parse or hall.ParseJSON returns it) and returns the changes, entity by
// entity. It runs alone in one transaction of the single writer: the stored
// configuration, the audit of every change and a "hall" event that tells the
// screens to reload commit together or not at all; right after the commit,
// before any other request runs, the hub's site (services, counters,
// calendar, policy, branch) is replaced. A dry run checks and lists the same
// changes and writes nothing.
//
// A change that would strand people is refused with EConflict, naming the
// field: retiring a service while someone waits for it, or a counter while it
// calls or serves someone; a prefix whose numbers another service already
// gave today. No change at all writes nothing and announces nothing.
func (h *Hub) ApplyHall(ctx context.Context, next motcua.Hall, by motcua.User, dryRun bool) ([]motcua.HallChange, error) {
	set, err := h.ChangeHall(ctx, next, by, dryRun)
	return set.Changes, err
}

// ChangeHall is ApplyHall that also answers the procedures of next whose
// codes the city's catalogue has (issue 14): those next adds or keeps as the
// hall's own, where the hall's own is kept and the city's is not applied.
// They are read in the same transaction, for a dry run too, and whether or
// not anything changes.
func (h *Hub) ChangeHall(ctx context.Context, next motcua.Hall, by motcua.User, dryRun bool) (motcua.HallChangeSet, error) {
	return h.applyHall(ctx, next, &by, SourceAPI, dryRun)
}

// cityClashes are the procedures of next whose codes the city's catalogue
// cat has; cur is the hall's own before the change.
func cityClashes(cur, next motcua.Hall, cat motcua.CityCatalogue) []motcua.CityClash {
	city := map[string]string{}
	for _, p := range cat.Procedures {
		city[p.Code] = p.Name
	}
	own := map[string]bool{}
	for _, p := range cur.Procedures {
		own[p.Code] = true
	}
	out := []motcua.CityClash{}
	for _, p := range next.Procedures {
		if name, ok := city[p.Code]; ok {
			out = append(out, motcua.CityClash{Code: p.Code, Name: p.Name, CityName: name, New: !own[p.Code]})
		}
	}
	return out
}

// applyHall is ChangeHall by a user, or by the hub itself (by nil) for a
// -config file at start; source goes to the audit.
func (h *Hub) applyHall(ctx context.Context, next motcua.Hall, by *motcua.User, source string, dryRun bool) (motcua.HallChangeSet, error) {
	var changes []motcua.HallChange
	var clashes []motcua.CityClash
	var cityVersion int64
	var site *motcua.Site
	err := h.Writer.WriteAlone(ctx, func(tx *store.Tx) error {
		changes, clashes, cityVersion, site = nil, nil, 0, nil
		cur, err := tx.Hall()
		if err != nil {
			return err
		}
		cur.PriorityGroups = priorityGroups(cur.PriorityGroups)
		changes = hall.Diff(cur, next)
		cat, err := tx.CityCatalogue()
		if err != nil {
			return err
		}
		clashes, cityVersion = cityClashes(cur, next, cat), cat.Version
		if len(changes) == 0 {
			return nil
		}
		now := h.Site.Clock.Now()
		if err := h.checkStranded(tx, cur, next, changes, now); err != nil {
			return err
		}
		if dryRun {
			return errDryRun
		}
		// The city's procedures (issue 14) before the change: a code the
		// hall now names as its own takes one over, and the audit says so.
		wasCity := map[string]bool{}
		stored, err := tx.Procedures()
		if err != nil {
			return err
		}
		for _, p := range stored {
			if p.Origin == motcua.OriginCity && p.RetiredAt == nil {
				wasCity[p.Code] = true
			}
		}
		if err := tx.ApplyHall(next, now); err != nil {
			return err
		}
		loc, err := time.LoadLocation(next.Branch.TimeZone)
		if err != nil {
			return motcua.Errorf(motcua.EValidation, "branch time zone %q: %v", next.Branch.TimeZone, err)
		}
		ev, err := tx.AppendEvent(now, nil, nil, &motcua.HallBody{At: now.In(loc), Changes: len(changes), Kinds: kindsOf(changes)})
		if err != nil {
			return err
		}
		var userID *int64
		if by != nil {
			userID = &by.ID
		}
		if err := tx.AuditHall(now, userID, source, ev.Seq, changes); err != nil {
			return err
		}
		// The city's catalogue again: a city procedure whose code the hall
		// dropped from its own comes back as the city's; one the hall took
		// over is a clash. Audited as the city's, under the same event.
		cityChanges, err := h.applyCityProcedures(tx, cat, func(code string) bool { return wasCity[code] }, now)
		if err != nil {
			return err
		}
		if len(cityChanges) > 0 {
			if err := tx.AuditHall(now, nil, citySource(cat), ev.Seq, cityChanges); err != nil {
				return err
			}
		}
		// The city's days (issue 14) are kept apart from the hall's own, so a
		// change of the hall never drops them.
		cityCal, err := tx.CityCalendar()
		if err != nil {
			return err
		}
		site, err = siteInTx(tx, next, cityCal, h.Site.Clock)
		return err
	}, func() {
		if site == nil {
			return // nothing changed
		}
		h.Site.Replace(site)
		if h.atRiskOverride <= 0 {
			h.Dossiers.SetAtRiskDays(next.Dossiers.AtRiskDays)
		}
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	if err != nil {
		return motcua.HallChangeSet{}, err
	}
	if changes == nil {
		changes = []motcua.HallChange{}
	}
	return motcua.HallChangeSet{Changes: changes, CityClashes: clashes, CityVersion: cityVersion}, nil
}

// checkStranded refuses changes that would leave people in the hall with
// nobody to call them, or call two of them with one number.
func (h *Hub) checkStranded(tx *store.Tx, cur, next motcua.Hall, changes []motcua.HallChange, now time.Time) error {
	day := h.Site.Day(now)
	fields := map[string]string{}
	note := func(path, msg string) {
		if prev, ok := fields[path]; ok {
			msg = prev + "; " + msg
		}
		fields[path] = msg
	}
	for _, c := range changes {
		if c.Action != motcua.ChangeRetire {
			continue
		}
		switch c.Kind {
		case motcua.KindService:
			id, ok, err := tx.ServiceID(c.Key)
			if err != nil || !ok {
				return err
			}
			n, err := tx.Tickets.PeopleFor(id, day)
			if err != nil {
				return err
			}
			if n > 0 {
				note("services", fmt.Sprintf("dịch vụ %s còn %d người đang chờ hoặc đang được phục vụ hôm nay; chỉ bỏ được khi không còn ai / service %s still has %d ticket(s) waiting or being served today; it can be retired once nobody is left", c.Key, n, c.Key, n))
			}
		case motcua.KindCounter:
			var number int
			fmt.Sscan(c.Key, &number)
			id, ok, err := tx.CounterID(number)
			if err != nil || !ok {
				return err
			}
			tk, busy, err := tx.Tickets.CurrentTicket(id)
			if err != nil {
				return err
			}
			if busy {
				note("counters", fmt.Sprintf("quầy %s đang gọi hoặc phục vụ số %s; kết thúc lượt này trước khi bỏ quầy / counter %s is calling or serving %s; finish that visit before retiring the counter", c.Key, tk.Number, c.Key, tk.Number))
			}
		}
	}
	old := map[string]motcua.ServiceSpec{}
	for _, s := range cur.Services {
		old[s.Code] = s
	}
	for i, s := range next.Services {
		if o, ok := old[s.Code]; ok && o.Prefix == s.Prefix && o.Digits == s.Digits {
			continue
		}
		id, _, err := tx.ServiceID(s.Code)
		if err != nil {
			return err
		}
		n, err := tx.Tickets.NumbersTaken(day, id, s.Prefix, len(s.Prefix)+s.Digits)
		if err != nil {
			return err
		}
		if n > 0 {
			note(fmt.Sprintf("services[%d].prefix", i), fmt.Sprintf("hôm nay dịch vụ khác đã phát số có tiền tố %q; số sẽ bị trùng: đổi vào ngày mai hoặc chọn tiền tố khác / another service already gave numbers starting %q today, they would repeat: change it tomorrow or choose another prefix", s.Prefix, s.Prefix))
		}
	}
	if len(fields) == 0 {
		return nil
	}
	paths := make([]string, 0, len(fields))
	for p := range fields {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	lines := []string{"Thay đổi này làm người đang chờ bị bỏ lại, chưa áp dụng gì. / This change would strand people in the hall; nothing was applied."}
	for _, p := range paths {
		lines = append(lines, p+": "+fields[p])
	}
	return &motcua.Error{Code: motcua.EConflict, Message: strings.Join(lines, "\n"), Fields: fields}
}

func kindsOf(changes []motcua.HallChange) []string {
	var kinds []string
	for _, c := range changes {
		if !slices.Contains(kinds, c.Kind) {
			kinds = append(kinds, c.Kind)
		}
	}
	return kinds
}
