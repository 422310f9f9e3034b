package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// results is everything a run measured.
type results struct {
	Scenario string    `json:"scenario,omitempty"`
	Target   string    `json:"target"`
	Started  time.Time `json:"started"`
	Elapsed  float64   `json:"elapsed_s"`

	Displays int `json:"displays"`
	Trackers int `json:"trackers"`
	Kiosks   int `json:"kiosks"`
	Counters int `json:"counters"`

	Connect      opStats   `json:"connect"` // per websocket: dial until snapshot read
	Issue        opStats   `json:"issue"`
	Call         opStats   `json:"call"`
	CallToScreen opStats   `json:"call_to_display"` // every (call, display) pair
	FanoutLast   opStats   `json:"fanout_last"`     // per call: until the last display had it
	Seed         opStats   `json:"seed"`
	Storm        *stormRes `json:"storm,omitempty"`

	CallsMade      int   `json:"calls_made"`
	CallFrames     int   `json:"call_frames_expected"`
	CallFramesLost int   `json:"call_frames_lost"`
	TrackerFrames  int64 `json:"tracker_frames"`
	Redials        int   `json:"redials"`
	Snapshots      int   `json:"fallback_snapshots"`
	ScreenErrors   int   `json:"screen_errors"`

	LoadAvg string    `json:"loadavg,omitempty"` // /proc/loadavg at the start of the measured run
	WAL     *walStats `json:"wal,omitempty"`

	MemBefore memory `json:"mem_before"`
	MemIdle   memory `json:"mem_connected"`
	MemAfter  memory `json:"mem_after"`
	Sockets   int    `json:"sockets"`
}

type stormRes struct {
	Dropped     int     `json:"dropped"`
	Reconnected int     `json:"reconnected"`
	Seconds     float64 `json:"seconds"` // first drop until the last client was back
	Failed      int     `json:"failed"`
}

// callMade is one successful call-next as the counter saw it.
type callMade struct {
	ticketID int64
	start    time.Time
}

func logf(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05.000")}, args...)...)
}

