package admin_test

import (
	"database/sql"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/motcua/motcua/server/servertest"
	"github.com/motcua/motcua/store"
	"github.com/motcua/motcua/store/storetest"
)

type kioskGroup struct {
	Code  string `json:"code"`
	Vi    string `json:"vi"`
	En    string `json:"en"`
	Basis string `json:"basis"`
}

func kioskGroups(t *testing.T, env *servertest.Env) []kioskGroup {
	t.Helper()
	var out []kioskGroup
	if status := env.Do("GET", "/api/v1/priority-groups", "", nil, &out); status != http.StatusOK {
		t.Fatalf("GET /api/v1/priority-groups: %d", status)
	}
	return out
}

func codes(gs []kioskGroup) []string {
	out := []string{}
	for _, g := range gs {
		out = append(out, g.Code)
	}
	return out
}

// TestPriorityGroupsLive edits the hall's priority groups with PUT
// /api/v1/hall: the kiosk offers the new list at once, a ticket records a new
// group, a retired group is refused naming the field, a ticket issued before
// keeps its group, and the audit names each group.
func TestPriorityGroupsLive(t *testing.T) {
	eachDB(t, func(t *testing.T, env *servertest.Env) {
		got := kioskGroups(t, env)
		if want := []string{"elderly", "disability", "pregnant", "meritorious", "small_child"}; !reflect.DeepEqual(codes(got), want) {
			t.Fatalf("sample hall groups: got %v, want %v", codes(got), want)
		}
		if got[0].Vi != "Người cao tuổi (từ 60 tuổi)" || !strings.Contains(got[0].Basis, "Luật Người cao tuổi 2009") {
			t.Errorf("elderly group: got %+v, want the age in the name and the 2009 law as its basis", got[0])
		}

		var early struct {
			Token         string `json:"token"`
			PriorityGroup string `json:"priority_group"`
		}
		if status := env.Do("POST", "/api/v1/tickets", "", map[string]any{"service_id": 1, "priority_group": "small_child"}, &early); status != http.StatusCreated || early.PriorityGroup != "small_child" {
			t.Fatalf("ticket for small_child: got %d %+v", status, early)
		}

		d := getHall(t, env)
		groups := d.list("priority_groups")
		groups[0].(map[string]any)["name"] = "Người cao tuổi (từ 75 tuổi)"
		d["priority_groups"] = append(groups[:4], map[string]any{"code": "veteran", "name": "Cựu chiến binh", "name_en": "Veteran", "basis": "Quy định của thành phố"})
		if got, want := rows(mustPut(t, env, d, false)), []row{
			{"priority_group", "elderly", "change"}, {"priority_group", "veteran", "add"}, {"priority_group", "small_child", "retire"},
		}; !reflect.DeepEqual(got, want) {
			t.Errorf("changes: got %v, want %v", got, want)
		}
		after := kioskGroups(t, env)
		if want := []string{"elderly", "disability", "pregnant", "meritorious", "veteran"}; !reflect.DeepEqual(codes(after), want) {
			t.Errorf("kiosk groups after the change: got %v, want %v", codes(after), want)
		}
		if after[0].Vi != "Người cao tuổi (từ 75 tuổi)" {
			t.Errorf("elderly renamed: got %q", after[0].Vi)
		}

		var tk struct {
			Priority      bool   `json:"priority"`
			PriorityGroup string `json:"priority_group"`
		}
		if status := env.Do("POST", "/api/v1/tickets", "", map[string]any{"service_id": 1, "priority_group": "veteran"}, &tk); status != http.StatusCreated || tk.PriorityGroup != "veteran" || !tk.Priority {
			t.Errorf("ticket for the new group: got %d %+v, want 201, priority, veteran", status, tk)
		}
		status, raw := env.Raw("POST", "/api/v1/tickets", "", map[string]any{"service_id": 1, "priority_group": "small_child"})
		var e apiError
		json.Unmarshal(raw, &e)
		if status != http.StatusBadRequest || e.Error.Fields["priority_group"] == "" {
			t.Errorf("ticket for a retired group: got %d %s, want 400 naming priority_group", status, raw)
		}
		var track struct {
			Number string `json:"number"`
		}
		if status := env.Do("GET", "/api/v1/track/"+early.Token, "", nil, &track); status != http.StatusOK {
			t.Errorf("the ticket issued before the change: got %d", status)
		}

		var audit []change
		env.Do("GET", "/api/v1/hall/audit?limit=3", env.AdminToken, nil, &audit)
		if len(audit) != 3 || audit[0].Kind != "priority_group" {
			t.Errorf("audit: got %+v, want the three group changes", audit)
		}

		// No groups at all: the kiosk asks nothing.
		d = getHall(t, env)
		d["priority_groups"] = []any{}
		mustPut(t, env, d, false)
		if got := kioskGroups(t, env); len(got) != 0 {
			t.Errorf("groups after priority_groups: []: got %v, want none", codes(got))
		}
	})
}

