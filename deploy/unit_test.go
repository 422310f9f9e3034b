// Package deploy holds the files that install motcua on a Linux host: the
// systemd unit, its environment file and the browsers' policy (see
// docs/INSTALL.md). Its tests start the unit's command line the way systemd
// would.
package deploy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	unitPath    = "motcua.service"
	envExample  = "motcua.env.example"
	binaryPath  = "/usr/local/bin/motcua" // where docs/INSTALL.md installs the binary
	envFilePath = "/etc/motcua/motcua.env"
)

// The unit's promises that docs/INSTALL.md relies on.
func TestUnitSettings(t *testing.T) {
	u := readUnit(t, unitPath)
	for _, c := range []struct{ section, key, want string }{
		{"Service", "User", "motcua"},
		{"Service", "Group", "motcua"},
		{"Service", "StateDirectory", "motcua"},
		{"Service", "EnvironmentFile", "-" + envFilePath},
		{"Service", "Restart", "always"},
		{"Service", "NoNewPrivileges", "yes"},
		{"Service", "ProtectSystem", "strict"},
		{"Service", "ProtectHome", "yes"},
		{"Service", "PrivateTmp", "yes"},
		{"Service", "ReadWritePaths", "%S/motcua"},
		{"Unit", "StartLimitIntervalSec", "0"},
		{"Install", "WantedBy", "multi-user.target"},
	} {
		if got := u.last(c.section, c.key); got != c.want {
			t.Errorf("[%s] %s=%q, want %q", c.section, c.key, got, c.want)
		}
	}
	// The hub never tells systemd it is ready (no sd_notify): only a simple
	// or exec service starts. Stopping relies on SIGTERM.
	if typ := u.last("Service", "Type"); typ != "" && typ != "simple" && typ != "exec" {
		t.Errorf("Type=%s: the hub does not send sd_notify; want simple or exec", typ)
	}
	if sig := u.last("Service", "KillSignal"); sig != "" && sig != "SIGTERM" {
		t.Errorf("KillSignal=%s: the hub shuts down cleanly on SIGTERM; want SIGTERM", sig)
	}
	if starts := u.values("Service", "ExecStart"); len(starts) != 1 {
		t.Errorf("got %d ExecStart lines, want 1: %q", len(starts), starts)
	}
}

// systemd's own parser, where it is installed, agrees with the unit. The
// start test below does not depend on it.
func TestUnitVerifiesWithSystemd(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("systemd-analyze not installed: the unit's syntax is checked by TestUnitStartsHub's parser only")
		return
	}
	// verify refuses an ExecStart binary that does not exist: point it at one that does.
	raw, err := os.ReadFile(unitPath)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "motcua")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	unit := strings.ReplaceAll(string(raw), "ExecStart="+binaryPath, "ExecStart="+bin)
	copyPath := filepath.Join(dir, "motcua.service")
	if err := os.WriteFile(copyPath, []byte(unit), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", "--man=no", copyPath).CombinedOutput()
	// Unknown keys and bad values are only warnings (exit 0): any line about
	// our unit counts. Lines about the host's other units do not.
	var ours []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "motcua.service") {
			ours = append(ours, line)
		}
	}
	if err != nil || len(ours) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, strings.Join(ours, "\n"))
	}
}

// The example environment file names every variable the binary reads, and
// only those.
func TestEnvExampleListsEveryVariable(t *testing.T) {
	read := map[string]bool{}
	mainFiles, err := filepath.Glob("../cmd/motcua/*.go")
	if err != nil {
		t.Fatal(err)
	}
	quoted := regexp.MustCompile(`"(MOTCUA_[A-Z0-9_]+)"`)
	for _, f := range mainFiles {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range quoted.FindAllStringSubmatch(string(src), -1) {
			read[m[1]] = true
		}
	}
	if len(read) == 0 {
		t.Fatal("found no MOTCUA_ variable in cmd/motcua: has the flag parsing moved?")
	}
	example, err := os.ReadFile(envExample)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^#?(MOTCUA_[A-Z0-9_]+)=`).FindAllStringSubmatch(string(example), -1) {
		listed[m[1]] = true
	}
	for v := range read {
		if !listed[v] {
			t.Errorf("%s: the binary reads %s but the example does not list it", envExample, v)
		}
	}
	for v := range listed {
		if !read[v] {
			t.Errorf("%s lists %s, which the binary does not read", envExample, v)
		}
	}
}