func execute(ctx context.Context, c config, log io.Writer) (*results, error) {
	res := &results{Scenario: c.scenario, Target: c.url, Started: time.Now(),
		Displays: c.displays, Trackers: c.trackers, Kiosks: c.kiosks, Counters: c.counters}
	client := newHTTPClient(c.kiosks + c.counters + 64)
	defer client.CloseIdleConnections()

	if status, body, err := request(ctx, client, "GET", c.url+"/healthz", "", nil); err != nil || status != http.StatusOK {
		return nil, fmt.Errorf("the hub at %s is not healthy: status %d %s %v", c.url, status, strings.TrimSpace(string(body)), err)
	}
	var token string
	var err error
	if c.counters > 0 || c.kiosks > 0 {
		if token, err = login(ctx, client, c); err != nil {
			return nil, err
		}
		if err := prepareHall(ctx, client, c.url, token, log); err != nil {
			return nil, err
		}
	}
	services, err := openServices(ctx, client, c)
	if err != nil {
		return nil, err
	}
	var counterIDs []int64
	if c.counters > 0 {
		var served []int64
		if counterIDs, served, err = listCounters(ctx, client, c.url, token, c.counters); err != nil {
			return nil, err
		}
		if c.service == 0 {
			// Issue only what the calling counters serve, or calls find nobody.
			services = intersect(services, served)
			if len(services) == 0 {
				return nil, fmt.Errorf("the counters serve no open service")
			}
		}
	}

	// Seed: tickets for the counters to call and for the phones to follow.
	seed := c.seed
	if seed < 0 {
		expected := c.calls
		if expected == 0 && c.counters > 0 {
			expected = int(float64(c.counters) * c.duration.Seconds() / max(c.callEvery.Seconds(), 0.001))
		}
		seed = 0
		if expected > 0 {
			seed = expected*3/2 + 20 // counters serve services unevenly
		}
	}
	seed = max(seed, c.trackers)
	var tokens []string
	if seed > 0 {
		logf(log, "issuing %d seed tickets", seed)
		t0 := time.Now()
		recs, issued, err := issueTickets(ctx, client, c.url, services, 32, seed)
		res.Seed = summarize("seed issue", recs, time.Since(t0))
		if err != nil {
			return nil, err
		}
		if len(issued) < c.trackers {
			return nil, fmt.Errorf("only %d of %d seed tickets were issued", len(issued), seed)
		}
		for _, tk := range issued[:c.trackers] {
			tokens = append(tokens, tk.Token)
		}
	}

	if res.MemBefore, err = readMemory(ctx, client, c.url); err != nil {
		return nil, err
	}

	// Screens: displays first, then phones.
	wsBase := "ws" + strings.TrimPrefix(c.url, "http")
	dialer := newDialer()
	var displays, trackers []*screen
	for range c.displays {
		displays = append(displays, newScreen(wsBase, "/ws/display", dialer))
	}
	for _, tok := range tokens {
		trackers = append(trackers, newScreen(wsBase, "/ws/track/"+tok, dialer))
	}
	all := append(append([]*screen{}, displays...), trackers...)
	res.Sockets = len(all)
	defer stopAll(all)
	if len(all) > 0 {
		logf(log, "connecting %d displays and %d phones", len(displays), len(trackers))
		t0 := time.Now()
		if err := connectAll(ctx, all, c.dialers); err != nil {
			return nil, err
		}
		took := time.Since(t0)
		durations := make([]time.Duration, 0, len(all))
		for _, s := range all {
			durations = append(durations, s.connectedAt.Sub(t0))
		}
		res.Connect = durationStats("connect (since start of dialling)", durations)
		res.Connect.PerSec = float64(len(all)) / took.Seconds()
		logf(log, "connected in %s; idling %s before reading memory", took.Round(time.Millisecond), c.idleFor)
		sleep(ctx, c.idleFor)
	}
	if res.MemIdle, err = readMemory(ctx, client, c.url); err != nil {
		return nil, err
	}

	// The measured run.
	var walBefore walSnapshot
	var commitsBefore float64
	if c.walPath != "" {
		if walBefore, err = readWAL(c.walPath); err != nil {
			return nil, err
		}
		if commitsBefore, err = readCommits(ctx, client, c.url); err != nil {
			return nil, err
		}
	}
	res.LoadAvg = loadAverage()
	logf(log, "run: %d kiosks, %d counters, up to %s (load average %s)", c.kiosks, c.counters, c.duration, res.LoadAvg)
	runCtx, cancel := context.WithTimeout(ctx, c.duration)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	var issueRecs []*recorder
	var issueElapsed time.Duration
	if c.kiosks > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			limit := c.tickets
			if limit == 0 {
				limit = maxRequests
			}
			issueRecs, _, _ = issueTickets(runCtx, client, c.url, services, c.kiosks, limit)
			issueElapsed = time.Since(start)
		}()
	}
	var callRecs []*recorder
	var calls [][]callMade
	var callElapsed time.Duration
	if c.counters > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			callRecs, calls = callTickets(runCtx, client, c, token, counterIDs)
			callElapsed = time.Since(start)
		}()
	}
	if c.storm && len(all) > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res.Storm = storm(runCtx, all, c.stormAt, c.stormFor, log)
		}()
	}
	if c.kiosks == 0 && c.counters == 0 && !c.storm {
		sleep(runCtx, c.duration) // idle run: sockets only
	}
	wg.Wait()
	cancel()
	res.Elapsed = time.Since(start).Seconds()
	res.Issue = summarize("issue ticket (POST /api/v1/tickets)", issueRecs, issueElapsed)
	res.Call = summarize("call next (POST call-next)", callRecs, callElapsed)

	// Let the last frames arrive, then read memory while the sockets are open.
	sleep(ctx, 2*time.Second)
	if res.MemAfter, err = readMemory(ctx, client, c.url); err != nil {
		logf(log, "read memory after the run: %v", err)
	}
	if c.walPath != "" {
		walAfter, err := readWAL(c.walPath)
		if err != nil {
			return nil, err
		}
		commits, err := readCommits(ctx, client, c.url)
		if err != nil {
			return nil, err
		}
		res.WAL = summarizeWAL(ctx, c.dbPath, walBefore, walAfter, commits-commitsBefore, res.Issue.Count+res.Call.Status["200"])
	}
	stopAll(all)
	summarizeScreens(res, displays, trackers, calls)
	return res, nil
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