func TestPriorityGroupsBadInput(t *testing.T) {
	env := servertest.New(t)
	before := getHall(t, env)
	edited := func(f func(d description)) description {
		d := getHall(t, env)
		f(d)
		return d
	}
	cases := []struct {
		name      string
		body      description
		wantField string
	}{
		{"duplicate code", edited(func(d description) { d.item("priority_groups", 1)["code"] = "elderly" }), "priority_groups[1].code"},
		{"no code", edited(func(d description) { d.item("priority_groups", 2)["code"] = "" }), "priority_groups[2].code"},
		{"code with a space", edited(func(d description) { d.item("priority_groups", 0)["code"] = "người già" }), "priority_groups[0].code"},
		{"no name", edited(func(d description) { d.item("priority_groups", 3)["name"] = " " }), "priority_groups[3].name"},
		{"unknown field", edited(func(d description) { d.item("priority_groups", 0)["min_age"] = 60 }), "priority_groups[0].min_age"},
		{"wrong type", edited(func(d description) { d["priority_groups"] = "elderly" }), "priority_groups"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, raw := put(t, env, c.body, false)
			var e apiError
			json.Unmarshal(raw, &e)
			if status != http.StatusUnprocessableEntity || e.Error.Fields[c.wantField] == "" {
				t.Errorf("got %d %s, want 422 naming %s", status, raw, c.wantField)
			}
		})
	}
	if after := getHall(t, env); !reflect.DeepEqual(after, before) {
		t.Errorf("a refused description left something applied")
	}
}

// TestNothingHalfApplied makes the database refuse a change half way through
// applying it (a trigger fails the insert of counter 99, after the new
// service was written): the answer is an error, and the hall, the screens'
// services, the audit and the event log are as before. Once the database
// accepts it again, the same description applies whole.
func TestNothingHalfApplied(t *testing.T) {
	for _, dia := range storetest.Dialects() {
		t.Run(dia.Name, func(t *testing.T) {
			dsn := dia.DSN(t)
			env := servertest.New(t, servertest.WithDSN(dsn))
			driver, create, drop := "sqlite3", []string{
				`CREATE TRIGGER fail_counter_99 BEFORE INSERT ON counters WHEN NEW.number = 99
				 BEGIN SELECT RAISE(ABORT, 'test: the database fails half way'); END`,
			}, `DROP TRIGGER fail_counter_99`
			if dia.Name == store.Postgres {
				driver, create, drop = "pgx", []string{
					`CREATE FUNCTION fail_counter_99() RETURNS trigger AS $$ BEGIN
					   IF NEW.number = 99 THEN RAISE EXCEPTION 'test: the database fails half way'; END IF;
					   RETURN NEW; END $$ LANGUAGE plpgsql`,
					`CREATE TRIGGER fail_counter_99 BEFORE INSERT ON counters FOR EACH ROW EXECUTE FUNCTION fail_counter_99()`,
				}, `DROP TRIGGER fail_counter_99 ON counters`
			} else {
				dsn = "file:" + dsn + "?_busy_timeout=10000"
			}
			db, err := sql.Open(driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for _, q := range create {
				if _, err := db.Exec(q); err != nil {
					t.Fatalf("create the failing trigger: %v", err)
				}
			}

			before, servicesBefore, auditBefore, seq := getHall(t, env), services(t, env), auditCount(t, env), lastSeq(t, env)
			d := getHall(t, env)
			d["services"] = append(d.list("services"), map[string]any{"code": "MOI", "name": "Dịch vụ mới", "prefix": "9"})
			d["counters"] = append(d.list("counters"), map[string]any{"number": 99, "name": "Quầy 99", "services": []any{"MOI"}})
			status, raw := put(t, env, d, false)
			if status < 500 {
				t.Fatalf("PUT failing half way: got %d %s, want a server error", status, raw)
			}
			if after := getHall(t, env); !reflect.DeepEqual(after, before) {
				t.Errorf("the hall after a change that failed half way differs from before")
			}
			if got := services(t, env); !reflect.DeepEqual(got, servicesBefore) {
				t.Errorf("kiosk services after the failure: got %+v, want %+v", got, servicesBefore)
			}
			if got := auditCount(t, env); got != auditBefore {
				t.Errorf("audit entries: got %d, want %d", got, auditBefore)
			}
			if got := lastSeq(t, env); got != seq {
				t.Errorf("last event seq: got %d, want %d (nothing announced)", got, seq)
			}

			if _, err := db.Exec(drop); err != nil {
				t.Fatal(err)
			}
			if got := rows(mustPut(t, env, d, false)); !reflect.DeepEqual(got, []row{{"service", "MOI", "add"}, {"counter", "99", "add"}}) {
				t.Errorf("the same change once the database accepts it: got %v", got)
			}
			if _, ok := serviceByCode(t, env, "MOI"); !ok {
				t.Errorf("MOI is not offered after the change applied")
			}
		})
	}
}

// TestImportBadInput: a catalogue that cannot be used is a 4xx naming the
// row and field (or the column), and the import never changes the hall.
func TestImportBadInput(t *testing.T) {
	env := servertest.New(t)
	_, staff := env.AddUser("canbo", "Cán bộ", "staff")
	before, seq := getHall(t, env), lastSeq(t, env)
	const header = "code,name,agency,processing_days,documents,service\n"
	cases := []struct {
		name, format, token, body string
		wantStatus                int
		wantField                 string
	}{
		{"days not a number", "csv", "", header + "2.1,Thủ tục,UBND,ba,Tờ khai,TP\n", 422, "procedures[0].processing_days"},
		{"no name", "csv", "", header + "2.1,,UBND,3,Tờ khai,TP\n", 422, "procedures[0].name"},
		{"duplicate code", "csv", "", header + "2.1,Một,UBND,3,Tờ khai,TP\n2.1,Hai,UBND,3,Tờ khai,TP\n", 422, "procedures[1].code"},
		{"unknown column", "csv", "", "code,name,agency,processing_days,documents,hạn\n", 422, "columns[5]"},
		{"a missing column", "csv", "", "code,name\n", 422, "columns"},
		{"empty file", "csv", "", "", 422, "$"},
		{"not UTF-8", "csv", "", header + "2.1,Th\xf4i,UBND,3,Tờ khai,TP\n", 422, "$"},
		{"YAML unknown field", "yaml", "", "- code: \"2.1\"\n  name: Thủ tục\n  agency: UBND\n  processing_days: 3\n  documents: [Tờ khai]\n  han: 3\n", 422, "procedures[0].han"},
		{"YAML wrong type", "yaml", "", "- code: \"2.1\"\n  name: Thủ tục\n  agency: UBND\n  processing_days: ba\n  documents: [Tờ khai]\n", 422, "procedures[0].processing_days"},
		{"YAML no procedures", "yaml", "", "procedures: []\n", 422, "procedures"},
		{"unknown format", "xlsx", "", header, 400, ""},
		{"staff may not", "csv", staff, header + "2.1,Thủ tục,UBND,3,Tờ khai,TP\n", 403, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			token := env.AdminToken
			if c.token != "" {
				token = c.token
			}
			status, raw := env.Raw("POST", "/api/v1/hall/procedures/import?format="+c.format, token, c.body)
			if status != c.wantStatus {
				t.Fatalf("got %d %s, want %d", status, raw, c.wantStatus)
			}
			var e apiError
			if err := json.Unmarshal(raw, &e); err != nil || e.Error.Message == "" {
				t.Fatalf("error body: %s", raw)
			}
			if c.wantField != "" && e.Error.Fields[c.wantField] == "" {
				t.Errorf("got fields %v, want one for %s", e.Error.Fields, c.wantField)
			}
		})
	}
	if after := getHall(t, env); !reflect.DeepEqual(after, before) || lastSeq(t, env) != seq {
		t.Errorf("an import changed the hall; it must only read the file")
	}
}

