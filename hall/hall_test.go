package hall

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/motcua/motcua"
)

// validHall is a small, valid description. Cases below edit it and expect a
// problem at a given path and line, so keep its line numbers in mind (they
// are noted on the right).
const validHall = `branch:
  code: CN01
  name: Chi nhánh thử
  unit_code: "000.00.01.H26"
policy:
  priority: strict
reception:
  - { from: "07:30", to: "11:30" }
  - { from: "13:00", to: "17:00" }
services:
  - code: TP
    name: Tư pháp
    prefix: "1"
  - code: DD
    name: Đất đai
    prefix: "2"
    hours:
      - { from: "08:00", to: "11:00" }
counters:
  - number: 1
    services: [TP, DD]
  - number: 2
    services: [DD]
procedures:
  - code: "1.001193"
    name: Đăng ký khai sinh
    agency: UBND cấp xã
    processing_days: 0
    documents: [Tờ khai]
    service: TP
holidays:
  - { date: "2026-09-02", name: Quốc khánh }
working_days:
  - { date: "2026-01-10", name: Làm bù }
`

// edit applies old→new replacements to validHall; each old text must occur
// exactly once so a case cannot silently edit nothing.
func edit(t *testing.T, pairs ...string) string {
	t.Helper()
	text := validHall
	for i := 0; i+1 < len(pairs); i += 2 {
		if n := strings.Count(text, pairs[i]); n != 1 {
			t.Fatalf("edit: %q occurs %d times in validHall, want 1", pairs[i], n)
		}
		text = strings.Replace(text, pairs[i], pairs[i+1], 1)
	}
	return text
}

// parseFails parses text and returns the *motcua.Error it must produce.
func parseFails(t *testing.T, text string) *motcua.Error {
	t.Helper()
	_, err := Parse([]byte(text))
	if err == nil {
		t.Fatalf("Parse succeeded, want an error; input:\n%s", text)
	}
	var e *motcua.Error
	if !errors.As(err, &e) {
		t.Fatalf("Parse error is %T (%v), want *motcua.Error", err, err)
	}
	if e.Code != motcua.EValidation {
		t.Errorf("error code = %q, want %q", e.Code, motcua.EValidation)
	}
	return e
}

// assertProblem checks that the error names path at line, in both Message
// and Fields, and that the message mentions want.
func assertProblem(t *testing.T, e *motcua.Error, path string, line int, want string) {
	t.Helper()
	head := path + " (line " + strconv.Itoa(line) + "): "
	if !strings.Contains(e.Message, head) {
		t.Errorf("message has no %q; got:\n%s", head, e.Message)
	}
	field, ok := e.Fields[path]
	if !ok {
		t.Errorf("Fields has no %q; got %v", path, e.Fields)
		return
	}
	if !strings.Contains(field, "line "+strconv.Itoa(line)+": ") {
		t.Errorf("Fields[%q] = %q, want it to start with line %d", path, field, line)
	}
	if want != "" && !strings.Contains(field, want) {
		t.Errorf("Fields[%q] = %q, want it to mention %q", path, field, want)
	}
}

func TestValidHallParses(t *testing.T) {
	h, err := Parse([]byte(validHall))
	if err != nil {
		t.Fatalf("Parse(validHall): %v", err)
	}
	if got, want := h.Branch.TimeZone, "Asia/Ho_Chi_Minh"; got != want {
		t.Errorf("default time zone = %q, want %q", got, want)
	}
	if got, want := h.Policy, (motcua.QueuePolicy{Priority: "strict", InterleaveN: 3, NoShowMinCalls: 2, ReactivateMinutes: 30}); got != want {
		t.Errorf("policy = %+v, want %+v", got, want)
	}
	if got, want := h.Services[0].Digits, 3; got != want {
		t.Errorf("default digits = %d, want %d", got, want)
	}
	if got, want := len(h.Services[1].Hours), 1; got != want {
		t.Errorf("services[1] hours = %d, want %d", got, want)
	}
	p := h.Procedures[0]
	if p.Code != "1.001193" || p.Name != "Đăng ký khai sinh" || p.ServiceCode != "TP" || len(p.Documents) != 1 {
		t.Errorf("procedure = %+v, want code 1.001193, name with diacritics, service TP, 1 document", p)
	}
	if got, want := h.Counters[0].Services, []string{"TP", "DD"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("counter 1 services = %v, want %v (order of preference kept)", got, want)
	}
}

