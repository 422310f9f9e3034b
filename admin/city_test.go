package admin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/server/servertest"
)

// cityClash is a "city_clashes" entry of PUT /api/v1/hall.
type cityClash struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	CityName string `json:"city_name"`
	New      bool   `json:"new"`
}

type hallAnswer struct {
	Changes     []change    `json:"changes"`
	DryRun      bool        `json:"dry_run"`
	CityClashes []cityClash `json:"city_clashes"`
	CityVersion *int64      `json:"city_version"`
}

func putHall(t *testing.T, env *servertest.Env, d any, dryRun bool) hallAnswer {
	t.Helper()
	status, raw := put(t, env, d, dryRun)
	if status != http.StatusOK {
		t.Fatalf("PUT /api/v1/hall (dry run %v): got status %d, want 200: %s", dryRun, status, raw)
	}
	var out hallAnswer
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	if out.CityClashes == nil || out.CityVersion == nil {
		t.Fatalf("PUT /api/v1/hall: no city_clashes or city_version in %s", raw)
	}
	return out
}

// The sample hall's own procedures that the test city's catalogue also has.
const (
	sampleMarriage = "1.004873" // Cấp Giấy xác nhận tình trạng hôn nhân
	cityOnlyCode   = "9.000001"
	cityTakenCode  = "9.000002" // a city procedure the hall takes over
)

// applyCity applies a city catalogue at the hall, as the link to the
// registry does when a new revision is published.
func applyCity(t *testing.T, env *servertest.Env, revision uint64, version int64, procs ...motcua.Procedure) {
	t.Helper()
	cat := motcua.CityCatalogue{Revision: revision, Version: version, PublishedAt: env.Clock.Now(), Source: "api:admin", Procedures: procs}
	if err := env.Server.Hub.SetCityProcedures(context.Background(), cat); err != nil {
		t.Fatalf("apply the city's catalogue: %v", err)
	}
}

// cityProc is a procedure of the test city's catalogue: days working days,
// or, with a time in words ("4 giờ"), that.
func cityProc(code, name string, days int, time string) motcua.Procedure {
	return motcua.Procedure{Code: code, Name: name, Field: "Hộ tịch", Agency: "Ủy ban nhân dân cấp xã",
		ProcessingDays: days, ProcessingTime: time, Documents: []string{"Tờ khai (theo mẫu)"}, ServiceCode: "TP"}
}

func theCity() []motcua.Procedure {
	return []motcua.Procedure{
		cityProc(sampleMarriage, "Xác nhận tình trạng hôn nhân (danh mục thành phố)", 5, ""),
		cityProc(cityOnlyCode, "Đăng ký giám hộ", 3, ""),
		cityProc(cityTakenCode, "Đăng ký nhận cha, mẹ, con", 0, "4 giờ"),
	}
}

// offeredName is the name under which the counter offers the procedure of
// that code (GET /api/v1/procedures).
func offeredName(t *testing.T, env *servertest.Env, code string) string {
	t.Helper()
	var ps []struct {
		Code string `json:"code"`
		Name string `json:"name"`
	}
	if status := env.Do("GET", "/api/v1/procedures", env.AdminToken, nil, &ps); status != http.StatusOK {
		t.Fatalf("GET /api/v1/procedures: %d", status)
	}
	for _, p := range ps {
		if p.Code == code {
			return p.Name
		}
	}
	t.Fatalf("procedure %s not offered", code)
	return ""
}

// TestDryRunListsCityClashes: the dry run of PUT /api/v1/hall lists the
// procedures the description adds or keeps as the hall's own whose codes the
// city's catalogue also has, new or already there, and applies nothing;
// a hall without a catalogue lists none.
func TestDryRunListsCityClashes(t *testing.T) {
	env := servertest.New(t)
	d := getHall(t, env)

	// No catalogue yet: none, version 0.
	ans := putHall(t, env, d, true)
	if len(ans.CityClashes) != 0 || *ans.CityVersion != 0 || len(ans.Changes) != 0 {
		t.Errorf("no city catalogue: got %+v, want no changes, no clashes, version 0", ans)
	}

	applyCity(t, env, 7, 3, theCity()...)

	// The description as it runs keeps one clash.
	ans = putHall(t, env, d, true)
	want := []cityClash{{Code: sampleMarriage, Name: "Thủ tục cấp Giấy xác nhận tình trạng hôn nhân",
		CityName: "Xác nhận tình trạng hôn nhân (danh mục thành phố)", New: false}}
	if !ans.DryRun || len(ans.Changes) != 0 || *ans.CityVersion != 3 || !slices.Equal(ans.CityClashes, want) {
		t.Errorf("unchanged description: got %+v, want no changes, city version 3, clashes %+v", ans, want)
	}

	// Adding the city's 9.000002 as the hall's own is a new clash.
	before := auditCount(t, env)
	seq := lastSeq(t, env)
	d["procedures"] = append(d.list("procedures"), map[string]any{"code": cityTakenCode, "name": "Nhận cha, mẹ, con (của sảnh)",
		"field": "Hộ tịch", "agency": "Ủy ban nhân dân cấp xã", "processing_days": 2, "documents": []any{"Tờ khai"}, "service": "TP"})
	ans = putHall(t, env, d, true)
	want = append(want, cityClash{Code: cityTakenCode, Name: "Nhận cha, mẹ, con (của sảnh)", CityName: "Đăng ký nhận cha, mẹ, con", New: true})
	if !slices.Equal(ans.CityClashes, want) {
		t.Errorf("dry run adding %s: clashes got %+v, want %+v", cityTakenCode, ans.CityClashes, want)
	}
	if got := rows(ans.Changes); !slices.Equal(got, []row{{motcua.KindProcedure, cityTakenCode, motcua.ChangeAdd}}) {
		t.Errorf("dry run adding %s: changes got %v", cityTakenCode, got)
	}
	// A dry run: nothing written, the city's procedure still the counter's.
	if n := auditCount(t, env); n != before {
		t.Errorf("dry run: audit entries %d → %d", before, n)
	}
	if s := lastSeq(t, env); s != seq {
		t.Errorf("dry run: events moved from %d to %d", seq, s)
	}
	if name := offeredName(t, env, cityTakenCode); name != "Đăng ký nhận cha, mẹ, con" {
		t.Errorf("after the dry run the counter offers %s as %q, want the city's", cityTakenCode, name)
	}

	// Applied, the answer lists the same; then the clash is the hall's
	// and a dry run of the same description calls it kept, not new.
	ans = putHall(t, env, d, false)
	if !slices.Equal(ans.CityClashes, want) || ans.DryRun {
		t.Errorf("applied: clashes got %+v, want %+v", ans.CityClashes, want)
	}
	ans = putHall(t, env, getHall(t, env), true)
	want[1].New = false
	if len(ans.Changes) != 0 || !slices.Equal(ans.CityClashes, want) {
		t.Errorf("dry run after the change: got %+v, want no changes and clashes %+v", ans, want)
	}

	// Dropping the hall's own 1.004873: no clash on it any more.
	d = getHall(t, env)
	d["procedures"] = d.without("procedures", "code", sampleMarriage)
	ans = putHall(t, env, d, true)
	if !slices.Equal(ans.CityClashes, want[1:]) {
		t.Errorf("dry run dropping %s: clashes got %+v, want %+v", sampleMarriage, ans.CityClashes, want[1:])
	}
}

