package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/motcua/motcua/internal/browsertest"
	"github.com/motcua/motcua/server/servertest"
)

type formsDossier struct {
	ID    int64     `json:"id"`
	Code  string    `json:"code"`
	DueAt time.Time `json:"due_at"`
}

type formsProcedure struct {
	ID             int64    `json:"id"`
	ProcessingDays int      `json:"processing_days"`
	Agency         string   `json:"agency"`
	Documents      []string `json:"documents"`
}

// formsFixture receives dossiers from tickets called at counter 1.
type formsFixture struct {
	t     *testing.T
	env   *servertest.Env
	procs []formsProcedure
}

func (f *formsFixture) receive(days int) (formsDossier, servertest.Ticket) {
	f.t.Helper()
	i := slices.IndexFunc(f.procs, func(p formsProcedure) bool { return p.ProcessingDays == days && len(p.Documents) > 1 })
	if i < 0 {
		f.t.Fatalf("no procedure of %d days in the sample hall", days)
	}
	p := f.procs[i]
	tk := f.env.Issue(1, false)
	if _, ok := f.env.CallNext(1); !ok {
		f.t.Fatal("call next: nobody called")
	}
	f.env.Start(tk.ID) // served, so the next call ends it as done
	details := []map[string]any{{"name": p.Documents[0], "kind": "original", "count": 1},
		{"name": p.Documents[1], "kind": "certified_copy", "count": 2}}
	body := map[string]any{"procedure_id": p.ID, "documents": p.Documents, "document_details": details,
		"applicant": map[string]string{"name": "Nguyễn Thị Bình", "id_number": "001190012345", "phone": "0912345678",
			"address": "Số 5 phố Hàng Bạc, phường Hoàn Kiếm, Hà Nội"}}
	var d formsDossier
	if status, raw := f.env.Raw("POST", fmt.Sprintf("/api/v1/tickets/%d/dossiers", tk.ID), f.env.AdminToken, body); status != http.StatusCreated {
		f.t.Fatalf("receive a dossier: got %d %s", status, raw)
	} else if err := json.Unmarshal(raw, &d); err != nil {
		f.t.Fatal(err)
	}
	return d, tk
}

func (f *formsFixture) act(id int64, body map[string]string, want int) {
	f.t.Helper()
	if status, raw := f.env.Raw("POST", fmt.Sprintf("/api/v1/dossiers/%d/events", id), f.env.AdminToken, body); status != want {
		f.t.Fatalf("%v: got %d %s, want %d", body, status, raw, want)
	}
}

