// Package hall reads a hall description (cấu hình sảnh): the YAML file an
// operator writes to describe a branch — its services, counters, procedures,
// public holidays and queue policy — and the sample hall embedded in the
// binary for a first start. See docs/hall-config.md for the format.
package hall

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"

	// The branch time zone is validated with time.LoadLocation; embedding the
	// zone database keeps that working on hosts without tzdata (Windows,
	// minimal containers), where the sample hall would otherwise fail to load.
	_ "time/tzdata"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/motcua/motcua"
)

//go:embed sample.yaml
var sampleYAML []byte

// SampleYAML returns the text of the embedded sample hall, e.g. for an
// operator to start their own description from.
func SampleYAML() []byte {
	return append([]byte(nil), sampleYAML...)
}

// Sample returns the embedded sample hall. It panics only if the embedded
// file is invalid, which a test rules out.
func Sample() motcua.Hall {
	h, err := Parse(sampleYAML)
	if err != nil {
		panic("hall: embedded sample.yaml is invalid: " + err.Error())
	}
	return h
}

// Load reads and parses the hall description in the file at path. Errors
// name the file.
func Load(path string) (motcua.Hall, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return motcua.Hall{}, motcua.Errorf(motcua.EInvalid,
			"Không đọc được tệp cấu hình sảnh %s: %v / Cannot read the hall description %s: %v", path, err, path, err)
	}
	h, err := Parse(data)
	if err != nil {
		var e *motcua.Error
		if errors.As(err, &e) {
			return motcua.Hall{}, &motcua.Error{Code: e.Code, Message: path + ": " + e.Message, Fields: e.Fields}
		}
		return motcua.Hall{}, fmt.Errorf("%s: %w", path, err)
	}
	return h, nil
}

// Parse decodes a hall description strictly (unknown fields are errors),
// fills in defaults and validates it. Any problem yields a *motcua.Error with
// code motcua.EValidation whose Message lists every problem as
// "path (line N): message" and whose Fields maps each path to its messages.
func Parse(data []byte) (h motcua.Hall, err error) {
	// goccy/go-yaml is a large parser fed with operator input; whatever it
	// does on a malformed file, starting the hub must end in an error message,
	// never a crash.
	defer func() {
		if r := recover(); r != nil {
			h = motcua.Hall{}
			err = problemsError([]problem{{path: "$", line: 1, msg: fmt.Sprintf(
				"Không đọc được tệp YAML (%v) / The YAML file cannot be read (%v)", r, r)}})
		}
	}()

	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return motcua.Hall{}, problemsError([]problem{decodeProblem(err, nil)})
	}
	var body ast.Node
	if len(file.Docs) > 1 {
		second := file.Docs[1]
		return motcua.Hall{}, problemsError([]problem{{path: "$", line: documentLine(second), msg: "Tệp chỉ được chứa một tài liệu YAML (bỏ dòng \"---\" thứ hai) / The file must hold a single YAML document (remove the second \"---\")"}})
	}
	if len(file.Docs) == 1 {
		body = file.Docs[0].Body
	}
	pos := newPositions(body)

	var d description
	if body != nil {
		if err := yaml.NodeToValue(body, &d, yaml.Strict()); err != nil {
			return motcua.Hall{}, problemsError([]problem{decodeProblem(err, pos)})
		}
	}

	v := validator{pos: pos}
	h = v.check(&d)
	if len(v.problems) > 0 {
		return motcua.Hall{}, problemsError(v.problems)
	}
	return h, nil
}

// description is the file as written. It mirrors motcua.Hall but keeps
// pointers where "left out" and "written as 0" mean different things, and it
// carries the procedures, which motcua.Hall does not read from YAML. The JSON
// names are the YAML names: PUT /api/v1/hall takes the same description.
type description struct {
	Branch      motcua.Branch        `json:"branch" yaml:"branch"`
	Policy      policySpec           `json:"policy" yaml:"policy"`
	Reception   []motcua.Session     `json:"reception" yaml:"reception"`
	Services    []serviceSpec        `json:"services" yaml:"services"`
	Counters    []motcua.CounterSpec `json:"counters" yaml:"counters"`
	Procedures  []procedureSpec      `json:"procedures" yaml:"procedures"`
	Holidays    []motcua.Holiday     `json:"holidays" yaml:"holidays"`
	WorkingDays []motcua.Holiday     `json:"working_days" yaml:"working_days"`
	Privacy     motcua.Privacy       `json:"privacy" yaml:"privacy"`
	Dossiers    motcua.DossierPolicy `json:"dossiers" yaml:"dossiers"`

	// Priority groups (issue 17): left out, the legal ones.
	PriorityGroups []motcua.PriorityGroup `json:"priority_groups" yaml:"priority_groups"`
	Booking        motcua.BookingPolicy   `json:"booking" yaml:"booking"`
}

