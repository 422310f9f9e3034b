package registry

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/gorilla/websocket"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/static"
	"github.com/motcua/motcua/web"
)

// The registry's HTTP surface: the city API (supervisor), the /city page
// and its websocket, which sends the whole branch list again whenever a
// branch connects, leaves or sends events (at most every pushEvery).

const (
	pushEvery  = 500 * time.Millisecond
	pingEvery  = 30 * time.Second
	writeLimit = 10 * time.Second
)

// Handler serves the registry's HTTP surface; sessions checks staff logins
// (the registry's own accounts).
func (r *Registry) Handler(sessions web.Sessions, sessionLength time.Duration, log *slog.Logger) http.Handler {
	login := web.Auth{Sessions: sessions, SessionLength: sessionLength}
	sup := login.Require(motcua.RoleSupervisor)
	mux := chi.NewRouter()
	mux.Use(web.WithLogger(log))
	mux.Use(middleware.Recoverer)
	mux.NotFound(web.NotFound)
	mux.Get("/", func(w http.ResponseWriter, req *http.Request) { http.Redirect(w, req, "/city", http.StatusFound) })
	mux.Get("/city", web.Page(static.FS, "city.html"))
	mux.Handle("/static/*", http.StripPrefix("/static/", http.FileServer(http.FS(static.FS))))
	mux.Get("/healthz", func(w http.ResponseWriter, req *http.Request) {
		if err := r.st.Ping(req.Context()); err != nil {
			web.Error(w, req, motcua.Errorf(motcua.EUnavailable, "database: %v", err))
			return
		}
		web.JSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.Post("/api/v1/auth/login", login.Login)
	mux.With(sup).Post("/api/v1/auth/logout", login.Logout)
	mux.With(sup).Get("/api/v1/city/branches", func(w http.ResponseWriter, req *http.Request) {
		bs, err := r.Branches(req.Context())
		if err != nil {
			web.Error(w, req, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		web.JSON(w, http.StatusOK, bs)
	})
	mux.With(sup).Get("/api/v1/city/dossiers/{code}", func(w http.ResponseWriter, req *http.Request) {
		d, err := r.Dossier(req.Context(), strings.TrimSpace(chi.URLParam(req, "code")))
		if err != nil {
			web.Error(w, req, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		web.JSON(w, http.StatusOK, d)
	})
	mux.With(sup).Get("/ws/city", r.socket)
	// The city's calendar, published to every hall (admin).
	admin := login.Require(motcua.RoleAdmin)
	mux.With(sup).Get("/api/v1/city/calendar", func(w http.ResponseWriter, req *http.Request) {
		cal, err := r.Calendar(req.Context())
		if err != nil {
			web.Error(w, req, err)
			return
		}
		web.JSON(w, http.StatusOK, cal)
	})
	mux.With(admin).Put("/api/v1/city/calendar", func(w http.ResponseWriter, req *http.Request) {
		var cal motcua.CityCalendar
		if err := web.Decode(w, req, &cal); err != nil {
			web.Error(w, req, err)
			return
		}
		out, err := r.PublishCalendar(req.Context(), cal)
		if err != nil {
			web.Error(w, req, err)
			return
		}
		web.JSON(w, http.StatusOK, out)
	})
	// The city's procedure catalogue (issue 14), published to every hall
	// (admin): a catalogue file as the hall's /admin import reads it.
	mux.With(sup).Get("/api/v1/city/procedures", r.getProcedures)
	mux.With(admin).Put("/api/v1/city/procedures", r.putProcedures)
	return mux
}

// pageNotice tells the /city sockets that something changed.
type pageNotice struct {
	mu   sync.Mutex
	next chan struct{}
}

func (n *pageNotice) wait() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.next == nil {
		n.next = make(chan struct{})
	}
	return n.next
}

func (n *pageNotice) notify() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.next != nil {
		close(n.next)
		n.next = nil
	}
}

var upgrader = websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 4096}

// socket sends {"type":"snapshot","seq":n,"branches":[…]} at once and after
// every change.
func (r *Registry) socket(w http.ResponseWriter, req *http.Request) {
	conn, err := upgrader.Upgrade(w, req, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	ctx, cancel := context.WithCancel(req.Context())
	defer cancel()
	go func() { // the page sends nothing; reading notices the close
		defer cancel()
		for {
			if _, _, err := conn.NextReader(); err != nil {
				return
			}
		}
	}()
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	var seq int64
	for {
		changed := r.notice.wait()
		bs, err := r.Branches(ctx)
		if err != nil {
			return
		}
		seq++
		conn.SetWriteDeadline(time.Now().Add(writeLimit))
		if err := conn.WriteJSON(map[string]any{"type": "snapshot", "seq": seq, "branches": bs}); err != nil {
			return
		}
		for waiting := true; waiting; {
			select {
			case <-ctx.Done():
				return
			case <-changed:
				waiting = false
			case <-ping.C:
				conn.SetWriteDeadline(time.Now().Add(writeLimit))
				if err := conn.WriteMessage(websocket.PingMessage, nil); err != nil {
					return
				}
			}
		}
		select { // coalesce a burst of changes
		case <-ctx.Done():
			return
		case <-time.After(pushEvery):
		}
	}
}
