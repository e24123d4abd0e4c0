// Package crash is the crash matrix: it kills the real wsops binary with
// SIGKILL at random instants of its bulk actions (send, logout, repair,
// undo, prune), finishes each job with the journal's resume or undo, and
// checks with independent witnesses — WebSocket clients of its own, the
// registry read straight from DynamoDB, and counting proxies in front of
// the management API and DynamoDB — that the journals keep their promise:
// nothing twice, nothing lost, no call without an audit start line.
//
// WSOPS_CRASH_SEED seeds the kill instants (default 20261203),
// WSOPS_CRASH_KILLS sets the kills per action (default 3; make crash: 20),
// WSOPS_CRASH_REPORT names a file for the markdown table of figures.
package crash

import (
	"fmt"
	"iter"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// killsFigure names the figure that counts the kills that landed mid-run.
const killsFigure = "kills (SIGKILL sent mid-run)"

const (
	defaultSeed  = 20261203
	defaultKills = 3
	// finishAttempts bounds the resume/undo commands run after a kill.
	finishAttempts = 5
)

// settings are the matrix's knobs, from the environment.
type settings struct {
	seed  uint64
	kills int
}

func loadSettings(t *testing.T) settings {
	t.Helper()
	s := settings{seed: defaultSeed, kills: defaultKills}
	if v := os.Getenv("WSOPS_CRASH_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("WSOPS_CRASH_SEED=%q: want a non-negative integer", v)
		}
		s.seed = n
	}
	if v := os.Getenv("WSOPS_CRASH_KILLS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("WSOPS_CRASH_KILLS=%q: want a positive integer", v)
		}
		s.kills = n
	}
	return s
}

// figure is one measured number of an action. must, when set, is the
// invariant the number must meet ("= 0"); a broken one fails the test.
type figure struct {
	name  string
	value int
	na    bool   // not measurable against this binary (a flag it lacks)
	must  string // "" (reported only) or "= 0"
	note  string
}

func (f figure) broken() bool { return f.must == "= 0" && !f.na && f.value != 0 }

// tally is the figures of one action, in report order.
type tally struct {
	action  string
	figures []figure
	index   map[string]int
	took    time.Duration
	flags   flagSupport
	t       *testing.T // logs each broken invariant with its round
	round   int
}

// newTally starts an action's figures with those every action reports.
func newTally(action string) *tally {
	ty := &tally{action: action, index: map[string]int{}}
	ty.add("control runs (not killed)", "", 0)
	ty.add(killsFigure, "", 0)
	ty.add("runs that ended before their kill was due", "", 0)
	ty.add("killed runs that had made a mutating call (proxy)", "", 0)
	ty.add("runs with a call or a journal intent but no audit start line", "= 0", 0)
	ty.add("runs whose first mutating call went out before their audit start line", "= 0", 0)
	ty.add("audit start lines that do not name the run's journal", "= 0", 0)
	return ty
}

// add adds n to the figure called name (declared on first use with its rule).
func (ty *tally) add(name, must string, n int) {
	i, ok := ty.index[name]
	if !ok {
		i = len(ty.figures)
		ty.index[name] = i
		ty.figures = append(ty.figures, figure{name: name, must: must})
	}
	ty.figures[i].value += n
	if must != "" && n != 0 && ty.t != nil {
		ty.t.Logf("%s round %d: %s: %d (want %s)", ty.action, ty.round, name, n, must)
	}
}

// notApplicable marks a figure as not measurable against this binary.
func (ty *tally) notApplicable(name, must, why string) {
	ty.add(name, must, 0)
	f := &ty.figures[ty.index[name]]
	f.na, f.note = true, why
}

// matrix collects every action's tally for the report.
type matrix struct {
	mu      sync.Mutex
	tallies []*tally
}

func (m *matrix) record(ty *tally) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tallies = append(m.tallies, ty)
}

