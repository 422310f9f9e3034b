package store

import (
	"context"
	"encoding/json"
	"fmt"

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
func (t *Tx) LoadHall(h motcua.Hall) error {
	if err := t.PutSetting("branch", h.Branch); err != nil {
		return err
	}
	if err := t.PutSetting("policy", h.Policy); err != nil {
		return err
	}
	if err := t.PutSetting("reception", h.Reception); err != nil {
		return err
	}
	if err := t.PutSetting("privacy", h.Privacy); err != nil {
		return err
	}
	if h.Dossiers.AtRiskDays > 0 {
		if err := t.PutSetting("at_risk_days", h.Dossiers.AtRiskDays); err != nil {
			return err
		}
	}
	serviceIDs := map[string]int64{}
	for _, sv := range h.Services {
		hours, _ := json.Marshal(sv.Hours)
		if sv.Hours == nil {
			hours = []byte("[]")
		}
		id, err := t.insert(`INSERT INTO services (code, name, name_en, field, prefix, digits, daily_cap, hours, target_wait_minutes)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, sv.Code, sv.Name, sv.NameEn, sv.Field, sv.Prefix, sv.Digits, sv.DailyCap, string(hours),
			sv.TargetWaitMinutes)
		if err != nil {
			return fmt.Errorf("service %s: %w", sv.Code, err)
		}
		serviceIDs[sv.Code] = id
	}
	for _, c := range h.Counters {
		id, err := t.insert(`INSERT INTO counters (number, name) VALUES (?, ?)`, c.Number, c.Name)
		if err != nil {
			return fmt.Errorf("counter %d: %w", c.Number, err)
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
	for _, p := range h.Procedures {
		docs, _ := json.Marshal(p.Documents)
		if p.Documents == nil {
			docs = []byte("[]")
		}
		if _, err := t.insert(`INSERT INTO procedures (code, name, field, agency, processing_days, fee, documents, service_code)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, p.Code, p.Name, p.Field, p.Agency, p.ProcessingDays, p.Fee, string(docs), p.ServiceCode); err != nil {
			return fmt.Errorf("procedure %s: %w", p.Code, err)
		}
	}
	for _, d := range h.Holidays {
		if err := t.exec(`INSERT INTO calendar_days (date, name, kind) VALUES (?, ?, 'off')`, d.Date, d.Name); err != nil {
			return fmt.Errorf("holiday %s: %w", d.Date, err)
		}
	}
	for _, d := range h.WorkingDays {
		if err := t.exec(`INSERT INTO calendar_days (date, name, kind) VALUES (?, ?, 'work')`, d.Date, d.Name); err != nil {
			return fmt.Errorf("working day %s: %w", d.Date, err)
		}
	}
	return nil
}

// Setting decodes the JSON setting key into dest; a missing key leaves dest alone.
func (s *Store) Setting(ctx context.Context, key string, dest any) error {
	var raw string
	err := s.read.GetContext(ctx, &raw, s.read.Rebind(`SELECT value FROM settings WHERE key = ?`), key)
	if err != nil {
		if ErrorIsNotFound(err) {
			return nil
		}
		return Normalize(err)
	}
	return json.Unmarshal([]byte(raw), dest)
}

type serviceRow struct {
	motcua.Service
	HoursJSON string `db:"hours"`
}

// Services lists the branch's services by id.
func (s *Store) Services(ctx context.Context) ([]motcua.Service, error) {
	var rows []serviceRow
	if err := s.read.SelectContext(ctx, &rows,
		`SELECT id, code, name, name_en, field, prefix, digits, daily_cap, hours, target_wait_minutes FROM services ORDER BY id`); err != nil {
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

// Counters lists the counters by number, each with its services in order of preference.
func (s *Store) Counters(ctx context.Context) ([]motcua.Counter, error) {
	var counters []motcua.Counter
	if err := s.read.SelectContext(ctx, &counters, `SELECT id, number, name FROM counters ORDER BY number`); err != nil {
		return nil, Normalize(err)
	}
	var links []struct {
		CounterID int64 `db:"counter_id"`
		ServiceID int64 `db:"service_id"`
	}
	if err := s.read.SelectContext(ctx, &links,
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
}

// Procedures lists the procedure catalogue by code.
func (s *Store) Procedures(ctx context.Context) ([]motcua.Procedure, error) {
	var rows []procedureRow
	if err := s.read.SelectContext(ctx, &rows, `SELECT id, code, name, field, agency, processing_days, fee, documents, service_code
		FROM procedures ORDER BY code`); err != nil {
		return nil, Normalize(err)
	}
	out := make([]motcua.Procedure, len(rows))
	for i, r := range rows {
		out[i] = r.Procedure
		if err := json.Unmarshal([]byte(r.DocumentsJSON), &out[i].Documents); err != nil {
			return nil, fmt.Errorf("procedure %s documents: %w", r.Code, err)
		}
	}
	return out, nil
}

// CalendarDays returns the configured days off and announced working days.
func (s *Store) CalendarDays(ctx context.Context) (off, work []motcua.Holiday, err error) {
	var rows []struct {
		Date string `db:"date"`
		Name string `db:"name"`
		Kind string `db:"kind"`
	}
	if err := s.read.SelectContext(ctx, &rows, `SELECT date, name, kind FROM calendar_days ORDER BY date`); err != nil {
		return nil, nil, Normalize(err)
	}
	for _, r := range rows {
		d := motcua.Holiday{Date: r.Date, Name: r.Name}
		if r.Kind == "work" {
			work = append(work, d)
		} else {
			off = append(off, d)
		}
	}
	return off, work, nil
}

// ErrorIsNotFound reports whether err is (or normalises to) not found.
func ErrorIsNotFound(err error) bool { return motcua.ErrorCode(Normalize(err)) == motcua.ENotFound }
