package city

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/motcua/motcua"
)

// LookupTimeout bounds a city-wide lookup: the counter waits no longer for
// the registry.
const LookupTimeout = 3 * time.Second

// sendEvery is how often the sender looks at the log when nothing woke it.
const sendEvery = time.Second

// sendBatch is how many logged events the sender reads at once.
const sendBatch = 512

// sendPause is the least time between two sends while the hall is busy: the
// events of many commits go out in one read of the log and one batch of
// publishes, instead of a read and a round trip per commit competing with
// the writer for the hall's cores.
const sendPause = 25 * time.Millisecond

// Events reads the hall's event log (the store's EventStore).
type Events interface {
	EventsSince(ctx context.Context, seq int64, limit int) ([]motcua.Event, bool, error)
}

// Config is what New needs.
type Config struct {
	// Registry is the registry's leaf-node URL, e.g. nats://city.example:7422
	// (tls:// for a link over TLS).
	Registry string
	// Password is the branch's credential at the registry.
	Password string
	// TLS, when set, secures the leaf link (the registry's certificate).
	TLS *tls.Config
	// StoreDir holds the hall's JetStream files (next to its database).
	StoreDir string
	Events   Events
	Logger   *slog.Logger
	// Calendar applies the city's calendar when the registry publishes a
	// new one (the hub's SetCityCalendar); nil ignores it.
	Calendar func(ctx context.Context, cal motcua.CityCalendar) error
	// Procedures applies the city's procedure catalogue when the registry
	// publishes a new one (the hub's SetCityProcedures); nil ignores it.
	Procedures func(ctx context.Context, cat motcua.CityCatalogue) error
}

// Link is a hall's membership of the city: its embedded NATS server, the
// sender that moves committed events to the hall's stream, and the lookup
// client.
type Link struct {
	cfg    Config
	branch string
	ns     *server.Server
	nc     *nats.Conn
	js     jetstream.JetStream
	events Events
	log    *slog.Logger

	wake   chan struct{}
	stop   context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	sent   atomic.Int64 // the newest seq the sender has looked at
	closed bool
}