func TestDefaultsAndExplicitZeros(t *testing.T) {
	tests := []struct {
		name  string
		pairs []string
		check func(motcua.Hall) string
	}{
		{"no_show_min_calls 0 is kept", []string{"  priority: strict\n", "  priority: strict\n  no_show_min_calls: 0\n"},
			func(h motcua.Hall) string {
				if h.Policy.NoShowMinCalls != 0 {
					return "NoShowMinCalls = " + strconv.Itoa(h.Policy.NoShowMinCalls) + ", want 0"
				}
				return ""
			}},
		{"empty priority means strict", []string{"  priority: strict\n", "  priority: \"\"\n"},
			func(h motcua.Hall) string {
				if h.Policy.Priority != motcua.PolicyStrict {
					return "Priority = " + h.Policy.Priority + ", want strict"
				}
				return ""
			}},
		{"interleave with its n", []string{"  priority: strict\n", "  priority: interleave\n  interleave_n: 5\n"},
			func(h motcua.Hall) string {
				if h.Policy.Priority != motcua.PolicyInterleave || h.Policy.InterleaveN != 5 {
					return "policy wrong"
				}
				return ""
			}},
		{"digits and cap kept", []string{"    prefix: \"2\"\n", "    prefix: \"2\"\n    digits: 4\n    daily_cap: 150\n"},
			func(h motcua.Hall) string {
				if h.Services[1].Digits != 4 || h.Services[1].DailyCap != 150 {
					return "digits/cap wrong"
				}
				return ""
			}},
		{"time zone kept", []string{"  unit_code: \"000.00.01.H26\"\n", "  unit_code: \"000.00.01.H26\"\n  time_zone: Asia/Bangkok\n"},
			func(h motcua.Hall) string {
				if h.Branch.TimeZone != "Asia/Bangkok" {
					return "time zone = " + h.Branch.TimeZone
				}
				return ""
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := Parse([]byte(edit(t, tt.pairs...)))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if msg := tt.check(h); msg != "" {
				t.Error(msg)
			}
		})
	}
}