// Every printed form (Mẫu 01–07) renders in a real browser with the fields
// of issue 17, each glyph from a serif font with Vietnamese letters; the
// stopped outcome and the hand-overs show on the phone, without a person.
func TestFormsPrintWithTheirFieldsInAVietnameseSerif(t *testing.T) {
	env := servertest.New(t)
	f := &formsFixture{t: t, env: env}
	env.Do("GET", "/api/v1/procedures", env.AdminToken, nil, &f.procs)

	// D1 (3 days): transferred (on time), handed inside the agency (early),
	// stopped after its due date (the way back is late): Mẫu 01, 05, 06.
	d1, tk1 := f.receive(3)
	f.act(d1.ID, map[string]string{"type": "transfer"}, 200)
	if status, raw := env.Raw("POST", fmt.Sprintf("/api/v1/dossiers/%d/handovers", d1.ID), env.AdminToken,
		map[string]any{"to": "Phòng Tư pháp", "due_at": d1.DueAt.Add(-24 * time.Hour)}); status != http.StatusCreated {
		t.Fatalf("hand-over: got %d %s", status, raw)
	}
	// D2: a supplement request (Mẫu 02). D3: refused at reception (Mẫu 03).
	// D4 (same day): an apology (Mẫu 04). D5: refused after processing by the agency's letter.
	d2, _ := f.receive(3)
	f.act(d2.ID, map[string]string{"type": "request_supplement", "note": "Thiếu bản sao giấy khai sinh"}, 200)
	d3, _ := f.receive(3)
	f.act(d3.ID, map[string]string{"type": "reject", "note": "Không thuộc thẩm quyền giải quyết"}, 200)
	d4, _ := f.receive(0)
	var ap struct {
		ID int64 `json:"id"`
	}
	if status := env.Do("POST", fmt.Sprintf("/api/v1/dossiers/%d/apologies", d4.ID), env.AdminToken,
		map[string]string{"reason": "Chờ kết quả xác minh", "new_due_at": "2026-12-07"}, &ap); status != http.StatusCreated {
		t.Fatalf("apology: got %d", status)
	}
	d5, _ := f.receive(3)
	f.act(d5.ID, map[string]string{"type": "transfer"}, 200)
	f.act(d5.ID, map[string]string{"type": "reject", "note": "Không đủ điều kiện"}, 422) // no letter
	f.act(d5.ID, map[string]string{"type": "reject", "note": "Không đủ điều kiện", "letter_number": "123/UBND-TP", "letter_date": "2026-11-27"}, 200)
	if status, _ := env.Raw("GET", fmt.Sprintf("/dossiers/%d/refusal", d5.ID), env.AdminToken, nil); status != http.StatusConflict {
		t.Errorf("Mẫu 03 for a refusal after processing: got %d, want 409", status)
	}

	env.Clock.Set(d1.DueAt.Add(2 * time.Hour))
	env.AdminToken = env.Login("admin", servertest.AdminPassword) // the session idled out meanwhile
	f.act(d1.ID, map[string]string{"type": "stop", "note": "Công dân rút hồ sơ theo đơn ngày 02/12/2026"}, 200)

	b := browsertest.New(t)
	paper := b.Tab(900, 1100)
	// Printouts take the session cookie, never ?token=: log in from a page of the hub.
	browsertest.Do(t, paper, "open the start page", chromedp.Navigate(env.URL+"/"))
	if login := browsertest.EvalAsync[int](t, paper, `fetch('/api/v1/auth/login', {method: 'POST', headers: {'Content-Type': 'application/json'},
		body: JSON.stringify({username: 'admin', password: '`+servertest.AdminPassword+`'})}).then(r => r.status)`); login != http.StatusOK {
		t.Fatalf("login from the page: got %d, want 200", login)
	}
	book := fmt.Sprint(servertest.Start.Year())
	forms := []struct {
		name, path string
		want       []string
	}{
		{"Mẫu 01", fmt.Sprintf("/dossiers/%d/receipt", d1.ID), []string{"Mẫu 01", "Số: 1/TN-CN01", "Hà Nội, ngày 27 tháng 11 năm 2026",
			"Vào Sổ theo dõi hồ sơ, Quyển số: " + book + ", Số thứ tự: 1", "Bản chính: 1", "Bản sao có chứng thực: 2",
			"Thông báo về xử lý dữ liệu cá nhân", "02 ngày làm việc", d1.Code}},
		{"Mẫu 02", fmt.Sprintf("/dossiers/%d/supplement", d2.ID), []string{"Mẫu 02", "Số: ", "/BS-CN01", "Hà Nội, ngày 27 tháng 11 năm 2026",
			"số điện thoại 024 3123 4567", "Thiếu bản sao giấy khai sinh"}},
		{"Mẫu 03", fmt.Sprintf("/dossiers/%d/refusal", d3.ID), []string{"Mẫu 03", "/TC-CN01", "Hà Nội, ngày 27 tháng 11 năm 2026",
			"Không thuộc thẩm quyền giải quyết"}},
		{"Mẫu 04", fmt.Sprintf("/dossiers/%d/apologies/%d/letter", d4.ID, ap.ID), []string{"Mẫu 04", "Số: ", "/XL-CN01", "Hà Nội, ngày 27 tháng 11 năm 2026"}},
		{"Mẫu 05", fmt.Sprintf("/dossiers/%d/stop", d1.ID), []string{"Mẫu 05", "/DG-CN01", "Thông báo dừng giải quyết hồ sơ",
			"Hà Nội, ngày 02 tháng 12 năm 2026", "Công dân rút hồ sơ theo đơn ngày 02/12/2026"}},
		{"Mẫu 06", fmt.Sprintf("/dossiers/%d/control", d1.ID), []string{"Mẫu 06", "Số: 1/KS-CN01", "Phiếu kiểm soát quá trình giải quyết hồ sơ",
			"Giao: Bộ phận Một cửa Chi nhánh số 1", "Nhận: Phòng Tư pháp", "Đúng hạn", "Trước hạn", "Quá hạn", "Người giao (ký)", "Người nhận (ký)"}},
		{"Mẫu 07", "/reports/ledger?from=2026-11-27&to=2026-12-02", []string{"Mẫu 07", "Quyển số: " + book, "Ký nhận kết quả",
			"Giao nhận hồ sơ (Mẫu 06)", "Dừng giải quyết", "văn bản số 123/UBND-TP ngày 27/11/2026", "Từ chối tiếp nhận (Mẫu 03)"}},
	}
	for _, form := range forms {
		browsertest.Do(t, paper, "open "+form.name, chromedp.Navigate(env.URL+form.path))
		browsertest.WaitFor(t, paper, form.name+"'s sheet", `document.querySelector('.sheet') !== null && document.fonts.status === 'loaded'`)
		text := browsertest.Eval[string](t, paper, `[...document.querySelectorAll('.sheet')].map((s) => s.innerText).join('\n') + '\n' + document.querySelector('.toolbar').innerText`)
		for _, w := range form.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: %q missing from the printed text:\n%s", form.name, w, text)
			}
		}
		// A5 forms fit their page: 210 mm less the 8 mm margins, the sheet's own padding on screen.
		if form.name != "Mẫu 07" {
			mm := browsertest.Eval[float64](t, paper, `Math.max(...[...document.querySelectorAll('.sheet')].map((s) => s.getBoundingClientRect().height)) * 25.4 / 96 - 16`)
			t.Logf("%s: %.0f mm of content", form.name, mm)
			if mm > 194 {
				t.Errorf("%s: the content is %.0f mm high, more than the 194 mm of an A5 page", form.name, mm)
			}
		}
		fonts := browsertest.PlatformFonts(t, paper, ".sheet, .sheet *")
		if len(fonts) == 0 {
			t.Errorf("%s: no platform font reported for the sheet", form.name)
		}
		for family, glyphs := range fonts {
			if family != "DejaVu Serif" && family != "DejaVu Serif Condensed" && family != "Noto Serif" {
				t.Errorf("%s: %v glyphs drawn in %q, want every glyph in a Vietnamese serif (DejaVu Serif or Noto Serif); all: %v",
					form.name, glyphs, family, fonts)
			}
		}
		browsertest.Screenshot(t, paper, "form-"+strings.ReplaceAll(strings.ToLower(form.name), " ", "-"))
	}

	// The phone: the stop with its reason and the hand-overs, units only.
	phone := b.Tab(412, 915)
	browsertest.Do(t, phone, "open the phone page", chromedp.Navigate(env.URL+"/t/"+tk1.Token))
	browsertest.WaitFor(t, phone, "the stopped dossier", `document.querySelector('.d-stop') !== null && document.querySelectorAll('.d-handovers li').length === 3`)
	text := browsertest.Eval[string](t, phone, `document.body.innerText`)
	for _, w := range []string{"Đã dừng giải quyết", "Công dân rút hồ sơ", "Bộ phận Một cửa Chi nhánh số 1 → Ủy ban nhân dân cấp xã (cơ quan đăng ký kinh doanh cấp xã) (đúng hạn)",
		"→ Phòng Tư pháp (trước hạn)", "Phòng Tư pháp → Bộ phận Một cửa Chi nhánh số 1 (quá hạn)"} {
		if !strings.Contains(text, w) {
			t.Errorf("phone page: %q missing from %q", w, text)
		}
	}
	for _, p := range []string{"Nguyễn Thị Bình", "001190012345", "0912345678", "admin", "Quản trị"} {
		if strings.Contains(text, p) {
			t.Errorf("phone page shows %q", p)
		}
	}
	browsertest.Screenshot(t, phone, "phone-stopped-handovers")

	// The report counts the stop and the hand-overs, and the supervisor's table shows them.
	var rep struct {
		Raw map[string]any `json:"total"`
	}
	if status := env.Do("GET", "/api/v1/reports/on-time?from=2026-11-27&to=2026-11-27", env.AdminToken, nil, &rep); status != http.StatusOK {
		t.Fatalf("on-time report: got %d", status)
	}
	if rep.Raw["stopped"] != 1.0 || rep.Raw["handovers"] != 5.0 || rep.Raw["handovers_late"] != 1.0 {
		t.Errorf("on-time report total: got stopped %v, hand-overs %v (late %v); want 1, 5 (1)", rep.Raw["stopped"], rep.Raw["handovers"], rep.Raw["handovers_late"])
	}
	sup := b.Tab(1366, 900)
	browsertest.Do(t, sup, "sign in on the supervisor page",
		chromedp.Navigate(env.URL+"/supervisor"),
		chromedp.WaitVisible("#login-username"),
		chromedp.SendKeys("#login-username", "admin"),
		chromedp.SendKeys("#login-password", servertest.AdminPassword),
		chromedp.Click("#login-submit"),
		chromedp.WaitVisible("#r-run"),
		chromedp.SetValue("#r-from", "27/11/2026"),
		chromedp.SetValue("#r-to", "27/11/2026"),
		chromedp.Click("#r-run"),
	)
	browsertest.WaitFor(t, sup, "the on-time table", `!document.getElementById('report').hidden && document.querySelector('#report tfoot') !== null`)
	head := browsertest.Eval[string](t, sup, `document.querySelector('#report thead').innerText`)
	foot := browsertest.Eval[string](t, sup, `[...document.querySelectorAll('#report tfoot td')].map((td) => td.textContent).join('|')`)
	if !strings.Contains(head, "Dừng") || !strings.HasSuffix(foot, "|1|1/5") {
		t.Errorf("supervisor's on-time table: head %q, total %q; want the stopped and hand-over columns ending 1|1/5", head, foot)
	}
}

