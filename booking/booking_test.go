package booking_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/hub/hubtest"
	"github.com/motcua/motcua/internal/logtest"
	"github.com/motcua/motcua/internal/qrtest"
	"github.com/motcua/motcua/server"
	"github.com/motcua/motcua/server/servertest"
)

// hall is the small test hall; service 1 (TP) takes bookings from 09:30 to
// 10:30 in 30-minute slots of capacity places, all of them online.
func hall(capacity int) motcua.Hall {
	h := hubtest.TestHall(motcua.QueuePolicy{})
	h.Booking = motcua.BookingPolicy{PerPersonDaily: 2, PerPersonField: 1, Services: []motcua.ServiceBooking{{Service: "TP", DaysAhead: 6,
		SlotMinutes: 30, SlotCapacity: capacity, OnlineShare: 100, CheckInBefore: 30, CheckInAfter: 15,
		Hours: []motcua.Session{{From: "09:30", To: "10:30"}}}}}
	return h
}

func bookBody(person int, slot string) map[string]any {
	return map[string]any{"service_id": 1, "date": "2026-11-27", "slot_from": slot,
		"id_number": fmt.Sprintf("0010890%05d", person), "phone": "0912345678"}
}

func TestBookSeeCancelOverHTTP(t *testing.T) {
	e := servertest.New(t, servertest.WithHall(hall(2)))
	var services []struct {
		ID    int64    `json:"id"`
		Name  string   `json:"name"`
		Dates []string `json:"dates"`
	}
	if st := e.Do("GET", "/api/v1/appointments/services", "", nil, &services); st != 200 || len(services) != 1 ||
		services[0].Name != "Tư pháp – Hộ tịch" || strings.Join(services[0].Dates, ",") != "2026-11-27,2026-11-30,2026-12-01,2026-12-02,2026-12-03" {
		t.Fatalf("bookable services: got %d %+v, want TP on today and the next working days to today + 6", st, services)
	}
	var avail struct {
		Date      string        `json:"date"`
		ServiceID int64         `json:"service_id"`
		Slots     []motcua.Slot `json:"slots"`
	}
	if st := e.Do("GET", "/api/v1/appointments/availability?service_id=1&date=2026-11-27", "", nil, &avail); st != 200 ||
		fmt.Sprint(avail.Slots) != "[{09:30 10:00 2} {10:00 10:30 2}]" || avail.Date != "2026-11-27" || avail.ServiceID != 1 {
		t.Fatalf("availability: got %d %+v", st, avail)
	}
	var b struct {
		Code, Token, Date, QRURL, ManageURL string
		ServiceID                           int64 `json:"service_id"`
		Slot                                motcua.Slot
	}
	st, raw := e.Raw("POST", "/api/v1/appointments", "", bookBody(1, "09:30"))
	if st != http.StatusCreated {
		t.Fatalf("book: got %d %s, want 201", st, raw)
	}
	json.Unmarshal(raw, &b)
	var keys map[string]any
	json.Unmarshal(raw, &keys)
	for _, k := range []string{"code", "token", "service_id", "date", "slot", "qr_url", "manage_url"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("booking answer lacks %q: %s", k, raw)
		}
	}
	if len(b.Code) != 8 || b.Slot.From != "09:30" || b.Slot.To != "10:00" || !strings.HasSuffix(keys["manage_url"].(string), "/book/"+b.Token) {
		t.Errorf("booking answer: got %s", raw)
	}
	if strings.Contains(string(raw), "001089000001") || strings.Contains(string(raw), "0912345678") {
		t.Errorf("booking answer holds personal data: %s", raw)
	}
	// The QR holds the manage URL.
	resp, err := http.Get(keys["qr_url"].(string))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("qr.png: %v", err)
	}
	if got := qrtest.Decode(t, img); got != keys["manage_url"] {
		t.Errorf("QR decodes to %q, want the manage URL %q", got, keys["manage_url"])
	}

	st, raw = e.Raw("GET", "/api/v1/appointments/"+b.Token, "", nil)
	if st != 200 || !strings.Contains(string(raw), `"status":"booked"`) || strings.Contains(string(raw), "001089000001") ||
		strings.Contains(string(raw), "0912345678") || strings.Contains(string(raw), "phone") {
		t.Errorf("GET booking: got %d %s, want booked and nothing personal", st, raw)
	}
	// The manage page is Vietnamese first.
	st, raw = e.Raw("GET", "/book/"+b.Token, "", nil)
	if st != 200 || !strings.Contains(string(raw), `lang="vi"`) {
		t.Errorf("manage page: got %d", st)
	}
	if st, _ := e.Raw("GET", "/book/nosuchtokennosuchtoken", "", nil); st != 404 {
		t.Errorf("manage page of an unknown token: got %d, want 404", st)
	}

	// A second booking fills the slot; a third is a 409.
	if st, raw := e.Raw("POST", "/api/v1/appointments", "", bookBody(2, "09:30")); st != 201 {
		t.Fatalf("second booking: %d %s", st, raw)
	}
	if st, raw := e.Raw("POST", "/api/v1/appointments", "", bookBody(3, "09:30")); st != 409 || !strings.Contains(string(raw), `"code":"conflict"`) {
		t.Errorf("booking a full slot: got %d %s, want 409", st, raw)
	}
	// The same person, the same field: 409.
	if st, _ := e.Raw("POST", "/api/v1/appointments", "", bookBody(1, "10:00")); st != 409 {
		t.Errorf("second booking of a person in one field: got %d, want 409", st)
	}
	// Cancel frees the place.
	if st, raw := e.Raw("DELETE", "/api/v1/appointments/"+b.Token, "", nil); st != 204 {
		t.Fatalf("cancel: got %d %s, want 204", st, raw)
	}
	if st, _ := e.Raw("DELETE", "/api/v1/appointments/"+b.Token, "", nil); st != 409 {
		t.Errorf("cancel twice: got %d, want 409", st)
	}
	if st, raw := e.Raw("GET", "/api/v1/appointments/"+b.Token, "", nil); st != 200 || !strings.Contains(string(raw), `"status":"cancelled"`) {
		t.Errorf("GET cancelled booking: %d %s", st, raw)
	}
	if st, raw := e.Raw("POST", "/api/v1/appointments", "", bookBody(3, "09:30")); st != 201 {
		t.Errorf("booking the freed place: got %d %s, want 201", st, raw)
	}
}

