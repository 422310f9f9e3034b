package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/motcua/motcua"
)

// IsEmpty reports whether no hall has been loaded yet.
func (s *Store) IsEmpty(ctx context.Context) (bool, error) {
	var n int
	if err := s.read.GetContext(ctx, &n, `SELECT COUNT(*) FROM services`); err != nil {
		return false, Normalize(err)
	}
	return n == 0, nil
}

// LoadHall writes a whole hall description into an empty database.
func (t *Tx) LoadHall(h motcua.Hall, now time.Time) error { return t.ApplyHall(h, now) }

// ApplyHall makes the stored hall what h describes, in the transaction:
// services and procedures matched by code, counters by number, calendar days
// by date. An entity h leaves out is retired (its row, id and history stay;
// it leaves the lists), one h names again is brought back with the same id.
// The settings (branch, policy, reception, privacy, at-risk window,
// priority groups) are replaced. Checking that the change strands nobody is the caller's business.
func (t *Tx) ApplyHall(h motcua.Hall, now time.Time) error {
	now = now.UTC()
	settings := []struct {
		key   string
		value any
	}{{"branch", h.Branch}, {"policy", h.Policy}, {"reception", h.Reception}, {"privacy", h.Privacy},
		{"at_risk_days", h.Dossiers.AtRiskDays}, {"priority_groups", h.PriorityGroups}, {"booking", h.Booking}}
	for _, s := range settings {
		if err := t.PutSetting(s.key, s.value); err != nil {
			return err
		}
	}
	serviceIDs, err := t.applyServices(h.Services, now)
	if err != nil {
		return err
	}
	if err := t.applyCounters(h.Counters, serviceIDs, now); err != nil {
		return err
	}
	if err := t.applyProcedures(h.Procedures, now); err != nil {
		return err
	}
	return t.applyCalendar(h.Holidays, h.WorkingDays, now)
}

type keyedRow struct {
	ID        int64      `db:"id"`
	Key       string     `db:"k"`
	Prefix    string     `db:"prefix"`
	RetiredAt *time.Time `db:"retired_at"`
}

