package crash

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"

	"wsops/internal/testrig"
)

// waitLimit bounds every wait of the harness for something outside it (the
// sandbox's first line, a command's exit, a witness's frames). Reaching it
// fails the test: it guards against hangs, it is never a timing assertion.
const waitLimit = 30 * time.Second

// pollEvery is the interval at which a condition outside the test process
// (a file, a port) is polled.
const pollEvery = 20 * time.Millisecond

// waitUntil polls cond until it holds or limit passes, and reports whether it held.
func waitUntil(limit time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(pollEvery) // the poll interval of an outside condition, not a synchronisation
	}
	return true
}

// buildBinary builds wsops once for the whole matrix, without -race: the
// binary under test runs as it ships.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "wsops")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "wsops").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// freePort returns a loopback port nobody listened on a moment ago. The
// ports the other tests use (8787, 8000) are never returned.
func freePort(t *testing.T) int {
	t.Helper()
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if port != 8787 && port != 8000 {
			return port
		}
	}
	t.Fatal("no free loopback port")
	return 0
}

// endpoints is the sandbox's first line of output.
type endpoints struct {
	WebSocketURL  string `json:"websocket_url"`
	ManagementURL string `json:"management_url"`
	DynamoDBURL   string `json:"dynamodb_url"`
	MongoDBURI    string `json:"mongodb_uri"`
	Stage         string `json:"stage"`
	Preset        string `json:"preset"`
}

// world is one sandbox process (its preset's, its registry on the store's
// server) with counting proxies in front of its management API (which
// also passes WebSocket upgrades, so that the profile's websocket_url and
// management_url name one API, as on AWS) and its registry, a config whose
// one profile points wsops at the proxies, and a state directory for the
// journals and the audit log.
type world struct {
	t      *testing.T
	bin    string
	store  *store
	dir    string // the temp dir: config, HOME, XDG_STATE_HOME
	secret string
	ep     endpoints
	mgmt   *countingProxy // in front of the management API
	calls  *callLog       // the registry's calls, at its proxy
	reg    registryWitness
	env    []string
	flags  flagSupport
	api    *apigatewaymanagementapi.Client // straight to the sandbox, for barrier frames
	// killedRuns are the audit run ids of the runs the harness killed.
	killedRuns map[string]bool
	// agents are the User-Agents of connections, learnt from GetConnection.
	agents map[string]string
}

// startWorld starts a sandbox of st's preset and store for one action of
// the matrix; t.Cleanup kills it.
func startWorld(t *testing.T, bin string, st *store) *world {
	t.Helper()
	w := &world{t: t, bin: bin, store: st, dir: t.TempDir(), secret: fmt.Sprintf("crash-secret-%d", time.Now().UnixNano()),
		killedRuns: map[string]bool{}, agents: map[string]string{}}
	var ep endpoints
	var lastErr string
	for attempt := 0; attempt < 3; attempt++ { // a port taken between freePort and the listen: try others
		addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
		args := append([]string{"sandbox", "--addr", addr}, st.sandboxArgs(freePort(t))...)
		var stdout, stderr testrig.LockedBuffer
		cmd := exec.Command(bin, append(args, "--secret", w.secret, "-o", "json")...)
		// TMPDIR: an embedded MongoDB's files, which a SIGKILL leaves, go with the test's temp dir.
		cmd.Env = append(os.Environ(), "HOME="+w.dir, "WSOPS_CONFIG=", "WSOPS_PROFILE=", "XDG_STATE_HOME="+filepath.Join(w.dir, "sandbox-state"), "TMPDIR="+w.dir)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		dieWithTest(cmd)
		if err := cmd.Start(); err != nil {
			t.Fatalf("starting the sandbox: %v", err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		stop := func() {
			_ = cmd.Process.Signal(syscall.SIGKILL)
			select {
			case <-exited:
			case <-time.After(waitLimit):
				t.Errorf("the sandbox (pid %d) did not exit after SIGKILL", cmd.Process.Pid)
			}
		}
		gotLine := waitUntil(waitLimit, func() bool {
			select {
			case <-exited:
				return true
			default:
			}
			return strings.Contains(stdout.String(), "\n")
		})
		line, _, _ := strings.Cut(stdout.String(), "\n")
		if gotLine && json.Unmarshal([]byte(line), &ep) == nil && ep.ManagementURL != "" {
			t.Cleanup(stop)
			break
		}
		stop()
		lastErr = fmt.Sprintf("stdout %q, stderr %q", stdout.String(), stderr.String())
		ep = endpoints{}
	}
	if ep.ManagementURL == "" {
		t.Fatalf("the sandbox did not print its endpoints: %s", lastErr)
	}
	w.ep = ep
	w.mgmt = startProxy(t, ep.ManagementURL, managementMutation)
	var registry string
	w.calls, w.reg, registry = st.open(t, ep)
	w.api = directAPI(t, ep.ManagementURL)
	stage := ep.Stage
	if stage == "" {
		stage = "dev"
	}
	cfg := fmt.Sprintf(`default_profile = "crash"

[profiles.crash]
sandbox = true
preset = %q
region = "us-east-1"
websocket_url = %q
management_url = %q
%smanagement_rps = 5000
repair_rps = 5000
`, st.preset, "ws://"+strings.TrimPrefix(w.mgmt.URL(), "http://")+"/"+stage, w.mgmt.URL()+"/"+stage, registry)
	cfgPath := filepath.Join(w.dir, "config.toml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	w.env = append(os.Environ(), "WSOPS_CONFIG="+cfgPath, "WSOPS_PROFILE=crash", "XDG_STATE_HOME="+w.dir,
		"HOME="+w.dir, "XDG_CONFIG_HOME="+w.dir, "AWS_ACCESS_KEY_ID=crash", "AWS_SECRET_ACCESS_KEY=crash", "NO_COLOR=1")
	w.flags = probeFlags(t, w)
	return w
}

// journalsDir is where wsops writes its journals in this world.
func (w *world) journalsDir() string { return filepath.Join(w.dir, "wsops", "journals") }

// auditPath is this world's audit log.
func (w *world) auditPath() string { return filepath.Join(w.dir, "wsops", "audit.jsonl") }

// journals lists the journal files (*.jsonl) now in the journals directory.
func (w *world) journals() []string {
	entries, _ := os.ReadDir(w.journalsDir())
	var out []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".jsonl") {
			out = append(out, filepath.Join(w.journalsDir(), e.Name()))
		}
	}
	return out
}

