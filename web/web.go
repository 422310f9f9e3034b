// Package web is the HTTP plumbing every handler package shares: JSON in and
// out, the one table from error codes to statuses, staff authentication and
// per-client limits.
package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/motcua/motcua"
)

// MaxBodyBytes bounds every JSON request body; a dossier with its documents
// list fits easily.
const MaxBodyBytes = 64 << 10

// statusOf is the one place where application error codes become HTTP statuses.
var statusOf = map[string]int{
	motcua.EInvalid:          http.StatusBadRequest,
	motcua.EValidation:       http.StatusUnprocessableEntity,
	motcua.ENotFound:         http.StatusNotFound,
	motcua.EConflict:         http.StatusConflict,
	motcua.EClosed:           http.StatusConflict,
	motcua.EUnauthorized:     http.StatusUnauthorized,
	motcua.EForbidden:        http.StatusForbidden,
	motcua.ETooMany:          http.StatusTooManyRequests,
	motcua.ETooLarge:         http.StatusRequestEntityTooLarge,
	motcua.EUnavailable:      http.StatusServiceUnavailable,
	motcua.EMethodNotAllowed: http.StatusMethodNotAllowed,
	motcua.EInternal:         http.StatusInternalServerError,
}

// StatusOf maps an error to its HTTP status.
func StatusOf(err error) int {
	if s, ok := statusOf[motcua.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

type errorBody struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields,omitempty"`
	} `json:"error"`
}

type loggerKey struct{}

// WithLogger is middleware that hands the logger to Error through the
// request's context: failures are logged where they are answered, the same
// failure at most once every few seconds (see errorLog).
func WithLogger(log *slog.Logger) func(http.Handler) http.Handler {
	errs := newErrorLog(log, time.Now)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), loggerKey{}, errs)))
		})
	}
}

func errorLogFrom(ctx context.Context) *errorLog {
	if l, ok := ctx.Value(loggerKey{}).(*errorLog); ok {
		return l
	}
	return newErrorLog(slog.New(slog.DiscardHandler), time.Now)
}

func loggerFrom(ctx context.Context) *slog.Logger { return errorLogFrom(ctx).log }

// Error is the one writer of error answers. The API (/api/, /ws/) and a
// client that asks for JSON get the error body {"error":{"code","message",
// "fields"}}; a page, a printout or a phone's tracking link opened in a
// browser gets a small HTML page a person can read (and print). Failures of
// the hub (5xx) are logged with their cause and the request path, the same
// failure at most once every few seconds, and answered with a generic
// message. A client that went away is not a failure: nothing is answered.
func Error(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		loggerFrom(r.Context()).DebugContext(r.Context(), "client went away", "method", r.Method, "path", r.URL.Path)
		return
	}
	status := StatusOf(err)
	if status >= 500 {
		errorLogFrom(r.Context()).failed(r.Context(), motcua.ErrorCode(err)+" "+causeOf(err),
			"method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
	if !wantsJSON(r) {
		errorPage(w, r, status, err)
		return
	}
	var body errorBody
	body.Error.Code = motcua.ErrorCode(err)
	body.Error.Message = motcua.ErrorMessage(err)
	var e *motcua.Error
	if errors.As(err, &e) {
		body.Error.Fields = e.Fields
	}
	JSON(w, status, body)
}

// causeOf is what kind of failure err is, for grouping log lines: the
// cause's text when there is one, else the error's.
func causeOf(err error) string {
	var e *motcua.Error
	if errors.As(err, &e) && e.Cause != nil {
		err = e.Cause
	}
	s := err.Error()
	if len(s) > 120 {
		s = s[:120]
	}
	return s
}

// wantsJSON says whether an error answer to r is JSON (the API, or a client
// that accepts JSON and not HTML) or a page.
func wantsJSON(r *http.Request) bool {
	p := r.URL.Path
	if strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/ws/") {
		return true
	}
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html")
}

var errorPageTemplate = template.Must(template.New("e").Parse(`<!doctype html><html lang="vi"><meta charset="utf-8">` +
	`<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{.Title}}</title>` +
	`<body style="font-family:sans-serif;padding:1rem"><h1>{{.Title}}</h1><p>{{.Message}}</p></body></html>`))