// The Chromium policy docs/INSTALL.md installs on kiosks, TVs and counters
// is JSON that Chromium reads, with the settings the guide relies on.
func TestChromiumPolicy(t *testing.T) {
	raw, err := os.ReadFile("chromium-policy.json")
	if err != nil {
		t.Fatal(err)
	}
	var policy map[string]any
	if err := json.Unmarshal(raw, &policy); err != nil {
		t.Fatalf("chromium-policy.json: %v", err)
	}
	for key, want := range map[string]any{
		"TranslateEnabled":                    false, // the translate bar covers the kiosk's header
		"PrintPreviewUseSystemDefaultPrinter": true,  // --kiosk-printing goes to the CUPS default
		"PrintHeaderFooter":                   false,
	} {
		if got, ok := policy[key]; !ok || got != want {
			t.Errorf("chromium-policy.json: %s = %v, want %v", key, got, want)
		}
	}
}

// TestUnitStartsHub builds the binary, runs the unit's ExecStart as systemd
// would (its working directory, its environment: Environment= then
// EnvironmentFile=, STATE_DIRECTORY, no inherited variables) against a
// temporary root standing for /, waits for a healthy hub, logs in with the
// admin password from the log, stops it with SIGTERM and starts it again on
// the same data. Not emulated: User= (the test runs as whoever runs it),
// UMask= and the sandboxing settings; TestUnitVerifiesWithSystemd checks
// their syntax where systemd is installed.
func TestUnitStartsHub(t *testing.T) {
	root := t.TempDir()
	bin := filepath.Join(root, binaryPath)
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/motcua").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	// The environment file as docs/INSTALL.md installs it, on a free port.
	example, err := os.ReadFile(envExample)
	if err != nil {
		t.Fatal(err)
	}
	addrLine := regexp.MustCompile(`(?m)^MOTCUA_ADDR=.*$`)
	if !addrLine.Match(example) {
		t.Fatalf("%s sets no MOTCUA_ADDR; the test replaces it with a free port", envExample)
	}
	envFile := filepath.Join(root, envFilePath)
	if err := os.MkdirAll(filepath.Dir(envFile), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(envFile, addrLine.ReplaceAll(example, []byte("MOTCUA_ADDR=127.0.0.1:0")), 0o600); err != nil {
		t.Fatal(err)
	}

	svc := serviceFromUnit(t, readUnit(t, unitPath), root)
	if svc.argv[0] != bin {
		t.Fatalf("ExecStart runs %s, want %s (where docs/INSTALL.md installs it)", svc.argv[0], binaryPath)
	}
	db, ok := lookup(svc.env, "MOTCUA_DB")
	if !ok {
		t.Fatal("the unit's environment sets no MOTCUA_DB: the database would land in the working directory by accident")
	}
	if !svc.writable(db) {
		t.Fatalf("MOTCUA_DB=%s is outside the folders the unit may write (%v): ProtectSystem=strict would make it read-only", db, svc.writablePaths)
	}

	hub := startService(t, svc)
	password, set := lookup(svc.env, "MOTCUA_ADMIN_PASSWORD")
	if !set || password == "" {
		password = hub.generatedPassword(t)
	}
	hub.login(t, password)
	hub.stop(t, svc.stopTimeout)
	if _, err := os.Stat(db); err != nil {
		t.Fatalf("no database in the data folder after a run: %v", err)
	}

	// A restart (Restart=always, or an upgrade) keeps the data and the password.
	hub = startService(t, svc)
	if strings.Contains(hub.log(), "created user admin") {
		t.Errorf("the second start created admin again:\n%s", hub.log())
	}
	hub.login(t, password)
	hub.stop(t, svc.stopTimeout)
}

// service is what systemd would execute for the unit.
type service struct {
	argv          []string
	env           []string
	dir           string
	writablePaths []string
	stopTimeout   time.Duration
}

func (s service) writable(path string) bool {
	for _, p := range s.writablePaths {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

// serviceFromUnit resolves the unit's [Service] section under root. It fails
// on any setting that changes how the process starts and that it does not
// emulate, so a change to the unit cannot slip past the test.
func serviceFromUnit(t *testing.T, u unit, root string) service {
	t.Helper()
	for _, key := range []string{"RootDirectory", "RootImage", "ExecStartPre", "ExecStartPost", "ExecCondition",
		"PassEnvironment", "UnsetEnvironment", "RuntimeDirectory", "CacheDirectory", "LogsDirectory",
		"ConfigurationDirectory", "DynamicUser", "StandardInput", "StandardOutput", "BindPaths", "BindReadOnlyPaths"} {
		if vs := u.values("Service", key); len(vs) > 0 {
			t.Fatalf("the unit sets %s=%q, which this test does not emulate: teach it", key, vs)
		}
	}
	stateRoot := filepath.Join(root, "var/lib")
	spec := func(s string) string {
		t.Helper()
		out, err := expandSpecifiers(s, map[byte]string{'S': stateRoot, 'n': "motcua.service", 'N': "motcua", 'p': "motcua"})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	var svc service

	// StateDirectory=: created by systemd, named in $STATE_DIRECTORY, writable.
	var stateDirs []string
	for _, v := range u.values("Service", "StateDirectory") {
		for _, name := range strings.Fields(spec(v)) {
			stateDirs = append(stateDirs, filepath.Join(stateRoot, name))
		}
	}
	mode := os.FileMode(0o755)
	if m := u.last("Service", "StateDirectoryMode"); m != "" {
		n, err := strconv.ParseUint(m, 8, 32)
		if err != nil {
			t.Fatalf("StateDirectoryMode=%s: %v", m, err)
		}
		mode = os.FileMode(n)
	}
	for _, d := range stateDirs {
		if err := os.MkdirAll(d, mode); err != nil {
			t.Fatal(err)
		}
	}
	svc.writablePaths = append(svc.writablePaths, stateDirs...)
	for _, v := range u.values("Service", "ReadWritePaths") {
		for _, p := range strings.Fields(spec(v)) {
			svc.writablePaths = append(svc.writablePaths, strings.TrimPrefix(strings.TrimPrefix(p, "-"), "+"))
		}
	}

	// The environment systemd gives a service with User=: no inherited
	// variables, then Environment=, then EnvironmentFile= over it.
	user := u.last("Service", "User")
	svc.env = []string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"USER=" + user, "LOGNAME=" + user, "HOME=" + filepath.Join(stateRoot, user), "SHELL=/usr/sbin/nologin",
	}
	if len(stateDirs) > 0 {
		svc.env = append(svc.env, "STATE_DIRECTORY="+strings.Join(stateDirs, ":"))
	}
	for _, v := range u.values("Service", "Environment") {
		words, err := splitWords(spec(v))
		if err != nil {
			t.Fatalf("Environment=%s: %v", v, err)
		}
		for _, w := range words {
			if !strings.Contains(w, "=") {
				t.Fatalf("Environment=%s: %q is not VAR=value", v, w)
			}
			svc.env = setEnv(svc.env, w)
		}
	}
	for _, v := range u.values("Service", "EnvironmentFile") {
		path := spec(v)
		optional := strings.HasPrefix(path, "-")
		path = filepath.Join(root, strings.TrimPrefix(path, "-"))
		assignments, err := readEnvFile(path)
		if os.IsNotExist(err) && optional {
			continue
		}
		if err != nil {
			t.Fatalf("EnvironmentFile=%s: %v", v, err)
		}
		for _, a := range assignments {
			svc.env = setEnv(svc.env, a)
		}
	}

	if wd := u.last("Service", "WorkingDirectory"); wd != "" {
		wd = spec(wd)
		if strings.HasPrefix(wd, "-") || wd == "~" {
			t.Fatalf("WorkingDirectory=%s: the test emulates only a plain path", wd)
		}
		if !strings.HasPrefix(wd, root) {
			t.Fatalf("WorkingDirectory=%s lies outside what the test can stand up (use %%S)", wd)
		}
		svc.dir = wd
	} else {
		svc.dir = root // systemd's default for a system service: /
	}

	// ExecStart: specifiers first, then $VAR (split at spaces) and ${VAR}.
	execs := u.values("Service", "ExecStart")
	if len(execs) != 1 {
		t.Fatalf("got %d ExecStart lines, want 1", len(execs))
	}
	line := spec(execs[0])
	if strings.ContainsAny(line[:1], "-@:+!|") {
		t.Fatalf("ExecStart=%s: the test does not emulate prefix %q", execs[0], line[:1])
	}
	words, err := splitWords(line)
	if err != nil {
		t.Fatalf("ExecStart=%s: %v", execs[0], err)
	}
	wholeVar := regexp.MustCompile(`^\$([A-Za-z_][A-Za-z0-9_]*)$`)
	bracedVar := regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)
	for _, w := range words {
		if m := wholeVar.FindStringSubmatch(w); m != nil {
			v, _ := lookup(svc.env, m[1])
			svc.argv = append(svc.argv, strings.Fields(v)...)
			continue
		}
		svc.argv = append(svc.argv, bracedVar.ReplaceAllStringFunc(w, func(s string) string {
			v, _ := lookup(svc.env, s[2:len(s)-1])
			return v
		}))
	}
	if len(svc.argv) == 0 || !filepath.IsAbs(svc.argv[0]) {
		t.Fatalf("ExecStart=%s: want an absolute program path", execs[0])
	}
	svc.argv[0] = filepath.Join(root, svc.argv[0])

	svc.stopTimeout = 90 * time.Second // systemd's DefaultTimeoutStopSec
	if ts := u.last("Service", "TimeoutStopSec"); ts != "" {
		d, err := time.ParseDuration(ts)
		if err != nil {
			if n, nerr := strconv.Atoi(ts); nerr == nil {
				d, err = time.Duration(n)*time.Second, nil
			}
		}
		if err != nil {
			t.Fatalf("TimeoutStopSec=%s: the test reads seconds or a Go duration", ts)
		}
		svc.stopTimeout = d
	}
	return svc
}

// runningHub is the service's process.
type runningHub struct {
	cmd    *exec.Cmd
	url    string
	mu     sync.Mutex
	out    bytes.Buffer // stdout and stderr, as the journal gets them
	exited chan struct{}
}

func (h *runningHub) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.out.Write(p)
}

func (h *runningHub) log() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.out.String()
}