// The supervisor records a citizen's request about their personal data from
// the register's page, sees its deadline, and records the answer.
func TestPrivacyRegisterPage(t *testing.T) {
	env := servertest.New(t)
	b := browsertest.New(t)
	sup := b.Tab(1280, 900)
	browsertest.Do(t, sup, "sign in as admin on the supervisor page",
		chromedp.Navigate(env.URL+"/supervisor"),
		chromedp.WaitVisible("#login-username"),
		chromedp.SendKeys("#login-username", "admin"),
		chromedp.SendKeys("#login-password", servertest.AdminPassword),
		chromedp.Click("#login-submit"),
		chromedp.WaitVisible("#privacy-link"),
		chromedp.Click("#privacy-link"),
		chromedp.WaitVisible("#pv-form"),
	)
	browsertest.WaitFor(t, sup, "the empty register", `document.getElementById('pv-list').textContent.includes('Chưa có yêu cầu')`)
	browsertest.Do(t, sup, "submit without a name", chromedp.Click("#pv-submit"))
	browsertest.WaitFor(t, sup, "the field errors", `document.querySelector('.pv-err[data-for="requester"]').textContent.length > 0 && document.querySelector('.pv-err[data-for="contact"]').textContent.length > 0`)
	browsertest.Do(t, sup, "record a deletion request",
		chromedp.SetValue("#pv-kind", "delete"),
		chromedp.SendKeys("#pv-requester", "Nguyễn Thị Bình"),
		chromedp.SendKeys("#pv-contact", "0912345678"),
		chromedp.Click("#pv-submit"),
	)
	// Friday 27/11/2026: two working days is Tuesday 1/12.
	browsertest.WaitFor(t, sup, "the request and its deadline", `document.querySelector('#pv-list tr[data-id="1"]') !== null && document.querySelector('#pv-list tr[data-id="1"] td.due').textContent.includes('01/12/2026')`)
	browsertest.Do(t, sup, "answer it",
		chromedp.SendKeys(`#pv-list tr[data-id="1"] .pv-answer input`, "Đã xóa số điện thoại khỏi hồ sơ"),
		chromedp.Click(`#pv-list tr[data-id="1"] .pv-answer button`),
	)
	browsertest.WaitFor(t, sup, "the answer recorded", `document.querySelector('#pv-list tr[data-id="1"] .pv-answer') === null && document.getElementById('pv-list').textContent.includes('Đã xóa số điện thoại')`)
	browsertest.Screenshot(t, sup, "privacy-register")
}