// TestGetThenPutChangesNothing: what GET /api/v1/hall answers, sent back as
// it is, changes nothing — every field the hall stores is in the answer, so
// a client that edits the answer in place (the /admin page) keeps the fields
// it does not show. A service's target wait (issue 15) was once left out of
// the answer, and every save from the page reset it to 0.
func TestGetThenPutChangesNothing(t *testing.T) {
	eachDB(t, func(t *testing.T, env *servertest.Env) {
		d := getHall(t, env)
		d.item("services", 0)["target_wait_minutes"] = 25
		got := mustPut(t, env, d, false)
		if len(got) != 1 || got[0].Key != "TP" || !reflect.DeepEqual(got[0].Fields, []string{"target_wait_minutes"}) {
			t.Fatalf("set a target wait: got %+v, want service TP changed in target_wait_minutes", got)
		}
		d = getHall(t, env)
		if v := d.item("services", 0)["target_wait_minutes"]; v != float64(25) {
			t.Errorf("GET after the change: target_wait_minutes %v, want 25", v)
		}
		if got := mustPut(t, env, d, true); len(got) != 0 {
			t.Errorf("the GET answer sent back: got changes %v, want none", rows(got))
		}
	})
}

// TestHallStoredBeforePriorityGroups: a hall loaded before priority groups
// could be configured has none stored; it keeps the five groups every hall
// served then (the sample's), and sending its description back changes
// nothing.
func TestHallStoredBeforePriorityGroups(t *testing.T) {
	dsn := storetest.SQLiteDSN(t)
	env := servertest.New(t, servertest.WithDSN(dsn))
	db, err := sql.Open("sqlite3", "file:"+dsn+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`DELETE FROM settings WHERE key = 'priority_groups'`); err != nil {
		t.Fatal(err)
	}
	d := getHall(t, env)
	var got []string
	for _, g := range d.list("priority_groups") {
		got = append(got, g.(map[string]any)["code"].(string))
	}
	if want := []string{"elderly", "disability", "pregnant", "meritorious", "small_child"}; !reflect.DeepEqual(got, want) {
		t.Errorf("groups of a hall stored before they were configurable: got %v, want %v", got, want)
	}
	if changes := mustPut(t, env, d, true); len(changes) != 0 {
		t.Errorf("its description sent back: got changes %v, want none", rows(changes))
	}
}