// markdown is the report: one row per action × figure.
func (m *matrix) markdown(s settings, bin string, took time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# wsops crash matrix\n\nseed %d, %d kills per action, %v in all\n\n", s.seed, s.kills, took.Round(time.Second))
	if len(m.tallies) > 0 {
		f := m.tallies[0].flags
		fmt.Fprintf(&b, "binary under test: prune --resume %s, prune --undo %s, send --resend-unknown %s\n\n",
			yesNo(f.pruneResume), yesNo(f.pruneUndo), yesNo(f.resendUnknown))
	}
	b.WriteString("| action | figure | value | invariant | |\n|---|---|---:|---|---|\n")
	for _, ty := range m.tallies {
		for _, f := range ty.figures {
			value, status := strconv.Itoa(f.value), ""
			switch {
			case f.na:
				value, status = "n/a", f.note
			case f.broken():
				status = "**BROKEN**"
			case f.must != "":
				status = "ok"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", ty.action, f.name, value, f.must, status)
		}
	}
	b.WriteString("\n| action | rounds (control included) | seconds |\n|---|---:|---:|\n")
	for _, ty := range m.tallies {
		fmt.Fprintf(&b, "| %s | %d | %.1f |\n", ty.action, ty.round+1, ty.took.Seconds())
	}
	return b.String()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// action is one row group of the matrix: run kills rounds in its own world.
type action struct {
	name string
	run  func(t *testing.T, w *world, rng *rand.Rand, kills int, ty *tally)
}

var actions = []action{
	{"send", runSend},
	{"logout", runLogout},
	{"repair, undone", runRepairUndone},
	{"repair, resumed", runRepairResumed},
	{"undo", runUndo},
	{"prune", runPrune},
}

// TestCrashMatrix runs every action of the matrix, prints the table of
// figures, writes it to $WSOPS_CRASH_REPORT, and fails on every broken
// invariant.
func TestCrashMatrix(t *testing.T) {
	s := loadSettings(t)
	start := time.Now()
	bin := buildBinary(t)
	m := &matrix{}
	for i, a := range actions {
		t.Run(strings.ReplaceAll(a.name, ", ", "-"), func(t *testing.T) {
			ty := newTally(a.name)
			began := time.Now()
			defer func() { ty.took = time.Since(began); m.record(ty) }()
			w := startWorld(t, bin)
			ty.flags = w.flags
			rng := rand.New(rand.NewPCG(s.seed, uint64(i)))
			a.run(t, w, rng, s.kills, ty)
			ty.add("runs not killed whose audit start line has no end line", "= 0", w.openRuns())
			for _, f := range ty.figures {
				if f.broken() {
					t.Errorf("%s: %s = %d, want %s", a.name, f.name, f.value, f.must)
				}
			}
		})
	}
	report := m.markdown(s, bin, time.Since(start))
	t.Log("\n" + report)
	if path := os.Getenv("WSOPS_CRASH_REPORT"); path != "" {
		if err := os.WriteFile(path, []byte(report), 0o644); err != nil {
			t.Errorf("writing the report: %v", err)
		}
	}
}

// killed is one run of an action that was sent SIGKILL.
type killed struct {
	result
	killed    bool // false: it ended before the kill was due
	delay     time.Duration
	journals  []string // journals it created
	mutations int      // mutating calls the proxies saw while it ran
	started   bool     // it wrote an audit start line
	// startNamesJournal: its start line names the journal it created
	// (true when it wrote none or created none).
	startNamesJournal bool
	// callBeforeStart: its first mutating call reached the proxy while the
	// audit log held no start line of the run yet.
	callBeforeStart bool
	// callsBeforeIntent counts its management calls that reached the proxy
	// while its journal held no entry naming their connection.
	callsBeforeIntent int
}

// journal is the run's journal ("" if it created none).
func (k killed) journal() string {
	if len(k.journals) == 0 {
		return ""
	}
	return k.journals[0]
}

// killAt runs args and SIGKILLs it after a delay drawn from rng over
// window (0: no kill, a control run), recording what the witnesses saw it do.
func (w *world) killAt(rng *rand.Rand, window time.Duration, args ...string) killed {
	w.t.Helper()
	before := w.journals()
	starts := len(w.startLines())
	mm, dm := w.mgmt.mark(), w.dynamo.mark()
	delay := waitLimit
	if window > 0 {
		delay = time.Duration(rng.Int64N(int64(window)))
	}
	order := &callOrder{w: w, journalsBefore: before, starts: starts}
	w.mgmt.watch(order.see)
	w.dynamo.watch(order.see)
	r, wasKilled := w.runKilledAfter(delay, args...)
	w.mgmt.watch(nil)
	w.dynamo.watch(nil)
	if window == 0 && wasKilled {
		w.t.Fatalf("the control run did not end within %v: %s", waitLimit, r)
	}
	k := killed{result: r, killed: wasKilled, delay: delay}
	k.callBeforeStart, k.callsBeforeIntent = order.results()
	k.journals = newJournals(before, w.journals())
	k.mutations = w.mgmt.mutationsSince(mm) + w.dynamo.mutationsSince(dm)
	lines := w.startLines()
	k.started = len(lines) > starts
	k.startNamesJournal = true
	if k.started && k.journal() != "" {
		k.startNamesJournal = false
		for _, l := range lines[starts:] {
			if l.Journal != "" && filepath.Base(l.Journal) == filepath.Base(k.journal()) {
				k.startNamesJournal = true
			}
		}
	}
	if wasKilled {
		for _, l := range lines[starts:] {
			w.killedRuns[l.Run] = true
		}
	}
	w.t.Logf("%s %s: kill due at %v, killed %v, ran %v, exit %d, %d mutating calls, journals %d, audit start line %v",
		args[0], args[1], delay.Round(time.Millisecond), wasKilled, r.took.Round(time.Millisecond), r.code, k.mutations, len(k.journals), k.started)
	return k
}

// auditFigures adds the killed run's figures common to every action.
func auditFigures(ty *tally, k killed) {
	if k.killed {
		ty.add(killsFigure, "", 1)
		if k.mutations > 0 {
			ty.add("killed runs that had made a mutating call (proxy)", "", 1)
		}
	} else if k.delay == waitLimit {
		ty.add("control runs (not killed)", "", 1)
	} else {
		ty.add("runs that ended before their kill was due", "", 1)
	}
	intent := false
	for _, j := range k.journals {
		if len(journalLines(j)) >= 2 { // a header and at least one entry
			intent = true
		}
	}
	if (k.mutations > 0 || intent) && !k.started {
		ty.add("runs with a call or a journal intent but no audit start line", "= 0", 1)
	}
	if k.callBeforeStart {
		ty.add("runs whose first mutating call went out before their audit start line", "= 0", 1)
	}
	if k.callsBeforeIntent > 0 {
		ty.add("connections called before the journal held an entry for them", "= 0", k.callsBeforeIntent)
	}
	if !k.startNamesJournal {
		ty.add("audit start lines that do not name the run's journal", "= 0", 1)
	}
}

// callOrder watches a run's calls at the proxies as they go out: whether
// the audit start line, and for management calls an entry of the journal
// naming the connection, were on disk before the call.
type callOrder struct {
	w              *world
	journalsBefore []string
	starts         int

	mu           sync.Mutex
	first        bool // a mutating call was seen
	beforeStart  bool
	beforeIntent map[string]bool
}

func (o *callOrder) see(c call) {
	mutation := managementMutation(c) || dynamoMutation(c)
	if !mutation {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.first {
		o.first = true
		o.beforeStart = len(o.w.startLines()) <= o.starts
	}
	if c.Target == "" {
		return // a DynamoDB write: its key is in the body, not checked here
	}
	journals := newJournals(o.journalsBefore, o.w.journals())
	if len(journals) == 0 || !journalNames(journals[0], c.Target) {
		if o.beforeIntent == nil {
			o.beforeIntent = map[string]bool{}
		}
		o.beforeIntent[c.Target] = true
	}
}

func (o *callOrder) results() (beforeStart bool, beforeIntent int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.beforeStart, len(o.beforeIntent)
}

// journalNames reports whether a line of the journal after its header
// (line 1, which lists every target) names connection id. It reads the
// text loosely: the entry's shape is the journal's own.
func journalNames(path, id string) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	_, entries, _ := strings.Cut(string(b), "\n")
	return strings.Contains(entries, strconv.Quote(id))
}

// openRuns counts the audit log's start lines, of runs that were not
// killed, with no end line of the same run.
func (w *world) openRuns() int {
	ended := map[string]bool{}
	var starts []auditLine
	for _, l := range w.auditLines() {
		switch l.Phase {
		case "start":
			starts = append(starts, l)
		case "end":
			ended[l.Run] = true
		}
	}
	open := 0
	for _, l := range starts {
		if !ended[l.Run] && !w.killedRuns[l.Run] {
			open++
		}
	}
	return open
}

// finish runs args until it reports the job complete — exit 0, or
// "complete": true in its -o json output (a resume that leaves targets
// unknown may exit 1 and still have nothing left to do) — at most
// finishAttempts times; it returns the last result and whether it succeeded.
func (w *world) finish(args ...string) (result, bool) {
	w.t.Helper()
	var r result
	for range finishAttempts {
		r = w.run(args...)
		if complete, _ := jsonFields(r.stdout)["complete"].(bool); r.code == 0 || complete {
			return r, true
		}
	}
	w.t.Logf("still failing after %d attempts: %s", finishAttempts, r)
	return r, false
}

// window is the span round k's kill instant is drawn from: the process's
// start-up (about 50 ms) and n calls at rate per second. Instants near its
// end may find the run over already; such rounds do not count as kills.
// Round 0 is the control: 0, no kill, the run goes to its end, so that the
// witnesses show what a clean run looks like to them.
func (ty *tally) window(k, n, rate int) time.Duration {
	if k == 0 {
		return 0
	}
	return 50*time.Millisecond + time.Duration(float64(n)/float64(rate)*float64(time.Second))
}

// rounds yields round numbers: the control round 0, then rounds until
// kills of them ended with a kill (a round whose run ended before its kill
// was due is not one), at most 3×kills.
func (ty *tally) rounds(t *testing.T, kills int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for k := 0; k == 0 || ty.figures[ty.index[killsFigure]].value < kills && k <= 3*kills; k++ {
			t.Logf("%s: round %d", ty.action, k)
			ty.t, ty.round = t, k
			if !yield(k) {
				return
			}
		}
	}
}
