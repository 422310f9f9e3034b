package motcua

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// OddText says what makes s unfit as text from outside, or "" when it is
// fine: bytes that are not UTF-8, NUL and other control characters (tab,
// line feed and carriage return excepted: notes have lines), and the
// invisible bidirectional controls that make "exe.txt" read as "txt.exe".
// PostgreSQL refuses NUL and invalid UTF-8 outright; the rest spoil
// printouts, logs and spreadsheets.
func OddText(s string) string {
	if !utf8.ValidString(s) {
		return "không phải UTF-8 hợp lệ / not valid UTF-8"
	}
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
		case r < 0x20 || (r >= 0x7f && r <= 0x9f):
			return fmt.Sprintf("có ký tự điều khiển U+%04X / holds the control character U+%04X", r, r)
		case r == 0x200e || r == 0x200f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069):
			return fmt.Sprintf("có ký tự đảo chiều văn bản U+%04X / holds the bidirectional control U+%04X", r, r)
		}
	}
	return ""
}

// CheckText walks a decoded value (structs, pointers, slices, arrays and
// maps down to their strings) and refuses odd text (OddText) with an
// EInvalid *Error whose Fields name each bad field by its tag (tag is
// "json" or "yaml"), e.g. "applicant.full_name" or "documents[2]".
func CheckText(v any, tag string) error {
	fields := map[string]string{}
	checkText(reflect.ValueOf(v), "", tag, fields)
	if len(fields) == 0 {
		return nil
	}
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	slices.Sort(names)
	list := strings.Join(names, ", ")
	return &Error{Code: EInvalid,
		Message: "Văn bản có ký tự không cho phép ở " + list + ". / Text with characters that are not allowed in " + list + ".",
		Fields:  fields}
}

func checkText(v reflect.Value, path, tag string, out map[string]string) {
	if len(out) >= 20 { // enough to act on
		return
	}
	switch v.Kind() {
	case reflect.String:
		if p := OddText(v.String()); p != "" {
			out[fieldName(path)] = p
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			checkText(v.Elem(), path, tag, out)
		}
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			return // raw bytes are not text
		}
		for i := range v.Len() {
			checkText(v.Index(i), path+"["+strconv.Itoa(i)+"]", tag, out)
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			k := iter.Key()
			name := fmt.Sprint(k.Interface())
			if k.Kind() == reflect.String {
				if p := OddText(k.String()); p != "" {
					out[fieldName(path)] = p
					continue
				}
			}
			checkText(iter.Value(), joinPath(path, name), tag, out)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get(tag), ",")
			if name == "-" {
				continue
			}
			if f.Anonymous && name == "" {
				checkText(v.Field(i), path, tag, out)
				continue
			}
			if name == "" {
				name = f.Name
			}
			checkText(v.Field(i), joinPath(path, name), tag, out)
		}
	}
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func fieldName(path string) string {
	if path == "" {
		return "body"
	}
	return path
}
