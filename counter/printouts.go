package counter

import (
	"bytes"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/web"
)

// The printouts follow the forms of Circular 03/2025/TT-VPCP, Annex I, on A5:
// Mẫu 01 receipt and appointment (two copies: one kept, one for the
// applicant), Mẫu 02 supplement request, Mẫu 03 refusal at reception, Mẫu 05
// notice of stopping, Mẫu 06 process control sheet.
//
//go:embed templates/*.html
var templateFiles embed.FS

// printForm is one printable form.
type printForm struct {
	name   string // audit purpose and template file
	form   string // "Mẫu 01"
	title  string
	copies []string
	mark   string // the form's letters in its number, "Số: 12/TN-CN01"
	tmpl   *template.Template
}

var printForms = map[string]*printForm{
	"receipt":    {name: "receipt", form: "Mẫu 01", title: "Giấy tiếp nhận hồ sơ và hẹn trả kết quả", copies: []string{"Liên 1: Lưu", "Liên 2: Giao người nộp"}, mark: "TN"},
	"supplement": {name: "supplement", form: "Mẫu 02", title: "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ", copies: []string{"Giao người nộp"}, mark: "BS"},
	"refusal":    {name: "refusal", form: "Mẫu 03", title: "Phiếu từ chối tiếp nhận giải quyết hồ sơ", copies: []string{"Giao người nộp"}, mark: "TC"},
	"stop":       {name: "stop", form: "Mẫu 05", title: "Thông báo dừng giải quyết hồ sơ", copies: []string{"Giao người nộp"}, mark: "DG"},
	"control":    {name: "control", form: "Mẫu 06", title: "Phiếu kiểm soát quá trình giải quyết hồ sơ", copies: []string{"Kèm hồ sơ"}, mark: "KS"},
}

func init() {
	for _, f := range printForms {
		f.tmpl = template.Must(template.New("layout").Funcs(printFuncs).ParseFS(templateFiles, "templates/layout.html", "templates/"+f.name+".html"))
	}
}

// printout is what a form template reads.
type printout struct {
	Title    string
	Center   string
	Branch   string
	D        motcua.Dossier
	Copies   []string
	QR       template.URL // PNG data URI of the tracking page; empty when the dossier has no ticket
	Receiver string
	Dated    time.Time
	Step     motcua.DossierStep // the supplement request, refusal or stop printed
	StepBy   string
	Form     string // "Mẫu 01"
	Number   string // the document number, "12/TN-CN01"
	Place    string // the date line's place
	Phone    string // the one-stop's guidance phone (Mẫu 02)
	Notice   string // the personal data notice (Mẫu 01)
}

type sheet struct {
	P    *printout
	Copy string
}

type signatures struct{ Left, LeftName, Right, RightName string }

var printFuncs = template.FuncMap{
	"sheetOf": func(p *printout, copy string) sheet { return sheet{P: p, Copy: copy} },
	"signs": func(left, leftName, right, rightName string) signatures {
		return signatures{left, leftName, right, rightName}
	},
	// "Hà Nội, ngày 05 tháng 3 năm 2026", the date line of official documents.
	"dateLine": motcua.DateLine,
	// "09 giờ 00 phút, ngày 27 tháng 11 năm 2026".
	"timeDate": motcua.TimeWords,
	"deadline": motcua.DeadlineWords,
	"kind":     motcua.DocumentKindName,
	"timing": func(s string) string {
		return map[string]string{motcua.TimingEarly: "Trước hạn", motcua.TimingOnTime: "Đúng hạn", motcua.TimingLate: "Quá hạn"}[s]
	},
	"details": func(d motcua.Dossier, name string) *motcua.DocumentCopy {
		for _, dc := range d.DocumentDetails {
			if dc.Name == name {
				return &dc
			}
		}
		return nil
	},
	// The processing time the dossier was received under: "15 ngày làm
	// việc", "0.5 ngày làm việc", "4 giờ làm việc", or "trong ngày làm việc".
	"processing": func(d motcua.Dossier) string {
		pt := motcua.ProcessingTimeOf(motcua.Procedure{ProcessingDays: d.ProcessingDays, ProcessingTime: d.ProcessingTime})
		if !pt.ByHours() && pt.Days <= 0 {
			return "trong ngày làm việc"
		}
		return strings.Replace(pt.String(), ".", ",", 1) + " làm việc"
	},
}

