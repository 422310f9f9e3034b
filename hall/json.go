package hall

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/motcua/motcua"
)

// ParseJSON reads a hall description sent as JSON (PUT /api/v1/hall): the
// same fields as the YAML file, checked by the same rules. It is strict the
// way encoding/json is not: an unknown field, a key written twice, a value of
// the wrong kind (a number for a prefix, 1.5 for a counter number) are
// problems that name their field, e.g. services[2].prefix. Every problem of
// one kind is reported at once. Malformed JSON is an EInvalid error; every
// other problem an EValidation error like Parse's, without lines.
func ParseJSON(data []byte) (motcua.Hall, error) {
	pos := newPositions(nil)
	w := jsonWalker{dec: json.NewDecoder(bytes.NewReader(data)), data: data, pos: pos}
	w.dec.UseNumber()
	if err := w.value(reflect.TypeFor[description](), ""); err != nil {
		return motcua.Hall{}, err
	}
	if _, err := w.dec.Token(); !errors.Is(err, io.EOF) {
		return motcua.Hall{}, motcua.Errorf(motcua.EInvalid,
			"Chỉ gửi một đối tượng JSON. / Send exactly one JSON object.")
	}
	if len(w.problems) > 0 {
		return motcua.Hall{}, listProblems(w.problems, false)
	}
	var d description
	if err := json.Unmarshal(data, &d); err != nil {
		// The walk accepted it, so this is a bug, not the sender's mistake.
		return motcua.Hall{}, fmt.Errorf("hall: decode checked JSON: %w", err)
	}
	v := validator{pos: pos}
	h := v.check(&d)
	if len(v.problems) > 0 {
		return motcua.Hall{}, listProblems(v.problems, false)
	}
	return h, nil
}

// jsonWalker reads JSON tokens against the Go type they will decode into,
// noting every field's path and line and every structural problem.
type jsonWalker struct {
	dec      *json.Decoder
	data     []byte
	pos      *positions
	problems []problem
}

func (w *jsonWalker) line() int {
	off := int(w.dec.InputOffset())
	return 1 + bytes.Count(w.data[:min(off, len(w.data))], []byte("\n"))
}

func (w *jsonWalker) add(path, format string, args ...any) {
	if path == "" {
		path = "$"
	}
	w.problems = append(w.problems, problem{path: path, line: w.line(), msg: fmt.Sprintf(format, args...)})
}

func (w *jsonWalker) token() (json.Token, error) {
	tk, err := w.dec.Token()
	if err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return nil, motcua.Errorf(motcua.EInvalid, "JSON sai cú pháp ở vị trí %d. / Malformed JSON at offset %d.", syntax.Offset, syntax.Offset)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, motcua.Errorf(motcua.EInvalid, "JSON bị thiếu hoặc bị cắt cụt. / The JSON body is missing or truncated.")
		}
		return nil, motcua.Errorf(motcua.EInvalid, "Nội dung JSON không đọc được: %v. / The JSON body cannot be read: %v.", err, err)
	}
	return tk, nil
}

// value reads one JSON value that decodes into t at path. A problem with the
// value is noted and the value skipped; only malformed JSON stops the walk.
func (w *jsonWalker) value(t reflect.Type, path string) error {
	tk, err := w.token()
	if err != nil {
		return err
	}
	if tk == nil {
		return nil // null: left out
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		if tk != json.Delim('{') {
			w.add(path, "cần một đối tượng JSON {…} / expected a JSON object {…}")
			return w.skip(tk)
		}
		return w.object(t, path)
	case reflect.Slice:
		if tk != json.Delim('[') {
			w.add(path, "cần một danh sách JSON […] / expected a JSON list […]")
			return w.skip(tk)
		}
		for i := 0; w.dec.More(); i++ {
			item := path + "[" + strconv.Itoa(i) + "]"
			w.pos.lineOf[item] = w.line()
			if err := w.value(t.Elem(), item); err != nil {
				return err
			}
		}
		_, err := w.token() // ]
		return err
	case reflect.String:
		if _, ok := tk.(string); !ok {
			w.add(path, "giá trị %s không phải chuỗi ký tự (đặt trong dấu nháy kép) / %s is not a text (put it in double quotes)", tokenText(tk), tokenText(tk))
			return w.skip(tk)
		}
	case reflect.Bool:
		if _, ok := tk.(bool); !ok {
			w.add(path, "giá trị %s không phải true/false / %s is not true or false", tokenText(tk), tokenText(tk))
			return w.skip(tk)
		}
	case reflect.Int:
		n, ok := tk.(json.Number)
		i, err := strconv.ParseInt(string(n), 10, 64)
		if !ok || err != nil || i > math.MaxInt32 || i < math.MinInt32 {
			w.add(path, "giá trị %s không phải số nguyên / %s is not a whole number", tokenText(tk), tokenText(tk))
			return w.skip(tk)
		}
	default:
		return fmt.Errorf("hall: no JSON rule for %s at %s", t, path)
	}
	return nil
}

