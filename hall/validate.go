package hall

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/motcua/motcua"
)

// Defaults for fields an operator may leave out.
const (
	DefaultTimeZone    = "Asia/Ho_Chi_Minh"
	DefaultPriority    = motcua.PolicyStrict
	DefaultInterleaveN = 3
	// DefaultNoShowMinCalls is 2 because a citizen may not hear the first
	// call (the hall is noisy, they stepped out, the voice was unclear):
	// marking them absent after one call would cost them their turn.
	DefaultNoShowMinCalls = 2
	// DefaultReactivateMinutes: a citizen who missed the call (in the toilet,
	// outside with a child) gets half an hour to come back to their place.
	DefaultReactivateMinutes = 30
	DefaultDigits            = 3
	MaxDigits                = 5
)

var (
	// procedureCodePattern: national codes such as "1.001193"; local
	// catalogues append more groups.
	procedureCodePattern = regexp.MustCompile(`^[0-9A-Za-z]+(\.[0-9A-Za-z]+)*$`)
	// serviceCodePattern keeps service codes easy to type in counters[].services
	// and safe in URLs and reports.
	serviceCodePattern = regexp.MustCompile(`^[0-9A-Za-z_-]+$`)
	digitsPattern      = regexp.MustCompile(`^[0-9]+$`)
	clockPattern       = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
)

// validator collects every problem of a description instead of stopping at
// the first, so an operator fixes the whole file in one pass.
type validator struct {
	pos      *positions
	problems []problem
	// anyService skips checking that procedures name a known service: an
	// imported catalogue is checked against the hall when it is applied.
	anyService bool
}

func (v *validator) add(path, format string, args ...any) {
	v.problems = append(v.problems, problem{path: path, line: v.pos.line(path), msg: fmt.Sprintf(format, args...)})
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }

