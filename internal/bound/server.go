package bound

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Row kinds.
const (
	KindTicket = 1 // A: service id
	KindCall   = 2 // A: ticket seq, B: counter id
)

// Server answers the routes the load tool uses, with the hub's paths and
// JSON field names, on top of a Writer and a Broadcaster:
//
//	GET  /healthz, /metrics, /api/v1/services, /api/v1/counters
//	POST /api/v1/auth/login
//	POST /api/v1/tickets                      one row, 201 {"id","number","service_id","token"}
//	POST /api/v1/counters/{id}/call-next      one row, then one "call" frame to every display
//	GET  /ws/display                          snapshot, then the call frames
//
// Issuing a ticket is one row; calling one is one row, then one frame. The
// waiting tickets are kept in memory (the bound is about the write and the
// fan-out, not about finding the next ticket).
type Server struct {
	w        *Writer
	b        *Broadcaster
	password string
	counters []counter
	services map[int64]bool
	handler  http.Handler

	mu      sync.Mutex
	waiting map[int64][]int64 // service id → ticket seqs, oldest first
}

type counter struct {
	ID         int64   `json:"id"`
	Number     int     `json:"number"`
	Name       string  `json:"name"`
	ServiceIDs []int64 `json:"service_ids"`
}

// NewServer builds the handler. password is the one the login route accepts
// for any user name ("" accepts any).
func NewServer(w *Writer, b *Broadcaster, password string) *Server {
	s := &Server{w: w, b: b, password: password, waiting: map[int64][]int64{}, services: map[int64]bool{}}
	// The sample hall's shape: six services, five counters serving two or
	// three of them each.
	for id := int64(1); id <= 6; id++ {
		s.services[id] = true
	}
	for i, ids := range [][]int64{{1, 2}, {2, 1}, {3, 5}, {4, 5, 3}, {6, 1, 2}} {
		s.counters = append(s.counters, counter{ID: int64(i + 1), Number: i + 1, Name: "Quầy " + strconv.Itoa(i+1), ServiceIDs: ids})
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "bound_commits_total", Help: "Write transactions committed."},
			func() float64 { c, _ := w.Stats(); return float64(c) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "bound_rows_total", Help: "Rows written."},
			func() float64 { _, r := w.Stats(); return float64(r) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "bound_websockets", Help: "Subscribed websockets."},
			func() float64 { return float64(b.Conns()) }))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /api/v1/services", s.listServices)
	mux.HandleFunc("GET /api/v1/counters", s.listCounters)
	mux.HandleFunc("POST /api/v1/auth/login", s.login)
	mux.HandleFunc("POST /api/v1/tickets", s.issue)
	mux.HandleFunc("POST /api/v1/counters/{id}/call-next", s.callNext)
	mux.HandleFunc("GET /ws/display", s.display)
	s.handler = mux
	return s
}

// ServeHTTP serves the routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_input", "the body is not the expected JSON: "+err.Error())
		return false
	}
	return true
}

func (s *Server) listServices(w http.ResponseWriter, _ *http.Request) {
	type service struct {
		ID   int64  `json:"id"`
		Code string `json:"code"`
		Open bool   `json:"open"`
	}
	out := make([]service, 0, len(s.services))
	for id := int64(1); id <= int64(len(s.services)); id++ {
		out = append(out, service{ID: id, Code: "S" + strconv.FormatInt(id, 10), Open: true})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) listCounters(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.counters)
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if !decode(w, r, &req) {
		return
	}
	if s.password != "" && req.Password != s.password {
		writeError(w, http.StatusUnauthorized, "unauthorized", "wrong password")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"token": "bound"})
}

type ticketRef struct {
	ID        int64  `json:"id"`
	Number    string `json:"number"`
	ServiceID int64  `json:"service_id"`
}

func (s *Server) issue(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ServiceID int64 `json:"service_id"`
	}
	if !decode(w, r, &req) {
		return
	}
	if !s.services[req.ServiceID] {
		writeError(w, http.StatusUnprocessableEntity, "validation_failed", "unknown service_id")
		return
	}
	row, err := s.w.Write(r.Context(), KindTicket, req.ServiceID, 0, s.enqueue)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, struct {
		ticketRef
		Token string `json:"token"`
	}{ticketRef{ID: row.Seq, Number: strconv.FormatInt(row.Seq, 10), ServiceID: req.ServiceID}, "t" + strconv.FormatInt(row.Seq, 36)})
}

// enqueue runs in the writer goroutine after a ticket's commit.
func (s *Server) enqueue(row Row) {
	s.mu.Lock()
	s.waiting[row.A] = append(s.waiting[row.A], row.Seq)
	s.mu.Unlock()
}

// next takes the oldest waiting ticket of the first of services that has one.
func (s *Server) next(services []int64) (ticketRef, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range services {
		if q := s.waiting[id]; len(q) > 0 {
			s.waiting[id] = q[1:]
			return ticketRef{ID: q[0], Number: strconv.FormatInt(q[0], 10), ServiceID: id}, true
		}
	}
	return ticketRef{}, false
}

// putBack returns a ticket whose call did not commit to the front of its queue.
func (s *Server) putBack(tk ticketRef) {
	s.mu.Lock()
	s.waiting[tk.ServiceID] = append([]int64{tk.ID}, s.waiting[tk.ServiceID]...)
	s.mu.Unlock()
}

func (s *Server) callNext(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 || id > int64(len(s.counters)) {
		writeError(w, http.StatusNotFound, "not_found", "no such counter")
		return
	}
	c := s.counters[id-1]
	tk, ok := s.next(c.ServiceIDs)
	if !ok {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	_, err = s.w.Write(r.Context(), KindCall, tk.ID, c.ID, func(row Row) {
		s.b.Publish(row.Seq, callFrame(row, tk, c))
	})
	if err != nil {
		s.putBack(tk)
		writeError(w, http.StatusServiceUnavailable, "unavailable", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ticket": tk, "counter": map[string]any{"id": c.ID, "number": c.Number, "name": c.Name}})
}

// callFrame is the hub's "call" frame for a display, same fields and order
// ("type" and "seq" first), written without reflection.
func callFrame(row Row, tk ticketRef, c counter) []byte {
	b := make([]byte, 0, 256)
	b = append(b, `{"type":"call","seq":`...)
	b = strconv.AppendInt(b, row.Seq, 10)
	b = append(b, `,"ticket":{"id":`...)
	b = strconv.AppendInt(b, tk.ID, 10)
	b = append(b, `,"number":`...)
	b = strconv.AppendQuote(b, tk.Number)
	b = append(b, `,"service_id":`...)
	b = strconv.AppendInt(b, tk.ServiceID, 10)
	b = append(b, `},"counter":{"id":`...)
	b = strconv.AppendInt(b, c.ID, 10)
	b = append(b, `,"number":`...)
	b = strconv.AppendInt(b, int64(c.Number), 10)
	b = append(b, `,"name":`...)
	b = strconv.AppendQuote(b, c.Name)
	b = append(b, `},"recall":false,"out_of_order":false,"at":"`...)
	b = row.At.AppendFormat(b, time.RFC3339Nano)
	return append(b, `"}`...)
}

func (s *Server) display(w http.ResponseWriter, r *http.Request) {
	s.b.Serve(w, r, func(seq int64) []byte {
		b := append([]byte(`{"type":"snapshot","seq":`), strconv.FormatInt(seq, 10)...)
		return append(b, `,"calls":[]}`...)
	})
}