// New makes a hall's link to the city; it does nothing until Start. It may
// be handed to the writer as a publisher before Start (the hall's branch
// code is known once the hub has read its hall).
func New(cfg Config) *Link {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Link{cfg: cfg, events: cfg.Events, log: cfg.Logger, wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// Start starts the hall's NATS server for branch, connects it to the
// registry as a leaf node (in the background: a hall with no network starts
// all the same) and starts the sender.
func (l *Link) Start(ctx context.Context, branch string) error {
	cfg := l.cfg
	if !ValidBranchCode(branch) {
		return fmt.Errorf("branch code %q cannot join the city: letters, digits, - and _ only", branch)
	}
	u, err := url.Parse(cfg.Registry)
	if err != nil || u.Host == "" {
		return fmt.Errorf("-registry %q: want a URL such as nats://registry.example:7422", cfg.Registry)
	}
	u.User = url.UserPassword(branch, cfg.Password)
	remote := &server.RemoteLeafOpts{URLs: []*url.URL{u}}
	if cfg.TLS != nil || u.Scheme == "tls" {
		remote.TLS, remote.TLSConfig = true, cfg.TLS
	}
	opts := &server.Options{
		ServerName:      "hall-" + branch,
		DontListen:      true, // only this process talks to the hall's server
		JetStream:       true,
		JetStreamDomain: HallDomain(branch),
		StoreDir:        cfg.StoreDir,
		NoSigs:          true,
		NoLog:           true,
		LeafNode: server.LeafNodeOpts{
			Remotes:           []*server.RemoteLeafOpts{remote},
			ReconnectInterval: time.Second,
		},
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return fmt.Errorf("hall NATS server: %w", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(30 * time.Second) {
		ns.Shutdown()
		return errors.New("hall NATS server did not start")
	}
	nc, err := nats.Connect("", nats.InProcessServer(ns), nats.Name("motcua hall "+branch))
	if err != nil {
		ns.Shutdown()
		return fmt.Errorf("connect to the hall NATS server: %w", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		ns.Shutdown()
		return err
	}
	l.branch, l.ns, l.nc, l.js = branch, ns, nc, js
	if err := l.openStream(ctx); err != nil {
		l.shutdown()
		return err
	}
	sctx, stop := context.WithCancel(context.Background())
	l.mu.Lock()
	l.stop = stop
	l.mu.Unlock()
	go l.run(sctx)
	if cfg.Calendar != nil || cfg.Procedures != nil {
		go l.followConfig(sctx)
	}
	return nil
}

// configEvery is how often a hall asks the registry for the city's
// configuration; offline, it asks again until the link is back.
const configEvery = 2 * time.Second

// followConfig reads the city's calendar and procedure catalogue from the
// registry's bucket (in the registry's JetStream domain, through the leaf
// link) and applies each new revision. A hall that was offline gets the
// newest ones when it returns.
func (l *Link) followConfig(ctx context.Context) {
	cityJS, err := jetstream.NewWithDomain(l.nc, RegistryDomain)
	if err != nil {
		l.log.Error("city: configuration", "err", err)
		return
	}
	type follow struct {
		key     string
		apply   func(ctx context.Context, rev uint64, value []byte) error
		applied uint64
	}
	var follows []*follow
	if l.cfg.Calendar != nil {
		follows = append(follows, &follow{key: CalendarKey, apply: func(ctx context.Context, rev uint64, value []byte) error {
			var cal motcua.CityCalendar
			if err := json.Unmarshal(value, &cal); err != nil {
				return fmt.Errorf("city calendar: %w", err)
			}
			cal.Revision = rev
			return l.cfg.Calendar(ctx, cal)
		}})
	}
	if l.cfg.Procedures != nil {
		follows = append(follows, &follow{key: ProceduresKey, apply: func(ctx context.Context, rev uint64, value []byte) error {
			cat, err := DecodeCatalogue(value)
			if err != nil {
				return err
			}
			cat.Revision = rev
			return l.cfg.Procedures(ctx, cat)
		}})
	}
	tick := time.NewTicker(configEvery)
	defer tick.Stop()
	for {
		if l.Online() {
			for _, f := range follows {
				if rev, err := l.pullConfig(ctx, cityJS, f.key, f.applied, f.apply); err != nil && ctx.Err() == nil {
					l.log.Warn("city: configuration", "key", f.key, "err", err)
				} else if err == nil {
					f.applied = rev
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// pullConfig reads key from the city's bucket and hands a revision other
// than applied to apply; it returns the revision now applied.
func (l *Link) pullConfig(ctx context.Context, js jetstream.JetStream, key string, applied uint64,
	apply func(ctx context.Context, rev uint64, value []byte) error) (uint64, error) {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, LookupTimeout)
	defer cancel()
	kv, err := js.KeyValue(ctx, ConfigBucket)
	if err != nil {
		return applied, err
	}
	entry, err := kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return applied, nil
	}
	if err != nil {
		return applied, err
	}
	if entry.Revision() == applied {
		return applied, nil
	}
	// The apply runs in the writer: a catalogue of a thousand procedures
	// may take longer than a lookup.
	actx, acancel := context.WithTimeout(parent, 30*time.Second)
	defer acancel()
	if err := apply(actx, entry.Revision(), entry.Value()); err != nil {
		return applied, err
	}
	return entry.Revision(), nil
}

// openStream creates the hall's stream and reads from it how far the sender
// got: the seq of its newest message.
func (l *Link) openStream(ctx context.Context) error {
	st, err := l.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:       HallStream(l.branch),
		Subjects:   []string{HallSubjects(l.branch)},
		Storage:    jetstream.FileStorage,
		Duplicates: 24 * time.Hour,
	})
	if err != nil {
		return fmt.Errorf("hall stream: %w", err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		return fmt.Errorf("hall stream: %w", err)
	}
	if info.State.Msgs == 0 {
		return nil
	}
	msg, err := st.GetMsg(ctx, info.State.LastSeq)
	if err != nil {
		return fmt.Errorf("hall stream: last message: %w", err)
	}
	seq, err := strconv.ParseInt(msg.Header.Get(MsgSeqHeader), 10, 64)
	if err != nil {
		return fmt.Errorf("hall stream: last message has no %s header", MsgSeqHeader)
	}
	l.sent.Store(seq)
	return nil
}

// Publish wakes the sender after a commit; it never blocks the writer.
func (l *Link) Publish(motcua.Event) {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

func (l *Link) run(ctx context.Context) {
	defer close(l.done)
	tick := time.NewTicker(sendEvery)
	defer tick.Stop()
	pause := time.NewTimer(0)
	defer pause.Stop()
	for {
		if err := l.send(ctx); err != nil && ctx.Err() == nil {
			l.log.Warn("city: sending events to the hall stream", "err", err)
		}
		pause.Reset(sendPause)
		select {
		case <-ctx.Done():
			return
		case <-pause.C:
		}
		select {
		case <-ctx.Done():
			return
		case <-l.wake:
		case <-tick.C:
		}
	}
}

// send moves every logged city event after the sender's mark to the hall's
// stream, many to a message (wire.go). The stream is local, so this works
// with the registry out of reach; a message stored twice (a crash between
// the store and the mark) is dropped by the stream's duplicate window when
// it is the same cut of the log, and its events once more by the
// registry's unique (branch, seq) when it is not.
func (l *Link) send(ctx context.Context) error {
	b := NewBatcher(l.branch)
	for {
		evs, more, err := l.events.EventsSince(ctx, l.sent.Load(), sendBatch)
		if err != nil {
			return err
		}
		// Published together and acknowledged together: the mark moves only
		// once the stream has stored every one of them.
		var acks []jetstream.PubAckFuture
		flush := func() error {
			if b.Len() == 0 {
				return nil
			}
			ack, err := l.publishBatch(b)
			if err != nil {
				return err
			}
			acks = append(acks, ack)
			return nil
		}
		for _, ev := range evs {
			if !motcua.IsCityEvent(ev.Type) {
				continue
			}
			if !b.Fits(ev) {
				if err := flush(); err != nil {
					return err
				}
			}
			if err := b.Add(ev); err != nil {
				// Its body is not JSON: no registry could read it, and
				// refusing to go on would hold back every event after it.
				l.log.Error("city: an event that cannot be sent is left out", "seq", ev.Seq, "type", ev.Type, "err", err)
			}
		}
		if err := flush(); err != nil {
			return err
		}
		for _, ack := range acks {
			select {
			case <-ack.Ok():
			case err := <-ack.Err():
				return err
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if len(evs) > 0 {
			l.sent.Store(evs[len(evs)-1].Seq)
		}
		if !more || len(evs) == 0 {
			return nil
		}
	}
}

// publishBatch stores the batch's events in the hall's stream as one
// message; its header carries the last event's seq, where the sender
// resumes after a restart.
func (l *Link) publishBatch(b *Batcher) (jetstream.PubAckFuture, error) {
	data, first, last := b.Take()
	msg := nats.NewMsg(BatchSubject(l.branch))
	msg.Data = data
	msg.Header.Set(MsgSeqHeader, strconv.FormatInt(last, 10))
	return l.js.PublishMsgAsync(msg, jetstream.WithMsgID(BatchMsgID(l.branch, first, last)))
}

// Online says whether the leaf link to the registry is up.
func (l *Link) Online() bool { return l.ns != nil && l.ns.NumLeafNodes() > 0 }

// Sent is the newest seq of the log the sender has moved to the hall's stream.
func (l *Link) Sent() int64 {
	return l.sent.Load()
}

// LookupDossier asks the registry for a dossier by code. With the registry
// out of reach it answers at once (no one answers the subject), never later
// than LookupTimeout.
func (l *Link) LookupDossier(ctx context.Context, code string) (motcua.CityDossier, error) {
	ctx, cancel := context.WithTimeout(ctx, LookupTimeout)
	defer cancel()
	var msg *nats.Msg
	err := errors.New("not started")
	if l.nc != nil {
		msg, err = l.nc.RequestWithContext(ctx, LookupSubject, []byte(code))
	}
	if err != nil {
		return motcua.CityDossier{}, &motcua.Error{Code: motcua.EUnavailable,
			Message: "Không liên lạc được với hệ thống thành phố; hãy thử lại sau. / The city registry cannot be reached; try again later."}
	}
	var ans LookupAnswer
	if err := json.Unmarshal(msg.Data, &ans); err != nil {
		return motcua.CityDossier{}, fmt.Errorf("city lookup answer: %w", err)
	}
	if ans.Error != nil {
		return motcua.CityDossier{}, ans.Error
	}
	if ans.Dossier == nil {
		return motcua.CityDossier{}, errors.New("city lookup: empty answer")
	}
	return *ans.Dossier, nil
}

// LookupAnswer is the registry's reply on LookupSubject.
type LookupAnswer struct {
	Dossier *motcua.CityDossier `json:"dossier,omitempty"`
	Error   *motcua.Error       `json:"error,omitempty"`
}

// Close stops the sender after its current message and shuts the hall's
// NATS server down.
func (l *Link) Close() {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.closed = true
	stop := l.stop
	l.mu.Unlock()
	if stop == nil { // never started
		return
	}
	stop()
	<-l.done
	l.shutdown()
}

func (l *Link) shutdown() {
	l.nc.Close()
	l.ns.Shutdown()
	l.ns.WaitForShutdown()
}

// SetCalendar sets who applies the city's calendar; call it before Start.
func (l *Link) SetCalendar(fn func(ctx context.Context, cal motcua.CityCalendar) error) {
	l.cfg.Calendar = fn
}

// SetProcedures sets who applies the city's procedure catalogue; call it
// before Start.
func (l *Link) SetProcedures(fn func(ctx context.Context, cat motcua.CityCatalogue) error) {
	l.cfg.Procedures = fn
}
