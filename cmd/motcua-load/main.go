// Command motcua-load drives a running motcua hub over real sockets, as the
// hall's own clients would: hall displays and citizens' phones on websockets,
// kiosks issuing tickets and counters calling them over HTTP. It prints
// throughput and latency percentiles per operation, the time from a counter's
// call until each display has the frame, and the hub's memory from /metrics.
//
//	go run ./cmd/motcua-load -url http://127.0.0.1:8080 -scenario calls-50 -password secret
//
// Every run is bounded in count and time, and the tool refuses any target
// that is not on this machine unless -allow-remote is given. Scenarios are
// presets of the flags (see -help); a flag given explicitly wins over the
// preset. docs/PERFORMANCE.md has the commands and figures.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.LookupEnv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "motcua-load:", err)
		}
		os.Exit(1)
	}
}

// Hard bounds, whatever the flags say.
const (
	maxSockets  = 19_000 // the per-process fd limit here is 20,000
	maxDuration = 10 * time.Minute
	maxRequests = 10_000_000
)

// config is one run, from flags over a scenario preset.
type config struct {
	url         string
	allowRemote bool
	user        string
	password    string
	scenario    string

	displays  int
	trackers  int
	kiosks    int
	tickets   int
	counters  int
	calls     int
	callEvery time.Duration
	seed      int
	service   int64
	duration  time.Duration
	storm     bool
	stormAt   time.Duration
	stormFor  time.Duration
	idleFor   time.Duration
	dialers   int
	jsonOut   bool

	// Side by side (compare.go): fresh hub and bound processes per run.
	hubBin  string
	bound   bool
	against string // a second motcua binary run beside -hub instead of the bound
	runs    int
	workDir string
	walPath string // the target's WAL file, read before and after the run
	dbPath  string // the target's database, for the WAL's page owners
}

// scenarios are the targets of docs/PERFORMANCE.md as flag presets.
var scenarios = map[string]struct {
	about string
	flags map[string]string
}{
	"issue": {"kiosks issuing tickets as fast as the hub acknowledges them (target 4)",
		map[string]string{"kiosks": "32", "duration": "10s"}},
	"calls-50": {"call to display with 50 displays (target 1a)",
		map[string]string{"displays": "50", "counters": "5", "calls": "1000", "call-every": "25ms", "duration": "60s"}},
	"calls-2000": {"call to display with 2,000 displays (target 1b)",
		map[string]string{"displays": "2000", "counters": "5", "calls": "100", "call-every": "1s", "duration": "60s"}},
	"calls-50-idle10k": {"call to display with 50 displays and 10,000 phones following their tickets (target 1c)",
		map[string]string{"displays": "50", "trackers": "10000", "counters": "5", "calls": "100", "call-every": "1s", "duration": "60s"}},
	"fanout-10k": {"one call reaching 10,000 display sockets: time until the last has it (target 2)",
		map[string]string{"displays": "10000", "counters": "1", "calls": "30", "call-every": "1s", "duration": "60s"}},
	"idle-10k": {"memory of 10,000 idle phone sockets (target 3)",
		map[string]string{"trackers": "10000", "idle": "5s", "duration": "5s"}},
	"reconnect-storm": {"10,000 displays drop and reconnect with since while counters call; no call may be lost (target 6)",
		map[string]string{"displays": "10000", "counters": "5", "call-every": "1s", "duration": "25s",
			"storm": "true", "storm-at": "3s", "storm-for": "10s"}},
}