// check validates d and returns the hall with defaults filled in.
func (v *validator) check(d *description) motcua.Hall {
	h := motcua.Hall{
		Branch:      d.Branch,
		Reception:   d.Reception,
		Holidays:    d.Holidays,
		WorkingDays: d.WorkingDays,
		Privacy:     d.Privacy,
		Dossiers:    d.Dossiers,
	}
	if d.Dossiers.AtRiskDays < 0 {
		v.add("dossiers.at_risk_days", "at_risk_days không được âm / at_risk_days must not be negative")
	}
	if d.Privacy.DossierRetentionDays < 0 {
		v.add("privacy.dossier_retention_days", "dossier_retention_days không được âm / dossier_retention_days must not be negative")
	}
	// Odd bytes (NUL, controls, bidirectional overrides) anywhere in the
	// description, before anything reaches the database.
	var odd *motcua.Error
	if errors.As(motcua.CheckText(d, "yaml"), &odd) {
		paths := make([]string, 0, len(odd.Fields))
		for p := range odd.Fields {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		for _, p := range paths {
			v.add(p, "%s", odd.Fields[p])
		}
	}
	v.checkBranch(&h.Branch)
	h.Policy = v.checkPolicy(d.Policy)
	v.checkSessions("reception", d.Reception)
	h.Services = v.checkServices(d.Services)
	h.Counters = v.checkCounters(d.Counters, h.Services)
	h.Procedures = v.checkProcedures(d.Procedures, h.Services)
	v.checkDays(d.Holidays, d.WorkingDays)
	h.PriorityGroups = v.checkPriorityGroups(d.PriorityGroups)
	h.Booking = v.checkBooking(d.Booking, h.Services)
	return h
}

func (v *validator) checkBranch(b *motcua.Branch) {
	if blank(b.Code) {
		v.add("branch.code", "cần mã chi nhánh / the branch code is required")
	}
	if blank(b.Name) {
		v.add("branch.name", "cần tên chi nhánh / the branch name is required")
	}
	switch {
	case blank(b.UnitCode):
		v.add("branch.unit_code", "cần mã định danh đơn vị (ví dụ \"000.00.01.H26\") / the unit code is required (e.g. \"000.00.01.H26\")")
	case !motcua.ValidUnitCode(b.UnitCode):
		v.add("branch.unit_code", "mã định danh %q không hợp lệ: %s", b.UnitCode, motcua.UnitCodeRule)
	}
	// The forms' place and the guidance phone (Mẫu 02) are printed as typed.
	if n := utf8.RuneCountInString(b.Place); n > 100 {
		v.add("branch.place", "địa danh tối đa 100 ký tự / the place has at most 100 characters")
	}
	if n := utf8.RuneCountInString(b.Phone); n > 40 {
		v.add("branch.phone", "số điện thoại tối đa 40 ký tự / the phone has at most 40 characters")
	}
	if b.TimeZone == "" {
		b.TimeZone = DefaultTimeZone
	}
	// "Local" would follow whatever the server is set to; a hall's clock must
	// not change when the hub moves to another machine.
	if _, err := time.LoadLocation(b.TimeZone); err != nil || b.TimeZone == "Local" {
		v.add("branch.time_zone", "múi giờ %q không hợp lệ (dùng tên IANA như \"Asia/Ho_Chi_Minh\") / unknown time zone %q (use an IANA name such as \"Asia/Ho_Chi_Minh\")", b.TimeZone, b.TimeZone)
	}
}

func (v *validator) checkPolicy(p policySpec) motcua.QueuePolicy {
	q := motcua.QueuePolicy{Priority: p.Priority, InterleaveN: DefaultInterleaveN, NoShowMinCalls: DefaultNoShowMinCalls,
		ReactivateMinutes: DefaultReactivateMinutes}
	if q.Priority == "" {
		q.Priority = DefaultPriority
	}
	switch q.Priority {
	case motcua.PolicyStrict, motcua.PolicyInterleave, motcua.PolicyNone:
	default:
		v.add("policy.priority", "chính sách ưu tiên %q không hợp lệ, chọn strict, interleave hoặc none / priority policy %q is unknown: use strict, interleave or none", p.Priority, p.Priority)
	}
	if p.InterleaveN != nil {
		q.InterleaveN = *p.InterleaveN
		if q.InterleaveN < 1 {
			v.add("policy.interleave_n", "interleave_n phải từ 1 trở lên (số lượt thường giữa hai lượt ưu tiên) / interleave_n must be at least 1 (normal calls between two priority calls)")
		}
	}
	if p.NoShowMinCalls != nil {
		q.NoShowMinCalls = *p.NoShowMinCalls
		if q.NoShowMinCalls < 0 {
			v.add("policy.no_show_min_calls", "no_show_min_calls không được âm / no_show_min_calls must not be negative")
		}
	}
	if p.ReactivateMinutes != nil {
		q.ReactivateMinutes = *p.ReactivateMinutes
		if q.ReactivateMinutes < 0 {
			v.add("policy.reactivate_minutes", "reactivate_minutes không được âm / reactivate_minutes must not be negative")
		}
	}
	return q
}

// checkSessions checks a list of "HH:MM" spans: each well formed, starting
// before it ends, none overlapping another.
func (v *validator) checkSessions(path string, sessions []motcua.Session) {
	type span struct {
		index    int
		from, to string
	}
	var good []span
	for i, s := range sessions {
		item := fmt.Sprintf("%s[%d]", path, i)
		ok := true
		if !clockPattern.MatchString(s.From) {
			v.add(item+".from", "giờ %q phải có dạng HH:MM, ví dụ \"07:30\" / time %q must be HH:MM, e.g. \"07:30\"", s.From, s.From)
			ok = false
		}
		if !clockPattern.MatchString(s.To) {
			v.add(item+".to", "giờ %q phải có dạng HH:MM, ví dụ \"11:30\" / time %q must be HH:MM, e.g. \"11:30\"", s.To, s.To)
			ok = false
		}
		if !ok {
			continue
		}
		// Zero-padded HH:MM strings compare in clock order.
		if s.From >= s.To {
			v.add(item, "giờ bắt đầu %s phải trước giờ kết thúc %s / start %s must be before end %s", s.From, s.To, s.From, s.To)
			continue
		}
		good = append(good, span{i, s.From, s.To})
	}
	sort.SliceStable(good, func(i, j int) bool { return good[i].from < good[j].from })
	for k := 1; k < len(good); k++ {
		prev, cur := good[k-1], good[k]
		if cur.from < prev.to {
			later := max(prev.index, cur.index)
			v.add(fmt.Sprintf("%s[%d]", path, later), "khung giờ %s–%s chồng lên %s–%s / span %s–%s overlaps %s–%s",
				cur.from, cur.to, prev.from, prev.to, cur.from, cur.to, prev.from, prev.to)
		}
	}
}

func (v *validator) checkServices(specs []serviceSpec) []motcua.ServiceSpec {
	if len(specs) == 0 {
		v.add("services", "cần ít nhất một dịch vụ / at least one service is required")
	}
	out := make([]motcua.ServiceSpec, 0, len(specs))
	codeAt := map[string]int{}
	prefixOwner := map[string]string{}
	for i, s := range specs {
		item := fmt.Sprintf("services[%d]", i)
		switch {
		case blank(s.Code):
			v.add(item+".code", "cần mã dịch vụ / the service code is required")
		case !serviceCodePattern.MatchString(s.Code):
			v.add(item+".code", "mã dịch vụ %q chỉ được gồm chữ không dấu, số, \"-\" và \"_\" / service code %q may only hold letters, digits, \"-\" and \"_\"", s.Code, s.Code)
		default:
			if first, dup := codeAt[s.Code]; dup {
				v.add(item+".code", "mã dịch vụ %q đã dùng ở services[%d] / service code %q is already used by services[%d]", s.Code, first, s.Code, first)
			} else {
				codeAt[s.Code] = i
			}
		}
		if blank(s.Name) {
			v.add(item+".name", "cần tên dịch vụ / the service name is required")
		}
		digits := DefaultDigits
		if s.Digits != nil {
			digits = *s.Digits
			if digits < 1 || digits > MaxDigits {
				v.add(item+".digits", "digits phải từ 1 đến %d (độ dài phần số thứ tự) / digits must be 1 to %d (width of the sequence part)", MaxDigits, MaxDigits)
			}
		}
		v.checkPrefix(item, s, prefixOwner)
		if s.DailyCap < 0 {
			v.add(item+".daily_cap", "daily_cap không được âm (0 là không giới hạn) / daily_cap must not be negative (0 means no cap)")
		}
		v.checkSessions(item+".hours", s.Hours)
		// Reports (issue 15): the target wait.
		if s.TargetWaitMinutes < 0 || s.TargetWaitMinutes > 24*60 {
			v.add(item+".target_wait_minutes", "target_wait_minutes phải từ 0 đến 1440 (0: không đặt) / target_wait_minutes must be 0 to 1440 (0: none)")
		}
		out = append(out, motcua.ServiceSpec{
			Code: s.Code, Name: s.Name, NameEn: s.NameEn, Field: s.Field,
			Prefix: s.Prefix, Digits: digits, DailyCap: s.DailyCap, Hours: s.Hours,
			TargetWaitMinutes: s.TargetWaitMinutes,
		})
	}
	v.checkNumbersDistinct(out)
	return out
}

func (v *validator) checkPrefix(item string, s serviceSpec, owner map[string]string) {
	path := item + ".prefix"
	switch {
	case s.Prefix == "":
		v.add(path, "cần tiền tố số phiếu, ví dụ \"1\" cho 1001, 1002… / the ticket number prefix is required, e.g. \"1\" for 1001, 1002…")
		return
	case !digitsPattern.MatchString(s.Prefix):
		v.add(path, "tiền tố %q chỉ được gồm chữ số / prefix %q must be digits only", s.Prefix, s.Prefix)
		return
	}
	// YAML reads an unquoted 01 as the number 1; the hall would then show
	// 1001 where the operator meant 01001.
	if written := v.pos.scalarText(path); written != "" && written != s.Prefix {
		v.add(path, "tiền tố %s bị đọc thành %q; hãy đặt trong dấu nháy: \"%s\" / prefix %s was read as %q; quote it: \"%s\"", written, s.Prefix, written, written, s.Prefix, written)
	}
	if other, used := owner[s.Prefix]; used {
		v.add(path, "tiền tố %q đã dùng cho dịch vụ %s / prefix %q is already used by service %s", s.Prefix, other, s.Prefix, other)
		return
	}
	owner[s.Prefix] = s.Code
}

// checkNumbersDistinct rejects prefixes whose ticket numbers can coincide:
// prefix "1" with 3 digits and prefix "10" with 2 digits both make "1001",
// and the hall would call one number for two queues.
func (v *validator) checkNumbersDistinct(services []motcua.ServiceSpec) {
	for j := range services {
		for i := 0; i < j; i++ {
			a, b := services[i], services[j]
			if a.Prefix == "" || b.Prefix == "" || a.Prefix == b.Prefix {
				continue
			}
			if len(a.Prefix)+a.Digits != len(b.Prefix)+b.Digits {
				continue
			}
			short, long := a, b
			if len(short.Prefix) > len(long.Prefix) {
				short, long = long, short
			}
			if !strings.HasPrefix(long.Prefix, short.Prefix) {
				continue
			}
			example := long.Prefix + strings.Repeat("0", long.Digits-1) + "1"
			v.add(fmt.Sprintf("services[%d].prefix", j), "số phiếu của dịch vụ %s và %s có thể trùng nhau (ví dụ %s); đổi tiền tố hoặc digits / ticket numbers of services %s and %s can coincide (e.g. %s); change the prefix or digits",
				a.Code, b.Code, example, a.Code, b.Code, example)
		}
	}
}

func (v *validator) checkCounters(counters []motcua.CounterSpec, services []motcua.ServiceSpec) []motcua.CounterSpec {
	if len(counters) == 0 {
		v.add("counters", "cần ít nhất một quầy / at least one counter is required")
	}
	known := map[string]bool{}
	for _, s := range services {
		known[s.Code] = true
	}
	served := map[string]bool{}
	numberAt := map[int]int{}
	for i, c := range counters {
		item := fmt.Sprintf("counters[%d]", i)
		if c.Number < 1 {
			v.add(item+".number", "số quầy phải từ 1 trở lên / the counter number must be at least 1")
		} else if first, dup := numberAt[c.Number]; dup {
			v.add(item+".number", "quầy số %d đã khai báo ở counters[%d] / counter %d is already declared at counters[%d]", c.Number, first, c.Number, first)
		} else {
			numberAt[c.Number] = i
		}
		if len(c.Services) == 0 {
			v.add(item+".services", "quầy cần phục vụ ít nhất một dịch vụ / a counter must serve at least one service")
		}
		seen := map[string]bool{}
		for k, code := range c.Services {
			path := fmt.Sprintf("%s.services[%d]", item, k)
			switch {
			case !known[code]:
				v.add(path, "không có dịch vụ mã %q trong services / there is no service with code %q", code, code)
			case seen[code]:
				v.add(path, "dịch vụ %q được liệt kê hai lần ở quầy này / service %q is listed twice for this counter", code, code)
			}
			seen[code] = true
			served[code] = true
		}
	}
	// A service no counter serves would hand out tickets nobody ever calls.
	if len(counters) > 0 {
		for i, s := range services {
			if s.Code != "" && !served[s.Code] {
				v.add(fmt.Sprintf("services[%d].code", i), "không quầy nào phục vụ dịch vụ %q; thêm nó vào services của một quầy / no counter serves service %q; add it to a counter's services", s.Code, s.Code)
			}
		}
	}
	return counters
}

func (v *validator) checkProcedures(specs []procedureSpec, services []motcua.ServiceSpec) []motcua.Procedure {
	known := map[string]bool{}
	for _, s := range services {
		known[s.Code] = true
	}
	out := make([]motcua.Procedure, 0, len(specs))
	codeAt := map[string]int{}
	for i, p := range specs {
		item := fmt.Sprintf("procedures[%d]", i)
		switch {
		case blank(p.Code):
			v.add(item+".code", "cần mã thủ tục (mã trên Cổng Dịch vụ công quốc gia, ví dụ \"1.001193\") / the procedure code is required (national code, e.g. \"1.001193\")")
		case !procedureCodePattern.MatchString(p.Code):
			v.add(item+".code", "mã thủ tục %q phải gồm các nhóm chữ và số cách nhau bởi dấu chấm, ví dụ \"1.001193\" / procedure code %q must be dot-separated letters and digits, e.g. \"1.001193\"", p.Code, p.Code)
		default:
			if first, dup := codeAt[p.Code]; dup {
				v.add(item+".code", "mã thủ tục %q đã dùng ở procedures[%d] / procedure code %q is already used by procedures[%d]", p.Code, first, p.Code, first)
			} else {
				codeAt[p.Code] = i
			}
		}
		if blank(p.Name) {
			v.add(item+".name", "cần tên thủ tục / the procedure name is required")
		}
		if blank(p.Agency) {
			v.add(item+".agency", "cần cơ quan có thẩm quyền giải quyết / the competent agency is required")
		}
		days := 0
		timeText := strings.TrimSpace(p.ProcessingTime)
		switch {
		case timeText != "":
			pt, err := motcua.ParseProcessingTime(timeText)
			if err != nil {
				v.add(item+".processing_time", "thời hạn %q không hợp lệ: viết \"15 ngày\", \"0.5 ngày\" hoặc \"4 giờ\" / processing time %q is not valid: write \"15 ngày\", \"0.5 ngày\" or \"4 giờ\"", p.ProcessingTime, p.ProcessingTime)
				break
			}
			timeText, days = pt.String(), pt.Days
			if p.ProcessingDays != nil && *p.ProcessingDays != pt.Days {
				v.add(item+".processing_days", "processing_days (%d) khác số ngày của processing_time %q; chỉ cần ghi một trong hai / processing_days (%d) disagrees with processing_time %q; write only one", *p.ProcessingDays, p.ProcessingTime, *p.ProcessingDays, p.ProcessingTime)
			}
		case p.ProcessingDays == nil:
			// Left out must not silently mean "same day": every due date
			// the hall prints comes from this number.
			v.add(item+".processing_days", "cần thời hạn giải quyết (số ngày làm việc, 0 nếu trả trong ngày, hoặc processing_time như \"4 giờ\") / processing_days is required (working days, 0 for same day, or processing_time such as \"4 giờ\")")
		case *p.ProcessingDays < 0:
			v.add(item+".processing_days", "processing_days không được âm / processing_days must not be negative")
		default:
			days = *p.ProcessingDays
		}
		if !motcua.ValidCutoff(p.Cutoff) {
			v.add(item+".cutoff", "giờ chốt %q không hợp lệ, cần dạng HH:MM, ví dụ \"15:00\" / cut-off %q is not valid, expected HH:MM, e.g. \"15:00\"", p.Cutoff, p.Cutoff)
		}
		if p.ExtendedDays < 0 || p.ExtendedDays > 365 {
			v.add(item+".extended_days", "extended_days phải từ 0 đến 365 / extended_days must be 0 to 365")
		}
		if len(p.Documents) == 0 {
			v.add(item+".documents", "cần danh sách thành phần hồ sơ / the list of required documents is needed")
		}
		for k, doc := range p.Documents {
			if blank(doc) {
				v.add(fmt.Sprintf("%s.documents[%d]", item, k), "tên giấy tờ không được để trống / a document name must not be empty")
			}
		}
		if p.Service != "" && !known[p.Service] && !v.anyService {
			v.add(item+".service", "không có dịch vụ mã %q trong services / there is no service with code %q", p.Service, p.Service)
		}
		out = append(out, motcua.Procedure{
			Code: p.Code, Name: p.Name, Field: p.Field, Agency: p.Agency,
			ProcessingDays: days, Fee: p.Fee, Documents: p.Documents, ServiceCode: p.Service,
			ProcessingTime: timeText, Cutoff: p.Cutoff, ExtendedDays: p.ExtendedDays,
		})
	}
	return out
}

// checkDays checks holidays and announced working days: real dates, named,
// each listed once, no date both off and worked, working days on weekends.
func (v *validator) checkDays(holidays, workingDays []motcua.Holiday) {
	off := v.checkDayList("holidays", holidays)
	worked := v.checkDayList("working_days", workingDays)
	for date, i := range worked {
		if j, clash := off[date]; clash {
			v.add(fmt.Sprintf("working_days[%d].date", i), "ngày %s vừa là ngày nghỉ (holidays[%d]) vừa là ngày làm việc / %s is both a holiday (holidays[%d]) and a working day", date, j, date, j)
		}
	}
	for i, d := range workingDays {
		if day, err := time.Parse(time.DateOnly, d.Date); err == nil {
			if wd := day.Weekday(); wd != time.Saturday && wd != time.Sunday {
				v.add(fmt.Sprintf("working_days[%d].date", i), "ngày %s là %s, vốn đã là ngày làm việc; working_days chỉ dành cho thứ Bảy, Chủ nhật làm bù / %s is a %s, already a working day; working_days lists worked Saturdays and Sundays", d.Date, weekdayVi(wd), d.Date, wd)
			}
		}
	}
}

// checkDayList returns each valid date's first index.
func (v *validator) checkDayList(path string, days []motcua.Holiday) map[string]int {
	firstAt := map[string]int{}
	for i, d := range days {
		item := fmt.Sprintf("%s[%d]", path, i)
		if _, err := time.Parse(time.DateOnly, d.Date); err != nil {
			v.add(item+".date", "ngày %q không hợp lệ, cần dạng YYYY-MM-DD, ví dụ \"2026-09-02\" / date %q is not a valid YYYY-MM-DD date, e.g. \"2026-09-02\"", d.Date, d.Date)
		} else if first, dup := firstAt[d.Date]; dup {
			v.add(item+".date", "ngày %s đã có ở %s[%d] / %s is already listed at %s[%d]", d.Date, path, first, d.Date, path, first)
		} else {
			firstAt[d.Date] = i
		}
		if blank(d.Name) {
			v.add(item+".name", "cần tên ngày (ví dụ \"Quốc khánh\") / the day needs a name (e.g. \"Quốc khánh\")")
		}
	}
	return firstAt
}

func weekdayVi(d time.Weekday) string {
	if d == time.Sunday {
		return "Chủ nhật"
	}
	return "thứ " + []string{"", "Hai", "Ba", "Tư", "Năm", "Sáu", "Bảy"}[d]
}

// checkBooking checks the rules of online numbers: every entry names a
// service once, with slots that fit its hours and counts that make sense.
// Zero values stay zero (the queue reads a default at use), so a hall
// without the section and one that writes it empty are the same hall.
func (v *validator) checkBooking(b motcua.BookingPolicy, services []motcua.ServiceSpec) motcua.BookingPolicy {
	nonNegative := func(path string, n int) {
		if n < 0 {
			v.add(path, "%s không được âm / %s must not be negative", path, path)
		}
	}
	nonNegative("booking.per_person_daily", b.PerPersonDaily)
	nonNegative("booking.per_person_field", b.PerPersonField)
	nonNegative("booking.reminder_minutes", b.ReminderMinutes)
	nonNegative("booking.merge.serve_within_minutes", b.Merge.ServeWithinMinutes)
	nonNegative("booking.merge.max_in_row", b.Merge.MaxInRow)
	switch b.Merge.Join {
	case "", motcua.JoinSlot, motcua.JoinCheckIn:
	default:
		v.add("booking.merge.join", "cách nhập hàng %q không hợp lệ, chọn slot hoặc check_in / merge join %q is unknown: use slot or check_in", b.Merge.Join, b.Merge.Join)
	}
	byCode := map[string]motcua.ServiceSpec{}
	for _, s := range services {
		byCode[s.Code] = s
	}
	seen := map[string]bool{}
	for i, s := range b.Services {
		item := fmt.Sprintf("booking.services[%d]", i)
		svc, ok := byCode[s.Service]
		switch {
		case !ok:
			v.add(item+".service", "không có dịch vụ %q / there is no service %q", s.Service, s.Service)
		case seen[s.Service]:
			v.add(item+".service", "dịch vụ %q đã có quy định đặt số / service %q already has booking rules", s.Service, s.Service)
		}
		seen[s.Service] = true
		if s.SlotMinutes < 5 || s.SlotMinutes > 240 {
			v.add(item+".slot_minutes", "slot_minutes phải từ 5 đến 240 / slot_minutes must be 5 to 240")
		}
		if s.SlotCapacity < 1 {
			v.add(item+".slot_capacity", "slot_capacity phải từ 1 trở lên / slot_capacity must be at least 1")
		}
		if s.OnlineShare < 0 || s.OnlineShare > 100 {
			v.add(item+".online_share", "online_share là phần trăm, từ 0 đến 100 / online_share is a percentage, 0 to 100")
		}
		if s.DaysAhead < 0 || s.DaysAhead > 60 {
			v.add(item+".days_ahead", "days_ahead phải từ 0 đến 60 / days_ahead must be 0 to 60")
		}
		nonNegative(item+".check_in_before", s.CheckInBefore)
		nonNegative(item+".check_in_after", s.CheckInAfter)
		v.checkSessions(item+".hours", s.Hours)
		if ok && len(s.Hours) == 0 && len(svc.Hours) == 0 {
			v.add(item+".hours", "dịch vụ %q mở cả ngày: ghi giờ nhận đặt số (hours) / service %q has no opening hours: give the hours slots fill", s.Service, s.Service)
		}
	}
	return b
}