func TestValidationRules(t *testing.T) {
	tests := []struct {
		name  string
		pairs []string // old, new, old, new…
		path  string
		line  int
		want  string // a piece of the message
	}{
		// branch
		{"branch code missing", []string{"  code: CN01\n", ""}, "branch.code", 1, "branch code is required"},
		{"branch name empty", []string{"  name: Chi nhánh thử", "  name: \"  \""}, "branch.name", 3, "branch name is required"},
		{"unit code missing", []string{"  unit_code: \"000.00.01.H26\"\n", ""}, "branch.unit_code", 1, "unit code is required"},
		{"unit code malformed", []string{"\"000.00.01.H26\"", "\"000..01.H26\""}, "branch.unit_code", 4, "20/2020/QĐ-TTg"},
		{"unit code single group", []string{"\"000.00.01.H26\"", "\"H26\""}, "branch.unit_code", 4, "20/2020/QĐ-TTg"},
		{"time zone unknown", []string{"  unit_code: \"000.00.01.H26\"\n", "  unit_code: \"000.00.01.H26\"\n  time_zone: Mars/Base\n"}, "branch.time_zone", 5, "Mars/Base"},
		{"time zone Local", []string{"  unit_code: \"000.00.01.H26\"\n", "  unit_code: \"000.00.01.H26\"\n  time_zone: Local\n"}, "branch.time_zone", 5, "unknown time zone"},
		{"place too long", []string{"  unit_code: \"000.00.01.H26\"\n", "  unit_code: \"000.00.01.H26\"\n  place: \"Hà Nội Hà Nội Hà Nội Hà Nội Hà Nội Hà Nội Hà Nội Hà Nội Hà Nội Hà Nội Hà Nội Hà Nội Hà Nội Hà Nội Hà Nội Hà Nội Hà Nội Hà Nội Hà Nội Hà Nội \"\n"}, "branch.place", 5, "at most 100"},
		{"phone too long", []string{"  unit_code: \"000.00.01.H26\"\n", "  unit_code: \"000.00.01.H26\"\n  phone: \"024 3123 4567 024 3123 4567 024 3123 4567\"\n"}, "branch.phone", 5, "at most 40"},
		// policy
		{"priority unknown", []string{"priority: strict", "priority: fifo"}, "policy.priority", 6, "strict, interleave or none"},
		{"interleave_n zero", []string{"  priority: strict\n", "  priority: interleave\n  interleave_n: 0\n"}, "policy.interleave_n", 7, "at least 1"},
		{"no_show_min_calls negative", []string{"  priority: strict\n", "  priority: strict\n  no_show_min_calls: -1\n"}, "policy.no_show_min_calls", 7, "negative"},
		// reception
		{"reception bad time", []string{`{ from: "07:30", to: "11:30" }`, `{ from: "7:30", to: "11:30" }`}, "reception[0].from", 8, "HH:MM"},
		{"reception hour 24", []string{`{ from: "13:00", to: "17:00" }`, `{ from: "13:00", to: "24:00" }`}, "reception[1].to", 9, "HH:MM"},
		{"reception ends before start", []string{`{ from: "13:00", to: "17:00" }`, `{ from: "17:00", to: "13:00" }`}, "reception[1]", 9, "must be before end"},
		{"reception overlap", []string{`{ from: "13:00", to: "17:00" }`, `{ from: "11:00", to: "17:00" }`}, "reception[1]", 9, "overlaps 07:30–11:30"},
		// services
		{"service code duplicate", []string{"  - code: DD", "  - code: TP"}, "services[1].code", 14, "already used by services[0]"},
		{"service code missing", []string{"  - code: DD\n    name: Đất đai", "  - name: Đất đai"}, "services[1].code", 14, "service code is required"},
		{"service code with space", []string{"  - code: DD", "  - code: \"D D\""}, "services[1].code", 14, "letters, digits"},
		{"service name missing", []string{"    name: Đất đai\n", ""}, "services[1].name", 14, "service name is required"},
		{"prefix duplicate", []string{`prefix: "2"`, `prefix: "1"`}, "services[1].prefix", 16, `prefix "1" is already used by service TP`},
		{"prefix not digits", []string{`prefix: "2"`, `prefix: "A"`}, "services[1].prefix", 16, "digits only"},
		{"prefix missing", []string{"    prefix: \"2\"\n", ""}, "services[1].prefix", 14, "prefix is required"},
		{"prefix unquoted with leading zero", []string{`prefix: "2"`, `prefix: 02`}, "services[1].prefix", 16, "quote it"},
		{"prefix numbers collide", []string{`prefix: "2"`, "prefix: \"10\"\n    digits: 2"}, "services[1].prefix", 16, "can coincide (e.g. 1001)"},
		{"digits too many", []string{"    prefix: \"2\"\n", "    prefix: \"2\"\n    digits: 6\n"}, "services[1].digits", 17, "1 to 5"},
		{"digits zero", []string{"    prefix: \"2\"\n", "    prefix: \"2\"\n    digits: 0\n"}, "services[1].digits", 17, "1 to 5"},
		{"daily cap negative", []string{"    prefix: \"2\"\n", "    prefix: \"2\"\n    daily_cap: -1\n"}, "services[1].daily_cap", 17, "0 means no cap"},
		{"target wait negative", []string{"    prefix: \"2\"\n", "    prefix: \"2\"\n    target_wait_minutes: -5\n"}, "services[1].target_wait_minutes", 17, "0 to 1440"},
		{"hours bad time", []string{`{ from: "08:00", to: "11:00" }`, `{ from: "08:00", to: "25:00" }`}, "services[1].hours[0].to", 18, "HH:MM"},
		{"hours empty span", []string{`{ from: "08:00", to: "11:00" }`, `{ from: "08:00", to: "08:00" }`}, "services[1].hours[0]", 18, "must be before end"},
		{"hours overlap", []string{`{ from: "08:00", to: "11:00" }`, "{ from: \"08:00\", to: \"11:00\" }\n      - { from: \"10:00\", to: \"12:00\" }"}, "services[1].hours[1]", 19, "overlaps"},
		{"no services", []string{"services:\n  - code: TP\n    name: Tư pháp\n    prefix: \"1\"\n  - code: DD\n    name: Đất đai\n    prefix: \"2\"\n    hours:\n      - { from: \"08:00\", to: \"11:00\" }\n", "services: []\n"}, "services", 10, "at least one service"},
		// counters
		{"counter number zero", []string{"  - number: 2", "  - number: 0"}, "counters[1].number", 22, "at least 1"},
		{"counter number duplicate", []string{"  - number: 2", "  - number: 1"}, "counters[1].number", 22, "already declared at counters[0]"},
		{"counter without services", []string{"    services: [DD]", "    services: []"}, "counters[1].services", 23, "at least one service"},
		{"counter service unknown", []string{"    services: [DD]", "    services: [DD, XX]"}, "counters[1].services[1]", 23, `no service with code "XX"`},
		{"counter service twice", []string{"[TP, DD]", "[TP, TP, DD]"}, "counters[0].services[1]", 21, "listed twice"},
		{"service served by no counter", []string{"[TP, DD]", "[TP]", "    services: [DD]", "    services: [TP]"}, "services[1].code", 14, `no counter serves service "DD"`},
		{"no counters", []string{"counters:\n  - number: 1\n    services: [TP, DD]\n  - number: 2\n    services: [DD]\n", "counters: []\n"}, "counters", 19, "at least one counter"},
		// procedures
		{"procedure code duplicate", []string{"    service: TP\nholidays:", "    service: TP\n  - code: \"1.001193\"\n    name: Khác\n    agency: UBND\n    processing_days: 1\n    documents: [Đơn]\nholidays:"}, "procedures[1].code", 31, "already used by procedures[0]"},
		{"procedure code malformed", []string{`"1.001193"`, `"1..001193"`}, "procedures[0].code", 25, "dot-separated"},
		{"procedure name missing", []string{"    name: Đăng ký khai sinh\n", ""}, "procedures[0].name", 25, "procedure name is required"},
		{"procedure agency missing", []string{"    agency: UBND cấp xã\n", ""}, "procedures[0].agency", 25, "competent agency"},
		{"processing days missing", []string{"    processing_days: 0\n", ""}, "procedures[0].processing_days", 25, "required"},
		{"processing days negative", []string{"processing_days: 0", "processing_days: -2"}, "procedures[0].processing_days", 28, "negative"},
		{"documents missing", []string{"    documents: [Tờ khai]\n", ""}, "procedures[0].documents", 25, "documents is needed"},
		{"processing time unreadable", []string{"processing_days: 0", "processing_time: \"nửa ngày\""}, "procedures[0].processing_time", 28, "0.5 ngày"},
		{"processing time quarter day", []string{"processing_days: 0", "processing_time: \"0.25 ngày\""}, "procedures[0].processing_time", 28, "not valid"},
		{"processing time and days disagree", []string{"processing_days: 0", "processing_days: 2\n    processing_time: \"3 ngày\""}, "procedures[0].processing_days", 28, "disagrees"},
		{"cutoff not HH:MM", []string{"processing_days: 0", "processing_days: 0\n    cutoff: \"3pm\""}, "procedures[0].cutoff", 29, "HH:MM"},
		{"extended days negative", []string{"processing_days: 0", "processing_days: 0\n    extended_days: -1"}, "procedures[0].extended_days", 29, "0 to 365"},
		{"document blank", []string{"[Tờ khai]", "[Tờ khai, \"\"]"}, "procedures[0].documents[1]", 29, "must not be empty"},
		{"procedure service unknown", []string{"    service: TP\nholidays:", "    service: XX\nholidays:"}, "procedures[0].service", 30, `no service with code "XX"`},
		// holidays and working days
		{"holiday impossible date", []string{`"2026-09-02"`, `"2026-02-30"`}, "holidays[0].date", 32, "YYYY-MM-DD"},
		{"holiday unpadded date", []string{`"2026-09-02"`, `"2026-9-2"`}, "holidays[0].date", 32, "YYYY-MM-DD"},
		{"holiday name missing", []string{", name: Quốc khánh }", " }"}, "holidays[0].name", 32, "needs a name"},
		{"holiday listed twice", []string{"  - { date: \"2026-09-02\", name: Quốc khánh }\n", "  - { date: \"2026-09-02\", name: Quốc khánh }\n  - { date: \"2026-09-02\", name: Lặp }\n"}, "holidays[1].date", 33, "already listed at holidays[0]"},
		{"date both off and worked", []string{`"2026-09-02"`, `"2026-01-10"`}, "working_days[0].date", 34, "both a holiday"},
		{"working day on a weekday", []string{`"2026-01-10"`, `"2026-01-09"`}, "working_days[0].date", 34, "Friday"},
		{"working day bad date", []string{`"2026-01-10"`, `"10/01/2026"`}, "working_days[0].date", 34, "YYYY-MM-DD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := parseFails(t, edit(t, tt.pairs...))
			assertProblem(t, e, tt.path, tt.line, tt.want)
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		text string
		path string
		line int
		want string
	}{
		{"unknown field in a service", edit(t, "    prefix: \"1\"\n", "    prefx: \"1\"\n"), "services[0].prefx", 13, `unknown field "prefx"`},
		{"unknown top-level field", validHall + "colour: red\n", "colour", 35, `unknown field "colour"`},
		{"unknown field in branch", edit(t, "  code: CN01\n", "  code: CN01\n  adress: Hà Nội\n"), "branch.adress", 3, `unknown field "adress"`},
		{"text where a number goes", edit(t, "  - number: 2", "  - number: two"), "counters[1].number", 22, "whole number"},
		{"mapping where a list goes", edit(t, "reception:\n  - { from: \"07:30\", to: \"11:30\" }\n  - { from: \"13:00\", to: \"17:00\" }\n", "reception: {from: \"07:30\"}\n"), "reception", 7, "expected a list"},
		// The parser notices the missing "]" at the next token, on line 24.
		{"unclosed flow list", edit(t, "    services: [DD]", "    services: [DD"), "$", 24, "YAML syntax error"},
		{"duplicate key", edit(t, "  code: CN01\n", "  code: CN01\n  code: CN02\n"), "$", 3, "already defined"},
		{"two documents", validHall + "---\nbranch: {}\n", "$", 35, "single YAML document"},
		{"tab indentation", edit(t, "    name: Tư pháp\n", "\tname: Tư pháp\n"), "$", 12, "YAML syntax error"},
		{"number too large", edit(t, "  - number: 2", "  - number: 99999999999999999999999"), "counters[1].number", 22, "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := parseFails(t, tt.text)
			assertProblem(t, e, tt.path, tt.line, tt.want)
		})
	}
}

