package hub_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/hub"
	"github.com/motcua/motcua/hub/hubtest"
	"github.com/motcua/motcua/internal/logtest"
	"github.com/motcua/motcua/store/storetest"
)

// clashWarnings returns the codes of every clash warning logged since the
// last call, one list per warning.
func clashWarnings(t *testing.T, logs *logtest.Buffer) [][]string {
	t.Helper()
	var out [][]string
	dec := json.NewDecoder(strings.NewReader(logs.Take()))
	for dec.More() {
		var line struct {
			Level string   `json:"level"`
			Msg   string   `json:"msg"`
			Codes []string `json:"codes"`
		}
		if err := dec.Decode(&line); err != nil {
			t.Fatalf("read the log: %v", err)
		}
		if line.Level == "WARN" && line.Codes != nil {
			out = append(out, line.Codes)
		}
	}
	return out
}

func cityProcedure(code, name string, days int) motcua.Procedure {
	return motcua.Procedure{Code: code, Name: name, Field: "Hộ tịch", Agency: "Ủy ban nhân dân cấp xã", ProcessingDays: days,
		Documents: []string{"Tờ khai (theo mẫu)"}, ServiceCode: "TP"}
}

// TestCityClashAuditedOnce: a clash between the city's catalogue and the
// hall's own procedures is audited and logged when it appears, not again for
// each new revision that keeps it; one that goes away (the city drops the
// code, or the hall gives its own up) and comes back is new again.
func TestCityClashAuditedOnce(t *testing.T) {
	ctx := context.Background()
	logs := &logtest.Buffer{}
	e := hubtest.OpenWith(t, storetest.SQLiteDSN(t), hubtest.WeekdayMorning, func(c *hub.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	})
	// The dossier hall has 1.001193 and 1.004873 as its own.
	const own1, own2, cityOnly = "1.001193", "1.004873", "9.000001"
	var revision uint64
	publish := func(version int64, procs ...motcua.Procedure) string {
		t.Helper()
		e.Clock.Advance(time.Hour)
		revision++
		cat := motcua.CityCatalogue{Revision: revision, Version: version, PublishedAt: e.Clock.Now(), Procedures: procs}
		if err := e.Hub.SetCityProcedures(ctx, cat); err != nil {
			t.Fatalf("apply the city's catalogue version %d: %v", version, err)
		}
		return hub.SourceCity + strconv.FormatInt(version, 10)
	}
	audit := func() []motcua.HallAuditEntry {
		t.Helper()
		list, err := e.Hub.HallAudit(ctx, 1000, 0)
		if err != nil {
			t.Fatal(err)
		}
		return list
	}
	// clashes are the codes audited as a clash under source since entry id
	// after (the audit is newest first).
	clashes := func(source string, after int64) []string {
		t.Helper()
		var codes []string
		for _, a := range audit() {
			if a.ID > after && a.Source == source && a.Action == motcua.ChangeClash {
				codes = append(codes, a.Key)
			}
		}
		slices.Sort(codes)
		return codes
	}
	lastID := func() int64 {
		t.Helper()
		if list := audit(); len(list) > 0 {
			return list[0].ID
		}
		return 0
	}
	check := func(step, source string, after int64, want []string) {
		t.Helper()
		if got := clashes(source, after); !slices.Equal(got, want) {
			t.Errorf("%s: clashes audited under %s: got %v, want %v", step, source, got, want)
		}
		warned := clashWarnings(t, logs)
		switch {
		case len(want) == 0 && len(warned) > 0:
			t.Errorf("%s: clash warnings logged %v, want none", step, warned)
		case len(want) > 0 && (len(warned) != 1 || !slices.Equal(sorted(warned[0]), want)):
			t.Errorf("%s: clash warnings logged %v, want one naming %v", step, warned, want)
		}
	}
	clashWarnings(t, logs) // the start's lines

	// Version 1: one clash, new.
	from := lastID()
	src := publish(1, cityProcedure(own2, "Xác nhận tình trạng hôn nhân (thành phố)", 5), cityProcedure(cityOnly, "Thủ tục của thành phố", 7))
	check("version 1", src, from, []string{own2})

	// Version 2 keeps that clash and adds another: only the new one.
	from = lastID()
	src = publish(2, cityProcedure(own2, "Xác nhận tình trạng hôn nhân (thành phố)", 5), cityProcedure(cityOnly, "Thủ tục của thành phố", 10),
		cityProcedure(own1, "Đăng ký khai sinh (thành phố)", 1))
	check("version 2", src, from, []string{own1})
	if got := audit(); !slices.ContainsFunc(got, func(a motcua.HallAuditEntry) bool {
		return a.ID > from && a.Source == src && a.Key == cityOnly && a.Action == motcua.ChangeChange
	}) {
		t.Errorf("version 2: the change of %s is not audited", cityOnly)
	}

	// Version 3, the same procedures published again: nothing recorded.
	from = lastID()
	src = publish(3, cityProcedure(own2, "Xác nhận tình trạng hôn nhân (thành phố)", 5), cityProcedure(cityOnly, "Thủ tục của thành phố", 10),
		cityProcedure(own1, "Đăng ký khai sinh (thành phố)", 1))
	check("version 3", src, from, nil)
	if id := lastID(); id != from {
		for _, a := range audit()[:id-from] {
			t.Errorf("version 3 changes nothing, yet the audit has %s %s %s", a.Source, a.Action, a.Key)
		}
	}

	// Version 4 drops both codes: no clash left.
	from = lastID()
	src = publish(4, cityProcedure(cityOnly, "Thủ tục của thành phố", 10))
	check("version 4", src, from, nil)

	// Version 5 brings one back: a new clash again.
	from = lastID()
	src = publish(5, cityProcedure(cityOnly, "Thủ tục của thành phố", 10), cityProcedure(own2, "Xác nhận tình trạng hôn nhân (thành phố)", 5))
	check("version 5", src, from, []string{own2})

	// The hall gives its own 1.004873 up: the city's comes in, no clash.
	cur, err := e.Hub.Hall(ctx)
	if err != nil {
		t.Fatal(err)
	}
	next := cur
	next.Procedures = nil
	for _, p := range cur.Procedures {
		if p.Code != own2 {
			next.Procedures = append(next.Procedures, p)
		}
	}
	e.Clock.Advance(time.Hour)
	if _, err := e.Hub.ApplyHall(ctx, next, e.Staff, false); err != nil {
		t.Fatal(err)
	}
	clashWarnings(t, logs)
	// Version 6 still has it: the city's procedure, no clash.
	from = lastID()
	src = publish(6, cityProcedure(cityOnly, "Thủ tục của thành phố", 10), cityProcedure(own2, "Xác nhận tình trạng hôn nhân (thành phố)", 6))
	check("version 6, the hall's own given up", src, from, nil)

	// The hall takes it back as its own: the change records the clash
	// (under the city's current version)...
	from = lastID()
	e.Clock.Advance(time.Hour)
	if _, err := e.Hub.ApplyHall(ctx, cur, e.Staff, false); err != nil {
		t.Fatal(err)
	}
	if got := clashes(src, from); !slices.Equal(got, []string{own2}) {
		t.Errorf("the hall takes %s back: clashes audited under %s: got %v, want [%s]", own2, src, got, own2)
	}
	clashWarnings(t, logs)
	// ...and version 7, which keeps it, does not record it again.
	from = lastID()
	src = publish(7, cityProcedure(cityOnly, "Thủ tục của thành phố", 10), cityProcedure(own2, "Xác nhận tình trạng hôn nhân (thành phố)", 6))
	check("version 7", src, from, nil)

	// The hall's view still lists the clash on every revision that has it.
	_, listed, err := e.Hub.CityProcedures(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(listed, []string{own2}) {
		t.Errorf("CityProcedures clashes: got %v, want [%s]", listed, own2)
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