type cityView struct {
	Version     int64   `json:"version"`
	Revision    uint64  `json:"revision"`
	PublishedAt *string `json:"published_at"`
	Joined      *bool   `json:"joined"`
	Procedures  []struct {
		Code           string `json:"code"`
		Name           string `json:"name"`
		ProcessingDays int    `json:"processing_days"`
		ProcessingTime string `json:"processing_time"`
	} `json:"procedures"`
	Clashes []string `json:"clashes"`
}

// TestCityProceduresEndpoint: GET /api/v1/city/procedures, the /admin
// page's city tab, answers the admin only, at a hall not joined too: nothing
// before a catalogue, then the catalogue as applied (version, revision,
// when, each procedure's name and processing time) and the clashes.
func TestCityProceduresEndpoint(t *testing.T) {
	env := servertest.New(t)
	_, staffToken := env.AddUser("lan", "Trần Thị Lan", "staff")
	_, supToken := env.AddUser("minh", "Lê Văn Minh", "supervisor")
	for _, c := range []struct {
		who, token string
		want       int
	}{{"nobody", "", http.StatusUnauthorized}, {"staff", staffToken, http.StatusForbidden}, {"supervisor", supToken, http.StatusForbidden}} {
		if status, raw := env.Raw("GET", "/api/v1/city/procedures", c.token, nil); status != c.want {
			t.Errorf("GET /api/v1/city/procedures as %s: got %d %s, want %d", c.who, status, raw, c.want)
		}
	}

	get := func() cityView {
		t.Helper()
		var v cityView
		status, raw := env.Raw("GET", "/api/v1/city/procedures", env.AdminToken, nil)
		if status != http.StatusOK {
			t.Fatalf("GET /api/v1/city/procedures: got %d %s, want 200", status, raw)
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatal(err)
		}
		if v.Procedures == nil || v.Clashes == nil || v.Joined == nil {
			t.Fatalf("GET /api/v1/city/procedures: null lists or no joined in %s", raw)
		}
		return v
	}
	v := get()
	if v.Version != 0 || v.PublishedAt != nil || len(v.Procedures) != 0 || len(v.Clashes) != 0 || *v.Joined {
		t.Errorf("before any catalogue: got %+v, want version 0, nothing, not joined", v)
	}

	env.Clock.Advance(30 * time.Minute)
	applyCity(t, env, 7, 3, theCity()...)
	v = get()
	if v.Version != 3 || v.Revision != 7 || v.PublishedAt == nil || *v.PublishedAt != "2026-11-27T09:30:00+07:00" {
		t.Errorf("after version 3: got version %d revision %d published %v, want 3, 7, 2026-11-27T09:30:00+07:00", v.Version, v.Revision, v.PublishedAt)
	}
	type proc struct {
		code, name string
		days       int
		time       string
	}
	var got []proc
	for _, p := range v.Procedures {
		got = append(got, proc{p.Code, p.Name, p.ProcessingDays, p.ProcessingTime})
	}
	want := []proc{{sampleMarriage, "Xác nhận tình trạng hôn nhân (danh mục thành phố)", 5, ""}, {cityOnlyCode, "Đăng ký giám hộ", 3, ""},
		{cityTakenCode, "Đăng ký nhận cha, mẹ, con", 0, "4 giờ"}}
	if !slices.Equal(got, want) {
		t.Errorf("procedures: got %+v, want %+v", got, want)
	}
	if !slices.Equal(v.Clashes, []string{sampleMarriage}) {
		t.Errorf("clashes: got %v, want [%s]", v.Clashes, sampleMarriage)
	}
}