func TestAllProblemsReportedTogether(t *testing.T) {
	text := edit(t,
		"  name: Chi nhánh thử", "  name: \"\"", // line 3
		"priority: strict", "priority: fifo", // line 6
		`prefix: "2"`, `prefix: "1"`, // line 16
		"  - number: 2", "  - number: 1", // line 22
		`"2026-09-02"`, `"2026-13-02"`, // line 32
	)
	e := parseFails(t, text)
	want := []struct {
		path string
		line int
	}{
		{"branch.name", 3}, {"policy.priority", 6}, {"services[1].prefix", 16},
		{"counters[1].number", 22}, {"holidays[0].date", 32},
	}
	for _, w := range want {
		assertProblem(t, e, w.path, w.line, "")
	}
	if got := len(e.Fields); got != len(want) {
		t.Errorf("got %d problems %v, want %d", got, e.Fields, len(want))
	}
	if !strings.Contains(e.Message, "5 lỗi") || !strings.Contains(e.Message, "5 problem(s)") {
		t.Errorf("message does not count 5 problems:\n%s", e.Message)
	}
	// Listed top to bottom, in file order.
	lines := regexp.MustCompile(`\(line (\d+)\)`).FindAllStringSubmatch(e.Message, -1)
	var order []string
	for _, m := range lines {
		order = append(order, m[1])
	}
	if got, want := strings.Join(order, ","), "3,6,16,22,32"; got != want {
		t.Errorf("problems listed at lines %s, want %s", got, want)
	}
}