func parseConfig(args []string, lookupEnv func(string) (string, bool), stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	password, _ := lookupEnv("MOTCUA_ADMIN_PASSWORD")
	fs.StringVar(&c.url, "url", "http://127.0.0.1:8080", "base URL of the running hub")
	fs.BoolVar(&c.allowRemote, "allow-remote", false, "allow a target that is not on this machine (loopback only by default)")
	fs.StringVar(&c.user, "user", "admin", "staff user for the counters")
	fs.StringVar(&c.password, "password", password, "that user's password [MOTCUA_ADMIN_PASSWORD]")
	fs.StringVar(&c.scenario, "scenario", "", "preset: "+scenarioNames())
	fs.IntVar(&c.displays, "displays", 0, "hall displays on /ws/display")
	fs.IntVar(&c.trackers, "trackers", 0, "phones on /ws/track/{token}, each with its own ticket")
	fs.IntVar(&c.kiosks, "kiosks", 0, "concurrent kiosks issuing tickets during the run")
	fs.IntVar(&c.tickets, "tickets", 0, "stop issuing after this many tickets (0: until -duration)")
	fs.IntVar(&c.counters, "counters", 0, "concurrent counter clients calling the next ticket")
	fs.IntVar(&c.calls, "calls", 0, "total calls to make (0: until -duration)")
	fs.DurationVar(&c.callEvery, "call-every", 100*time.Millisecond, "pause of each counter between two calls")
	fs.IntVar(&c.seed, "seed", -1, "tickets issued before the run so the counters have work (-1: enough for -calls)")
	fs.Int64Var(&c.service, "service", 0, "issue tickets for this service id only (0: every open service in turn)")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "upper bound of the measured run")
	fs.BoolVar(&c.storm, "storm", false, "drop every websocket during the run; each reconnects with since")
	fs.DurationVar(&c.stormAt, "storm-at", 3*time.Second, "when the storm starts, from the start of the run")
	fs.DurationVar(&c.stormFor, "storm-for", 10*time.Second, "the drops are spread over this long")
	fs.DurationVar(&c.idleFor, "idle", 2*time.Second, "settle time after connecting, before memory is read")
	fs.IntVar(&c.dialers, "dialers", 200, "websocket dials in flight at once while connecting")
	fs.BoolVar(&c.jsonOut, "json", false, "print the results as JSON as well")
	fs.StringVar(&c.hubBin, "hub", "", "start this motcua binary afresh for every run (own temporary database, free loopback port) instead of using -url; \"self\" is this tree's hub in this binary (motcua-load hub)")
	fs.BoolVar(&c.bound, "bound", false, "run the scenario against the bare bound too (motcua-load bound, started afresh for every run) and print hub / bound ratios")
	fs.StringVar(&c.against, "against", "", "start this second motcua binary afresh for every run beside -hub (say, the same hub joined to a registry through a wrapper script, or an older build; \"self\" as for -hub) and print hub / against ratios; not with -bound")
	fs.IntVar(&c.runs, "runs", 1, "runs per target, hub and bound interleaved; the comparison shows medians")
	fs.StringVar(&c.workDir, "workdir", "", "where -hub and -bound put their temporary databases (default: the system's temporary folder)")
	fs.StringVar(&c.dbPath, "wal-db", "", "SQLite file of the hub under -url: report the WAL pages written per commit and per write (automatic with -hub and -bound)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: motcua-load [flags]\n       motcua-load bound -db FILE [flags]   (serve the bare bound)\n       motcua-load hub -db FILE [flags]     (serve this tree's hub with pprof)\n\nScenarios (-scenario NAME; explicit flags win):\n")
		for _, name := range sortedScenarios() {
			fmt.Fprintf(stderr, "  %-18s %s\n", name, scenarios[name].about)
		}
		fmt.Fprintf(stderr, "\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args[1:]); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if c.scenario != "" {
		preset, ok := scenarios[c.scenario]
		if !ok {
			return c, fmt.Errorf("unknown scenario %q; known: %s", c.scenario, scenarioNames())
		}
		explicit := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
		for name, value := range preset.flags {
			if !explicit[name] {
				if err := fs.Set(name, value); err != nil {
					return c, fmt.Errorf("scenario %s: -%s=%s: %w", c.scenario, name, value, err)
				}
			}
		}
	}
	return c, c.validate()
}