type policySpec struct {
	Priority       string `json:"priority" yaml:"priority"`
	InterleaveN    *int   `json:"interleave_n" yaml:"interleave_n"`
	NoShowMinCalls *int   `json:"no_show_min_calls" yaml:"no_show_min_calls"`
	// ReactivateMinutes: how long a no-show may come back by its short code.
	ReactivateMinutes *int `json:"reactivate_minutes" yaml:"reactivate_minutes"`
}

type serviceSpec struct {
	Code     string           `json:"code" yaml:"code"`
	Name     string           `json:"name" yaml:"name"`
	NameEn   string           `json:"name_en" yaml:"name_en"`
	Field    string           `json:"field" yaml:"field"`
	Prefix   string           `json:"prefix" yaml:"prefix"`
	Digits   *int             `json:"digits" yaml:"digits"`
	DailyCap int              `json:"daily_cap" yaml:"daily_cap"`
	Hours    []motcua.Session `json:"hours" yaml:"hours"`

	// Reports (issue 15).
	TargetWaitMinutes int `json:"target_wait_minutes" yaml:"target_wait_minutes"`
}

type procedureSpec struct {
	Code           string   `json:"code" yaml:"code"`
	Name           string   `json:"name" yaml:"name"`
	Field          string   `json:"field" yaml:"field"`
	Agency         string   `json:"agency" yaml:"agency"`
	ProcessingDays *int     `json:"processing_days" yaml:"processing_days"`
	Fee            string   `json:"fee" yaml:"fee"`
	Documents      []string `json:"documents" yaml:"documents"`
	Service        string   `json:"service" yaml:"service"`

	// Deadlines (issue 17): "15 ngày", "0.5 ngày", "4 giờ"; the cut-off
	// "HH:MM" after which a receipt counts from the next working day; the
	// working days an officer may extend by when verification is needed.
	ProcessingTime string `json:"processing_time" yaml:"processing_time"`
	Cutoff         string `json:"cutoff" yaml:"cutoff"`
	ExtendedDays   int    `json:"extended_days" yaml:"extended_days"`
}

// problem is one thing wrong with the file.
type problem struct {
	path string
	line int
	msg  string
}

func (p problem) String() string {
	return fmt.Sprintf("%s (line %d): %s", p.path, p.line, p.msg)
}

// problemsError turns the problems into the one error Parse returns, listed
// in file order so the operator can fix them top to bottom.
func problemsError(list []problem) *motcua.Error { return listProblems(list, true) }

// listProblems is problemsError; withLines false leaves the lines out, for a
// description that came as JSON over HTTP, where lines mean nothing to the
// person who filled in a form.
func listProblems(list []problem, withLines bool) *motcua.Error {
	sort.SliceStable(list, func(i, j int) bool { return list[i].line < list[j].line })
	lines := make([]string, 0, len(list)+1)
	lines = append(lines, fmt.Sprintf("Cấu hình sảnh có %d lỗi / The hall description has %d problem(s):", len(list), len(list)))
	fields := map[string]string{}
	for _, p := range list {
		text := p.msg
		if withLines {
			lines = append(lines, p.String())
			text = fmt.Sprintf("line %d: %s", p.line, p.msg)
		} else {
			lines = append(lines, p.path+": "+p.msg)
		}
		if prev, ok := fields[p.path]; ok {
			text = prev + "; " + text
		}
		fields[p.path] = text
	}
	return &motcua.Error{Code: motcua.EValidation, Message: strings.Join(lines, "\n"), Fields: fields}
}

