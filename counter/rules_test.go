package counter_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/idcardtest"
	"github.com/motcua/motcua/server/servertest"
	"github.com/motcua/motcua/store/storetest"
)

// Issue 17: who can file. Each kind of applicant is received over HTTP on a
// real database (SQLite, and PostgreSQL when MOTCUA_TEST_POSTGRES is set),
// stored and read back whole; each refuses its own bad input naming the field.
func TestApplicantKindsOverHTTP(t *testing.T) {
	scan := idcardtest.FormatIDCardQR(idcardtest.IDCard{Number: "001189012346", FullName: "Lê Thị Căn Cước",
		BirthDate: time.Date(1989, 8, 15, 0, 0, 0, 0, time.UTC), Sex: "Nữ", Address: "Số 3 phố Lý Thái Tổ, Hoàn Kiếm, Hà Nội",
		IssuedDate: time.Date(2024, 9, 2, 0, 0, 0, 0, time.UTC), Extra: []string{"Lê Văn Cha", "001060012345"}})
	card, err := idcardtest.ParseIDCardQR(scan)
	if err != nil || !card.CanCuoc() {
		t.Fatalf("the test thẻ căn cước: %+v, %v", card, err)
	}
	good := []struct {
		name      string
		applicant map[string]string
		want      map[string]string // fields read back from the full view
	}{
		{"CCCD holder", map[string]string{"name": "Trần Văn Cường", "id_number": "001089067890", "phone": "0987654321", "address": "Hà Nội"},
			map[string]string{"kind": "cccd", "id_number": "001089067890"}},
		{"thẻ căn cước holder (its QR)", map[string]string{"kind": "can_cuoc", "name": card.FullName, "id_number": card.Number,
			"phone": "0912000111", "address": card.Address},
			map[string]string{"kind": "can_cuoc", "id_number": "001189012346", "name": "Lê Thị Căn Cước"}},
		{"passport holder", map[string]string{"kind": "passport", "name": "KIM MIN-JUN", "id_number": "m 1234 5678", "nationality": "kor",
			"phone": "+84 912 345 000", "address": "Khách sạn Phố Cổ, Hà Nội"},
			map[string]string{"kind": "passport", "id_number": "M12345678", "nationality": "KOR"}},
		{"enterprise", map[string]string{"kind": "organisation", "org_code": "0101248141", "org_name": "Công ty Cổ phần Ánh Dương",
			"name": "Phạm Thu Hà", "id_number": "001190054321", "phone": "0243 123 4567", "address": "Số 9 phố Huế, Hà Nội"},
			map[string]string{"kind": "organisation", "org_code": "0101248141", "org_name": "Công ty Cổ phần Ánh Dương", "name": "Phạm Thu Hà"}},
	}
	bad := []struct {
		name      string
		applicant map[string]string
		field     string
		mention   string
	}{
		{"CCCD of 9 digits", map[string]string{"name": "A", "id_number": "012345678", "phone": "0987654321", "address": "Hà Nội"},
			"applicant.id_number", "CCCD"},
		{"thẻ căn cước number of 11 digits", map[string]string{"kind": "can_cuoc", "name": "A", "id_number": "00118901234", "phone": "0987654321", "address": "Hà Nội"},
			"applicant.id_number", "thẻ căn cước"},
		{"passport number with a dash of letters only", map[string]string{"kind": "passport", "name": "A", "id_number": "ABCDEFG", "nationality": "KOR", "phone": "0987654321", "address": "Hà Nội"},
			"applicant.id_number", "hộ chiếu"},
		{"passport without nationality", map[string]string{"kind": "passport", "name": "A", "id_number": "M12345678", "phone": "0987654321", "address": "Hà Nội"},
			"applicant.nationality", "quốc tịch"},
		{"passport nationality in words", map[string]string{"kind": "passport", "name": "A", "id_number": "M12345678", "nationality": "Hàn Quốc", "phone": "0987654321", "address": "Hà Nội"},
			"applicant.nationality", "3 chữ cái"},
		{"enterprise code with a wrong check digit", map[string]string{"kind": "organisation", "org_code": "0101248142", "org_name": "Công ty A",
			"name": "B", "id_number": "001190054321", "phone": "0987654321", "address": "Hà Nội"}, "applicant.org_code", "mã số thuế"},
		{"enterprise without a name", map[string]string{"kind": "organisation", "org_code": "0101248141",
			"name": "B", "id_number": "001190054321", "phone": "0987654321", "address": "Hà Nội"}, "applicant.org_name", "tên tổ chức"},
		{"enterprise without the person who submits", map[string]string{"kind": "organisation", "org_code": "0101248141", "org_name": "Công ty A",
			"id_number": "001190054321", "phone": "0987654321", "address": "Hà Nội"}, "applicant.name", "người nộp thay tổ chức"},
		{"unknown kind", map[string]string{"kind": "cmnd", "name": "A", "id_number": "012345678", "phone": "0987654321", "address": "Hà Nội"},
			"applicant.kind", "cccd, can_cuoc, passport"},
	}
	for _, dialect := range storetest.Dialects() {
		t.Run(dialect.Name, func(t *testing.T) {
			env := servertest.New(t, servertest.WithDSN(dialect.DSN(t)))
			p := findProcedure(t, env, marriageCode)
			var cur *servertest.Ticket
			for _, tt := range good {
				tk := nextVisitor(t, env, cur)
				cur = &tk
				body := createBody(p.ID)
				body["applicant"] = tt.applicant
				var d dossier
				if status := env.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/dossiers", tk.ID), env.AdminToken, body, &d); status != http.StatusCreated {
					t.Fatalf("%s: got status %d, want 201", tt.name, status)
				}
				var full dossier
				env.Do("GET", fmt.Sprintf("/api/v1/dossiers/%d", d.ID), env.AdminToken, nil, &full)
				for k, v := range tt.want {
					if full.Applicant[k] != v {
						t.Errorf("%s: stored applicant %s = %q, want %q", tt.name, k, full.Applicant[k], v)
					}
				}
			}
			tk := nextVisitor(t, env, cur)
			for _, tt := range bad {
				body := createBody(p.ID)
				body["applicant"] = tt.applicant
				var e apiError
				status := env.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/dossiers", tk.ID), env.AdminToken, body, &e)
				if status != http.StatusUnprocessableEntity {
					t.Errorf("%s: got status %d, want 422", tt.name, status)
					continue
				}
				msg := e.Error.Fields[tt.field]
				if !strings.Contains(strings.ToLower(msg), strings.ToLower(tt.mention)) {
					t.Errorf("%s: got fields %v, want %s mentioning %q", tt.name, e.Error.Fields, tt.field, tt.mention)
				}
				if len(e.Error.Fields) != 1 {
					t.Errorf("%s: got fields %v, want only %s", tt.name, e.Error.Fields, tt.field)
				}
			}
			var list []dossier
			env.Do("GET", "/api/v1/dossiers", env.AdminToken, nil, &list)
			if len(list) != len(good) {
				t.Errorf("dossiers after the refusals: got %d, want %d (no half-written record)", len(list), len(good))
			}
		})
	}
}