// errorPage answers with the HTML error page. A printout (a receipt, a
// letter, the ledger) says it cannot print, instead of JSON in a print window.
func errorPage(w http.ResponseWriter, r *http.Request, status int, err error) {
	title := "Có lỗi / Something went wrong"
	switch {
	case strings.HasPrefix(r.URL.Path, "/dossiers/") || strings.HasPrefix(r.URL.Path, "/reports/"):
		title = "Không in được / Cannot print"
	case status == http.StatusNotFound:
		title = "Không tìm thấy / Not found"
	}
	var buf bytes.Buffer
	if terr := errorPageTemplate.Execute(&buf, struct{ Title, Message string }{title, motcua.ErrorMessage(err)}); terr != nil {
		loggerFrom(r.Context()).Error("error page", "err", terr)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// JSON writes v with the given status.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// Decode reads a JSON body into dst: sent as application/json (a form or a
// body without a type, which another web site can make a browser send, is
// refused), bounded in size, valid UTF-8, one object, no unknown fields, and
// no control or bidirectional characters in any string (motcua.CheckText).
// Every failure is an *motcua.Error a person can act on, before any SQL.
func Decode(w http.ResponseWriter, r *http.Request, dst any) error {
	if err := requireJSON(r); err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		return decodeError(err)
	}
	return DecodeBytes(body, dst)
}

// DecodeBytes is Decode's check of a body already read.
func DecodeBytes(body []byte, dst any) error {
	if !utf8.Valid(body) {
		return &motcua.Error{Code: motcua.EInvalid, Message: "Nội dung không phải UTF-8 hợp lệ. / The body is not valid UTF-8.",
			Fields: map[string]string{"body": "không phải UTF-8 hợp lệ / not valid UTF-8"}}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return motcua.Errorf(motcua.EInvalid, "Chỉ gửi một đối tượng JSON. / Send exactly one JSON object.")
	}
	return motcua.CheckText(dst, "json")
}

// requireJSON refuses a body that is not declared JSON.
func requireJSON(r *http.Request) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return &motcua.Error{Code: motcua.EInvalid,
			Message: "Nội dung phải là JSON (Content-Type: application/json). / The body must be JSON (Content-Type: application/json).",
			Fields:  map[string]string{"Content-Type": "application/json"}}
	}
	return nil
}

// RefuseOddURLs is middleware that answers 400 to a path or query holding
// odd text (motcua.OddText: NUL, invalid UTF-8, controls, bidirectional
// overrides), so no handler passes it on to the database.
func RefuseOddURLs(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := motcua.OddText(r.URL.Path); p != "" {
			Error(w, r, &motcua.Error{Code: motcua.EInvalid, Message: "Đường dẫn " + p + ". / The path " + p + ".",
				Fields: map[string]string{"path": p}})
			return
		}
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			Error(w, r, motcua.Errorf(motcua.EInvalid, "Tham số truy vấn không đọc được. / The query string cannot be read."))
			return
		}
		for k, vs := range q {
			for _, v := range append([]string{k}, vs...) {
				if p := motcua.OddText(v); p != "" {
					Error(w, r, &motcua.Error{Code: motcua.EInvalid, Message: "Tham số " + k + " " + p + ". / The parameter " + k + " " + p + ".",
						Fields: map[string]string{k: p}})
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

func decodeError(err error) error {
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return motcua.Errorf(motcua.ETooLarge, "Nội dung quá lớn (tối đa %d byte). / The body is too large (at most %d bytes).", tooLarge.Limit, tooLarge.Limit)
	case errors.As(err, &syntax):
		return motcua.Errorf(motcua.EInvalid, "JSON sai cú pháp ở vị trí %d. / Malformed JSON at offset %d.", syntax.Offset, syntax.Offset)
	case errors.As(err, &typeErr):
		return &motcua.Error{Code: motcua.EInvalid,
			Message: "Trường " + typeErr.Field + " phải có kiểu " + typeErr.Type.String() + ". / Field " + typeErr.Field + " must be of type " + typeErr.Type.String() + ".",
			Fields:  map[string]string{typeErr.Field: "wrong type, want " + typeErr.Type.String()}}
	case errors.Is(err, io.EOF):
		return motcua.Errorf(motcua.EInvalid, "Thiếu nội dung JSON. / The JSON body is missing.")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return motcua.Errorf(motcua.EInvalid, "JSON bị cắt cụt. / The JSON body is truncated.")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.TrimPrefix(err.Error(), "json: unknown field ")
		e := motcua.Errorf(motcua.EInvalid, "Trường %s không được hỗ trợ. / Unknown field %s.", name, name)
		e.Fields = map[string]string{strings.Trim(name, `"`): "Trường không được hỗ trợ. / Unknown field."}
		return e
	default:
		return motcua.Errorf(motcua.EInvalid, "Nội dung JSON không đọc được: %v. / The JSON body cannot be read: %v.", err, err)
	}
}

// IDParam reads a positive integer URL parameter.
func IDParam(r *http.Request, name string) (int64, error) {
	raw := chi.URLParam(r, name)
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, motcua.Errorf(motcua.ENotFound, "Mã %q không hợp lệ. / %q is not a valid id.", raw, raw)
	}
	return id, nil
}

// NotFound answers an unknown path with the API's error body.
func NotFound(w http.ResponseWriter, r *http.Request) {
	Error(w, r, motcua.Errorf(motcua.ENotFound, "Không có đường dẫn %s. / There is no %s.", r.URL.Path, r.URL.Path))
}

// MethodNotAllowed answers a known path with the wrong method.
func MethodNotAllowed(w http.ResponseWriter, r *http.Request) {
	Error(w, r, motcua.Errorf(motcua.EMethodNotAllowed, "Phương thức %s không dùng được ở đây. / Method %s is not allowed here.", r.Method, r.Method))
}

// Page serves one embedded HTML page with no-cache headers, so a hall screen
// picks up a new version at its next reload.
func Page(files fs.FS, name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := fs.ReadFile(files, name)
		if err != nil {
			Error(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Write(body)
	}
}