func TestBadBookingsAre4xx(t *testing.T) {
	e := servertest.New(t, servertest.WithHall(hall(2)))
	cases := []struct {
		name   string
		method string
		path   string
		body   any
		status int
		field  string
	}{
		{"no id number", "POST", "/api/v1/appointments", map[string]any{"service_id": 1, "date": "2026-11-27", "slot_from": "09:30", "phone": "0912345678"}, 422, "id_number"},
		{"bad phone", "POST", "/api/v1/appointments", map[string]any{"service_id": 1, "date": "2026-11-27", "slot_from": "09:30", "id_number": "001089000001", "phone": "abc"}, 422, "phone"},
		{"service without bookings", "POST", "/api/v1/appointments", map[string]any{"service_id": 2, "date": "2026-11-27", "slot_from": "09:30", "id_number": "001089000001", "phone": "0912345678"}, 422, "service_id"},
		{"unknown service", "POST", "/api/v1/appointments", map[string]any{"service_id": 99, "date": "2026-11-27", "slot_from": "09:30", "id_number": "001089000001", "phone": "0912345678"}, 404, "service_id"},
		{"unknown field", "POST", "/api/v1/appointments", map[string]any{"service_id": 1, "name": "x"}, 400, ""},
		{"not JSON", "POST", "/api/v1/appointments", "{", 400, ""},
		{"availability without service", "GET", "/api/v1/appointments/availability?date=2026-11-27", nil, 422, "service_id"},
		{"availability bad date", "GET", "/api/v1/appointments/availability?service_id=1&date=27-11-2026", nil, 422, "date"},
		{"availability on a Saturday", "GET", "/api/v1/appointments/availability?service_id=1&date=2026-11-28", nil, 409, ""},
		{"unknown booking", "GET", "/api/v1/appointments/AAAAAAAAAAAAAAAAAAAAAA", nil, 404, ""},
		{"check-in unknown code", "POST", "/api/v1/appointments/check-in", map[string]any{"code": "ABCDEFGH"}, 404, ""},
		{"check-in empty code", "POST", "/api/v1/appointments/check-in", map[string]any{"code": ""}, 422, "code"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, raw := e.Raw(c.method, c.path, "", c.body)
			if st != c.status {
				t.Fatalf("got %d %s, want %d", st, raw, c.status)
			}
			var out struct {
				Error struct {
					Code    string            `json:"code"`
					Message string            `json:"message"`
					Fields  map[string]string `json:"fields"`
				} `json:"error"`
			}
			json.Unmarshal(raw, &out)
			if out.Error.Message == "" {
				t.Errorf("no error message: %s", raw)
			}
			if c.field != "" && out.Error.Fields[c.field] == "" {
				t.Errorf("got fields %v, want one naming %s", out.Error.Fields, c.field)
			}
		})
	}
	// Nothing was written.
	var avail struct{ Slots []motcua.Slot }
	e.Do("GET", "/api/v1/appointments/availability?service_id=1&date=2026-11-27", "", nil, &avail)
	if fmt.Sprint(avail.Slots) != "[{09:30 10:00 2} {10:00 10:30 2}]" {
		t.Errorf("after refused requests: got %v, want every place free", avail.Slots)
	}
}