func (c *config) validate() error {
	switch {
	case c.displays < 0 || c.trackers < 0 || c.kiosks < 0 || c.counters < 0 || c.calls < 0 || c.tickets < 0:
		return errors.New("counts must not be negative")
	case c.displays+c.trackers > maxSockets:
		return fmt.Errorf("-displays plus -trackers is %d; this process can hold at most %d sockets", c.displays+c.trackers, maxSockets)
	case c.kiosks+c.counters > 1000:
		return errors.New("-kiosks plus -counters must be at most 1000")
	case c.duration <= 0 || c.duration > maxDuration:
		return fmt.Errorf("-duration must be between 0 and %s", maxDuration)
	case c.tickets > maxRequests || c.calls > maxRequests || c.seed > maxRequests:
		return fmt.Errorf("-tickets, -calls and -seed are at most %d", maxRequests)
	case c.counters > 0 && c.password == "" && c.hubBin == "": // -hub sets its own
		return errors.New("the counters need a staff login: give -password or set MOTCUA_ADMIN_PASSWORD")
	case c.dialers < 1:
		return errors.New("-dialers must be at least 1")
	case c.runs < 1 || c.runs > 20:
		return errors.New("-runs must be between 1 and 20")
	case c.against != "" && c.bound:
		return errors.New("-against and -bound each name the second side: give one of them")
	case c.against != "" && c.hubBin == "":
		return errors.New("-against needs -hub: both sides are started afresh for every run")
	}
	return nil
}

func sortedScenarios() []string {
	names := make([]string, 0, len(scenarios))
	for name := range scenarios {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

func scenarioNames() string { return strings.Join(sortedScenarios(), ", ") }

// checkTarget refuses a hub that is not on this machine: load is only ever
// sent to loopback unless the operator says otherwise.
func checkTarget(ctx context.Context, raw string, allowRemote bool) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("-url %q must be an http:// or https:// URL", raw)
	}
	if allowRemote {
		return u, nil
	}
	host := u.Hostname()
	var ips []net.IP
	if ip := net.ParseIP(host); ip != nil {
		ips = []net.IP{ip}
	} else {
		addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
		if err != nil {
			return nil, fmt.Errorf("resolve %s: %w", host, err)
		}
		for _, a := range addrs {
			ips = append(ips, a.IP)
		}
	}
	if len(ips) == 0 {
		return nil, fmt.Errorf("%s has no address", host)
	}
	for _, ip := range ips {
		if !ip.IsLoopback() {
			return nil, fmt.Errorf("refusing to load %s (%s): not a loopback address; pass -allow-remote for a hub you are responsible for", host, ip)
		}
	}
	return u, nil
}

func run(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stdout, stderr io.Writer) error {
	if len(args) > 1 {
		switch args[1] {
		case "bound":
			return runBound(ctx, args[1:], lookupEnv, stdout, stderr)
		case "hub":
			return runHub(ctx, args[1:], lookupEnv, stdout, stderr)
		}
	}
	c, err := parseConfig(args, lookupEnv, stderr)
	if err != nil {
		return err
	}
	if c.hubBin != "" || c.bound || c.against != "" {
		return compare(ctx, c, lookupEnv, stdout, stderr)
	}
	if c.dbPath != "" {
		c.walPath = c.dbPath + "-wal"
	}
	target, err := checkTarget(ctx, c.url, c.allowRemote)
	if err != nil {
		return err
	}
	c.url = strings.TrimSuffix(target.String(), "/")
	res, err := execute(ctx, c, stderr)
	if err != nil {
		return err
	}
	res.print(stdout)
	if c.jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	return nil
}

// newHTTPClient keeps one connection per worker alive, like a kiosk would.
func newHTTPClient(workers int) *http.Client {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        workers + 16,
		MaxIdleConnsPerHost: workers + 16,
		IdleConnTimeout:     90 * time.Second,
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}