func (t *Tx) applyServices(specs []motcua.ServiceSpec, now time.Time) (map[string]int64, error) {
	var rows []keyedRow
	if err := t.selectAll(&rows, `SELECT id, code AS k, prefix, retired_at FROM services`); err != nil {
		return nil, err
	}
	want := map[string]motcua.ServiceSpec{}
	claimed := map[string]string{} // prefix → the code that will hold it
	for _, s := range specs {
		want[s.Code] = s
		claimed[s.Prefix] = s.Code
	}
	// Prefixes are unique: a service whose prefix moves, or a retired one
	// whose prefix another service takes, first steps aside to a placeholder
	// that cannot collide ("~" and its id), so that two services may swap.
	final := map[int64]string{}
	for _, r := range rows {
		target := r.Prefix
		if s, kept := want[r.Key]; kept {
			target = s.Prefix
		} else if owner, taken := claimed[r.Prefix]; taken && owner != r.Key {
			target = "~" + strconv.FormatInt(r.ID, 10)
		}
		if target != r.Prefix {
			final[r.ID] = target
			if err := t.exec(`UPDATE services SET prefix = ? WHERE id = ?`, "~"+strconv.FormatInt(r.ID, 10), r.ID); err != nil {
				return nil, err
			}
		}
	}
	for id, prefix := range final {
		if err := t.exec(`UPDATE services SET prefix = ? WHERE id = ?`, prefix, id); err != nil {
			return nil, fmt.Errorf("service prefix %s: %w", prefix, err)
		}
	}
	ids := map[string]int64{}
	for _, r := range rows {
		ids[r.Key] = r.ID
		if _, kept := want[r.Key]; !kept && r.RetiredAt == nil {
			if err := t.exec(`UPDATE services SET retired_at = ? WHERE id = ?`, now, r.ID); err != nil {
				return nil, err
			}
		}
	}
	for pos, sv := range specs {
		hours, _ := json.Marshal(sv.Hours)
		if sv.Hours == nil {
			hours = []byte("[]")
		}
		if id, ok := ids[sv.Code]; ok {
			if err := t.exec(`UPDATE services SET name = ?, name_en = ?, field = ?, digits = ?, daily_cap = ?, hours = ?,
				target_wait_minutes = ?, position = ?, retired_at = NULL WHERE id = ?`,
				sv.Name, sv.NameEn, sv.Field, sv.Digits, sv.DailyCap, string(hours), sv.TargetWaitMinutes, pos, id); err != nil {
				return nil, fmt.Errorf("service %s: %w", sv.Code, err)
			}
			continue
		}
		id, err := t.insert(`INSERT INTO services (code, name, name_en, field, prefix, digits, daily_cap, hours, position, target_wait_minutes)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, sv.Code, sv.Name, sv.NameEn, sv.Field, sv.Prefix, sv.Digits, sv.DailyCap, string(hours), pos,
			sv.TargetWaitMinutes)
		if err != nil {
			return nil, fmt.Errorf("service %s: %w", sv.Code, err)
		}
		ids[sv.Code] = id
	}
	return ids, nil
}

func (t *Tx) applyCounters(specs []motcua.CounterSpec, serviceIDs map[string]int64, now time.Time) error {
	var rows []keyedRow
	if err := t.selectAll(&rows, `SELECT id, CAST(number AS TEXT) AS k, '' AS prefix, retired_at FROM counters`); err != nil {
		return err
	}
	ids := map[string]int64{}
	for _, r := range rows {
		ids[r.Key] = r.ID
	}
	// The services each counter calls are written afresh: the old links
	// are in the audit, and a retired counter calls nobody.
	if err := t.exec(`DELETE FROM counter_services`); err != nil {
		return err
	}
	kept := map[string]bool{}
	for _, c := range specs {
		key := strconv.Itoa(c.Number)
		kept[key] = true
		id, ok := ids[key]
		if ok {
			if err := t.exec(`UPDATE counters SET name = ?, retired_at = NULL WHERE id = ?`, c.Name, id); err != nil {
				return fmt.Errorf("counter %d: %w", c.Number, err)
			}
		} else {
			var err error
			if id, err = t.insert(`INSERT INTO counters (number, name) VALUES (?, ?)`, c.Number, c.Name); err != nil {
				return fmt.Errorf("counter %d: %w", c.Number, err)
			}
		}
		for rank, code := range c.Services {
			sid, ok := serviceIDs[code]
			if !ok {
				return motcua.Errorf(motcua.EValidation, "counter %d names unknown service %q", c.Number, code)
			}
			if err := t.exec(`INSERT INTO counter_services (counter_id, service_id, rank) VALUES (?, ?, ?)`, id, sid, rank); err != nil {
				return err
			}
		}
	}
	for _, r := range rows {
		if !kept[r.Key] && r.RetiredAt == nil {
			if err := t.exec(`UPDATE counters SET retired_at = ? WHERE id = ?`, now, r.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

// applyProcedures makes the hall's own procedures those of specs. A code
// the city's catalogue brought (issue 14) becomes the hall's own when the
// hall names it (the hall's own wins, docs/city.md); the city's procedures
// the hall does not name are left alone.
func (t *Tx) applyProcedures(specs []motcua.Procedure, now time.Time) error {
	var rows []struct {
		ID        int64      `db:"id"`
		Key       string     `db:"k"`
		Origin    string     `db:"origin"`
		RetiredAt *time.Time `db:"retired_at"`
	}
	if err := t.selectAll(&rows, `SELECT id, code AS k, origin, retired_at FROM procedures`); err != nil {
		return err
	}
	ids := map[string]int64{}
	for _, r := range rows {
		ids[r.Key] = r.ID
	}
	kept := map[string]bool{}
	for _, p := range specs {
		kept[p.Code] = true
		docs, _ := json.Marshal(p.Documents)
		if p.Documents == nil {
			docs = []byte("[]")
		}
		if id, ok := ids[p.Code]; ok {
			if err := t.exec(`UPDATE procedures SET name = ?, field = ?, agency = ?, processing_days = ?, fee = ?, documents = ?,
				service_code = ?, processing_time = ?, cutoff = ?, extended_days = ?, retired_at = NULL, origin = 'hall' WHERE id = ?`,
				p.Name, p.Field, p.Agency, p.ProcessingDays, p.Fee, string(docs), p.ServiceCode,
				p.ProcessingTime, p.Cutoff, p.ExtendedDays, id); err != nil {
				return fmt.Errorf("procedure %s: %w", p.Code, err)
			}
			continue
		}
		if _, err := t.insert(`INSERT INTO procedures (code, name, field, agency, processing_days, fee, documents, service_code,
			processing_time, cutoff, extended_days) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, p.Code, p.Name, p.Field, p.Agency,
			p.ProcessingDays, p.Fee, string(docs), p.ServiceCode, p.ProcessingTime, p.Cutoff, p.ExtendedDays); err != nil {
			return fmt.Errorf("procedure %s: %w", p.Code, err)
		}
	}
	for _, r := range rows {
		if !kept[r.Key] && r.RetiredAt == nil && r.Origin == motcua.OriginHall {
			if err := t.exec(`UPDATE procedures SET retired_at = ? WHERE id = ?`, now, r.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

func (t *Tx) applyCalendar(holidays, workingDays []motcua.Holiday, now time.Time) error {
	var rows []keyedRow
	if err := t.selectAll(&rows, `SELECT 0 AS id, date AS k, '' AS prefix, retired_at FROM calendar_days`); err != nil {
		return err
	}
	stored := map[string]bool{}
	for _, r := range rows {
		stored[r.Key] = true
	}
	kept := map[string]bool{}
	put := func(d motcua.Holiday, kind string) error {
		kept[d.Date] = true
		if stored[d.Date] {
			return t.exec(`UPDATE calendar_days SET name = ?, kind = ?, assumed = ?, retired_at = NULL WHERE date = ?`, d.Name, kind, d.Assumed, d.Date)
		}
		return t.exec(`INSERT INTO calendar_days (date, name, kind, assumed) VALUES (?, ?, ?, ?)`, d.Date, d.Name, kind, d.Assumed)
	}
	for _, d := range holidays {
		if err := put(d, "off"); err != nil {
			return fmt.Errorf("holiday %s: %w", d.Date, err)
		}
	}
	for _, d := range workingDays {
		if err := put(d, "work"); err != nil {
			return fmt.Errorf("working day %s: %w", d.Date, err)
		}
	}
	for _, r := range rows {
		if !kept[r.Key] && r.RetiredAt == nil {
			if err := t.exec(`UPDATE calendar_days SET retired_at = ? WHERE date = ?`, now, r.Key); err != nil {
				return err
			}
		}
	}
	return nil
}

// Setting decodes the JSON setting key into dest; a missing key leaves dest alone.
func (s *Store) Setting(ctx context.Context, key string, dest any) error {
	return setting(ctx, s.read, key, dest)
}

func setting(ctx context.Context, q queryer, key string, dest any) error {
	var raw string
	err := sqlx.GetContext(ctx, q, &raw, q.Rebind(`SELECT value FROM settings WHERE key = ?`), key)
	if err != nil {
		if ErrorIsNotFound(err) {
			return nil
		}
		return Normalize(err)
	}
	return json.Unmarshal([]byte(raw), dest)
}

// Hall reads the running hall as a description: the settings, and the
// services, counters, procedures and calendar days that are not retired.
func (s *Store) Hall(ctx context.Context) (motcua.Hall, error) { return readHall(ctx, s.read) }

// Hall reads the hall as a description inside the transaction.
func (t *Tx) Hall() (motcua.Hall, error) { return readHall(t.ctx, t.tx) }

func readHall(ctx context.Context, q queryer) (motcua.Hall, error) {
	var h motcua.Hall
	for key, dest := range map[string]any{"branch": &h.Branch, "policy": &h.Policy, "reception": &h.Reception,
		"privacy": &h.Privacy, "at_risk_days": &h.Dossiers.AtRiskDays,
		"priority_groups": &h.PriorityGroups, "booking": &h.Booking} {
		if err := setting(ctx, q, key, dest); err != nil {
			return h, fmt.Errorf("setting %s: %w", key, err)
		}
	}
	services, err := services(ctx, q)
	if err != nil {
		return h, err
	}
	codes := map[int64]string{}
	for _, sv := range services {
		codes[sv.ID] = sv.Code
		h.Services = append(h.Services, motcua.ServiceSpec{Code: sv.Code, Name: sv.Name, NameEn: sv.NameEn, Field: sv.Field,
			Prefix: sv.Prefix, Digits: sv.Digits, DailyCap: sv.DailyCap, Hours: sv.Hours,
			TargetWaitMinutes: sv.TargetWaitMinutes})
	}
	counters, err := counters(ctx, q)
	if err != nil {
		return h, err
	}
	for _, c := range counters {
		spec := motcua.CounterSpec{Number: c.Number, Name: c.Name, Services: []string{}}
		for _, id := range c.ServiceIDs {
			spec.Services = append(spec.Services, codes[id])
		}
		h.Counters = append(h.Counters, spec)
	}
	// The hall's own procedures only: the city's (issue 14) are kept apart,
	// so that the description read and written back never takes them over.
	procs, err := procedureRows(ctx, q)
	if err != nil {
		return h, err
	}
	for _, r := range procs {
		if p := r.Procedure; p.RetiredAt == nil && r.Origin == motcua.OriginHall {
			p.ID = 0
			h.Procedures = append(h.Procedures, p)
		}
	}
	if h.Holidays, h.WorkingDays, err = calendarDays(ctx, q); err != nil {
		return h, err
	}
	return h, nil
}

type serviceRow struct {
	motcua.Service
	HoursJSON string `db:"hours"`
}

// Services lists the branch's services that are not retired, in the order
// the hall description lists them.
func (s *Store) Services(ctx context.Context) ([]motcua.Service, error) { return services(ctx, s.read) }

// Services lists the services inside the transaction (see Store.Services).
func (t *Tx) Services() ([]motcua.Service, error) { return services(t.ctx, t.tx) }

func services(ctx context.Context, q queryer) ([]motcua.Service, error) {
	var rows []serviceRow
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT id, code, name, name_en, field, prefix, digits, daily_cap, hours,
		target_wait_minutes FROM services WHERE retired_at IS NULL ORDER BY position, id`); err != nil {
		return nil, Normalize(err)
	}
	out := make([]motcua.Service, len(rows))
	for i, r := range rows {
		out[i] = r.Service
		if err := json.Unmarshal([]byte(r.HoursJSON), &out[i].Hours); err != nil {
			return nil, fmt.Errorf("service %d hours: %w", r.ID, err)
		}
	}
	return out, nil
}

// Counters lists the counters that are not retired by number, each with its
// services in order of preference.
func (s *Store) Counters(ctx context.Context) ([]motcua.Counter, error) { return counters(ctx, s.read) }

// Counters lists the counters inside the transaction (see Store.Counters).
func (t *Tx) Counters() ([]motcua.Counter, error) { return counters(t.ctx, t.tx) }

func counters(ctx context.Context, q queryer) ([]motcua.Counter, error) {
	var counters []motcua.Counter
	if err := sqlx.SelectContext(ctx, q, &counters, `SELECT id, number, name FROM counters WHERE retired_at IS NULL ORDER BY number`); err != nil {
		return nil, Normalize(err)
	}
	var links []struct {
		CounterID int64 `db:"counter_id"`
		ServiceID int64 `db:"service_id"`
	}
	if err := sqlx.SelectContext(ctx, q, &links,
		`SELECT counter_id, service_id FROM counter_services ORDER BY counter_id, rank`); err != nil {
		return nil, Normalize(err)
	}
	byID := map[int64]*motcua.Counter{}
	for i := range counters {
		counters[i].ServiceIDs = []int64{}
		byID[counters[i].ID] = &counters[i]
	}
	for _, l := range links {
		if c := byID[l.CounterID]; c != nil {
			c.ServiceIDs = append(c.ServiceIDs, l.ServiceID)
		}
	}
	return counters, nil
}

type procedureRow struct {
	motcua.Procedure
	DocumentsJSON string `db:"documents"`
	Origin        string `db:"origin"`
}

// StoredProcedure is a procedure with where it comes from: the hall's own
// (motcua.OriginHall) or the city's catalogue (motcua.OriginCity).
type StoredProcedure struct {
	motcua.Procedure
	Origin string
}

// Procedures lists every procedure the hall has had, by code: the retired
// ones too (RetiredAt set), since their dossiers still name them; the
// hall's own and the city's alike.
func (s *Store) Procedures(ctx context.Context) ([]motcua.Procedure, error) {
	rows, err := procedureRows(ctx, s.read)
	if err != nil {
		return nil, err
	}
	out := make([]motcua.Procedure, len(rows))
	for i, r := range rows {
		out[i] = r.Procedure
	}
	return out, nil
}

// Procedures lists every procedure with its origin inside the transaction.
func (t *Tx) Procedures() ([]StoredProcedure, error) { return procedureRows(t.ctx, t.tx) }

func procedureRows(ctx context.Context, q queryer) ([]StoredProcedure, error) {
	var rows []procedureRow
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT id, code, name, field, agency, processing_days, fee, documents, service_code,
		processing_time, cutoff, extended_days, retired_at, origin FROM procedures ORDER BY code`); err != nil {
		return nil, Normalize(err)
	}
	out := make([]StoredProcedure, len(rows))
	for i, r := range rows {
		out[i] = StoredProcedure{Procedure: r.Procedure, Origin: r.Origin}
		if err := json.Unmarshal([]byte(r.DocumentsJSON), &out[i].Documents); err != nil {
			return nil, fmt.Errorf("procedure %s documents: %w", r.Code, err)
		}
	}
	return out, nil
}

// CalendarDays returns the configured days off and announced working days.
func (s *Store) CalendarDays(ctx context.Context) (off, work []motcua.Holiday, err error) {
	return calendarDays(ctx, s.read)
}

// CalendarDays returns the calendar days inside the transaction.
func (t *Tx) CalendarDays() (off, work []motcua.Holiday, err error) { return calendarDays(t.ctx, t.tx) }

func calendarDays(ctx context.Context, q queryer) (off, work []motcua.Holiday, err error) {
	var rows []struct {
		Date    string `db:"date"`
		Name    string `db:"name"`
		Kind    string `db:"kind"`
		Assumed bool   `db:"assumed"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT date, name, kind, assumed FROM calendar_days WHERE retired_at IS NULL ORDER BY date`); err != nil {
		return nil, nil, Normalize(err)
	}
	for _, r := range rows {
		d := motcua.Holiday{Date: r.Date, Name: r.Name, Assumed: r.Assumed}
		if r.Kind == "work" {
			work = append(work, d)
		} else {
			off = append(off, d)
		}
	}
	return off, work, nil
}

// ServiceID is the id of the service with code, retired or not; ok is false
// when the hall never had one.
func (t *Tx) ServiceID(code string) (id int64, ok bool, err error) {
	err = t.get(&id, `SELECT id FROM services WHERE code = ?`, code)
	if ErrorIsNotFound(err) {
		return 0, false, nil
	}
	return id, err == nil, err
}

// CounterID is the id of the counter with number, retired or not; ok is
// false when the hall never had one.
func (t *Tx) CounterID(number int) (id int64, ok bool, err error) {
	err = t.get(&id, `SELECT id FROM counters WHERE number = ?`, number)
	if ErrorIsNotFound(err) {
		return 0, false, nil
	}
	return id, err == nil, err
}

// AuditHall records a change set of the hall: who made it (userID nil for
// the -config file or the first load), from where, the seq of the "hall"
// event that announced it, and each change with its before and after.
func (t *Tx) AuditHall(at time.Time, userID *int64, source string, seq int64, changes []motcua.HallChange) error {
	for _, c := range changes {
		fields, _ := json.Marshal(c.Fields)
		if c.Fields == nil {
			fields = []byte("[]")
		}
		if err := t.exec(`INSERT INTO hall_audit (at, user_id, source, seq, kind, key, action, fields, before_value, after_value)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, at.UTC(), userID, source, seq, c.Kind, c.Key, c.Action,
			string(fields), string(c.Before), string(c.After)); err != nil {
			return err
		}
	}
	return nil
}

// HallAuditFilter selects audit entries: newest first, at most Limit, with
// an id below BeforeID when set (the next page), of one Kind when set.
type HallAuditFilter struct {
	Limit    int
	BeforeID int64
	Kind     string
}

// HallAudit lists recorded changes of the hall's configuration, newest first.
func (s *Store) HallAudit(ctx context.Context, f HallAuditFilter) ([]motcua.HallAuditEntry, error) {
	var rows []struct {
		ID       int64     `db:"id"`
		At       time.Time `db:"at"`
		UserID   *int64    `db:"user_id"`
		Username *string   `db:"username"`
		FullName *string   `db:"full_name"`
		Source   string    `db:"source"`
		Seq      int64     `db:"seq"`
		Kind     string    `db:"kind"`
		Key      string    `db:"key"`
		Action   string    `db:"action"`
		Fields   string    `db:"fields"`
		Before   string    `db:"before_value"`
		After    string    `db:"after_value"`
	}
	query := `SELECT a.id, a.at, a.user_id, u.username, u.full_name, a.source, a.seq, a.kind, a.key, a.action, a.fields,
		a.before_value, a.after_value FROM hall_audit a LEFT JOIN users u ON u.id = a.user_id WHERE 1 = 1`
	var args []any
	if f.BeforeID > 0 {
		query += ` AND a.id < ?`
		args = append(args, f.BeforeID)
	}
	if f.Kind != "" {
		query += ` AND a.kind = ?`
		args = append(args, f.Kind)
	}
	query += ` ORDER BY a.id DESC LIMIT ?`
	args = append(args, f.Limit)
	if err := s.read.SelectContext(ctx, &rows, s.read.Rebind(query), args...); err != nil {
		return nil, Normalize(err)
	}
	out := make([]motcua.HallAuditEntry, len(rows))
	for i, r := range rows {
		e := motcua.HallAuditEntry{ID: r.ID, At: r.At, Source: r.Source, Seq: r.Seq,
			HallChange: motcua.HallChange{Kind: r.Kind, Key: r.Key, Action: r.Action}}
		if r.UserID != nil {
			e.User = &motcua.UserRef{ID: *r.UserID}
			if r.Username != nil {
				e.User.Username = *r.Username
			}
			if r.FullName != nil {
				e.User.FullName = *r.FullName
			}
		}
		if err := json.Unmarshal([]byte(r.Fields), &e.Fields); err != nil {
			return nil, fmt.Errorf("hall audit %d fields: %w", r.ID, err)
		}
		if len(e.Fields) == 0 {
			e.Fields = nil
		}
		if r.Before != "" {
			e.Before = json.RawMessage(r.Before)
		}
		if r.After != "" {
			e.After = json.RawMessage(r.After)
		}
		out[i] = e
	}
	return out, nil
}

// ErrorIsNotFound reports whether err is (or normalises to) not found.
func ErrorIsNotFound(err error) bool { return motcua.ErrorCode(Normalize(err)) == motcua.ENotFound }

// PeopleFor counts today's tickets of a service that someone is still in the
// hall for: waiting, called or being served. A service is not retired while
// any are left.
func (t TicketTx) PeopleFor(serviceID int64, day string) (int, error) {
	var n int
	err := t.get(&n, `SELECT COUNT(*) FROM tickets WHERE service_id = ? AND day = ? AND status IN ('waiting', 'called', 'serving')`,
		serviceID, day)
	return n, err
}

// NumbersTaken counts today's tickets of other services than serviceID
// whose number a service with this prefix and width could also give: a
// service that takes over a prefix the same day would call a number twice.
func (t TicketTx) NumbersTaken(day string, serviceID int64, prefix string, width int) (int, error) {
	var n int
	err := t.get(&n, `SELECT COUNT(*) FROM tickets WHERE day = ? AND service_id <> ? AND number LIKE ? AND LENGTH(number) = ?`,
		day, serviceID, prefix+"%", width)
	return n, err
}
