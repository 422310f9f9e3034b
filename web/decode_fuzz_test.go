package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/motcua/motcua"
)

// fuzzRequest has the shapes request bodies use: numbers, booleans,
// optional pointers, strings, lists and a nested object.
type fuzzRequest struct {
	ServiceID *int64            `json:"service_id"`
	Priority  bool              `json:"priority"`
	Group     string            `json:"priority_group"`
	Documents []string          `json:"documents"`
	Applicant map[string]string `json:"applicant"`
}

// FuzzDecode feeds arbitrary bodies and content types to Decode. Whatever
// arrives, Decode must not panic, must answer a client error (4xx) with a
// message a person can read in both languages, and a body it accepts must
// survive a round trip unchanged. The seeds run as an ordinary test.
func FuzzDecode(f *testing.F) {
	seeds := []struct{ ct, body string }{
		{"application/json", `{"service_id": 2, "priority": true}`},
		{"application/json; charset=utf-8", `{"service_id": 1, "priority_group": "elderly", "documents": ["Tờ khai", "CCCD"]}`},
		{"", `{"applicant": {"name": "Nguyễn Văn An", "phone": "0912345678"}}`},
		{"application/json", `{"service_id": "2"}`},
		{"application/json", `{"service_id": 2} {"service_id": 3}`},
		{"application/json", `{"service_id": 2, "admin": true}`},
		{"application/json", `{"service_id": 2`},
		{"application/json", `[1,2,3]`},
		{"application/json", `null`},
		{"application/json", ``},
		{"application/json", `{"documents": [` + strings.Repeat(`"x",`, 20) + `"y"]}`},
		{"text/plain", `{"service_id": 2}`},
		{"application/json", `{"service_id": 99999999999999999999999}`},
		{"application/json", "{\"priority_group\": \"\xff\xfe\"}"},
		{"application/json", `{"priority_group": "\ud800"}`},
		{"application/json", `{"service_id": 1e3}`},
		{"application/json", strings.Repeat("[", 10000)},
		{"application/json", `{"priority_group": "A\u0000B"}`},
		{"application/json", `{"documents": ["ok", "\u202eexe.txt"]}`},
		{"application/json", `{"applicant": {"name": "A\u0007"}}`},
		{"application/json", `{"applicant": {"\u0000": "x"}}`},
		{"application/json; charset=utf-8", `{"applicant": {"name": "Nguyễn\tVăn\nAn"}}`},
	}
	for _, s := range seeds {
		f.Add(s.ct, []byte(s.body))
	}
	f.Add("application/json", append([]byte(`{"priority_group":"`), append(bytes.Repeat([]byte("a"), MaxBodyBytes), '"', '}')...))

	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/api/v1/tickets", bytes.NewReader(body))
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		var got fuzzRequest
		err := Decode(httptest.NewRecorder(), r, &got)
		if err != nil {
			var appErr *motcua.Error
			if !errors.As(err, &appErr) {
				t.Fatalf("Decode(%q): error %T %v is not a *motcua.Error", body, err, err)
			}
			if status := StatusOf(err); status < 400 || status > 499 {
				t.Fatalf("Decode(%q): status %d for %v, want a 4xx", body, status, err)
			}
			if !strings.Contains(appErr.Message, " / ") || !utf8.ValidString(appErr.Message) {
				t.Fatalf("Decode(%q): message %q is not a valid Vietnamese / English pair", body, appErr.Message)
			}
			return
		}
		if len(body) > MaxBodyBytes {
			t.Fatalf("Decode accepted a body of %d bytes, over the %d limit", len(body), MaxBodyBytes)
		}
		if !utf8.Valid(body) {
			t.Fatalf("Decode accepted a body that is not UTF-8: %q", body)
		}
		if err := motcua.CheckText(got, "json"); err != nil {
			t.Fatalf("Decode accepted odd text: %v", err)
		}
		// Accepted: encoding and decoding again gives the same value.
		again, err := json.Marshal(got)
		if err != nil {
			t.Fatalf("re-encode %+v: %v", got, err)
		}
		if len(again) > MaxBodyBytes {
			// json.Marshal escapes what a client may send raw ("<" becomes
			// "\u003c"): a body near the limit re-encodes over it.
			return
		}
		var back fuzzRequest
		r2 := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(again))
		r2.Header.Set("Content-Type", "application/json")
		if err := Decode(httptest.NewRecorder(), r2, &back); err != nil {
			t.Fatalf("Decode rejected its own output %s: %v", again, err)
		}
		if !reflect.DeepEqual(normalize(got), normalize(back)) {
			t.Fatalf("round trip changed the value: %+v, then %+v", got, back)
		}
	})
}

// normalize makes a nil and an empty list or map compare equal: JSON null
// and [] decode differently and both mean "none".
func normalize(v fuzzRequest) fuzzRequest {
	if len(v.Documents) == 0 {
		v.Documents = nil
	}
	if len(v.Applicant) == 0 {
		v.Applicant = nil
	}
	return v
}