func TestEmptyInput(t *testing.T) {
	for _, text := range []string{"", "# chỉ có chú thích\n", "{}\n"} {
		e := parseFails(t, text)
		assertProblem(t, e, "branch.code", 1, "required")
		assertProblem(t, e, "services", 1, "at least one service")
		assertProblem(t, e, "counters", 1, "at least one counter")
	}
}

func TestSample(t *testing.T) {
	h, err := Parse(SampleYAML())
	if err != nil {
		t.Fatalf("embedded sample.yaml does not parse: %v", err)
	}
	if got := Sample(); got.Branch != h.Branch || len(got.Services) != len(h.Services) {
		t.Errorf("Sample() differs from Parse(SampleYAML())")
	}
	if len(h.Services) < 2 {
		t.Errorf("sample has %d services, want at least 2", len(h.Services))
	}
	if len(h.Counters) < 3 {
		t.Errorf("sample has %d counters, want at least 3", len(h.Counters))
	}
	if n := len(h.Procedures); n < 8 || n > 12 {
		t.Errorf("sample has %d procedures, want 8 to 12", n)
	}
	if h.Policy.Priority != motcua.PolicyStrict {
		t.Errorf("sample policy = %q, want strict", h.Policy.Priority)
	}
	if got, want := h.Reception, []motcua.Session{{From: "07:30", To: "11:30"}, {From: "13:00", To: "17:00"}}; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("sample reception = %v, want %v", got, want)
	}
	// API.md: the sample hall takes tickets at any hour and has no cap.
	for _, s := range h.Services {
		if len(s.Hours) != 0 || s.DailyCap != 0 {
			t.Errorf("sample service %s has hours %v and cap %d, want none", s.Code, s.Hours, s.DailyCap)
		}
		if s.NameEn == "" {
			t.Errorf("sample service %s has no English name", s.Code)
		}
	}
	national := regexp.MustCompile(`^[1-3]\.\d{6}$`)
	for _, p := range h.Procedures {
		if !national.MatchString(p.Code) {
			t.Errorf("sample procedure code %q is not a national code like 1.001193", p.Code)
		}
		if p.ServiceCode == "" || p.Fee == "" || len(p.Documents) == 0 {
			t.Errorf("sample procedure %s lacks service, fee or documents: %+v", p.Code, p)
		}
	}
	years := map[string]int{}
	for _, d := range h.Holidays {
		years[d.Date[:4]]++
	}
	if years["2026"] < 11 || years["2027"] < 11 {
		t.Errorf("sample holidays per year = %v, want at least 11 (1/1, five days of Tết, Hùng Kings, 30/4, 1/5, 2/9 + 1) in 2026 and 2027", years)
	}
	mustHave := map[string]bool{"2026-01-01": true, "2026-02-17": true, "2026-04-27": true, "2026-08-31": true, "2026-09-02": true, "2027-02-06": true, "2027-04-16": true, "2027-09-02": true}
	for _, d := range h.Holidays {
		delete(mustHave, d.Date)
	}
	if len(mustHave) > 0 {
		t.Errorf("sample holidays lack %v", mustHave)
	}
	// Saturday 10/1 and, for the National Day swap of letter
	// 9859/VPCP-KGVX, Saturday 22/8 (Monday 31/8 off).
	if len(h.WorkingDays) != 2 || h.WorkingDays[0].Date != "2026-01-10" || h.WorkingDays[1].Date != "2026-08-22" {
		t.Errorf("sample working days = %v, want the Saturdays 2026-01-10 and 2026-08-22", h.WorkingDays)
	}
	// 2026 is announced; every 2027 date is an assumption until it is.
	for _, d := range append(h.Holidays, h.WorkingDays...) {
		if want := d.Date[:4] == "2027"; d.Assumed != want {
			t.Errorf("sample day %s: got assumed %v, want %v", d.Date, d.Assumed, want)
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "sanh.yaml")
	if err := os.WriteFile(good, []byte(validHall), 0o600); err != nil {
		t.Fatal(err)
	}
	h, err := Load(good)
	if err != nil {
		t.Fatalf("Load(valid): %v", err)
	}
	if h.Branch.Code != "CN01" {
		t.Errorf("branch code = %q, want CN01", h.Branch.Code)
	}

	bad := filepath.Join(dir, "hong.yaml")
	if err := os.WriteFile(bad, []byte(edit(t, "  - number: 2", "  - number: 1")), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Load(bad)
	var e *motcua.Error
	if !errors.As(err, &e) {
		t.Fatalf("Load(invalid) error = %v, want *motcua.Error", err)
	}
	if !strings.HasPrefix(e.Message, bad+": ") || !strings.Contains(e.Message, "counters[1].number (line 22)") {
		t.Errorf("Load(invalid) message = %q, want the file name and the problem", e.Message)
	}
	if e.Code != motcua.EValidation {
		t.Errorf("Load(invalid) code = %q, want %q", e.Code, motcua.EValidation)
	}

	missing := filepath.Join(dir, "khong-co.yaml")
	_, err = Load(missing)
	if err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("Load(missing) error = %v, want one naming %s", err, missing)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(SampleYAML())
	f.Add([]byte(validHall))
	f.Add([]byte(""))
	f.Add([]byte("services: [\n"))
	f.Add([]byte("branch: &b {code: X}\nother: *b\n"))
	f.Add([]byte(strings.Replace(validHall, "name:", "name: \"\\u202e\\0\"\n  x:", 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := Parse(data)
		if err == nil {
			if len(h.Services) == 0 || len(h.Counters) == 0 {
				t.Fatalf("accepted a hall without services or counters: %+v", h)
			}
			if err := motcua.CheckText(h, "yaml"); err != nil {
				t.Fatalf("accepted a hall with odd text: %v", err)
			}
			return
		}
		var e *motcua.Error
		if !errors.As(err, &e) || e.Code != motcua.EValidation {
			t.Fatalf("error = %#v, want a *motcua.Error with code %s", err, motcua.EValidation)
		}
		if len(e.Fields) == 0 {
			t.Fatalf("error without fields: %v", e)
		}
		for path, msg := range e.Fields {
			if !strings.HasPrefix(msg, "line ") {
				t.Fatalf("Fields[%q] = %q, want it to start with a line", path, msg)
			}
		}
	})
}

// The example in docs/hall-config.md must stay a valid description.
func TestDocsExampleParses(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "hall-config.md"))
	if err != nil {
		t.Fatalf("reading the format documentation: %v", err)
	}
	m := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatal("docs/hall-config.md has no ```yaml example")
	}
	if _, err := Parse(m[1]); err != nil {
		t.Errorf("the documented example does not parse: %v", err)
	}
}

// FuzzParseJSON feeds arbitrary bodies of PUT /api/v1/hall to the JSON
// reader: never a panic; an accepted hall has services, counters and no odd
// text; a refusal is a 4xx *motcua.Error naming fields.
func FuzzParseJSON(f *testing.F) {
	raw, err := yaml.YAMLToJSON(SampleYAML())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"branch":{"name":"A\u0000B"}}`))
	f.Add([]byte(`{"branch":{"name":"\u202eevil"},"services":[{"code":"A","name":"x","prefix":"1"}]}`))
	f.Add([]byte("{\"branch\":{\"name\":\"\xff\"}}"))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := ParseJSON(data)
		if err == nil {
			if len(h.Services) == 0 || len(h.Counters) == 0 {
				t.Fatalf("accepted a hall without services or counters: %+v", h)
			}
			if err := motcua.CheckText(h, "yaml"); err != nil {
				t.Fatalf("accepted a hall with odd text: %v", err)
			}
			return
		}
		var e *motcua.Error
		if !errors.As(err, &e) || (e.Code != motcua.EValidation && e.Code != motcua.EInvalid) {
			t.Fatalf("error = %#v, want a *motcua.Error (validation or invalid input)", err)
		}
	})
}