// TestConcurrentBookingsForTheLastPlaces: 200 people book the last ten
// places of a slot at once, over HTTP; the writer serialises them.
func TestConcurrentBookingsForTheLastPlaces(t *testing.T) {
	e := servertest.New(t, servertest.WithHall(hall(15)))
	for i := range 5 {
		if st, raw := e.Raw("POST", "/api/v1/appointments", "", bookBody(1000+i, "09:30")); st != 201 {
			t.Fatalf("booking %d: %d %s", i, st, raw)
		}
	}
	var wg sync.WaitGroup
	statuses := make([]int, 200)
	errs := make([]error, 200)
	start := make(chan struct{})
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body, _ := json.Marshal(bookBody(i, "09:30"))
			<-start
			resp, err := http.Post(e.URL+"/api/v1/appointments", "application/json", bytes.NewReader(body))
			if err != nil {
				errs[i] = err
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		}()
	}
	close(start)
	wg.Wait()
	count := map[int]int{}
	for i, st := range statuses {
		if errs[i] != nil {
			t.Fatalf("request %d: %v", i, errs[i])
		}
		count[st]++
	}
	if count[201] != 10 || count[409] != 190 {
		t.Errorf("got statuses %v, want 10 × 201 and 190 × 409", count)
	}
	var avail struct{ Slots []motcua.Slot }
	e.Do("GET", "/api/v1/appointments/availability?service_id=1&date=2026-11-27", "", nil, &avail)
	if len(avail.Slots) != 2 || avail.Slots[0].Free != 0 {
		t.Errorf("availability after: got %v, want the 09:30 slot full", avail.Slots)
	}
}

func TestBookingRateLimitPerAddress(t *testing.T) {
	e := servertest.New(t, servertest.WithHall(hall(50)), servertest.WithTrusted(""))
	got := []int{}
	for i := range 8 {
		st, _ := e.Raw("POST", "/api/v1/appointments", "", bookBody(i, "09:30"))
		got = append(got, st)
	}
	if fmt.Sprint(got) != "[201 201 201 201 201 201 429 429]" {
		t.Errorf("eight bookings from one address: got %v, want six then 429", got)
	}
}

