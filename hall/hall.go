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
// carries the procedures, which motcua.Hall does not read from YAML.
type description struct {
	Branch      motcua.Branch        `yaml:"branch"`
	Policy      policySpec           `yaml:"policy"`
	Reception   []motcua.Session     `yaml:"reception"`
	Services    []serviceSpec        `yaml:"services"`
	Counters    []motcua.CounterSpec `yaml:"counters"`
	Procedures  []procedureSpec      `yaml:"procedures"`
	Holidays    []motcua.Holiday     `yaml:"holidays"`
	WorkingDays []motcua.Holiday     `yaml:"working_days"`
	Privacy     motcua.Privacy       `yaml:"privacy"`
	Dossiers    motcua.DossierPolicy `yaml:"dossiers"`
}

type policySpec struct {
	Priority       string `yaml:"priority"`
	InterleaveN    *int   `yaml:"interleave_n"`
	NoShowMinCalls *int   `yaml:"no_show_min_calls"`
	// ReactivateMinutes: how long a no-show may come back by its short code.
	ReactivateMinutes *int `yaml:"reactivate_minutes"`
}

type serviceSpec struct {
	Code     string           `yaml:"code"`
	Name     string           `yaml:"name"`
	NameEn   string           `yaml:"name_en"`
	Field    string           `yaml:"field"`
	Prefix   string           `yaml:"prefix"`
	Digits   *int             `yaml:"digits"`
	DailyCap int              `yaml:"daily_cap"`
	Hours    []motcua.Session `yaml:"hours"`

	// Reports (issue 15).
	TargetWaitMinutes int `yaml:"target_wait_minutes"`
}

type procedureSpec struct {
	Code           string   `yaml:"code"`
	Name           string   `yaml:"name"`
	Field          string   `yaml:"field"`
	Agency         string   `yaml:"agency"`
	ProcessingDays *int     `yaml:"processing_days"`
	Fee            string   `yaml:"fee"`
	Documents      []string `yaml:"documents"`
	Service        string   `yaml:"service"`
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
func problemsError(list []problem) *motcua.Error {
	sort.SliceStable(list, func(i, j int) bool { return list[i].line < list[j].line })
	lines := make([]string, 0, len(list)+1)
	lines = append(lines, fmt.Sprintf("Cấu hình sảnh có %d lỗi / The hall description has %d problem(s):", len(list), len(list)))
	fields := map[string]string{}
	for _, p := range list {
		lines = append(lines, p.String())
		text := fmt.Sprintf("line %d: %s", p.line, p.msg)
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
