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
// applicant), Mẫu 02 supplement request, Mẫu 03 refusal.
//
//go:embed templates/*.html
var templateFiles embed.FS

// printForm is one printable form.
type printForm struct {
	name   string // audit purpose and template file
	title  string
	copies []string
	tmpl   *template.Template
}

var printForms = map[string]*printForm{
	"receipt":    {name: "receipt", title: "Giấy tiếp nhận hồ sơ và hẹn trả kết quả", copies: []string{"Liên 1: Lưu", "Liên 2: Giao người nộp"}},
	"supplement": {name: "supplement", title: "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ", copies: []string{"Giao người nộp"}},
	"refusal":    {name: "refusal", title: "Phiếu từ chối tiếp nhận giải quyết hồ sơ", copies: []string{"Giao người nộp"}},
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
	Step     motcua.DossierStep // the supplement request or refusal printed
	StepBy   string
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
	// "ngày 27 tháng 11 năm 2026", the date line of official documents.
	"longDate": func(t time.Time) string {
		return fmt.Sprintf("Ngày %02d tháng %02d năm %d", t.Day(), t.Month(), t.Year())
	},
	// "09 giờ 00 phút, ngày 27 tháng 11 năm 2026".
	"timeDate": func(t time.Time) string {
		return fmt.Sprintf("%02d giờ %02d phút, ngày %02d tháng %02d năm %d", t.Hour(), t.Minute(), t.Day(), t.Month(), t.Year())
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

// Refusal handles GET /dossiers/{id}/refusal (Mẫu 03), for a rejected dossier.
func (h *DossierHandler) Refusal(w http.ResponseWriter, r *http.Request) {
	h.print(w, r, printForms["refusal"])
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
		Receiver: nameOf(d.ReceivedBy), Dated: d.ReceivedAt}
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
	case "supplement", "refusal":
		want := string(motcua.DossierRequestSupplement)
		if form.name == "refusal" {
			want = string(motcua.DossierReject)
		}
		step, ok := lastStep(d, want)
		if !ok {
			web.Error(w, r, motcua.Errorf(motcua.EConflict, "Hồ sơ %s chưa có %s. / Dossier %s has no %s yet.",
				d.Code, map[string]string{"supplement": "yêu cầu bổ sung", "refusal": "quyết định từ chối"}[form.name],
				d.Code, map[string]string{"supplement": "supplement request", "refusal": "refusal"}[form.name]))
			return
		}
		p.Step, p.StepBy, p.Dated = step, nameOf(step.By), step.At
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