func stopAll(screens []*screen) {
	var wg sync.WaitGroup
	for _, s := range screens {
		wg.Add(1)
		go func() { defer wg.Done(); s.stop() }()
	}
	wg.Wait()
}

// summarizeScreens matches each display's call frames with the calls the
// counters made (by ticket id) and counts what never arrived.
func summarizeScreens(res *results, displays, trackers []*screen, calls [][]callMade) {
	starts := map[int64]int{} // ticket id → index in made
	var made []callMade
	for _, worker := range calls {
		for _, cm := range worker {
			starts[cm.ticketID] = len(made)
			made = append(made, cm)
		}
	}
	res.CallsMade = len(made)
	last := make([]time.Duration, len(made))
	seenBy := make([]int, len(made))
	var all []time.Duration
	for _, d := range displays {
		seen := make(map[int]bool, len(made))
		for _, sc := range d.calls {
			i, ok := starts[sc.ticketID]
			if !ok || seen[i] {
				continue
			}
			seen[i] = true
			lat := sc.at.Sub(made[i].start)
			all = append(all, lat)
			last[i] = max(last[i], lat)
			seenBy[i]++
		}
		res.Redials += d.redials
		res.Snapshots += d.snapshots
		if d.err != nil {
			res.ScreenErrors++
		}
	}
	res.CallFrames = len(made) * len(displays)
	res.CallFramesLost = res.CallFrames - len(all)
	res.CallToScreen = durationStats("call to display (HTTP call start until the display read it)", all)
	var complete []time.Duration
	for i := range made {
		if seenBy[i] == len(displays) && len(displays) > 0 {
			complete = append(complete, last[i])
		}
	}
	res.FanoutLast = durationStats("fan-out (call start until the LAST display read it)", complete)
	for _, t := range trackers {
		res.TrackerFrames += int64(t.frames)
		res.Redials += t.redials
		res.Snapshots += t.snapshots
		if t.err != nil {
			res.ScreenErrors++
		}
	}
}

// storm drops every socket, spread over spread, after waiting at; each
// screen reconnects by itself with since.
func storm(ctx context.Context, screens []*screen, at, spread time.Duration, log io.Writer) *stormRes {
	r := &stormRes{}
	sleep(ctx, at)
	if ctx.Err() != nil {
		return r
	}
	order := rand.Perm(len(screens))
	logf(log, "storm: dropping %d sockets over %s", len(screens), spread)
	t0 := time.Now()
	gap := spread / time.Duration(len(screens))
	for k, i := range order {
		if ctx.Err() != nil {
			break
		}
		if due := t0.Add(gap * time.Duration(k)); time.Until(due) > 0 {
			time.Sleep(time.Until(due))
		}
		screens[i].drop()
		r.Dropped++
	}
	// Wait for every dropped screen to be back, bounded by the run.
	var lastBack time.Time
	back := func(at time.Time) {
		r.Reconnected++
		if at.After(lastBack) {
			lastBack = at
		}
	}
	for k := range r.Dropped {
		s := screens[order[k]]
		select {
		case at := <-s.reconnected:
			back(at)
			continue
		case <-s.done:
		case <-ctx.Done():
			select {
			case at := <-s.reconnected:
				back(at)
				continue
			default:
			}
		}
		r.Failed++
	}
	if !lastBack.IsZero() {
		r.Seconds = lastBack.Sub(t0).Seconds()
	}
	logf(log, "storm: %d of %d back within %.2fs", r.Reconnected, r.Dropped, r.Seconds)
	return r
}