var listening = regexp.MustCompile(`motcua listening on (http://\S+)`)

func startService(t *testing.T, svc service) *runningHub {
	t.Helper()
	h := &runningHub{exited: make(chan struct{})}
	h.cmd = exec.Command(svc.argv[0], svc.argv[1:]...)
	h.cmd.Env = svc.env
	h.cmd.Dir = svc.dir
	h.cmd.Stdout = h
	h.cmd.Stderr = h
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { h.cmd.Wait(); close(h.exited) }()
	t.Cleanup(func() {
		select {
		case <-h.exited:
		default:
			h.cmd.Process.Kill()
			<-h.exited
		}
	})

	deadline := time.Now().Add(60 * time.Second)
	for h.url == "" {
		if m := listening.FindStringSubmatch(h.log()); m != nil {
			h.url = m[1]
			break
		}
		select {
		case <-h.exited:
			t.Fatalf("the hub exited at start (%v):\n%s", h.cmd.ProcessState, h.log())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the hub did not listen within 60s:\n%s", h.log())
		}
	}
	for {
		resp, err := http.Get(h.url + "/healthz")
		if err == nil {
			var body struct{ Status string }
			err = json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			if err == nil && resp.StatusCode == http.StatusOK && body.Status == "ok" {
				return h
			}
			err = fmt.Errorf("status %d, body status %q", resp.StatusCode, body.Status)
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz not healthy within 60s: %v\n%s", err, h.log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// generatedPassword is the first admin's password, as the operator reads it
// in the journal when MOTCUA_ADMIN_PASSWORD is unset (as in the example).
func (h *runningHub) generatedPassword(t *testing.T) string {
	t.Helper()
	m := regexp.MustCompile(`created user admin with a generated password.* password=(\S+)`).FindStringSubmatch(h.log())
	if m == nil {
		t.Fatalf("no generated admin password in the log (docs/INSTALL.md sends the operator there):\n%s", h.log())
	}
	return strings.Trim(m[1], `"`)
}

func (h *runningHub) login(t *testing.T, password string) {
	t.Helper()
	body := fmt.Sprintf(`{"username":"admin","password":%q}`, password)
	resp, err := http.Post(h.url+"/api/v1/auth/login", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("login as admin: got %d %s, want 200", resp.StatusCode, b)
	}
}

// stop does what systemctl stop does: SIGTERM, then wait up to TimeoutStopSec.
func (h *runningHub) stop(t *testing.T, timeout time.Duration) {
	t.Helper()
	if err := h.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-h.exited:
	case <-time.After(timeout):
		t.Fatalf("the hub did not exit within %v of SIGTERM (systemd would kill it):\n%s", timeout, h.log())
	}
	if !h.cmd.ProcessState.Success() {
		t.Fatalf("the hub exited with %v after SIGTERM, want status 0:\n%s", h.cmd.ProcessState, h.log())
	}
	if !strings.Contains(h.log(), "shutting down") {
		t.Errorf("the log does not say the hub shut down:\n%s", h.log())
	}
}

// unit is a parsed unit file: sections of ordered KEY=value settings.
type unit map[string][]setting

type setting struct{ key, value string }

// values returns a key's assignments in order; an empty assignment resets
// the list, as systemd does for list settings.
func (u unit) values(section, key string) []string {
	var vs []string
	for _, s := range u[section] {
		if s.key != key {
			continue
		}
		if s.value == "" {
			vs = nil
			continue
		}
		vs = append(vs, s.value)
	}
	return vs
}

func (u unit) last(section, key string) string {
	vs := u.values(section, key)
	if len(vs) == 0 {
		return ""
	}
	return vs[len(vs)-1]
}

// readUnit parses the systemd unit syntax: [Section], KEY=value, comments
// starting with # or ;, and lines continued with a trailing backslash.
func readUnit(t *testing.T, path string) unit {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u := unit{}
	section := ""
	sc := bufio.NewScanner(f)
	n, pending := 0, ""
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if pending == "" && (line == "" || line[0] == '#' || line[0] == ';') {
			continue
		}
		if strings.HasSuffix(line, `\`) {
			pending += strings.TrimSuffix(line, `\`) + " "
			continue
		}
		line, pending = pending+line, ""
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = line[1 : len(line)-1]
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok || section == "" {
			t.Fatalf("%s:%d: not KEY=value in a section: %q", path, n, line)
		}
		u[section] = append(u[section], setting{strings.TrimSpace(key), strings.TrimSpace(value)})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return u
}

// expandSpecifiers replaces %X with spec[X] and %% with %; any other
// specifier is an error, so the test never runs with one left unresolved.
func expandSpecifiers(s string, spec map[byte]string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 == len(s) {
			return "", fmt.Errorf("%q ends with a lone %%", s)
		}
		i++
		switch v, ok := spec[s[i]]; {
		case s[i] == '%':
			b.WriteByte('%')
		case ok:
			b.WriteString(v)
		default:
			return "", fmt.Errorf("%q uses specifier %%%c, which the test does not emulate", s, s[i])
		}
	}
	return b.String(), nil
}

// splitWords splits at spaces, honouring double and single quotes and
// backslash escapes, as systemd splits ExecStart= and Environment=.
func splitWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			cur.WriteByte(c)
		case c == '"' || c == '\'':
			quote, inWord = c, true
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated quote in %q", s)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// readEnvFile reads an EnvironmentFile=: VAR=value lines, # or ; comments,
// values optionally in single or double quotes.
func readEnvFile(path string) ([]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []string
	for i, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		key = strings.TrimSpace(key)
		if !ok || !regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`).MatchString(key) {
			return nil, fmt.Errorf("%s:%d: not VAR=value: %q", path, i+1, line)
		}
		value = strings.TrimSpace(value)
		if len(value) >= 2 && (value[0] == '"' || value[0] == '\'') && value[len(value)-1] == value[0] {
			value = value[1 : len(value)-1]
		}
		out = append(out, key+"="+value)
	}
	return out, nil
}

func setEnv(env []string, assignment string) []string {
	key, _, _ := strings.Cut(assignment, "=")
	env = slices.DeleteFunc(env, func(e string) bool { return strings.HasPrefix(e, key+"=") })
	return append(env, assignment)
}

func lookup(env []string, key string) (string, bool) {
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, key+"="); ok {
			return v, true
		}
	}
	return "", false
}
