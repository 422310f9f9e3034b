package supervisor

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/sheet"
	"github.com/motcua/motcua/web"
)

// The printouts follow Circular 03/2025/TT-VPCP, Annex I: Mẫu 04 the apology
// and extension letter (A5), Mẫu 07 the dossier ledger (A4 landscape).
//
//go:embed templates/*.html
var templateFiles embed.FS

var (
	letterTmpl = template.Must(template.New("letter.html").Funcs(printFuncs).ParseFS(templateFiles, "templates/letter.html"))
	ledgerTmpl = template.Must(template.New("ledger.html").Funcs(printFuncs).ParseFS(templateFiles, "templates/ledger.html"))
)

// statusNames are the dossier statuses as the ledger writes them.
var statusNames = map[motcua.DossierStatus]string{
	motcua.DossierReceived:            "Đã tiếp nhận",
	motcua.DossierTransferred:         "Đã chuyển cơ quan giải quyết",
	motcua.DossierProcessing:          "Đang giải quyết",
	motcua.DossierSupplementRequested: "Chờ bổ sung hồ sơ",
	motcua.DossierResultReady:         "Đã có kết quả",
	motcua.DossierReturned:            "Đã trả kết quả",
	motcua.DossierRejected:            "Từ chối giải quyết",
	motcua.DossierStopped:             "Dừng giải quyết",
}

// timingNames are the hand-over timings as Mẫu 06 and the ledger write them.
var timingNames = map[string]string{
	motcua.TimingEarly:  "Trước hạn",
	motcua.TimingOnTime: "Đúng hạn",
	motcua.TimingLate:   "Quá hạn",
}

var printFuncs = template.FuncMap{
	// "Hà Nội, ngày 05 tháng 3 năm 2026", the date line of official documents.
	"dateLine": motcua.DateLine,
	"stamp":    func(t time.Time) string { return t.Format("15:04 02/01/2006") },
	// "17 giờ 00 phút, ngày 02 tháng 12 năm 2026".
	"timeDate": motcua.TimeWords,
	"signCol":  func(i int) bool { return i == signColumn },
	"day":      func(t time.Time) string { return t.Format("02/01/2006") },
	"status":   func(s motcua.DossierStatus) string { return statusNames[s] },
}

// dayTime writes an optional time as the ledger shows it: "02/12/2026 17:00".
func dayTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format("02/01/2006 15:04")
}

// letter is what the Mẫu 04 template reads.
type letter struct {
	Center, Branch, BranchCode string
	Place                      string
	D                          motcua.Dossier
	A                          motcua.Apology
	Number                     int       // 1 for the first apology of the dossier, 2 for the next…
	Promised                   time.Time // the due date this apology replaces
	Late                       bool      // issued after that date (else: before, it will be late)
	IssuedBy                   string
}

// Letter handles GET /dossiers/{id}/apologies/{aid}/letter: the printable
// apology and extension letter (Mẫu 04, A5). It carries the applicant's name
// and address, so the print is audited and never cached.
func (h *Handler) Letter(w http.ResponseWriter, r *http.Request) {
	id, err := web.IDParam(r, "id")
	if err != nil {
		web.Error(w, r, err)
		return
	}
	aid, err := web.IDParam(r, "aid")
	if err != nil {
		web.Error(w, r, err)
		return
	}
	u, _ := web.UserFrom(r.Context())
	d, a, err := h.Dossiers.ApologyLetter(r.Context(), id, aid, u)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	b := h.Site.Branch()
	l := letter{Center: b.CenterName, Branch: b.Name, BranchCode: b.Code, Place: b.Place, D: d, A: a, Promised: d.DueAt}
	for i, x := range d.Apologies {
		if x.ID == a.ID {
			l.Number = i + 1
		}
	}
	if a.OriginalDueAt != nil {
		l.Promised = *a.OriginalDueAt
	}
	l.Late = a.IssuedAt.After(l.Promised)
	if a.IssuedBy != nil {
		l.IssuedBy = a.IssuedBy.FullName
		if l.IssuedBy == "" {
			l.IssuedBy = a.IssuedBy.Username
		}
	}
	render(w, r, letterTmpl, l)
}

// ledgerColumns are the columns of the dossier ledger (Mẫu 07, "Sổ theo dõi
// hồ sơ"), in the circular's order, with the receiving officer and the
// status added before the notes.
var ledgerColumns = []string{
	"STT", "Mã hồ sơ", "Tên thủ tục hành chính", "Số lượng hồ sơ (bộ)", "Tên cá nhân, tổ chức",
	"Địa chỉ, số điện thoại", "Cơ quan chủ trì giải quyết", "Ngày nhận hồ sơ", "Ngày hẹn trả kết quả",
	"Ngày chuyển hồ sơ", "Ngày có kết quả", "Ngày trả kết quả", "Ký nhận kết quả", "Giao nhận hồ sơ (Mẫu 06)",
	"Người tiếp nhận", "Trạng thái", "Ghi chú",
}

// signColumn is the ledger's column left empty for the recipient's signature.
const signColumn = 12