// object reads the members of a JSON object into the fields of struct t.
func (w *jsonWalker) object(t reflect.Type, path string) error {
	fields := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			fields[name] = f.Type
		}
	}
	seen := map[string]bool{}
	for w.dec.More() {
		tk, err := w.token()
		if err != nil {
			return err
		}
		key, _ := tk.(string)
		child := key
		if path != "" {
			child = path + "." + key
		}
		w.pos.lineOf[child] = w.line()
		ft, known := fields[key]
		switch {
		case !known:
			w.add(child, "trường %q không có trong cấu hình sảnh (sai chính tả?) / unknown field %q (a typo?)", key, key)
		case seen[key]:
			w.add(child, "trường %q được ghi hai lần / field %q is written twice", key, key)
		}
		seen[key] = true
		if !known {
			if err := w.skipValue(); err != nil {
				return err
			}
			continue
		}
		if err := w.value(ft, child); err != nil {
			return err
		}
	}
	_, err := w.token() // }
	return err
}

// skipValue skips the next value.
func (w *jsonWalker) skipValue() error {
	tk, err := w.token()
	if err != nil {
		return err
	}
	return w.skip(tk)
}

// skip skips the rest of a value whose first token is tk.
func (w *jsonWalker) skip(tk json.Token) error {
	if tk != json.Delim('{') && tk != json.Delim('[') {
		return nil
	}
	for depth := 1; depth > 0; {
		tk, err := w.token()
		if err != nil {
			return err
		}
		switch tk {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	return nil
}

func tokenText(tk json.Token) string {
	switch v := tk.(type) {
	case json.Delim:
		if v == '{' {
			return "{…}"
		}
		return "[…]"
	case string:
		return strconv.Quote(v)
	case json.Number:
		return string(v)
	case bool:
		return strconv.FormatBool(v)
	}
	return fmt.Sprint(tk)
}

// JSON writes a hall as its description (GET /api/v1/hall): the YAML field
// names, every default written out, lists never null. ParseJSON of the
// answer gives the same hall back.
func JSON(h motcua.Hall) ([]byte, error) {
	return json.Marshal(document(h))
}

// document is h as a description with every field written.
func document(h motcua.Hall) description {
	d := description{
		Branch:      h.Branch,
		Policy:      policyDoc(h.Policy),
		Reception:   sessions(h.Reception),
		Services:    make([]serviceSpec, len(h.Services)),
		Counters:    make([]motcua.CounterSpec, len(h.Counters)),
		Procedures:  make([]procedureSpec, len(h.Procedures)),
		Holidays:    days(h.Holidays),
		WorkingDays: days(h.WorkingDays),
		Privacy:     h.Privacy,
		Dossiers:    h.Dossiers,

		PriorityGroups: priorityGroups(h.PriorityGroups),
		Booking:        bookingDoc(h.Booking),
	}
	for i, s := range h.Services {
		d.Services[i] = serviceDoc(s)
	}
	for i, c := range h.Counters {
		d.Counters[i] = counterDoc(c)
	}
	for i, p := range h.Procedures {
		d.Procedures[i] = procedureDoc(p)
	}
	return d
}

func policyDoc(p motcua.QueuePolicy) policySpec {
	return policySpec{Priority: p.Priority, InterleaveN: &p.InterleaveN, NoShowMinCalls: &p.NoShowMinCalls,
		ReactivateMinutes: &p.ReactivateMinutes}
}

func serviceDoc(s motcua.ServiceSpec) serviceSpec {
	return serviceSpec{Code: s.Code, Name: s.Name, NameEn: s.NameEn, Field: s.Field, Prefix: s.Prefix,
		Digits: &s.Digits, DailyCap: s.DailyCap, Hours: sessions(s.Hours), TargetWaitMinutes: s.TargetWaitMinutes}
}

func counterDoc(c motcua.CounterSpec) motcua.CounterSpec {
	if c.Services == nil {
		c.Services = []string{}
	}
	return c
}

func procedureDoc(p motcua.Procedure) procedureSpec {
	docs := p.Documents
	if docs == nil {
		docs = []string{}
	}
	return procedureSpec{Code: p.Code, Name: p.Name, Field: p.Field, Agency: p.Agency,
		ProcessingDays: &p.ProcessingDays, Fee: p.Fee, Documents: docs, Service: p.ServiceCode,
		ProcessingTime: p.ProcessingTime, Cutoff: p.Cutoff, ExtendedDays: p.ExtendedDays}
}

func sessions(s []motcua.Session) []motcua.Session {
	if s == nil {
		return []motcua.Session{}
	}
	return s
}

func days(d []motcua.Holiday) []motcua.Holiday {
	if d == nil {
		return []motcua.Holiday{}
	}
	return d
}

func priorityGroups(g []motcua.PriorityGroup) []motcua.PriorityGroup {
	if g == nil {
		return []motcua.PriorityGroup{}
	}
	return g
}

// ProceduresJSON writes procedures as the description writes them (an
// imported catalogue, shown before it joins the hall).
func ProceduresJSON(procs []motcua.Procedure) ([]byte, error) {
	out := make([]procedureSpec, len(procs))
	for i, p := range procs {
		out[i] = procedureDoc(p)
	}
	return json.Marshal(out)
}

// bookingDoc writes the online-number rules with every list present.
func bookingDoc(b motcua.BookingPolicy) motcua.BookingPolicy {
	services := make([]motcua.ServiceBooking, len(b.Services))
	for i, s := range b.Services {
		s.Hours = sessions(s.Hours)
		services[i] = s
	}
	b.Services = services
	return b
}