// At the counter the officer says, per document, original or copy and how
// many, reads the personal data notice, and the receipt prints both.
func TestCounterFormDocumentDetailsAndNotice(t *testing.T) {
	env := servertest.New(t)
	env.Issue(1, false)
	b := browsertest.New(t)
	counter := b.Tab(1366, 900)
	callAtCounterOne(t, counter, env)
	browsertest.Do(t, counter, "fill the form",
		chromedp.Click("#dp-new"),
		chromedp.WaitVisible("#dp-name"),
		chromedp.SendKeys("#dp-name", "Nguyễn Thị Bình"),
		chromedp.SendKeys("#dp-id", "001190012345"),
		chromedp.SendKeys("#dp-phone", "0912345678"),
		chromedp.SendKeys("#dp-address", "Số 5 phố Hàng Bạc, Hà Nội"),
		chromedp.SendKeys("#dp-proc-search", "xac nhan hon nhan"),
		chromedp.WaitVisible("#dp-match-0"),
		chromedp.Click("#dp-match-0"),
		chromedp.WaitVisible("#dp-doc-0"),
		chromedp.Click("#dp-docs-all"),
		chromedp.SetValue("#dp-doc-kind-0", "certified_copy"),
		chromedp.SetValue("#dp-doc-count-0", "2"),
	)
	notice := browsertest.Eval[string](t, counter, `document.getElementById('dp-privacy').innerText`)
	for _, w := range []string{"Thông báo về xử lý dữ liệu cá nhân", "thời hạn lưu trữ", "xóa dữ liệu"} {
		if !strings.Contains(notice, w) {
			t.Errorf("counter notice: %q missing from %q", w, notice)
		}
	}
	browsertest.Do(t, counter, "receive the dossier", chromedp.Click("#dp-submit"), chromedp.WaitVisible("#dp-print"))
	href := browsertest.Eval[string](t, counter, `document.getElementById('dp-print').getAttribute('href')`)
	receipt := b.Tab(900, 1100)
	browsertest.Do(t, receipt, "open the receipt", chromedp.Navigate(env.URL+href))
	browsertest.WaitFor(t, receipt, "the receipt", `document.querySelectorAll('section.sheet').length === 2`)
	docs := browsertest.Eval[string](t, receipt, `document.querySelector('ol.docs').innerText`)
	if !strings.Contains(docs, "Bản sao có chứng thực: 2") || !strings.Contains(docs, "Bản chính/bản sao: ……") {
		t.Errorf("receipt documents: got %q, want the first a certified copy ×2 and the second left to fill", docs)
	}

	// The officer passes the dossier on, then records a hand-over inside the agency.
	browsertest.Do(t, counter, "transfer it", chromedp.Click(`#dp-list .dp-act[data-action="transfer"]`))
	browsertest.WaitFor(t, counter, "the hand-over button", `document.querySelector('#dp-list .dp-handover') !== null`)
	browsertest.Do(t, counter, "record a hand-over with a bad date, then a good one",
		chromedp.Click(`#dp-list .dp-handover`),
		chromedp.WaitVisible(`#dp-list .dp-handover-to`),
		chromedp.SendKeys(`#dp-list .dp-handover-to`, "Phòng Tư pháp"),
		chromedp.Click(`#dp-list .dp-handover-row button[type=submit]`),
	)
	browsertest.WaitFor(t, counter, "the deadline's error", `document.querySelector('#dp-list .dp-handover-row .dp-err').textContent.length > 0`)
	browsertest.Do(t, counter, "give the deadline",
		chromedp.SetValue(`#dp-list .dp-handover-due`, "2026-12-01"),
		chromedp.Click(`#dp-list .dp-handover-row button[type=submit]`),
	)
	browsertest.WaitFor(t, counter, "the control sheet's link", `document.querySelector('#dp-list a[href$="/control"]') !== null && document.querySelector('#dp-list .dp-handover-row') === null`)
	id := browsertest.Eval[float64](t, counter, `Number(document.querySelector('#dp-list [data-dossier-id]').dataset.dossierId)`)
	var got struct {
		Handovers []struct {
			From, To string
			DueAt    time.Time `json:"due_at"`
			Timing   string
		} `json:"handovers"`
	}
	env.Do("GET", fmt.Sprintf("/api/v1/dossiers/%d", int64(id)), env.AdminToken, nil, &got)
	if len(got.Handovers) != 2 || got.Handovers[1].To != "Phòng Tư pháp" || got.Handovers[1].Timing != "early" ||
		!got.Handovers[1].DueAt.Equal(time.Date(2026, 12, 1, 17, 0, 0, 0, servertest.Hanoi)) {
		t.Errorf("hand-overs: got %+v, want the transfer then Phòng Tư pháp due 01/12 17:00, early", got.Handovers)
	}

	kiosk := b.Tab(1080, 1920)
	browsertest.Do(t, kiosk, "open the kiosk", chromedp.Navigate(env.URL+"/kiosk"))
	browsertest.WaitFor(t, kiosk, "the kiosk's notice", `document.getElementById('privacy-note') !== null && document.getElementById('privacy-note').getBoundingClientRect().height > 0`)
	if text := browsertest.Eval[string](t, kiosk, `document.getElementById('privacy-note').innerText`); !strings.Contains(text, "Nhóm ưu tiên") || !strings.Contains(text, "xóa") {
		t.Errorf("kiosk notice: got %q", text)
	}
}
