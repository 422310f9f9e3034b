package hall

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/motcua/motcua"
)

// Catalogue formats ParseProcedures reads.
const (
	FormatCSV  = "csv"
	FormatYAML = "yaml"
)

// ParseProcedures reads a procedure catalogue to import into the hall (a
// real center offers hundreds of procedures): in YAML, a list of procedures
// written as in the hall description, bare or under "procedures:"; in CSV, a
// header row naming the columns code, name, field, agency, processing_days,
// fee, documents, service (any order; code, name, agency, processing_days
// and documents required), then one procedure per row, the documents one per
// line within their cell or separated by "|". Commas or semicolons separate
// the cells. Each procedure is checked as in the hall description, except
// that the service it names is checked only when the catalogue is applied to
// the hall. Problems name procedures[i].field and the line, as Parse's do.
func ParseProcedures(data []byte, format string) ([]motcua.Procedure, error) {
	switch format {
	case FormatYAML:
		return parseProceduresYAML(data)
	case FormatCSV:
		return parseProceduresCSV(data)
	}
	return nil, motcua.Errorf(motcua.EInvalid, "Định dạng %q không hỗ trợ, dùng csv hoặc yaml. / Format %q is not supported: use csv or yaml.", format, format)
}

func parseProceduresYAML(data []byte) (procs []motcua.Procedure, err error) {
	defer func() {
		if r := recover(); r != nil {
			procs, err = nil, problemsError([]problem{{path: "$", line: 1, msg: fmt.Sprintf(
				"Không đọc được tệp YAML (%v) / The YAML file cannot be read (%v)", r, r)}})
		}
	}()
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, problemsError([]problem{decodeProblem(err, nil)})
	}
	if len(file.Docs) != 1 || file.Docs[0].Body == nil {
		return nil, problemsError([]problem{{path: "$", line: 1, msg: "Tệp cần đúng một danh sách thủ tục / The file must hold one list of procedures"}})
	}
	body := file.Docs[0].Body
	pos := &positions{lineOf: map[string]int{}, pathAt: map[[2]int]string{}, numberText: map[string]string{}}
	var specs []procedureSpec
	if _, bare := body.(*ast.SequenceNode); bare {
		pos.walk(body, "procedures")
		err = yaml.NodeToValue(body, &specs, yaml.Strict())
	} else {
		pos.walk(body, "")
		var wrapped struct {
			Procedures []procedureSpec `yaml:"procedures"`
		}
		err = yaml.NodeToValue(body, &wrapped, yaml.Strict())
		specs = wrapped.Procedures
	}
	if err != nil {
		return nil, problemsError([]problem{decodeProblem(err, pos)})
	}
	return checkCatalogue(specs, pos)
}

func checkCatalogue(specs []procedureSpec, pos *positions) ([]motcua.Procedure, error) {
	if len(specs) == 0 {
		return nil, problemsError([]problem{{path: "procedures", line: pos.line("procedures"),
			msg: "Tệp không có thủ tục nào / The file holds no procedure"}})
	}
	v := validator{pos: pos, anyService: true}
	procs := v.checkProcedures(specs, nil)
	if len(v.problems) > 0 {
		return nil, problemsError(v.problems)
	}
	return procs, nil
}

// csvColumns are the columns a catalogue may have; true marks the required.
var csvColumns = map[string]bool{"code": true, "name": true, "field": false, "agency": true,
	"processing_days": true, "fee": false, "documents": true, "service": false,
	"processing_time": false, "cutoff": false, "extended_days": false}

func parseProceduresCSV(data []byte) ([]motcua.Procedure, error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF")) // the byte-order mark spreadsheets write
	if !utf8.Valid(data) {
		return nil, problemsError([]problem{{path: "$", line: 1, msg: "Tệp CSV phải lưu bằng mã UTF-8 / The CSV file must be saved as UTF-8"}})
	}
	r := csv.NewReader(bytes.NewReader(data))
	first, _, _ := bytes.Cut(data, []byte("\n"))
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		r.Comma = ';'
	}
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, csvProblem(err)
	}
	col := map[string]int{}
	var problems []problem
	for i, name := range header {
		name = strings.ToLower(strings.TrimSpace(name))
		if _, known := csvColumns[name]; !known {
			problems = append(problems, problem{path: "columns[" + strconv.Itoa(i) + "]", line: 1,
				msg: fmt.Sprintf("cột %q không có trong danh mục thủ tục (dùng code, name, field, agency, processing_days, processing_time, cutoff, extended_days, fee, documents, service) / unknown column %q (use code, name, field, agency, processing_days, processing_time, cutoff, extended_days, fee, documents, service)", name, name)})
			continue
		}
		col[name] = i
	}
	for name, required := range csvColumns {
		if _, ok := col[name]; required && !ok {
			problems = append(problems, problem{path: "columns", line: 1,
				msg: fmt.Sprintf("thiếu cột %q / the column %q is missing", name, name)})
		}
	}
	if len(problems) > 0 {
		return nil, problemsError(problems)
	}
	pos := &positions{lineOf: map[string]int{"procedures": 1}, pathAt: map[[2]int]string{}, numberText: map[string]string{}}
	var specs []procedureSpec
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvProblem(err)
		}
		i := len(specs)
		item := "procedures[" + strconv.Itoa(i) + "]"
		line, _ := r.FieldPos(0)
		pos.lineOf[item] = line
		cell := func(name string) string {
			if k, ok := col[name]; ok && k < len(rec) {
				return strings.TrimSpace(rec[k])
			}
			return ""
		}
		p := procedureSpec{Code: cell("code"), Name: cell("name"), Field: cell("field"), Agency: cell("agency"),
			Fee: cell("fee"), Service: cell("service")}
		if days := cell("processing_days"); days != "" {
			n, err := strconv.Atoi(days)
			if err != nil {
				problems = append(problems, problem{path: item + ".processing_days", line: line,
					msg: fmt.Sprintf("giá trị %q không phải số nguyên / %q is not a whole number", days, days)})
			} else {
				p.ProcessingDays = &n
			}
		}
		p.ProcessingTime, p.Cutoff = cell("processing_time"), cell("cutoff")
		if ext := cell("extended_days"); ext != "" {
			n, err := strconv.Atoi(ext)
			if err != nil {
				problems = append(problems, problem{path: item + ".extended_days", line: line,
					msg: fmt.Sprintf("giá trị %q không phải số nguyên / %q is not a whole number", ext, ext)})
			}
			p.ExtendedDays = n
		}
		for _, doc := range strings.FieldsFunc(cell("documents"), func(r rune) bool { return r == '\n' || r == '|' }) {
			if doc = strings.TrimSpace(doc); doc != "" {
				p.Documents = append(p.Documents, doc)
			}
		}
		specs = append(specs, p)
	}
	if len(problems) > 0 {
		return nil, problemsError(problems)
	}
	return checkCatalogue(specs, pos)
}

func csvProblem(err error) error {
	line := 1
	var perr *csv.ParseError
	if errors.As(err, &perr) {
		line = perr.Line
	}
	if errors.Is(err, io.EOF) {
		return problemsError([]problem{{path: "$", line: 1, msg: "Tệp CSV trống / The CSV file is empty"}})
	}
	return problemsError([]problem{{path: "$", line: line, msg: fmt.Sprintf("lỗi CSV: %v / CSV error: %v", err, err)}})
}
