// Package crash is the crash matrix: it kills the real wsops binary with
// SIGKILL at random instants of its bulk actions (send, logout, repair,
// undo, prune), on each registry store (the wizz sandbox on DynamoDB, the
// this27 sandbox on MongoDB), finishes each job with the journal's resume
// or undo, and checks with independent witnesses — WebSocket clients of
// its own, the registry read straight from its store, and counting proxies
// in front of the management API and the store — that the journals keep
// their promise: nothing twice, nothing lost, no call without an audit
// start line.
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

// tally is the figures of one action on one store, in report order.
type tally struct {
	store   string
	action  string
	figures []figure
	index   map[string]int
	took    time.Duration
	flags   flagSupport
	t       *testing.T // logs each broken invariant with its round
	round   int
}

// newTally starts an action's figures with those every action reports.
func newTally(store, action string) *tally {
	ty := &tally{store: store, action: action, index: map[string]int{}}
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
		ty.t.Logf("%s %s round %d: %s: %d (want %s)", ty.store, ty.action, ty.round, name, n, must)
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

// markdown is the report: one row per store × action × figure.
func (m *matrix) markdown(s settings, bin string, took time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# wsops crash matrix\n\nseed %d, %d kills per action, %v in all\n\n", s.seed, s.kills, took.Round(time.Second))
	if len(m.tallies) > 0 {
		f := m.tallies[0].flags
		fmt.Fprintf(&b, "binary under test: prune --resume %s, prune --undo %s, send --resend-unknown %s\n\n",
			yesNo(f.pruneResume), yesNo(f.pruneUndo), yesNo(f.resendUnknown))
	}
	b.WriteString("| store | action | figure | value | invariant | |\n|---|---|---|---:|---|---|\n")
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
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", ty.store, ty.action, f.name, value, f.must, status)
		}
	}
	b.WriteString("\n| store | action | rounds (control included) | seconds |\n|---|---|---:|---:|\n")
	for _, ty := range m.tallies {
		fmt.Fprintf(&b, "| %s | %s | %d | %.1f |\n", ty.store, ty.action, ty.round+1, ty.took.Seconds())
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

// TestCrashMatrix runs every action of the matrix on every store (the
// subtests are STORE/ACTION: -run 'TestCrashMatrix/mongodb/' runs one
// store's), prints the table of figures, writes it to $WSOPS_CRASH_REPORT,
// and fails on every broken invariant.
func TestCrashMatrix(t *testing.T) {
	s := loadSettings(t)
	start := time.Now()
	bin := buildBinary(t)
	m := &matrix{}
	for si, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			for i, a := range actions {
				t.Run(strings.ReplaceAll(a.name, ", ", "-"), func(t *testing.T) {
					// The kill instants of store 0's actions are those the matrix drew before it had stores.
					rng := rand.New(rand.NewPCG(s.seed, uint64(si*len(actions)+i)))
					runAction(t, m, bin, st, a, rng, s.kills)
				})
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

// runAction runs action a's rounds in a world of its own on store st and
// records its tally in m.
func runAction(t *testing.T, m *matrix, bin string, st *store, a action, rng *rand.Rand, kills int) {
	ty := newTally(st.name, a.name)
	began := time.Now()
	defer func() { ty.took = time.Since(began); m.record(ty) }()
	w := startWorld(t, bin, st)
	ty.flags = w.flags
	a.run(t, w, rng, kills, ty)
	ty.add("runs not killed whose audit start line has no end line", "= 0", w.openRuns())
	for _, f := range ty.figures {
		if f.broken() {
			t.Errorf("%s %s: %s = %d, want %s", st.name, a.name, f.name, f.value, f.must)
		}
	}
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
			t.Logf("%s %s: round %d", ty.store, ty.action, k)
			ty.t, ty.round = t, k
			if !yield(k) {
				return
			}
		}
	}
}