// Receipt handles GET /dossiers/{id}/receipt (Mẫu 01).
func (h *DossierHandler) Receipt(w http.ResponseWriter, r *http.Request) {
	h.print(w, r, printForms["receipt"])
}

// Supplement handles GET /dossiers/{id}/supplement (Mẫu 02), for the latest supplement request.
func (h *DossierHandler) Supplement(w http.ResponseWriter, r *http.Request) {
	h.print(w, r, printForms["supplement"])
}

// Refusal handles GET /dossiers/{id}/refusal (Mẫu 03), for a dossier refused
// at reception; a refusal after processing is the agency's own letter (409).
func (h *DossierHandler) Refusal(w http.ResponseWriter, r *http.Request) {
	h.print(w, r, printForms["refusal"])
}

// Stop handles GET /dossiers/{id}/stop (Mẫu 05), for a stopped dossier.
func (h *DossierHandler) Stop(w http.ResponseWriter, r *http.Request) {
	h.print(w, r, printForms["stop"])
}

// Control handles GET /dossiers/{id}/control (Mẫu 06): the dossier's
// hand-overs so far, with their timing.
func (h *DossierHandler) Control(w http.ResponseWriter, r *http.Request) {
	h.print(w, r, printForms["control"])
}

func (h *DossierHandler) print(w http.ResponseWriter, r *http.Request, form *printForm) {
	id, err := web.IDParam(r, "id")
	if err != nil {
		web.Error(w, r, err)
		return
	}
	u, _ := web.UserFrom(r.Context())
	d, err := h.Registry.Dossier(r.Context(), id, u, form.name)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	b := h.Site.Branch()
	p := &printout{Title: form.title, Center: b.CenterName, Branch: b.Name, D: d, Copies: form.copies,
		Receiver: nameOf(d.ReceivedBy), Dated: d.ReceivedAt, Form: form.form, Place: b.Place, Phone: b.Phone,
		Number: fmt.Sprintf("%d/%s-%s", d.LedgerEntry, form.mark, b.Code), Notice: motcua.PrivacyNotice()}
	switch form.name {
	case "receipt":
		if d.TrackToken != "" {
			png, err := qrcode.Encode(h.Clients.URL(r, "/t/"+d.TrackToken), qrcode.Medium, 256)
			if err != nil {
				web.Error(w, r, err)
				return
			}
			p.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
		}
	case "supplement", "refusal", "stop":
		want := map[string]motcua.DossierAction{"supplement": motcua.DossierRequestSupplement,
			"refusal": motcua.DossierReject, "stop": motcua.DossierStop}[form.name]
		step, ok := lastStep(d, string(want))
		if !ok {
			web.Error(w, r, motcua.Errorf(motcua.EConflict, "Hồ sơ %s chưa có %s. / Dossier %s has no %s yet.",
				d.Code, map[string]string{"supplement": "yêu cầu bổ sung", "refusal": "quyết định từ chối", "stop": "quyết định dừng giải quyết"}[form.name],
				d.Code, map[string]string{"supplement": "supplement request", "refusal": "refusal", "stop": "stop"}[form.name]))
			return
		}
		if form.name == "refusal" && step.LetterNumber != "" {
			web.Error(w, r, motcua.Errorf(motcua.EConflict,
				"Hồ sơ %s bị từ chối sau khi giải quyết, bằng văn bản số %s của cơ quan giải quyết: không in Mẫu 03 (chỉ dùng khi từ chối tiếp nhận). / Dossier %s was refused after processing by the agency's letter %s: Mẫu 03 is only for a refusal at reception.",
				d.Code, step.LetterNumber, d.Code, step.LetterNumber))
			return
		}
		p.Step, p.StepBy, p.Dated = step, nameOf(step.By), step.At
		p.Number = fmt.Sprintf("%d/%s-%s", step.ID, form.mark, b.Code)
	case "control":
		p.Dated = h.Site.Now()
	}
	var buf bytes.Buffer
	if err := form.tmpl.ExecuteTemplate(&buf, "layout", p); err != nil {
		web.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// Personal data: never kept by a shared browser's cache.
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(buf.Bytes())
}

func lastStep(d motcua.Dossier, typ string) (motcua.DossierStep, bool) {
	for i := len(d.Steps) - 1; i >= 0; i-- {
		if d.Steps[i].Type == typ {
			return d.Steps[i], true
		}
	}
	return motcua.DossierStep{}, false
}

func nameOf(u motcua.UserRef) string {
	if u.FullName != "" {
		return u.FullName
	}
	return u.Username
}
