package hall

import (
	"fmt"

	"github.com/motcua/motcua"
)

// The priority groups the law names (đối tượng ưu tiên): a hall that writes
// no priority_groups serves these ahead of the queue.
const (
	BasisElderly    = "Luật Người cao tuổi 2009 (người từ đủ 60 tuổi) / Law on the Elderly 2009 (aged 60 and over)"
	BasisDisability = "Luật Người khuyết tật 2010 / Law on Persons with Disabilities 2010"
	BasisPregnant   = "Phụ nữ mang thai: ưu tiên theo pháp luật / pregnant women: priority by law"
	BasisLocal      = "Quy định của địa phương / local rule"
)

// DefaultPriorityGroups are the legal groups, with their basis: what a hall
// serves first when its description lists no priority_groups. Other groups
// (people with meritorious service to the revolution, a person with a small
// child, ...) are local options the hall adds itself; the sample hall shows
// how.
func DefaultPriorityGroups() []motcua.PriorityGroup {
	return []motcua.PriorityGroup{
		{Code: "elderly", Name: "Người cao tuổi (từ 60 tuổi)", NameEn: "Older person (60 and over)", Basis: BasisElderly},
		{Code: "disability", Name: "Người khuyết tật", NameEn: "Person with a disability", Basis: BasisDisability},
		{Code: "pregnant", Name: "Phụ nữ mang thai", NameEn: "Pregnant woman", Basis: BasisPregnant},
	}
}

// checkPriorityGroups checks the groups and fills in the defaults: left out
// (nil) means the legal groups; an empty list means none.
func (v *validator) checkPriorityGroups(groups []motcua.PriorityGroup) []motcua.PriorityGroup {
	if groups == nil {
		return DefaultPriorityGroups()
	}
	seen := map[string]int{}
	for i, g := range groups {
		path := fmt.Sprintf("priority_groups[%d]", i)
		switch {
		case blank(g.Code):
			v.add(path+".code", "cần mã nhóm ưu tiên (ví dụ \"elderly\") / the group code is required (e.g. \"elderly\")")
		case !serviceCodePattern.MatchString(g.Code):
			v.add(path+".code", "mã nhóm %q chỉ gồm chữ không dấu, số, \"_\" và \"-\" / group code %q may hold only letters, digits, \"_\" and \"-\"", g.Code, g.Code)
		default:
			if j, dup := seen[g.Code]; dup {
				v.add(path+".code", "mã nhóm %q trùng với priority_groups[%d] / group code %q repeats priority_groups[%d]", g.Code, j, g.Code, j)
			}
			seen[g.Code] = i
		}
		if blank(g.Name) {
			v.add(path+".name", "cần tên nhóm như ki-ốt hiển thị (ví dụ \"Người cao tuổi (từ 60 tuổi)\") / the name the kiosk shows is required")
		}
	}
	return groups
}