type issuedTicket struct {
	ID        int64  `json:"id"`
	Number    string `json:"number"`
	ServiceID int64  `json:"service_id"`
	Token     string `json:"token"`
}

// issueTickets runs workers kiosks until limit tickets were attempted or ctx
// ends, and returns the latencies and the acknowledged tickets.
func issueTickets(ctx context.Context, client *http.Client, base string, services []int64, workers, limit int) ([]*recorder, []issuedTicket, error) {
	var next atomic.Int64
	recs := make([]*recorder, workers)
	got := make([][]issuedTicket, workers)
	var wg sync.WaitGroup
	for w := range workers {
		recs[w] = newRecorder()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				n := next.Add(1)
				if n > int64(limit) {
					return
				}
				body := []byte(`{"service_id":` + strconv.FormatInt(services[int(n)%len(services)], 10) + `}`)
				t0 := time.Now()
				status, resp, err := request(ctx, client, "POST", base+"/api/v1/tickets", "", body)
				d := time.Since(t0)
				if err != nil && ctx.Err() != nil {
					return // the run ended during the request: not a hub failure
				}
				recs[w].add(status, d, status == http.StatusCreated)
				if status == http.StatusCreated {
					var tk issuedTicket
					if json.Unmarshal(resp, &tk) == nil {
						got[w] = append(got[w], tk)
					}
				}
			}
		}()
	}
	wg.Wait()
	var all []issuedTicket
	for _, g := range got {
		all = append(all, g...)
	}
	if len(all) == 0 && limit > 0 && ctx.Err() == nil {
		return recs, nil, fmt.Errorf("no ticket was issued; statuses %v", summarize("", recs, 0).Status)
	}
	return recs, all, nil
}

// callTickets runs the counter clients: each calls the next ticket, then
// pauses c.callEvery, until c.calls calls were made or ctx ends.
func callTickets(ctx context.Context, client *http.Client, c config, token string, counterIDs []int64) ([]*recorder, [][]callMade) {
	limit := int64(c.calls)
	if limit == 0 {
		limit = maxRequests
	}
	var next atomic.Int64
	recs := make([]*recorder, c.counters)
	made := make([][]callMade, c.counters)
	var wg sync.WaitGroup
	for w := range c.counters {
		recs[w] = newRecorder()
		id := counterIDs[w%len(counterIDs)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Counters do not call in lockstep in a real hall.
			sleep(ctx, time.Duration(rand.Int64N(int64(c.callEvery)+1)))
			url := c.url + "/api/v1/counters/" + strconv.FormatInt(id, 10) + "/call-next"
			for ctx.Err() == nil && next.Add(1) <= limit {
				t0 := time.Now()
				status, resp, err := request(ctx, client, "POST", url, token, nil)
				d := time.Since(t0)
				if err != nil && ctx.Err() != nil {
					return
				}
				recs[w].add(status, d, status == http.StatusOK || status == http.StatusNoContent)
				if status == http.StatusOK {
					var out struct {
						Ticket struct {
							ID int64 `json:"id"`
						} `json:"ticket"`
					}
					if json.Unmarshal(resp, &out) == nil {
						made[w] = append(made[w], callMade{ticketID: out.Ticket.ID, start: t0})
					}
				}
				sleep(ctx, c.callEvery)
			}
		}()
	}
	wg.Wait()
	return recs, made
}

// request sends one JSON request and returns the status and body; status is
// 0 on a transport error.
func request(ctx context.Context, client *http.Client, method, url, token string, body []byte) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}