// The 15:00 cut-off and the extension, over HTTP. The hall's clock starts on
// Friday 27/11/2026 09:00.
func TestCutoffAndExtensionOverHTTP(t *testing.T) {
	env := servertest.New(t)
	cert := findProcedure(t, env, "2.000815")
	marriage := findProcedure(t, env, marriageCode)

	var cur *servertest.Ticket
	receive := func(procID int64, doc string) dossier {
		t.Helper()
		tk := nextVisitor(t, env, cur)
		cur = &tk
		body := createBody(procID)
		body["documents"] = []string{doc}
		var d dossier
		if status := env.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/dossiers", tk.ID), env.AdminToken, body, &d); status != http.StatusCreated {
			t.Fatalf("create: got status %d", status)
		}
		return d
	}
	d := receive(marriage.ID, marriageForm)
	if d.DueAt != "2026-12-02T17:00:00+07:00" {
		t.Fatalf("marriage status on Friday: due %s, want Wednesday 2/12", d.DueAt)
	}
	if !contains(d.NextActions, "extend") {
		t.Errorf("next actions %v lack extend (the procedure allows 3 days)", d.NextActions)
	}
	path := fmt.Sprintf("/api/v1/dossiers/%d/events", d.ID)
	var e apiError
	if status := env.Do("POST", path, env.AdminToken, map[string]string{"type": "extend", "note": " "}, &e); status != http.StatusUnprocessableEntity || e.Error.Fields["note"] == "" {
		t.Errorf("extend without a reason: got %d %v, want 422 naming note", status, e.Error.Fields)
	}
	var ext dossier
	reason := "Cần xác minh tình trạng hôn nhân tại nơi cư trú trước đây"
	if status := env.Do("POST", path, env.AdminToken, map[string]string{"type": "extend", "note": reason}, &ext); status != http.StatusOK {
		t.Fatalf("extend: got status %d", status)
	}
	if ext.DueAt != "2026-12-07T17:00:00+07:00" || ext.Status != "received" {
		t.Errorf("extended: due %s status %s, want Monday 7/12 17:00, still received", ext.DueAt, ext.Status)
	}
	last := ext.Events[len(ext.Events)-1]
	if last.Type != "extend" || last.Note != reason {
		t.Errorf("history: last step %+v, want the extension with its reason", last)
	}
	if contains(ext.NextActions, "extend") {
		t.Errorf("next actions %v still offer extend", ext.NextActions)
	}
	if status := env.Do("POST", path, env.AdminToken, map[string]string{"type": "extend", "note": reason}, nil); status != http.StatusConflict {
		t.Errorf("a second extension: got %d, want 409", status)
	}
	certDoc := "Bản chính giấy tờ, văn bản làm cơ sở để chứng thực bản sao"
	env.Clock.Set(time.Date(2026, 11, 27, 14, 59, 0, 0, servertest.Hanoi))
	c := receive(cert.ID, certDoc)
	if c.DueAt != "2026-11-27T17:00:00+07:00" {
		t.Errorf("certified at 14:59: due %s, want the same day 17:00", c.DueAt)
	}
	env.Clock.Set(time.Date(2026, 11, 27, 15, 30, 0, 0, servertest.Hanoi))
	if late := receive(cert.ID, certDoc); late.DueAt != "2026-11-30T17:00:00+07:00" {
		t.Errorf("certified on Friday at 15:30: due %s, want Monday 30/11 17:00", late.DueAt)
	}
	var preview []procedure
	env.Do("GET", "/api/v1/procedures?q=2.000815", env.AdminToken, nil, &preview)
	if len(preview) != 1 || preview[0].DueAt != "2026-11-30T17:00:00+07:00" {
		t.Errorf("the counter's preview at 15:30: got %+v, want due Monday 30/11 17:00", preview)
	}
	if status := env.Do("POST", fmt.Sprintf("/api/v1/dossiers/%d/events", c.ID), env.AdminToken, map[string]string{"type": "extend", "note": reason}, nil); status != http.StatusConflict {
		t.Errorf("extending a procedure without extended_days: got %d, want 409", status)
	}
}

// nextVisitor serves the counter's current visitor (if any) and calls the
// next: calling next over a ticket called only once is refused (the hall's
// no_show_min_calls), and these tests are about the dossier, not the call.
func nextVisitor(t *testing.T, env *servertest.Env, current *servertest.Ticket) servertest.Ticket {
	t.Helper()
	if current != nil {
		if status := env.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/start", current.ID), env.AdminToken, nil, nil); status != http.StatusOK {
			t.Fatalf("start ticket %d: got status %d", current.ID, status)
		}
	}
	return calledTicket(t, env)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
