package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/admin"
	"github.com/motcua/motcua/auth"
	"github.com/motcua/motcua/booking"
	"github.com/motcua/motcua/city"
	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/display"
	"github.com/motcua/motcua/hub"
	"github.com/motcua/motcua/kiosk"
	"github.com/motcua/motcua/live"
	"github.com/motcua/motcua/reports"
	"github.com/motcua/motcua/static"
	"github.com/motcua/motcua/store"
	"github.com/motcua/motcua/supervisor"
	"github.com/motcua/motcua/users"
	"github.com/motcua/motcua/web"
)

type deps struct {
	hub      *hub.Hub
	live     *live.Broadcaster
	clients  web.Clients
	registry *prometheus.Registry
	log      *slog.Logger
	store    *store.Store // the reports read it (issue 15)
	city     *city.Link   // the link to the city registry; nil when alone (issue 14)
	// secureCookies marks the login cookie Secure.
	secureCookies bool
	// allowedOrigins are other origins trusted for cross-origin writes.
	allowedOrigins []string
	// bodyTimeout bounds reading a request's body and writing its answer.
	bodyTimeout time.Duration
}

// routes maps the whole HTTP surface of the hub (see docs/API.md).
func routes(d deps) http.Handler {
	files := static.FS
	h := d.hub
	k := &kiosk.Handler{Site: h.Site, Tickets: h.Queue, Events: h.Writer, Dossiers: h.Dossiers,
		Clients: d.clients, Static: files, Live: d.live,
		Issuing: &web.RateLimiter{Clients: d.clients, Every: kioskIssueEvery, Burst: kioskIssueBurst}}
	c := &counter.Handler{Site: h.Site, Calls: h.Queue, Views: h.Queue, Events: h.Writer, Seats: h.Presence, Live: d.live, Static: files}
	dossiers := &counter.DossierHandler{Site: h.Site, Registry: h.Dossiers, Clients: d.clients}
	disp := &display.Handler{Site: h.Site, Events: h.Writer, Queue: h.Queue, Live: d.live, Static: files}
	sup := &supervisor.Handler{Site: h.Site, Dossiers: h.Dossiers, Reports: h.Dossiers, Queues: h.Queue,
		Outbox: h.Notify, Live: h.Supervision, Static: files}
	accounts := &users.Handler{Site: h.Site, Accounts: h.Auth, Screens: h.Presence}
	login := web.Auth{Sessions: h.Auth, SessionLength: auth.SessionLength, Secure: d.secureCookies}
	staff := login.Require(motcua.RoleStaff)

	r := chi.NewRouter()
	r.Use(web.WithLogger(d.log))
	r.Use(middleware.Recoverer)
	r.Use(withDeadlines(d.bodyTimeout))
	// Hardening (issue 18): browser headers on every answer, no writes on
	// behalf of another web site, no odd bytes in paths and queries.
	r.Use(web.SecurityHeaders)
	r.Use(web.CrossOrigin(d.allowedOrigins))
	r.Use(web.RefuseOddURLs)
	r.NotFound(web.NotFound)
	r.MethodNotAllowed(web.MethodNotAllowed)

	// Pages.
	r.Get("/", web.Page(files, "index.html"))
	r.Get("/kiosk", k.KioskPage)
	r.Get("/display", disp.Page)
	r.Get("/counter", c.Page)
	r.Get("/supervisor", sup.Page)
	r.Get("/t/{token}", k.TrackPage)
	r.Handle("/static/*", http.StripPrefix("/static/", http.FileServer(http.FS(files))))

	// Operations.
	r.Get("/healthz", health(d.hub, d.log))
	r.Handle("/metrics", promhttp.HandlerFor(d.registry, promhttp.HandlerOpts{}))

	// Auth.
	r.Post("/api/v1/auth/login", login.Login)
	r.With(staff).Post("/api/v1/auth/logout", login.Logout)
	r.With(staff).Get("/api/v1/auth/me", login.Me)

	// Kiosk and citizen (public).
	r.Get("/api/v1/branch", k.Branch)
	r.Get("/api/v1/services", k.Services)
	r.Get("/api/v1/priority-groups", k.PriorityGroups)
	r.Post("/api/v1/tickets", k.IssueTicket)
	// Reactivation codes can be guessed: limited for every address, the
	// hall's own kiosks included (issue 18).
	r.With(web.LimitPerAddress(reactivateLimit, time.Minute,
		"Nhập mã quá nhiều lần, vui lòng chờ một phút. / Too many codes tried; please wait a minute.")).
		Post("/api/v1/tickets/reactivate", k.Reactivate)
	r.Get("/api/v1/tickets/{token}/qr.png", k.QRPNG)
	r.Get("/api/v1/tickets/{token}/qr.svg", k.QRSVG)
	r.Get("/api/v1/track/{token}", k.Track)

	// Counter (staff).
	r.Group(func(r chi.Router) {
		r.Use(staff)
		r.Get("/api/v1/counters", c.Counters)
		r.Get("/api/v1/counters/{id}/queue", c.Queue)
		r.Post("/api/v1/counters/{id}/call-next", c.CallNext)
		r.Post("/api/v1/counters/{id}/recall", c.Recall)
		r.Post("/api/v1/counters/{id}/call", c.Call)
		r.Post("/api/v1/tickets/{id}/start", c.Start)
		r.Post("/api/v1/tickets/{id}/finish", c.Finish)
		r.Post("/api/v1/tickets/{id}/no-show", c.NoShow)
		r.Post("/api/v1/tickets/{id}/transfer", c.Transfer)
		r.Get("/ws/counter/{id}", c.Socket)
	})

	// The city (issue 14): a hall that joined a registry finds dossiers of
	// every branch through it.
	if d.city != nil {
		cityDossiers := &counter.CityHandler{Site: h.Site, City: d.city, Visits: h}
		r.With(staff).Get("/api/v1/city/dossiers/{code}", cityDossiers.Dossier)
		r.With(staff).Post("/api/v1/city/dossiers/{code}/visits", cityDossiers.LinkVisit)
	}

	// The city's procedure catalogue as applied here, and its clashes with
	// the hall's own procedures (issue 14, admin): the /admin page's city
	// tab reads it. Served at every hall, joined or not: a hall that ran
	// joined keeps the city's procedures it got (version 0 and none when it
	// never got a catalogue); "joined" says whether it is joined now.
	cityCat := &admin.CityHandler{City: h, Joined: d.city != nil}
	r.With(login.Require(motcua.RoleAdmin)).Get("/api/v1/city/procedures", cityCat.Procedures)

	// Dossiers (staff) and their printouts; pages authenticate by the login cookie.
	r.Group(func(r chi.Router) {
		r.Use(staff)
		r.Get("/api/v1/procedures", dossiers.Procedures)
		r.Post("/api/v1/tickets/{id}/dossiers", dossiers.Create)
		r.Get("/api/v1/tickets/{id}/dossiers", dossiers.OfTicket)
		r.Get("/api/v1/dossiers", dossiers.List)
		r.Get("/api/v1/dossiers/{id}", dossiers.Get)
		r.Post("/api/v1/dossiers/{id}/events", dossiers.Act)
		r.Post("/api/v1/dossiers/{id}/visits", dossiers.LinkVisit)
		r.Get("/dossiers/{id}/receipt", dossiers.Receipt)
		r.Get("/dossiers/{id}/supplement", dossiers.Supplement)
		r.Get("/dossiers/{id}/refusal", dossiers.Refusal)
	})

	// Overdue dossiers, apologies, notifications and reports (supervisor, see
	// docs/overdue.md); the printouts authenticate by the login cookie.
	r.Group(func(r chi.Router) {
		r.Use(login.Require(motcua.RoleSupervisor))
		r.Get("/api/v1/supervisor/overview", sup.Overview)
		r.Get("/api/v1/audit/manual-calls", counter.ManualCalls(h.Queue))
		r.Post("/api/v1/dossiers/{id}/apologies", sup.IssueApology)
		r.Get("/api/v1/dossiers/{id}/apologies", sup.Apologies)
		r.Get("/api/v1/webhook/deliveries", sup.Deliveries)
		r.Post("/api/v1/webhook/deliveries/{id}/retry", sup.RetryDelivery)
		r.Get("/api/v1/reports/on-time", sup.OnTime)
		r.Get("/api/v1/reports/ledger.csv", sup.LedgerCSV)
		r.Get("/dossiers/{id}/apologies/{aid}/letter", sup.Letter)
		r.Get("/reports/ledger", sup.LedgerPage)
	})

	// Forms and personal data (issue 17, part B): Mẫu 05 and 06 printouts and
	// the hand-overs (staff); the register of citizens' requests about their
	// personal data (supervisor).
	r.Group(func(r chi.Router) {
		r.Use(staff)
		r.Post("/api/v1/dossiers/{id}/handovers", dossiers.Handover)
		r.Get("/dossiers/{id}/stop", dossiers.Stop)
		r.Get("/dossiers/{id}/control", dossiers.Control)
	})
	priv := &supervisor.PrivacyHandler{Register: h.Dossiers}
	r.Group(func(r chi.Router) {
		r.Use(login.Require(motcua.RoleSupervisor))
		r.Get("/api/v1/privacy-requests", priv.List)
		r.Post("/api/v1/privacy-requests", priv.Create)
		r.Post("/api/v1/privacy-requests/{id}/answer", priv.Answer)
		r.Get("/supervisor/privacy", web.Page(files, "privacy.html"))
	})

	// Staff accounts (issue 12): the admin manages them; everyone changes
	// their own password.
	r.With(staff).Post("/api/v1/auth/password", accounts.ChangeOwnPassword)
	r.Group(func(r chi.Router) {
		r.Use(login.Require(motcua.RoleAdmin))
		r.Get("/api/v1/users", accounts.List)
		r.Post("/api/v1/users", accounts.Create)
		r.Patch("/api/v1/users/{id}", accounts.Update)
		r.Post("/api/v1/users/{id}/password", accounts.ResetPassword)
	})

	// The hall, live: its description, changes and their audit, the
	// catalogue import and the admin page (issue 12, admin).
	adm := &admin.Handler{Hall: h, Static: files}
	r.Get("/admin", adm.Page)
	r.Get("/account", adm.AccountPage) // change my own password (any signed-in user)
	r.Group(func(r chi.Router) {
		r.Use(login.Require(motcua.RoleAdmin))
		r.Get("/api/v1/hall", adm.Get)
		r.Put("/api/v1/hall", adm.Put)
		r.Get("/api/v1/hall/audit", adm.Audit)
		r.Post("/api/v1/hall/procedures/import", adm.ImportProcedures)
	})

	// Reports (issue 15): a supervisor sees everyone's figures, an officer
	// their own (group_by=staff or staff=me).
	rep := &reports.Handler{Reports: &reports.Reports{Site: h.Site, Store: d.store}}
	r.With(staff).Get("/api/v1/reports/queue", rep.QueueReport)
	rt := &reports.RatingHandler{Reports: rep.Reports.(*reports.Reports), Store: d.store, Writer: h.Writer,
		Tickets: d.store.Tickets, Events: h.Writer, Live: d.live, Floor: h.Supervision, Clients: d.clients, Static: files}
	r.With(staff).Get("/api/v1/reports/satisfaction", rt.SatisfactionReport)
	r.Post("/api/v1/track/{token}/rating", rt.Rate)
	r.Get("/api/v1/track/{token}/rating", rt.Rated)
	r.Get("/api/v1/rate/counters/{id}", rt.TabletVisit)
	r.Post("/api/v1/rate/counters/{id}", rt.TabletRate)
	r.Get("/rate", rt.TabletPage)
	r.With(login.Require(motcua.RoleSupervisor)).Get("/ws/supervisor", rt.Socket)
	// Live supervision (issue 15): the floor, counter by counter.
	r.With(login.Require(motcua.RoleSupervisor)).Get("/api/v1/supervisor/floor", sup.Floor)

	// Online numbers (issue 16, public): the booking page for the phone,
	// the manage page, their API and the kiosk's check-in.
	bk := &booking.Handler{Site: h.Site, Appointments: h.Appointments, Tickets: h.Queue, Clients: d.clients, Static: files,
		Booking: &web.RateLimiter{Clients: d.clients, Every: booking.BookEvery, Burst: booking.BookBurst}}
	r.Get("/book", bk.Page)
	r.Get("/book/{token}", bk.ManagePage)
	r.Get("/api/v1/appointments/services", bk.Services)
	r.Get("/api/v1/appointments/availability", bk.Availability)
	r.Post("/api/v1/appointments", bk.Book)
	r.Post("/api/v1/appointments/check-in", bk.CheckIn)
	r.Get("/api/v1/appointments/{token}", bk.Get)
	r.Delete("/api/v1/appointments/{token}", bk.Cancel)
	r.Get("/api/v1/appointments/{token}/qr.png", bk.QRPNG)

	// Websockets (public).
	r.Get("/ws/display", disp.Socket)
	r.Get("/ws/track/{token}", k.TrackSocket)
	return r
}

// Per-client ticket issuance: a burst for a family, then one a few seconds.
// Kiosks on the hall LAN are trusted and never limited.
const (
	kioskIssueEvery = 3 * time.Second
	kioskIssueBurst = 5
	// reactivateLimit is how many reactivation codes one address may try a
	// minute: a hall's kiosk serves a few late citizens, never a guesser.
	reactivateLimit = 20
)

// health answers GET /healthz: ok only when the database answers and takes
// a write (issue 18: it said ok while every ticket got 503). The cause goes
// to the log, not to the answer.
func health(h *hub.Hub, log *slog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
		defer cancel()
		if err := h.Ping(ctx); err != nil {
			log.Warn("health: the database does not answer", "err", err)
			web.JSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "no answer"})
			return
		}
		if err := h.CheckWrites(ctx); err != nil {
			if r.Context().Err() != nil {
				return // the prober went away
			}
			log.Warn("health: the database does not take writes", "err", err)
			web.JSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "writes fail"})
			return
		}
		web.JSON(w, http.StatusOK, map[string]string{"status": "ok"})
	}
}

// healthTimeout bounds a health check: a writer stuck behind a slow disk is
// unhealthy too.
const healthTimeout = 5 * time.Second
