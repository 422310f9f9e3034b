package hall

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"

	"github.com/motcua/motcua"
)

// Diff lists what applying next to a hall that runs cur changes, entity by
// entity: services and procedures matched by code, counters by number,
// holidays and working days by date, and each section (branch, policy,
// reception, privacy, dossiers) as one entity. An entity of cur that next
// leaves out is retired. Both halls are as Parse returns them (defaults
// filled in). The list follows the description's order: sections, services,
// counters, procedures, holidays, working days, priority groups; within a kind, next's order,
// then the retired ones in cur's order.
func Diff(cur, next motcua.Hall) []motcua.HallChange {
	a, b := document(cur), document(next)
	var out []motcua.HallChange
	section := func(kind string, before, after any) {
		if c, ok := compare(kind, kind, before, after); ok {
			out = append(out, c)
		}
	}
	section(motcua.KindBranch, a.Branch, b.Branch)
	section(motcua.KindPolicy, a.Policy, b.Policy)
	section(motcua.KindReception, a.Reception, b.Reception)
	section(motcua.KindPrivacy, a.Privacy, b.Privacy)
	section(motcua.KindDossiers, a.Dossiers, b.Dossiers)
	section(motcua.KindBooking, a.Booking, b.Booking)
	out = append(out, diffList(motcua.KindService, a.Services, b.Services, func(s serviceSpec) string { return s.Code })...)
	out = append(out, diffList(motcua.KindCounter, a.Counters, b.Counters, func(c motcua.CounterSpec) string { return strconv.Itoa(c.Number) })...)
	out = append(out, diffList(motcua.KindProcedure, a.Procedures, b.Procedures, func(p procedureSpec) string { return p.Code })...)
	out = append(out, diffList(motcua.KindHoliday, a.Holidays, b.Holidays, func(d motcua.Holiday) string { return d.Date })...)
	out = append(out, diffList(motcua.KindWorkingDay, a.WorkingDays, b.WorkingDays, func(d motcua.Holiday) string { return d.Date })...)
	out = append(out, diffList(motcua.KindPriorityGroup, a.PriorityGroups, b.PriorityGroups, func(g motcua.PriorityGroup) string { return g.Code })...)
	return out
}

// diffList matches two lists of one kind of entity by key.
func diffList[T any](kind string, cur, next []T, key func(T) string) []motcua.HallChange {
	old := make(map[string]T, len(cur))
	for _, e := range cur {
		old[key(e)] = e
	}
	var out []motcua.HallChange
	kept := map[string]bool{}
	for _, e := range next {
		k := key(e)
		kept[k] = true
		before, existed := old[k]
		if !existed {
			out = append(out, motcua.HallChange{Kind: kind, Key: k, Action: motcua.ChangeAdd, After: marshal(e)})
			continue
		}
		if c, ok := compare(kind, k, before, e); ok {
			out = append(out, c)
		}
	}
	for _, e := range cur {
		if k := key(e); !kept[k] {
			out = append(out, motcua.HallChange{Kind: kind, Key: k, Action: motcua.ChangeRetire, Before: marshal(e)})
		}
	}
	return out
}

// compare says whether an entity changed, and which of its fields.
func compare(kind, key string, before, after any) (motcua.HallChange, bool) {
	b, a := marshal(before), marshal(after)
	if bytes.Equal(a, b) {
		return motcua.HallChange{}, false
	}
	c := motcua.HallChange{Kind: kind, Key: key, Action: motcua.ChangeChange, Before: b, After: a}
	var bm, am map[string]any
	if json.Unmarshal(b, &bm) == nil && json.Unmarshal(a, &am) == nil {
		for name := range am {
			if !reflect.DeepEqual(am[name], bm[name]) {
				c.Fields = append(c.Fields, name)
			}
		}
		for name := range bm { // a field left out now (omitempty: "assumed")
			if _, ok := am[name]; !ok {
				c.Fields = append(c.Fields, name)
			}
		}
		slices.Sort(c.Fields)
	}
	return c, true
}

func marshal(v any) json.RawMessage {
	raw, err := json.Marshal(v)
	if err != nil {
		panic("hall: marshal a description: " + err.Error()) // plain structs of strings and ints
	}
	return raw
}

// DiffProcedures lists what changes from the procedures cur to next, matched
// by code, as Diff lists a description's (the city's catalogue at a hall,
// issue 14).
func DiffProcedures(cur, next []motcua.Procedure) []motcua.HallChange {
	a, b := make([]procedureSpec, len(cur)), make([]procedureSpec, len(next))
	for i, p := range cur {
		a[i] = procedureDoc(p)
	}
	for i, p := range next {
		b[i] = procedureDoc(p)
	}
	return diffList(motcua.KindProcedure, a, b, func(p procedureSpec) string { return p.Code })
}

// ProcedureDoc is p as the description writes it (JSON), for an audit entry.
func ProcedureDoc(p motcua.Procedure) json.RawMessage { return marshal(procedureDoc(p)) }
