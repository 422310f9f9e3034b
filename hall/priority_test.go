package hall

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/motcua/motcua"
)

func TestPriorityGroupsDefaultsAndNone(t *testing.T) {
	h, err := Parse([]byte(validHall))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := h.PriorityGroups, DefaultPriorityGroups(); !reflect.DeepEqual(got, want) {
		t.Errorf("priority groups left out: got %+v, want the legal ones %+v", got, want)
	}
	var legal []string
	for _, g := range DefaultPriorityGroups() {
		legal = append(legal, g.Code)
		if g.Basis == "" || g.Name == "" || g.NameEn == "" {
			t.Errorf("default group %s: got %+v, want a name in both languages and a basis", g.Code, g)
		}
	}
	if want := []string{"elderly", "disability", "pregnant"}; !reflect.DeepEqual(legal, want) {
		t.Errorf("legal groups: got %v, want %v", legal, want)
	}
	if !strings.Contains(DefaultPriorityGroups()[0].Name, "60") {
		t.Errorf("the elderly group's name does not say the age: %q", DefaultPriorityGroups()[0].Name)
	}

	h, err = Parse([]byte(validHall + "priority_groups: []\n"))
	if err != nil {
		t.Fatal(err)
	}
	if h.PriorityGroups == nil || len(h.PriorityGroups) != 0 {
		t.Errorf("priority_groups: []: got %#v, want none (not the defaults)", h.PriorityGroups)
	}

	h, err = Parse([]byte(validHall + "priority_groups:\n  - { code: veteran, name: Cựu chiến binh, basis: Quy định của thành phố }\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []motcua.PriorityGroup{{Code: "veteran", Name: "Cựu chiến binh", Basis: "Quy định của thành phố"}}; !reflect.DeepEqual(h.PriorityGroups, want) {
		t.Errorf("one local group: got %+v, want %+v", h.PriorityGroups, want)
	}

	// The JSON a GET answers lists them, and reads back the same.
	raw, err := JSON(h)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseJSON(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.PriorityGroups, h.PriorityGroups) {
		t.Errorf("JSON round trip: got %+v, want %+v", back.PriorityGroups, h.PriorityGroups)
	}
}

func TestPriorityGroupProblemsNameFieldAndLine(t *testing.T) {
	const groups = `priority_groups:
  - code: elderly
    name: Người cao tuổi (từ 60 tuổi)
  - code: elderly
    name: Người cao tuổi
  - code: "người già"
    name: x
  - code: pregnant
    name: ""
  - code: x
    name: y
    min_age: 60
`
	first := strings.Count(validHall, "\n") + 1 // the line "priority_groups:" lands on
	cases := []struct {
		name, text, path string
		line             int
	}{
		{"duplicate code", groups[:strings.Index(groups, "  - code: \"người")], "priority_groups[1].code", first + 3},
		{"bad code", groups[:strings.Index(groups, "  - code: pregnant")], "priority_groups[2].code", first + 5},
		{"blank name", groups[:strings.Index(groups, "  - code: x")], "priority_groups[3].name", first + 8},
		{"unknown field", groups, "priority_groups[4].min_age", first + 11},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(validHall + c.text))
			var e *motcua.Error
			if !errors.As(err, &e) || e.Code != motcua.EValidation {
				t.Fatalf("got %v, want a validation error", err)
			}
			msg, ok := e.Fields[c.path]
			if !ok {
				t.Fatalf("got fields %v, want %s", e.Fields, c.path)
			}
			if want := "line " + strconv.Itoa(c.line) + ":"; !strings.HasPrefix(msg, want) {
				t.Errorf("%s: got %q, want it to start with %q", c.path, msg, want)
			}
		})
	}
}