// ledgerRow writes one dossier as the ledger's cells.
func ledgerRow(i int, d motcua.Dossier) []string {
	promised := d.DueAt
	if d.OriginalDueAt != nil {
		promised = *d.OriginalDueAt
	}
	contact := strings.TrimSpace(d.Applicant.Address)
	if d.Applicant.Phone != "" {
		if contact != "" {
			contact += "; "
		}
		contact += "ĐT: " + d.Applicant.Phone
	}
	var notes []string
	if d.Purged {
		notes = append(notes, "Đã xóa dữ liệu cá nhân theo thời hạn lưu trữ")
	}
	for _, a := range d.Apologies {
		notes = append(notes, fmt.Sprintf("Xin lỗi ngày %s, hẹn lại %s: %s", a.IssuedAt.Format("02/01/2006"), a.NewDueAt.Format("02/01/2006 15:04"), a.Reason))
	}
	for _, st := range d.Steps {
		switch {
		case st.Type == string(motcua.DossierStop):
			notes = append(notes, fmt.Sprintf("Dừng giải quyết ngày %s (Mẫu 05): %s", st.At.Format("02/01/2006"), st.Note))
		case st.Type == string(motcua.DossierReject) && st.LetterNumber != "":
			notes = append(notes, fmt.Sprintf("Cơ quan giải quyết từ chối, văn bản số %s ngày %s", st.LetterNumber, isoDay(st.LetterDate)))
		case st.Type == string(motcua.DossierReject):
			notes = append(notes, "Từ chối tiếp nhận (Mẫu 03)")
		}
	}
	if d.Overdue {
		notes = append(notes, "Quá hạn")
	}
	if d.TransferLate {
		notes = append(notes, "Chuyển cơ quan giải quyết muộn")
	}
	by := d.ReceivedBy.FullName
	if by == "" {
		by = d.ReceivedBy.Username
	}
	return []string{
		strconv.Itoa(i + 1), d.Code, d.ProcedureName, strconv.Itoa(d.Sets), d.Applicant.Filer(), contact, d.Agency,
		dayTime(&d.ReceivedAt), dayTime(&promised), dayTime(d.TransferredAt), dayTime(d.FinishedAt), dayTime(d.ReturnedAt),
		"", handoverCell(d.Handovers), by, statusNames[d.Status], strings.Join(notes, ". "),
	}
}

// handoverCell writes a dossier's hand-overs, one a line: "02/12/2026 16:30
// Bộ phận Một cửa → Sở Tư pháp: Đúng hạn".
func handoverCell(hs []motcua.Handover) string {
	lines := make([]string, len(hs))
	for i, h := range hs {
		lines[i] = fmt.Sprintf("%s %s → %s: %s", h.At.Format("02/01/2006 15:04"), h.From, h.To, timingNames[h.Timing])
	}
	return strings.Join(lines, "\n")
}

// isoDay writes "2026-12-02" as "02/12/2026".
func isoDay(s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return t.Format("02/01/2006")
}

// LedgerCSV handles GET /api/v1/reports/ledger.csv?from=&to=: the ledger of
// the dossiers received between the two dates, as CSV in UTF-8 with a byte
// order mark so spreadsheet programs read the Vietnamese right.
func (h *Handler) LedgerCSV(w http.ResponseWriter, r *http.Request) {
	start, end, ds, ok := h.ledger(w, r, "csv")
	if !ok {
		return
	}
	// sheet.Writer: the byte order mark, and every cell neutralised, so an
	// applicant named "=HYPERLINK(...)" stays text in a spreadsheet.
	var buf bytes.Buffer
	cw := sheet.NewWriter(&buf)
	cw.Write(ledgerColumns)
	for i, d := range ds {
		cw.Write(ledgerRow(i, d))
	}
	if err := cw.Flush(); err != nil {
		web.Error(w, r, err)
		return
	}
	name := fmt.Sprintf("so-theo-doi-ho-so_%s_%s.csv", start.Format("2006-01-02"), end.AddDate(0, 0, -1).Format("2006-01-02"))
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(buf.Bytes())
}

// ledgerPage is what the A4 ledger template reads.
type ledgerPage struct {
	Center, Branch string
	Place          string
	From, To       time.Time
	Columns        []string
	Rows           [][]string
	Printed        time.Time
}

// LedgerPage handles GET /reports/ledger?from=&to=: the ledger as a
// printable A4 page.
func (h *Handler) LedgerPage(w http.ResponseWriter, r *http.Request) {
	start, end, ds, ok := h.ledger(w, r, "page")
	if !ok {
		return
	}
	now := h.Site.Now()
	b := h.Site.Branch()
	p := ledgerPage{Center: b.CenterName, Branch: b.Name, Place: b.Place, From: start, To: end.AddDate(0, 0, -1), Columns: ledgerColumns, Printed: now}
	for i, d := range ds {
		p.Rows = append(p.Rows, ledgerRow(i, d))
	}
	render(w, r, ledgerTmpl, p)
}

// ledger reads the range and the dossiers (the registry audits the export);
// errors are answered as a page (/reports/ledger) or JSON (the CSV's API path).
func (h *Handler) ledger(w http.ResponseWriter, r *http.Request, format string) (time.Time, time.Time, []motcua.Dossier, bool) {
	fail := func(err error) { web.Error(w, r, err) }
	q := r.URL.Query()
	start, end, err := h.Reports.ReportRange(q.Get("from"), q.Get("to"))
	if err != nil {
		fail(err)
		return start, end, nil, false
	}
	u, _ := web.UserFrom(r.Context())
	ds, err := h.Reports.Ledger(r.Context(), start, end, u, format)
	if err != nil {
		fail(err)
		return start, end, nil, false
	}
	return start, end, ds, true
}

func render(w http.ResponseWriter, r *http.Request, t *template.Template, data any) {
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		web.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// Personal data: never kept by a shared browser's cache.
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(buf.Bytes())
}
