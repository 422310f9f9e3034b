// Package registry is the city registry (`motcua registry`, issue 14): an
// embedded NATS server with JetStream (domain "city") that halls join as
// leaf nodes, one stream that sources every hall's stream across domains,
// and an applier that writes each hall event once into the registry's
// database (PostgreSQL in production), from which the city's API and page
// read.
package registry

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/city"
	"github.com/motcua/motcua/store"
	"github.com/motcua/motcua/writer"
)

// DefaultSyncEvery is how often the registry reads the branch list again
// (a branch added or revoked from the command line takes effect within it)
// and notes which halls are connected.
const DefaultSyncEvery = 5 * time.Second

// ackWait is how long a fetched event may wait for its commit before it is
// delivered again.
const ackWait = 3 * time.Second

// applyBatch is how many messages the applier takes at most at once.
const applyBatch = 256

// applyMaxEvents is about how many events one transaction applies. A hall
// sends many events to a message (city/wire.go), halls of earlier versions
// one; the applier asks for as many messages as make about this many
// events by the last fetch's mix, so that no fetched message waits behind
// others longer than ackWait.
const applyMaxEvents = 4096

// Config is what New needs.
type Config struct {
	Store *store.Store
	Clock motcua.Clock
	// Logger receives the registry's log; nil discards it.
	Logger *slog.Logger
	// LeafAddr is where halls connect (host:port; ":7422" is NATS's usual).
	LeafAddr string
	// TLS, when set, makes the leaf link TLS only.
	TLS *tls.Config
	// StoreDir holds the registry's JetStream files.
	StoreDir string
	// SyncEvery: 0 means DefaultSyncEvery.
	SyncEvery time.Duration
	// TimeZone is the city's, for "today"; empty means Asia/Ho_Chi_Minh.
	TimeZone string
}

// Registry is a running city registry.
type Registry struct {
	st    *store.Store
	clock motcua.Clock
	log   *slog.Logger
	loc   *time.Location
	ns    *server.Server
	nc    *nats.Conn
	js    jetstream.JetStream
	w     *writer.Writer
	kv    jetstream.KeyValue
	auth  *leafAuth

	leafHost string
	leafPort int
	tls      bool

	syncEvery time.Duration
	stop      context.CancelFunc
	wg        sync.WaitGroup
	writerCtl context.CancelFunc
	writerEnd chan struct{}

	mu      sync.Mutex
	sources map[string]bool // branches the registry stream sources
	resetAt map[string]time.Time
	since   map[string]time.Time
	notice  pageNotice // the /city sockets wait on it

	catMu  sync.Mutex
	pushed int64 // the version of the city catalogue in the bucket (catalogue.go)
}