// decodeProblem explains a goccy/go-yaml error in the operator's words,
// keeping its line and, when known, the field path.
func decodeProblem(err error, pos *positions) problem {
	var yerr yaml.Error
	if !errors.As(err, &yerr) {
		return problem{path: "$", line: 1, msg: fmt.Sprintf("Không đọc được YAML: %v / Cannot read the YAML: %v", err, err)}
	}
	tk := yerr.GetToken()
	p := problem{path: "$", line: lineOfToken(tk)}
	if p.line == 0 {
		p.line = 1
	}
	if pos != nil {
		if path := pos.pathOf(tk); path != "" {
			p.path = path
		}
	}
	var (
		unknown    *yaml.UnknownFieldError
		typeErr    *yaml.TypeError
		nodeErr    *yaml.UnexpectedNodeTypeError
		overflow   *yaml.OverflowError
		duplicated *yaml.DuplicateKeyError
	)
	switch {
	case errors.As(err, &unknown):
		p.msg = fmt.Sprintf("trường %q không có trong cấu hình sảnh (sai chính tả?) / unknown field %q (a typo?)", tk.Value, tk.Value)
	case errors.As(err, &typeErr):
		vi, en := describeType(typeErr.DstType)
		p.msg = fmt.Sprintf("giá trị %q không phải %s / %q is not %s", tk.Value, vi, tk.Value, en)
	case errors.As(err, &nodeErr):
		vi, en := describeNodeType(nodeErr.Expected)
		p.msg = fmt.Sprintf("cần %s / expected %s", vi, en)
	case errors.As(err, &overflow):
		p.msg = fmt.Sprintf("số %s quá lớn / the number %s is too large", overflow.SrcNum, overflow.SrcNum)
	case errors.As(err, &duplicated):
		p.msg = fmt.Sprintf("khóa bị lặp lại: %s / duplicate key: %s", yerr.GetMessage(), yerr.GetMessage())
	default:
		p.msg = fmt.Sprintf("lỗi cú pháp YAML: %s / YAML syntax error: %s", yerr.GetMessage(), yerr.GetMessage())
	}
	return p
}

func describeType(t reflect.Type) (vi, en string) {
	if t == nil {
		return "giá trị hợp lệ", "a valid value"
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "số nguyên", "a whole number"
	case reflect.String:
		return "chuỗi ký tự", "a text"
	case reflect.Slice:
		return "danh sách", "a list"
	case reflect.Struct, reflect.Map:
		return "nhóm trường (key: value)", "a mapping (key: value)"
	case reflect.Pointer:
		return describeType(t.Elem())
	}
	return "giá trị hợp lệ", "a valid value"
}

func describeNodeType(t ast.NodeType) (vi, en string) {
	switch t {
	case ast.SequenceType:
		return "một danh sách (các dòng bắt đầu bằng \"- \")", "a list (lines starting with \"- \")"
	case ast.MappingType, ast.MappingValueType:
		return "một nhóm trường (key: value)", "a mapping (key: value)"
	}
	return "một giá trị đơn", "a single value"
}

func documentLine(doc *ast.DocumentNode) int {
	if doc.Start != nil {
		return lineOfToken(doc.Start)
	}
	if doc.Body != nil {
		return lineOfToken(doc.Body.GetToken())
	}
	return 1
}

// Locate names the lines of the file a hall description came from in an
// error found after it was read: applying the file to a running hall may be
// refused for a field (a service that people still wait for, a prefix another
// service used today). Each field of err becomes "path (line N): message";
// the code stays. Any other error is returned as it is.
func Locate(file string, err error) error {
	var e *motcua.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	pos := newPositions(nil)
	if data, rerr := os.ReadFile(file); rerr == nil {
		if f, perr := parser.ParseBytes(data, 0); perr == nil && len(f.Docs) > 0 {
			pos = newPositions(f.Docs[0].Body)
		}
	}
	list := make([]problem, 0, len(e.Fields))
	for path, msg := range e.Fields {
		list = append(list, problem{path: path, line: pos.line(path), msg: msg})
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].line != list[j].line {
			return list[i].line < list[j].line
		}
		return list[i].path < list[j].path
	})
	head, _, _ := strings.Cut(e.Message, "\n") // the rest lists the fields again, without lines
	lines := []string{file + ": " + head}
	fields := map[string]string{}
	for _, p := range list {
		lines = append(lines, p.String())
		fields[p.path] = fmt.Sprintf("line %d: %s", p.line, p.msg)
	}
	return &motcua.Error{Code: e.Code, Message: strings.Join(lines, "\n"), Fields: fields}
}
