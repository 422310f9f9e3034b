package hall

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/motcua/motcua"
)

// sampleJSON is the sample hall as GET /api/v1/hall writes it.
func sampleJSON(t *testing.T) map[string]any {
	t.Helper()
	raw, err := JSON(Sample())
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestJSONRoundTrip(t *testing.T) {
	raw, err := JSON(Sample())
	if err != nil {
		t.Fatal(err)
	}
	h, err := ParseJSON(raw)
	if err != nil {
		t.Fatalf("ParseJSON(JSON(sample)): %v", err)
	}
	if changes := Diff(Sample(), h); len(changes) != 0 {
		t.Errorf("the sample read back from its JSON differs: %+v", changes)
	}
	for _, field := range []string{"branch", "policy", "reception", "services", "counters", "procedures",
		"holidays", "working_days", "privacy", "dossiers", "booking"} {
		if !strings.Contains(string(raw), `"`+field+`":`) {
			t.Errorf("the JSON lacks %q", field)
		}
	}
	// Every field comes back, not only those the diff would notice.
	if !strings.Contains(string(raw), `"target_wait_minutes":20`) {
		t.Errorf("the JSON lost the sample's target wait: %.300s", raw)
	}
	next := Sample()
	next.Services[0].TargetWaitMinutes = 15
	if changes := Diff(Sample(), next); len(changes) != 1 || changes[0].Key != next.Services[0].Code {
		t.Errorf("a changed target wait: got changes %+v, want one of service %s", changes, next.Services[0].Code)
	}
	if !strings.Contains(string(raw), "Tư pháp – Hộ tịch") {
		t.Errorf("the JSON lost the diacritics: %.200s", raw)
	}
	// Hà Nội's rules for online numbers are the sample's.
	if b := h.Booking; b.PerPersonDaily != 2 || b.PerPersonField != 1 || len(b.Services) != 2 || b.Services[0].DaysAhead != 6 {
		t.Errorf("sample booking rules: got %+v, want 2 a day, 1 per field, today + 6 days", b)
	}
}

// TestDeadlineFieldsTravel: the procedure deadline fields and a holiday's
// "assumed" go out in GET /api/v1/hall's JSON, come back through ParseJSON,
// and a change of any of them is a change of that entity in the diff.
func TestDeadlineFieldsTravel(t *testing.T) {
	cur := Sample()
	var cert motcua.Procedure
	for _, p := range cur.Procedures {
		if p.Code == "2.000815" {
			cert = p
		}
	}
	if cert.Cutoff != "15:00" {
		t.Fatalf("sample certification cut-off: got %q, want 15:00", cert.Cutoff)
	}
	next := Sample()
	for i := range next.Procedures {
		switch next.Procedures[i].Code {
		case "2.000815":
			next.Procedures[i].Cutoff = "16:00"
		case "1.004873":
			next.Procedures[i].ProcessingTime, next.Procedures[i].ExtendedDays = "0.5 ngày", 2
			next.Procedures[i].ProcessingDays = 0
		}
	}
	next.Holidays[0].Assumed = true
	raw, err := JSON(next)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"cutoff":"16:00"`, `"processing_time":"0.5 ngày"`, `"extended_days":2`, `"assumed":true`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("the JSON lacks %s", want)
		}
	}
	back, err := ParseJSON(raw)
	if err != nil {
		t.Fatalf("ParseJSON: %v", err)
	}
	if changes := Diff(next, back); len(changes) != 0 {
		t.Errorf("read back from JSON: got changes %+v, want none", changes)
	}
	type row struct {
		kind, key, action string
		fields            string
	}
	var rows []row
	for _, c := range Diff(cur, back) {
		rows = append(rows, row{c.Kind, c.Key, c.Action, strings.Join(c.Fields, ",")})
	}
	want := []row{
		{"procedure", "2.000815", "change", "cutoff"},
		{"procedure", "1.004873", "change", "extended_days,processing_days,processing_time"},
		{"holiday", cur.Holidays[0].Date, "change", "assumed"},
	}
	// The diff lists procedures in the description's order.
	if len(rows) == 3 && rows[0].key == "1.004873" {
		rows[0], rows[1] = rows[1], rows[0]
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("got changes %v, want %v", rows, want)
	}

	m := sampleJSON(t)
	m["holidays"].([]any)[0].(map[string]any)["assumed"] = "yes"
	bad, _ := json.Marshal(m)
	_, err = ParseJSON(bad)
	var e *motcua.Error
	if !errors.As(err, &e) || e.Fields["holidays[0].assumed"] == "" {
		t.Errorf("assumed as a text: got %v, want a problem at holidays[0].assumed", err)
	}
}

// TestParseJSONNamesTheField sends descriptions that are wrong in one place
// and expects the problem under that field's path.
func TestParseJSONNamesTheField(t *testing.T) {
	cases := []struct {
		name string
		edit func(m map[string]any)
		path string
		code string
	}{
		{"unknown field", func(m map[string]any) { svc(m, 0)["prefx"] = "9" }, "services[0].prefx", motcua.EValidation},
		{"unknown section", func(m map[string]any) { m["countres"] = []any{} }, "countres", motcua.EValidation},
		{"number for a text", func(m map[string]any) { svc(m, 1)["prefix"] = 2 }, "services[1].prefix", motcua.EValidation},
		{"text for a number", func(m map[string]any) { ctr(m, 0)["number"] = "1" }, "counters[0].number", motcua.EValidation},
		{"fraction for a number", func(m map[string]any) { ctr(m, 0)["number"] = 1.5 }, "counters[0].number", motcua.EValidation},
		{"object for a list", func(m map[string]any) { m["holidays"] = map[string]any{} }, "holidays", motcua.EValidation},
		{"list for an object", func(m map[string]any) { m["branch"] = []any{} }, "branch", motcua.EValidation},
		{"bool for a text", func(m map[string]any) { m["branch"].(map[string]any)["name"] = true }, "branch.name", motcua.EValidation},
		{"duplicate service code", func(m map[string]any) { svc(m, 1)["code"] = "TP" }, "services[1].code", motcua.EValidation},
		{"duplicate counter number", func(m map[string]any) { ctr(m, 1)["number"] = 1 }, "counters[1].number", motcua.EValidation},
		{"duplicate procedure code", func(m map[string]any) {
			list := m["procedures"].([]any)
			list[1].(map[string]any)["code"] = list[0].(map[string]any)["code"]
		}, "procedures[1].code", motcua.EValidation},
		{"duplicate holiday", func(m map[string]any) {
			list := m["holidays"].([]any)
			list[1].(map[string]any)["date"] = list[0].(map[string]any)["date"]
		}, "holidays[1].date", motcua.EValidation},
		{"counter serving an unknown service", func(m map[string]any) { ctr(m, 2)["services"] = []any{"DD", "XX"} }, "counters[2].services[1]", motcua.EValidation},
		{"empty hall: no services", func(m map[string]any) { m["services"] = []any{} }, "services", motcua.EValidation},
		{"booking for an unknown service", func(m map[string]any) { bk(m, 0)["service"] = "XX" }, "booking.services[0].service", motcua.EValidation},
		{"booking slot of 0 minutes", func(m map[string]any) { bk(m, 1)["slot_minutes"] = 0 }, "booking.services[1].slot_minutes", motcua.EValidation},
		{"booking share over 100%", func(m map[string]any) { bk(m, 0)["online_share"] = 120 }, "booking.services[0].online_share", motcua.EValidation},
		{"booking slot capacity 0", func(m map[string]any) { bk(m, 0)["slot_capacity"] = 0 }, "booking.services[0].slot_capacity", motcua.EValidation},
		{"booking overlapping hours", func(m map[string]any) {
			bk(m, 0)["hours"] = []any{map[string]any{"from": "08:00", "to": "10:00"}, map[string]any{"from": "09:00", "to": "11:00"}}
		}, "booking.services[0].hours[1]", motcua.EValidation},
		{"booking unknown merge", func(m map[string]any) {
			m["booking"].(map[string]any)["merge"].(map[string]any)["join"] = "front"
		}, "booking.merge.join", motcua.EValidation},
		{"booking negative daily limit", func(m map[string]any) { m["booking"].(map[string]any)["per_person_daily"] = -1 }, "booking.per_person_daily", motcua.EValidation},
		{"empty hall: no counters", func(m map[string]any) { m["counters"] = []any{} }, "counters", motcua.EValidation},
		{"procedure of an unknown service", func(m map[string]any) {
			m["procedures"].([]any)[0].(map[string]any)["service"] = "XX"
		}, "procedures[0].service", motcua.EValidation},
		{"bad holiday date", func(m map[string]any) { m["holidays"].([]any)[0].(map[string]any)["date"] = "2026-02-30" }, "holidays[0].date", motcua.EValidation},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := sampleJSON(t)
			c.edit(m)
			raw, _ := json.Marshal(m)
			_, err := ParseJSON(raw)
			var e *motcua.Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want a *motcua.Error", err)
			}
			if e.Code != c.code {
				t.Errorf("got code %q, want %q", e.Code, c.code)
			}
			if _, ok := e.Fields[c.path]; !ok {
				t.Errorf("got fields %v, want one for %s", e.Fields, c.path)
			}
			if strings.Contains(e.Fields[c.path], "line ") {
				t.Errorf("a JSON problem names a line: %q", e.Fields[c.path])
			}
		})
	}
}

func TestParseJSONDuplicateKey(t *testing.T) {
	raw, _ := JSON(Sample())
	text := strings.Replace(string(raw), `"policy":{`, `"policy":{"priority":"none",`, 1)
	_, err := ParseJSON([]byte(text))
	var e *motcua.Error
	if !errors.As(err, &e) || e.Fields["policy.priority"] == "" {
		t.Fatalf("got %v, want a problem at policy.priority", err)
	}
}

func TestParseJSONMalformed(t *testing.T) {
	for _, text := range []string{``, `{`, `{"branch":}`, `{} {}`, `nope`} {
		_, err := ParseJSON([]byte(text))
		if code := motcua.ErrorCode(err); code != motcua.EInvalid {
			t.Errorf("ParseJSON(%q): got code %q (%v), want %q", text, code, err, motcua.EInvalid)
		}
	}
	_, err := ParseJSON([]byte(`[]`))
	var e *motcua.Error
	if !errors.As(err, &e) || e.Code != motcua.EValidation || e.Fields["$"] == "" {
		t.Errorf("ParseJSON([]): got %v, want a problem at $", err)
	}
}

func svc(m map[string]any, i int) map[string]any { return m["services"].([]any)[i].(map[string]any) }
func ctr(m map[string]any, i int) map[string]any { return m["counters"].([]any)[i].(map[string]any) }
func bk(m map[string]any, i int) map[string]any {
	return m["booking"].(map[string]any)["services"].([]any)[i].(map[string]any)
}

func TestDiff(t *testing.T) {
	cur := Sample()
	next := Sample()
	// A new service served by a new counter, a service renamed, counter 5
	// retired (its services stay served elsewhere), a procedure retired, a
	// holiday added, a working day renamed, the notice changed.
	next.Services = append(next.Services, motcua.ServiceSpec{Code: "HT", Name: "Hộ tịch mới", Prefix: "7", Digits: 3})
	next.Services[1].Name = "Chứng thực bản sao"
	next.Counters = append(next.Counters[:4], motcua.CounterSpec{Number: 6, Name: "Quầy 6", Services: []string{"HT", "LDXH"}})
	next.Procedures = next.Procedures[1:]
	next.Holidays = append(next.Holidays, motcua.Holiday{Date: "2026-12-31", Name: "Nghỉ thử"})
	next.WorkingDays = append([]motcua.Holiday{{Date: cur.WorkingDays[0].Date, Name: "Làm bù (đổi tên)"}}, cur.WorkingDays[1:]...)
	next.Branch.Notice = "Thông báo mới"

	got := Diff(cur, next)
	type row struct{ kind, key, action string }
	var rows []row
	for _, c := range got {
		rows = append(rows, row{c.Kind, c.Key, c.Action})
	}
	want := []row{
		{"branch", "branch", "change"},
		{"service", "CT", "change"},
		{"service", "HT", "add"},
		{"counter", "6", "add"},
		{"counter", "5", "retire"},
		{"procedure", cur.Procedures[0].Code, "retire"},
		{"holiday", "2026-12-31", "add"},
		{"working_day", cur.WorkingDays[0].Date, "change"},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("got changes\n%v\nwant\n%v", rows, want)
	}
	if f := got[0].Fields; !reflect.DeepEqual(f, []string{"notice"}) {
		t.Errorf("branch change: got fields %v, want [notice]", f)
	}
	if f := got[1].Fields; !reflect.DeepEqual(f, []string{"name"}) {
		t.Errorf("service change: got fields %v, want [name]", f)
	}
	if !strings.Contains(string(got[1].Before), "Chứng thực") || !strings.Contains(string(got[1].After), "Chứng thực bản sao") {
		t.Errorf("service change: before %s, after %s", got[1].Before, got[1].After)
	}
	if len(got[4].After) != 0 || len(got[4].Before) == 0 {
		t.Errorf("a retire carries before only: %+v", got[4])
	}
	if changes := Diff(cur, cur); len(changes) != 0 {
		t.Errorf("a hall against itself: got %v, want no change", changes)
	}

	// The booking rules are one section.
	next = Sample()
	next.Booking.Services[0].SlotCapacity = 9
	next.Booking.PerPersonDaily = 3
	got = Diff(cur, next)
	if len(got) != 1 || got[0].Kind != motcua.KindBooking || got[0].Action != motcua.ChangeChange ||
		!reflect.DeepEqual(got[0].Fields, []string{"per_person_daily", "services"}) {
		t.Errorf("booking change: got %+v, want one booking change of per_person_daily and services", got)
	}
	// A hall without the section and one with it written empty are the same.
	a, b := Sample(), Sample()
	a.Booking, b.Booking = motcua.BookingPolicy{}, motcua.BookingPolicy{Services: []motcua.ServiceBooking{}}
	if changes := Diff(a, b); len(changes) != 0 {
		t.Errorf("no booking section against an empty one: got %v, want no change", changes)
	}
}

func TestParseProceduresCSV(t *testing.T) {
	csvText := "\uFEFFcode,name,agency,processing_days,documents,service,fee\n" +
		"1.000001,Thủ tục một,UBND cấp xã,3,\"Tờ khai\nBản sao giấy tờ\",TP,Không\n" +
		"1.000002,\"Thủ tục hai, có dấu phẩy\",UBND cấp xã,0,Tờ khai | Giấy tờ tùy thân,,\n"
	procs, err := ParseProcedures([]byte(csvText), FormatCSV)
	if err != nil {
		t.Fatal(err)
	}
	if len(procs) != 2 {
		t.Fatalf("got %d procedures, want 2", len(procs))
	}
	if got := procs[0].Documents; !reflect.DeepEqual(got, []string{"Tờ khai", "Bản sao giấy tờ"}) {
		t.Errorf("got documents %q", got)
	}
	if procs[0].ProcessingDays != 3 || procs[0].ServiceCode != "TP" || procs[0].Fee != "Không" {
		t.Errorf("got %+v", procs[0])
	}
	if procs[1].Name != "Thủ tục hai, có dấu phẩy" || len(procs[1].Documents) != 2 {
		t.Errorf("got %+v", procs[1])
	}

	timed := "code,name,agency,processing_days,processing_time,cutoff,extended_days,documents\n1.000004,Bốn,UBND,,4 giờ,15:00,2,Tờ khai\n"
	if procs, err := ParseProcedures([]byte(timed), FormatCSV); err != nil || len(procs) != 1 ||
		procs[0].ProcessingTime != "4 giờ" || procs[0].Cutoff != "15:00" || procs[0].ExtendedDays != 2 {
		t.Errorf("CSV with deadlines: got %+v, %v", procs, err)
	}

	semicolons := "code;name;agency;processing_days;documents\n1.000003;Ba;UBND;5;Tờ khai\n"
	if procs, err := ParseProcedures([]byte(semicolons), FormatCSV); err != nil || len(procs) != 1 || procs[0].ProcessingDays != 5 {
		t.Errorf("semicolon CSV: got %+v, %v", procs, err)
	}

	for _, c := range []struct{ name, text, path string }{
		{"unknown column", "code,name,agency,processing_days,documents,fees\n", "columns[5]"},
		{"missing column", "code,name,agency,documents\n", "columns"},
		{"days not a number", "code,name,agency,processing_days,documents\n1.1,A,B,ba,C\n", "procedures[0].processing_days"},
		{"days missing", "code,name,agency,processing_days,documents\n1.1,A,B,,C\n1.2,A,B,,C\n", "procedures[1].processing_days"},
		{"duplicate code", "code,name,agency,processing_days,documents\n1.1,A,B,1,C\n1.1,A,B,1,C\n", "procedures[1].code"},
		{"no documents", "code,name,agency,processing_days,documents\n1.1,A,B,1,\n", "procedures[0].documents"},
	} {
		_, err := ParseProcedures([]byte(c.text), FormatCSV)
		var e *motcua.Error
		if !errors.As(err, &e) || e.Fields[c.path] == "" {
			t.Errorf("%s: got %v, want a problem at %s", c.name, err, c.path)
		}
	}
	_, err = ParseProcedures([]byte("code,name,agency,processing_days,documents\n1.1,A,B,1,C\n1.1,A,B,1,C\n"), FormatCSV)
	if err == nil || !strings.Contains(err.Error(), "procedures[1].code (line 3)") {
		t.Errorf("a CSV problem names its line: got %v", err)
	}
}

func TestParseProceduresYAML(t *testing.T) {
	bare := "- code: \"1.000001\"\n  name: Một\n  agency: UBND\n  processing_days: 2\n  documents: [Tờ khai]\n"
	wrapped := "procedures:\n  " + strings.TrimSpace(strings.ReplaceAll(bare, "\n", "\n  "))
	for name, text := range map[string]string{"bare": bare, "wrapped": wrapped} {
		procs, err := ParseProcedures([]byte(text), FormatYAML)
		if err != nil || len(procs) != 1 || procs[0].ProcessingDays != 2 {
			t.Errorf("%s: got %+v, %v", name, procs, err)
		}
	}
	_, err := ParseProcedures([]byte(strings.Replace(bare, "name:", "nmae:", 1)), FormatYAML)
	if err == nil || !strings.Contains(err.Error(), "procedures[0].nmae (line 2)") {
		t.Errorf("misspelt field: got %v", err)
	}
	_, err = ParseProcedures([]byte(strings.Replace(bare, "  processing_days: 2\n", "", 1)), FormatYAML)
	if err == nil || !strings.Contains(err.Error(), "procedures[0].processing_days") {
		t.Errorf("missing days: got %v", err)
	}
	if _, err := ParseProcedures([]byte(bare), "xlsx"); motcua.ErrorCode(err) != motcua.EInvalid {
		t.Errorf("unknown format: got %v", err)
	}
}

func TestLocate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sanh.yaml")
	if err := os.WriteFile(path, []byte(validHall), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Locate(path, &motcua.Error{Code: motcua.EConflict, Message: "Không áp dụng được / Cannot apply",
		Fields: map[string]string{"services[1].prefix": "prefix used today", "counters": "counter 3 is serving"}})
	var e *motcua.Error
	if !errors.As(err, &e) || e.Code != motcua.EConflict {
		t.Fatalf("got %v, want a conflict", err)
	}
	for _, want := range []string{path + ": Không áp dụng được", "services[1].prefix (line 16): prefix used today", "counters (line 19): counter 3 is serving"} {
		if !strings.Contains(e.Message, want) {
			t.Errorf("message %q lacks %q", e.Message, want)
		}
	}
}