// TestNoPersonalDataInLogs books, fails, checks in and cancels with the
// hub's log at debug level, and reads the log.
func TestNoPersonalDataInLogs(t *testing.T) {
	var buf logtest.Buffer
	e := servertest.New(t, servertest.WithHall(hall(2)), func(c *server.Config) {
		c.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	var b struct{ Code, Token string }
	if st := e.Do("POST", "/api/v1/appointments", "", bookBody(1, "09:30"), &b); st != 201 {
		t.Fatalf("book: %d", st)
	}
	e.Raw("POST", "/api/v1/appointments", "", bookBody(1, "10:00"))                         // 409: the field limit
	e.Raw("POST", "/api/v1/appointments", "", map[string]any{"id_number": "0010890000019"}) // 422
	if st, raw := e.Raw("POST", "/api/v1/appointments/check-in", "", map[string]any{"code": b.Code}); st != 201 {
		t.Fatalf("check-in: %d %s", st, raw)
	}
	if st := e.Do("POST", "/api/v1/appointments", "", bookBody(2, "10:00"), &b); st != 201 {
		t.Fatalf("book: %d", st)
	}
	e.Raw("DELETE", "/api/v1/appointments/"+b.Token, "", nil)
	log := buf.String()
	if log == "" {
		t.Fatal("the hub logged nothing: the test reads the wrong log")
	}
	for _, v := range []string{"001089000001", "001089000002", "0010890000019", "0912345678"} {
		if strings.Contains(log, v) {
			t.Errorf("the log holds %s", v)
		}
	}
}

// TestBookingRulesEditedLive: the rules are part of the hall description:
// GET /api/v1/hall shows them, PUT changes them at once, without a restart.
func TestBookingRulesEditedLive(t *testing.T) {
	valid := hall(2) // as the validator leaves it: the defaults written out
	valid.Policy = motcua.QueuePolicy{Priority: motcua.PolicyStrict, InterleaveN: 3, NoShowMinCalls: 2, ReactivateMinutes: 30}
	e := servertest.New(t, servertest.WithHall(valid))
	var h map[string]any
	if st := e.Do("GET", "/api/v1/hall", e.AdminToken, nil, &h); st != 200 {
		t.Fatalf("GET /api/v1/hall: %d", st)
	}
	bk, ok := h["booking"].(map[string]any)
	if !ok || bk["per_person_daily"] != float64(2) {
		t.Fatalf("the hall's booking section: got %v", h["booking"])
	}
	svc := bk["services"].([]any)[0].(map[string]any)
	svc["slot_capacity"] = 5
	var out struct {
		Changes []struct{ Kind, Key, Action string } `json:"changes"`
	}
	if st, raw := e.Raw("PUT", "/api/v1/hall", e.AdminToken, h); st != 200 || json.Unmarshal(raw, &out) != nil ||
		len(out.Changes) != 1 || out.Changes[0].Kind != "booking" || out.Changes[0].Action != "change" {
		t.Fatalf("PUT the new capacity: got %d %s, want one booking change", st, raw)
	}
	var avail struct{ Slots []motcua.Slot }
	e.Do("GET", "/api/v1/appointments/availability?service_id=1&date=2026-11-27", "", nil, &avail)
	if fmt.Sprint(avail.Slots) != "[{09:30 10:00 5} {10:00 10:30 5}]" {
		t.Errorf("availability after the change: got %v, want 5 places a slot", avail.Slots)
	}
	// A broken rule is a 422 naming it, and nothing changes.
	svc["slot_minutes"] = 1
	if st, raw := e.Raw("PUT", "/api/v1/hall", e.AdminToken, h); st != 422 || !strings.Contains(string(raw), "booking.services[0].slot_minutes") {
		t.Errorf("PUT a 1-minute slot: got %d %s, want 422 naming booking.services[0].slot_minutes", st, raw)
	}
	// Leaving the section out turns online numbers off.
	delete(h, "booking")
	if st, raw := e.Raw("PUT", "/api/v1/hall", e.AdminToken, h); st != 200 {
		t.Fatalf("PUT without booking: %d %s", st, raw)
	}
	if st, _ := e.Raw("POST", "/api/v1/appointments", "", bookBody(1, "09:30")); st != 422 {
		t.Errorf("booking once the section is gone: got %d, want 422 (the service takes no online numbers)", st)
	}
}

// TestNoPersonalDataOnSockets follows a booking from the check-in to the
// call on the display's socket and the phone's: every frame is read raw.
func TestNoPersonalDataOnSockets(t *testing.T) {
	e := servertest.New(t, servertest.WithHall(hall(2)))
	display, _, err := e.WS("/ws/display", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer display.Close()
	var b struct{ Code string }
	if st := e.Do("POST", "/api/v1/appointments", "", bookBody(7, "09:30"), &b); st != 201 {
		t.Fatalf("book: %d", st)
	}
	var tk struct {
		ID          int64  `json:"id"`
		Token       string `json:"token"`
		Number      string `json:"number"`
		Appointment bool   `json:"appointment"`
	}
	if st := e.Do("POST", "/api/v1/appointments/check-in", "", map[string]any{"code": b.Code}, &tk); st != 201 || !tk.Appointment {
		t.Fatalf("check-in: %d %+v, want a booked ticket", st, tk)
	}
	phone, _, err := e.WS("/ws/track/"+tk.Token, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer phone.Close()
	if _, ok := e.CallNext(1); !ok {
		t.Fatal("counter 1 found nobody")
	}
	frames := map[string][]string{}
	for name, c := range map[string]*websocket.Conn{"display": display, "phone": phone} {
		for {
			c.SetReadDeadline(time.Now().Add(2 * time.Second))
			_, raw, err := c.ReadMessage()
			if err != nil {
				t.Fatalf("%s socket: %v (frames so far %v)", name, err, frames[name])
			}
			frames[name] = append(frames[name], string(raw))
			if strings.Contains(string(raw), `"type":"call"`) || (name == "phone" && strings.Contains(string(raw), `"status":"called"`)) {
				break
			}
		}
		for _, f := range frames[name] {
			if strings.Contains(f, "001089000007") || strings.Contains(f, "0912345678") || strings.Contains(f, b.Code) {
				t.Errorf("%s frame holds personal data or the booking code: %s", name, f)
			}
		}
	}
	if !strings.Contains(strings.Join(frames["display"], ""), tk.Number) {
		t.Errorf("the display never showed the call of %s: %v", tk.Number, frames["display"])
	}
}