// New starts the registry: its NATS server, the stream, the applier, the
// lookup answerer and the branch sync.
func New(ctx context.Context, cfg Config) (*Registry, error) {
	if cfg.Clock == nil {
		cfg.Clock = motcua.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.SyncEvery <= 0 {
		cfg.SyncEvery = DefaultSyncEvery
	}
	if cfg.TimeZone == "" {
		cfg.TimeZone = "Asia/Ho_Chi_Minh"
	}
	loc, err := time.LoadLocation(cfg.TimeZone)
	if err != nil {
		return nil, err
	}
	host, portStr, err := net.SplitHostPort(cfg.LeafAddr)
	if err != nil {
		return nil, fmt.Errorf("leaf address %q: %w", cfg.LeafAddr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("leaf address %q: %w", cfg.LeafAddr, err)
	}
	if port == 0 {
		if port, err = freePort(host); err != nil {
			return nil, err
		}
	}
	secret := make([]byte, 24)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	auth := &leafAuth{internalUser: "registry", internalPass: hex.EncodeToString(secret), branches: map[string]string{}, conns: map[uint64]string{}}
	opts := &server.Options{
		ServerName:                 "motcua-registry",
		DontListen:                 true, // only this process is a client; halls come in as leaf nodes
		JetStream:                  true,
		JetStreamDomain:            city.RegistryDomain,
		StoreDir:                   cfg.StoreDir,
		NoSigs:                     true,
		NoLog:                      true,
		CustomClientAuthentication: auth,
		// NoAdvertise: a hall reconnects only to the address it was given,
		// never to one the registry's server gossips (its bare listen
		// address, which may not be reachable, nor the name TLS checks).
		LeafNode: server.LeafNodeOpts{Host: host, Port: port, TLSConfig: cfg.TLS, NoAdvertise: true},
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("registry NATS server: %w", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(30 * time.Second) {
		ns.Shutdown()
		return nil, errors.New("registry NATS server did not start")
	}
	r := &Registry{st: cfg.Store, clock: cfg.Clock, log: cfg.Logger, loc: loc, ns: ns, auth: auth, syncEvery: cfg.SyncEvery,
		leafHost: host, leafPort: port, tls: cfg.TLS != nil,
		sources: map[string]bool{}, resetAt: map[string]time.Time{}, since: map[string]time.Time{}}
	if err := r.connect(ctx); err != nil {
		ns.Shutdown()
		return nil, err
	}
	r.w = writer.New(writer.Config{Store: cfg.Store, Logger: cfg.Logger})
	wctx, wstop := context.WithCancel(context.Background())
	r.writerCtl, r.writerEnd = wstop, make(chan struct{})
	go func() {
		defer close(r.writerEnd)
		r.w.Run(wctx)
	}()
	if err := r.SyncBranches(ctx); err != nil {
		r.Close()
		return nil, err
	}
	if err := r.pushCatalogue(ctx); err != nil {
		r.Close()
		return nil, err
	}
	bctx, stop := context.WithCancel(context.Background())
	r.stop = stop
	cons, err := r.js.CreateOrUpdateConsumer(ctx, city.RegistryStream, jetstream.ConsumerConfig{
		Durable: "apply", AckPolicy: jetstream.AckExplicitPolicy, MaxAckPending: 4 * applyBatch,
		// What a stopped registry had fetched but not applied comes again after
		// AckWait: short, so a restarted registry catches up at once.
		AckWait: ackWait})
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("registry consumer: %w", err)
	}
	if _, err := r.nc.Subscribe(city.LookupSubject, r.answerLookup); err != nil {
		r.Close()
		return nil, err
	}
	r.wg.Add(2)
	go func() { defer r.wg.Done(); r.apply(bctx, cons) }()
	go func() { defer r.wg.Done(); r.syncLoop(bctx) }()
	return r, nil
}

func (r *Registry) connect(ctx context.Context) error {
	nc, err := nats.Connect("", nats.InProcessServer(r.ns), nats.UserInfo(r.auth.internalUser, r.auth.internalPass),
		nats.Name("motcua registry"), nats.MaxReconnects(-1))
	if err != nil {
		return fmt.Errorf("connect to the registry NATS server: %w", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return err
	}
	r.nc, r.js = nc, js
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: city.ConfigBucket, History: 5,
		Storage: jetstream.FileStorage})
	if err != nil {
		nc.Close()
		return fmt.Errorf("registry configuration bucket: %w", err)
	}
	r.kv = kv
	if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{Name: city.RegistryStream, Storage: jetstream.FileStorage,
		Duplicates: 24 * time.Hour}); err != nil {
		nc.Close()
		return fmt.Errorf("registry stream: %w", err)
	}
	return nil
}

// LeafURL is the address halls join (nats://host:port).
func (r *Registry) LeafURL() string {
	scheme := "nats"
	if r.tls {
		scheme = "tls"
	}
	host := r.leafHost
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return fmt.Sprintf("%s://%s", scheme, net.JoinHostPort(host, strconv.Itoa(r.leafPort)))
}

// changed tells the /city page that branches connected, left or sent events.
func (r *Registry) changed() { r.notice.notify() }

// SyncBranches reads the branch list: the credentials the leaf listener
// accepts, a source in the registry stream for every branch, revoked halls
// disconnected; it also records which halls are connected.
func (r *Registry) SyncBranches(ctx context.Context) error {
	rows, err := r.st.City().Branches(ctx)
	if err != nil {
		return err
	}
	creds := map[string]string{}
	for _, b := range rows {
		if b.RevokedAt == nil {
			creds[b.Code] = b.PasswordHash
		}
	}
	kicked := r.auth.set(creds)
	for _, id := range kicked {
		_ = r.ns.DisconnectClientByID(id)
	}
	online, joined, err := r.noteOnline(ctx)
	if err != nil {
		return err
	}
	return r.syncSources(ctx, rows, online, joined)
}

// syncSources keeps a source in the registry stream for every branch that
// has ever connected. A source whose hall was out of reach backs off (up
// to two minutes between tries); when the hall's link comes back, its
// source is removed and added again, which resumes at once from the last
// message the registry stream holds from it.
func (r *Registry) syncSources(ctx context.Context, rows []store.CityBranchRow, online, joined map[string]bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var want []string
	changed := false
	for _, b := range rows {
		if b.LastSeen != nil || online[b.Code] {
			want = append(want, b.Code)
			if !r.sources[b.Code] {
				changed = true
			}
		}
	}
	reset := map[string]bool{}
	for code := range joined {
		if r.sources[code] {
			reset[code] = true
		}
	}
	for code := range r.stalled(ctx, online) {
		reset[code] = true
	}
	if !changed && len(reset) == 0 {
		return nil
	}
	config := func(skip map[string]bool) jetstream.StreamConfig {
		cfg := jetstream.StreamConfig{Name: city.RegistryStream, Storage: jetstream.FileStorage, Duplicates: 24 * time.Hour}
		for _, code := range want {
			if skip[code] {
				continue
			}
			cfg.Sources = append(cfg.Sources, &jetstream.StreamSource{
				Name: city.HallStream(code),
				// Only the branch's own subjects: a hall cannot speak for another.
				FilterSubject: city.HallSubjects(code),
				External:      &jetstream.ExternalStream{APIPrefix: "$JS." + city.HallDomain(code) + ".API"},
			})
		}
		return cfg
	}
	if len(reset) > 0 {
		if _, err := r.js.UpdateStream(ctx, config(reset)); err != nil {
			return fmt.Errorf("registry stream sources: %w", err)
		}
	}
	if _, err := r.js.UpdateStream(ctx, config(nil)); err != nil {
		return fmt.Errorf("registry stream sources: %w", err)
	}
	for _, code := range want {
		r.sources[code] = true
	}
	return nil
}

// stalledAfter is how long a connected hall's source may be silent (it
// has a heartbeat every second) before the registry sets it up again.
const stalledAfter = 3 * time.Second

// stalled lists connected branches whose source is failing or silent: one
// that failed while the hall was away waits out nats-server's backoff (up
// to two minutes) otherwise. Each is reset at most once per stalledAfter.
// Call with r.mu held.
func (r *Registry) stalled(ctx context.Context, online map[string]bool) map[string]bool {
	out := map[string]bool{}
	st, err := r.js.Stream(ctx, city.RegistryStream)
	if err != nil {
		return out
	}
	info, err := st.Info(ctx)
	if err != nil {
		return out
	}
	now := time.Now()
	for _, si := range info.Sources {
		code := strings.TrimPrefix(si.Name, city.HallStream(""))
		if !online[code] || now.Sub(r.resetAt[code]) < stalledAfter {
			continue
		}
		if si.Error != nil || si.Active < 0 || si.Active > stalledAfter {
			out[code] = true
			r.resetAt[code] = now
		}
	}
	return out
}

// noteOnline records which branches are connected now, and when each was
// last seen; joined are those that connected since the last look.
func (r *Registry) noteOnline(ctx context.Context) (online, joined map[string]bool, err error) {
	online = r.connected()
	joined = map[string]bool{}
	now := r.clock.Now()
	r.mu.Lock()
	change := false
	for code := range online {
		if _, ok := r.since[code]; !ok {
			r.since[code] = now
			joined[code] = true
			change = true
		}
	}
	for code := range r.since {
		if !online[code] {
			delete(r.since, code)
			change = true
		}
	}
	r.mu.Unlock()
	if len(online) > 0 {
		err := r.w.Write(ctx, func(tx *store.Tx) error {
			for code := range online {
				if err := tx.City().SetBranchSeen(code, now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	if change {
		r.changed()
	}
	return online, joined, nil
}

// connected lists the branches with a leaf connection now.
func (r *Registry) connected() map[string]bool {
	out := map[string]bool{}
	lz, err := r.ns.Leafz(nil)
	if err != nil {
		return out
	}
	for _, l := range lz.Leafs {
		if code, ok := r.auth.branchOf(l.ID); ok {
			out[code] = true
		}
	}
	return out
}

func (r *Registry) syncLoop(ctx context.Context) {
	tick := time.NewTicker(r.syncEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := r.SyncBranches(ctx); err != nil && ctx.Err() == nil {
			r.log.Error("city: branch sync", "err", err)
		}
		// A catalogue published from the command line goes out here.
		if err := r.pushCatalogue(ctx); err != nil && ctx.Err() == nil {
			r.log.Error("city: catalogue", "err", err)
		}
	}
}

// apply takes the sourced events in order and writes each once. While
// events wait it takes about applyMaxEvents at once (one commit); idle, it
// waits for the next message, so events are applied as soon as they arrive.
func (r *Registry) apply(ctx context.Context, cons jetstream.Consumer) {
	idle := true
	fetch := applyBatch
	for ctx.Err() == nil {
		var batch jetstream.MessageBatch
		var err error
		if idle {
			batch, err = cons.Fetch(1, jetstream.FetchMaxWait(time.Second))
		} else {
			batch, err = cons.FetchNoWait(fetch)
		}
		if err != nil {
			if ctx.Err() == nil {
				r.log.Warn("city: fetch", "err", err)
				select {
				case <-ctx.Done():
				case <-time.After(time.Second):
				}
			}
			continue
		}
		n, total := 0, 0
		var msgs []jetstream.Msg
		var evs []motcua.CityEvent
		for m := range batch.Messages() {
			n++
			got, err := city.DecodeEvents(m.Subject(), m.Data())
			total += len(got)
			if err != nil {
				r.log.Error("city: dropping a malformed message", "subject", m.Subject(), "err", err)
				_ = m.Term()
				continue
			}
			msgs = append(msgs, m)
			evs = append(evs, got...)
			if len(evs) >= applyMaxEvents {
				r.applyAndAck(ctx, msgs, evs)
				msgs, evs = nil, nil
			}
		}
		idle = n == 0
		if total > 0 {
			fetch = min(applyBatch, max(1, applyMaxEvents*n/total))
		}
		r.applyAndAck(ctx, msgs, evs)
	}
}

// applyAndAck applies the events of msgs in one transaction and then
// acknowledges the messages; on failure they are not, and come again.
func (r *Registry) applyAndAck(ctx context.Context, msgs []jetstream.Msg, evs []motcua.CityEvent) {
	if len(msgs) == 0 {
		return
	}
	if err := r.applyEvents(ctx, evs); err != nil {
		r.log.Error("city: apply", "err", err, "events", len(evs))
		for _, m := range msgs {
			_ = m.NakWithDelay(time.Second)
		}
		return
	}
	for _, m := range msgs {
		_ = m.Ack()
	}
	r.changed()
}

// applyEvents writes events in one transaction, each once, and logs the
// ones whose body could not be read.
func (r *Registry) applyEvents(ctx context.Context, evs []motcua.CityEvent) error {
	now := r.clock.Now()
	var unreadable []motcua.CityEvent
	err := r.w.Write(ctx, func(tx *store.Tx) error {
		var err error
		unreadable, err = ApplyEvents(tx, evs, now)
		return err
	})
	for _, ev := range unreadable {
		r.log.Error("city: an event whose body cannot be read is kept as it came, out of the city's counts and lists",
			"branch", ev.Branch, "seq", ev.Seq, "type", ev.Type)
	}
	return err
}

// ApplyEvents writes hall events into the registry's tables, each unless it
// was already there, a few statements for them all: each ticket, waiting
// count and dossier is written once, from the newest of the new events
// about it (the tables keep an older event from overwriting a newer one
// that was applied before). An event whose body cannot be read is recorded
// as it came and left out of the rest; it is returned, for the log. Failing
// the transaction instead would fetch it again and again, and every event
// after it with it.
func ApplyEvents(tx *store.Tx, evs []motcua.CityEvent, now time.Time) (unreadable []motcua.CityEvent, err error) {
	fresh, err := tx.City().ApplyEvents(evs, now)
	if err != nil {
		return nil, err
	}
	type branchID struct {
		branch string
		id     int64
	}
	tickets := map[branchID]store.CityTicketPut{}
	waiting := map[branchID]store.CityWaitingPut{}
	dossiers := map[string]store.CityDossierPut{}
	for i, ev := range evs {
		if !fresh[i] {
			continue
		}
		body, err := motcua.DecodeEventBody(ev.Type, ev.Body)
		if err != nil {
			unreadable = append(unreadable, ev)
			continue
		}
		switch b := body.(type) {
		case *motcua.TicketBody:
			k := branchID{ev.Branch, b.Ticket.ID}
			if was, ok := tickets[k]; !ok || was.Seq < ev.Seq {
				tickets[k] = store.CityTicketPut{Branch: ev.Branch, Seq: ev.Seq, Ticket: b.Ticket}
			}
		case *motcua.QueueBody:
			for svc, n := range b.Waiting {
				k := branchID{ev.Branch, svc}
				if was, ok := waiting[k]; !ok || was.Seq < ev.Seq {
					waiting[k] = store.CityWaitingPut{Branch: ev.Branch, Seq: ev.Seq, ServiceID: svc, Waiting: n}
				}
			}
		case *motcua.CityVisitBody:
			if err := tx.City().PutVisit(ev.Branch, ev.Seq, *b); err != nil {
				return nil, err
			}
		case *motcua.DossierBody:
			if was, ok := dossiers[b.Dossier.Code]; !ok || was.Seq < ev.Seq {
				dossiers[b.Dossier.Code] = store.CityDossierPut{Branch: ev.Branch, Seq: ev.Seq, Dossier: b.Dossier, Body: mustJSON(b.Dossier)}
			}
		}
	}
	if err := tx.City().PutTickets(slices.Collect(maps.Values(tickets))); err != nil {
		return nil, err
	}
	if err := tx.City().PutWaitings(slices.Collect(maps.Values(waiting))); err != nil {
		return nil, err
	}
	return unreadable, tx.City().PutDossiers(slices.Collect(maps.Values(dossiers)))
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func (r *Registry) answerLookup(m *nats.Msg) {
	d, err := r.Dossier(context.Background(), string(m.Data))
	ans := city.LookupAnswer{}
	if err != nil {
		var appErr *motcua.Error
		if !errors.As(err, &appErr) {
			r.log.Error("city: lookup", "err", err)
			appErr = &motcua.Error{Code: motcua.EInternal, Message: "Lỗi hệ thống thành phố. / City registry error."}
		}
		ans.Error = appErr
	} else {
		ans.Dossier = &d
	}
	_ = m.Respond(mustJSON(ans))
}

// Dossier finds a dossier of any branch by its code.
func (r *Registry) Dossier(ctx context.Context, code string) (motcua.CityDossier, error) {
	row, err := r.st.City().Dossier(ctx, code)
	if err != nil {
		if store.ErrorIsNotFound(err) {
			return motcua.CityDossier{}, motcua.Errorf(motcua.ENotFound, "Không có hồ sơ mã %s ở chi nhánh nào. / No branch has a dossier %s.", code, code)
		}
		return motcua.CityDossier{}, err
	}
	var d motcua.CityDossier
	if err := json.Unmarshal([]byte(row.Body), &d.PublicDossier); err != nil {
		return d, err
	}
	names := map[string]string{}
	name := func(code string) string {
		if n, ok := names[code]; ok {
			return n
		}
		if b, err := r.st.City().Branch(ctx, code); err == nil {
			names[code] = b.Name
		}
		return names[code]
	}
	d.Branch = motcua.BranchRef{Code: row.Branch, Name: name(row.Branch)}
	visits, err := r.st.City().Visits(ctx, code)
	if err != nil {
		return d, err
	}
	d.Visits = []motcua.CityVisit{}
	for _, v := range visits {
		d.Visits = append(d.Visits, motcua.CityVisit{Branch: motcua.BranchRef{Code: v.Branch, Name: name(v.Branch)},
			Number: v.Number, At: v.At.In(r.loc)})
	}
	return d, nil
}

// Branches lists every branch with its figures of today.
func (r *Registry) Branches(ctx context.Context) ([]motcua.CityBranch, error) {
	rows, err := r.st.City().Branches(ctx)
	if err != nil {
		return nil, err
	}
	now := r.clock.Now().In(r.loc)
	dayStart := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, r.loc)
	counts, err := r.st.City().Counts(ctx, dayStart)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]motcua.CityBranch, 0, len(rows))
	for _, b := range rows {
		c := counts[b.Code]
		if b.LastSeen != nil {
			t := b.LastSeen.In(r.loc)
			b.LastSeen = &t
		}
		cb := motcua.CityBranch{Code: b.Code, Name: b.Name, UnitCode: b.UnitCode, LastSeen: b.LastSeen, Revoked: b.RevokedAt != nil,
			Waiting: c.Waiting, Serving: c.Serving, Overdue: c.Overdue, AtRisk: c.AtRisk, Received: c.Received, LastSeq: c.LastSeq}
		if since, ok := r.since[b.Code]; ok {
			cb.Online = true
			s := since.In(r.loc)
			cb.OnlineSince = &s
		}
		out = append(out, cb)
	}
	return out, nil
}

// Close stops the registry: the applier and the sync, the NATS server, then
// the writer. It does not close the store.
func (r *Registry) Close() {
	if r.stop != nil {
		r.stop()
	}
	r.wg.Wait()
	r.nc.Close()
	r.ns.Shutdown()
	r.ns.WaitForShutdown()
	r.writerCtl()
	<-r.writerEnd
}

// NewPassword makes a branch credential: 128 random bits, hex, kept only
// as its SHA-256 (like a session token: a random secret needs no slow
// hash, and a leaf link is checked at every reconnect).
func NewPassword() (plain, hash string, err error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	plain = hex.EncodeToString(b)
	return plain, HashPassword(plain), nil
}

// HashPassword is how a branch password is stored.
func HashPassword(plain string) string {
	sum := sha256.Sum256([]byte(plain))
	return hex.EncodeToString(sum[:])
}

// freePort finds a free TCP port on host (a leaf address ending in :0).
func freePort(host string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Writer is the registry's single writer (the staff accounts use it too).
func (r *Registry) Writer() *writer.Writer { return r.w }

// PublishCalendar publishes the city's calendar to every hall: each applies
// it beside its own days (a hall offline when it returns). Dates are
// checked first; a wrong one is named.
func (r *Registry) PublishCalendar(ctx context.Context, cal motcua.CityCalendar) (motcua.CityCalendar, error) {
	fields := map[string]string{}
	for name, days := range map[string][]motcua.Holiday{"holidays": cal.Holidays, "working_days": cal.WorkingDays} {
		for i, d := range days {
			if _, err := time.Parse(time.DateOnly, d.Date); err != nil {
				fields[fmt.Sprintf("%s[%d].date", name, i)] = "Ngày phải có dạng YYYY-MM-DD. / The date must be YYYY-MM-DD."
			}
		}
	}
	if len(fields) > 0 {
		return cal, &motcua.Error{Code: motcua.EValidation, Message: "Lịch chưa đúng. / The calendar is not valid.", Fields: fields}
	}
	if cal.Holidays == nil {
		cal.Holidays = []motcua.Holiday{}
	}
	if cal.WorkingDays == nil {
		cal.WorkingDays = []motcua.Holiday{}
	}
	cal.Revision = 0
	rev, err := r.kv.Put(ctx, city.CalendarKey, mustJSON(cal))
	if err != nil {
		return cal, err
	}
	cal.Revision = rev
	return cal, nil
}

// Calendar is the city's calendar as last published (empty when never).
func (r *Registry) Calendar(ctx context.Context) (motcua.CityCalendar, error) {
	cal := motcua.CityCalendar{Holidays: []motcua.Holiday{}, WorkingDays: []motcua.Holiday{}}
	e, err := r.kv.Get(ctx, city.CalendarKey)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return cal, nil
	}
	if err != nil {
		return cal, err
	}
	if err := json.Unmarshal(e.Value(), &cal); err != nil {
		return cal, err
	}
	cal.Revision = e.Revision()
	return cal, nil
}