// newJournals is the journals in now that were not in before, oldest name first.
func newJournals(before, now []string) []string {
	var out []string
	for _, j := range now {
		if !slices.Contains(before, j) {
			out = append(out, j)
		}
	}
	slices.Sort(out)
	return out
}

// result is one finished wsops command.
type result struct {
	args   []string
	code   int // exit code; -1 killed by a signal
	stdout string
	stderr string
	took   time.Duration
}

func (r result) String() string {
	return fmt.Sprintf("wsops %s: exit %d after %v\nstdout: %s\nstderr: %s", strings.Join(r.args, " "), r.code, r.took.Round(time.Millisecond), r.stdout, r.stderr)
}

// run runs wsops to its end (bounded by waitLimit; a command still running
// then is killed and the test fails).
func (w *world) run(args ...string) result {
	w.t.Helper()
	r, killed := w.runKilledAfter(waitLimit, args...)
	if killed {
		w.t.Fatalf("wsops %s did not end within %v:\n%s", strings.Join(args, " "), waitLimit, r)
	}
	return r
}

// runKilledAfter starts wsops and sends it SIGKILL after delay unless it
// ended before; killed says whether the signal was sent.
func (w *world) runKilledAfter(delay time.Duration, args ...string) (r result, killed bool) {
	w.t.Helper()
	var stdout, stderr testrig.LockedBuffer
	cmd := exec.Command(w.bin, args...)
	cmd.Env = w.env
	cmd.Dir = w.dir
	cmd.Stdin = nil // /dev/null: not a terminal
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	dieWithTest(cmd)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		w.t.Fatalf("starting wsops %v: %v", args, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	timer := time.NewTimer(delay)
	defer timer.Stop()
	var err error
	select {
	case err = <-exited:
	case <-timer.C:
		killed = true
		_ = cmd.Process.Signal(syscall.SIGKILL)
		select {
		case err = <-exited:
		case <-time.After(waitLimit):
			w.t.Fatalf("wsops %v (pid %d) did not exit after SIGKILL", args, cmd.Process.Pid)
		}
	}
	r = result{args: args, stdout: stdout.String(), stderr: stderr.String(), took: time.Since(start)}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		r.code = exit.ExitCode() // -1 when a signal ended it
	default:
		w.t.Fatalf("wsops %v: %v", args, err)
	}
	return r, killed
}

// flagSupport says which of the flags of the new journals the binary under
// test has, so that the harness runs against the old code too (and reports
// what it could not check).
type flagSupport struct {
	pruneResume   bool // prune --resume JOURNAL
	pruneUndo     bool // prune --undo JOURNAL
	resendUnknown bool // send --resend-unknown
}

func probeFlags(t *testing.T, w *world) flagSupport {
	t.Helper()
	prune := w.run("prune", "--help").stdout
	send := w.run("send", "--help").stdout
	return flagSupport{
		pruneResume:   hasFlag(prune, "resume"),
		pruneUndo:     hasFlag(prune, "undo"),
		resendUnknown: hasFlag(send, "resend-unknown"),
	}
}

// hasFlag reports whether a command's --help lists --name among its flags
// (a line of the flags section starts with it), not merely mentions it.
func hasFlag(help, name string) bool {
	return regexp.MustCompile(`(?m)^\s+(-\w, )?--` + regexp.QuoteMeta(name) + `\b`).MatchString(help)
}

// auditLine is the part of an audit log line the harness reads.
type auditLine struct {
	Phase   string `json:"phase"`
	Run     string `json:"run"`
	Journal string `json:"journal"`
	Action  string `json:"action"`
}

// auditLines reads the audit log (absent: none).
func (w *world) auditLines() []auditLine {
	f, err := os.Open(w.auditPath())
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []auditLine
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var l auditLine
		if json.Unmarshal(sc.Bytes(), &l) == nil {
			out = append(out, l)
		}
	}
	return out
}

// startLines counts the audit log's start lines.
func (w *world) startLines() []auditLine {
	var out []auditLine
	for _, l := range w.auditLines() {
		if l.Phase == "start" {
			out = append(out, l)
		}
	}
	return out
}

// journalLines reads a journal as JSON objects (lines that do not parse,
// a torn last line say, are skipped).
func journalLines(path string) []map[string]any {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var out []map[string]any
	for _, line := range bytes.Split(b, []byte("\n")) {
		var m map[string]any
		if json.Unmarshal(line, &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// jsonFields decodes a command's -o json output (the last JSON object it
// printed) loosely.
func jsonFields(stdout string) map[string]any {
	s := strings.TrimSpace(stdout)
	for i := strings.LastIndex(s, "{"); i >= 0; i = strings.LastIndex(s[:i], "{") {
		var m map[string]any
		if json.Unmarshal([]byte(s[i:]), &m) == nil {
			return m
		}
		if i == 0 {
			break
		}
	}
	return nil
}

// intField is field k of m as an int (absent: 0, false).
func intField(m map[string]any, k string) (int, bool) {
	v, ok := m[k].(float64)
	return int(v), ok
}