func openServices(ctx context.Context, client *http.Client, c config) ([]int64, error) {
	if c.service > 0 {
		return []int64{c.service}, nil
	}
	status, body, err := request(ctx, client, "GET", c.url+"/api/v1/services", "", nil)
	if err != nil || status != http.StatusOK {
		return nil, fmt.Errorf("GET /api/v1/services: status %d %v", status, err)
	}
	var list []struct {
		ID   int64 `json:"id"`
		Open bool  `json:"open"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, fmt.Errorf("GET /api/v1/services: %w", err)
	}
	var ids []int64
	for _, s := range list {
		if s.Open {
			ids = append(ids, s.ID)
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("no service takes tickets now")
	}
	return ids, nil
}

func login(ctx context.Context, client *http.Client, c config) (string, error) {
	body, _ := json.Marshal(map[string]string{"username": c.user, "password": c.password})
	status, resp, err := request(ctx, client, "POST", c.url+"/api/v1/auth/login", "", body)
	if err != nil || status != http.StatusOK {
		return "", fmt.Errorf("log in as %s: status %d %v", c.user, status, err)
	}
	var out struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(resp, &out); err != nil || out.Token == "" {
		return "", fmt.Errorf("log in as %s: no token in the answer", c.user)
	}
	return out.Token, nil
}

// loadDigits is the width of ticket numbers the tool asks for: a run issues
// tens of thousands of tickets a day, and a service refuses numbers wider
// than its digits ("hết số hôm nay").
const loadDigits = 5 // the most a hall allows

// prepareHall makes the hall fit a load run, in one PUT /api/v1/hall: every
// service numbers with loadDigits digits, and policy.no_show_min_calls is 0
// because the counter clients call next over a ticket called once (which a
// hall that asks for more calls refuses, the same rule as "Vắng mặt"). Hubs
// without GET /api/v1/hall (older builds, the bound) have neither rule: left
// alone.
func prepareHall(ctx context.Context, client *http.Client, base, token string, log io.Writer) error {
	status, body, err := request(ctx, client, "GET", base+"/api/v1/hall", token, nil)
	if err != nil {
		return err
	}
	if status == http.StatusNotFound {
		return nil
	}
	if status != http.StatusOK {
		return fmt.Errorf("GET /api/v1/hall: status %d", status)
	}
	var hall map[string]any
	if err := json.Unmarshal(body, &hall); err != nil {
		return fmt.Errorf("GET /api/v1/hall: %v", err)
	}
	changed := false
	if policy, _ := hall["policy"].(map[string]any); policy != nil && policy["no_show_min_calls"] != float64(0) {
		policy["no_show_min_calls"] = 0
		changed = true
	}
	services, _ := hall["services"].([]any)
	for _, sv := range services {
		if sv, ok := sv.(map[string]any); ok && sv["digits"] != float64(loadDigits) {
			sv["digits"] = loadDigits
			changed = true
		}
	}
	if !changed {
		return nil
	}
	body, _ = json.Marshal(hall)
	if status, resp, err := request(ctx, client, "PUT", base+"/api/v1/hall", token, body); err != nil || status != http.StatusOK {
		return fmt.Errorf("PUT /api/v1/hall (digits %d, no_show_min_calls 0): status %d %s %v", loadDigits, status, resp, err)
	}
	logf(log, "hall: every service numbers with %d digits, no_show_min_calls 0 (the counters call next without serving)", loadDigits)
	return nil
}

// listCounters returns the hall's counter ids and the services the first
// n of them (the ones the counter clients use) serve.
func listCounters(ctx context.Context, client *http.Client, base, token string, n int) (ids, served []int64, err error) {
	status, body, err := request(ctx, client, "GET", base+"/api/v1/counters", token, nil)
	if err != nil || status != http.StatusOK {
		return nil, nil, fmt.Errorf("GET /api/v1/counters: status %d %v", status, err)
	}
	var list []struct {
		ID         int64   `json:"id"`
		ServiceIDs []int64 `json:"service_ids"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, nil, err
	}
	for i, c := range list {
		ids = append(ids, c.ID)
		if i < n {
			served = append(served, c.ServiceIDs...)
		}
	}
	if len(ids) == 0 {
		return nil, nil, fmt.Errorf("the hall has no counters")
	}
	return ids, served, nil
}

func intersect(a, b []int64) []int64 {
	var out []int64
	for _, x := range a {
		for _, y := range b {
			if x == y {
				out = append(out, x)
				break
			}
		}
	}
	return out
}
