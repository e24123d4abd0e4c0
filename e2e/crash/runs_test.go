package crash

import (
	"math/rand/v2"
	"path/filepath"
	"sync"
	"time"
)

// killedRun is one run of an action under a kill timer: killed mid-run,
// ended before its kill was due, or the control run (no kill).
type killedRun struct {
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
func (k killedRun) journal() string {
	if len(k.journals) == 0 {
		return ""
	}
	return k.journals[0]
}

// killAt runs args and SIGKILLs it after a delay drawn from rng over
// window (0: no kill, a control run), recording what the witnesses saw it do.
func (w *world) killAt(rng *rand.Rand, window time.Duration, args ...string) killedRun {
	w.t.Helper()
	return w.killIn(rng, 0, window, args...)
}

// killIn is killAt with the delay drawn over [from, from+window).
func (w *world) killIn(rng *rand.Rand, from, window time.Duration, args ...string) killedRun {
	w.t.Helper()
	before := w.journals()
	starts := len(w.startLines())
	mm, rm := w.mgmt.mark(), w.calls.mark()
	delay := waitLimit
	if window > 0 {
		delay = from + time.Duration(rng.Int64N(int64(window)))
	}
	order := &callOrder{w: w, journalsBefore: before, starts: starts}
	w.mgmt.watch(order.see)
	w.calls.watch(order.see)
	r, wasKilled := w.runKilledAfter(delay, args...)
	w.mgmt.watch(nil)
	w.calls.watch(nil)
	if window == 0 && wasKilled {
		w.t.Fatalf("the control run did not end within %v: %s", waitLimit, r)
	}
	k := killedRun{result: r, killed: wasKilled, delay: delay}
	k.callBeforeStart, k.callsBeforeIntent = order.results()
	k.journals = newJournals(before, w.journals())
	k.mutations = w.mgmt.mutationsSince(mm) + w.calls.mutationsSince(rm)
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
func auditFigures(ty *tally, k killedRun) {
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
	ty.add("connections called before the journal held an entry for them", "= 0", k.callsBeforeIntent)
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

// see is the proxies' hook: c is a mutating call about to be forwarded.
func (o *callOrder) see(c call) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.first {
		o.first = true
		o.beforeStart = len(o.w.startLines()) <= o.starts
	}
	if c.Target == "" {
		return // a registry write: its key is in the body, not checked here
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
// holds an intent for connection id. Lines name a target by its position
// "t" in the header's plan ("plan":{"targets":[{"id":…},…]}).
func journalNames(path, id string) bool {
	ids := journalTargets(path)
	for _, m := range journalLines(path) {
		if t, ok := m["t"].(float64); ok && m["intent"] != nil && int(t) < len(ids) && ids[int(t)] == id {
			return true
		}
	}
	return false
}

// journalTargets lists the connection ids of a journal's plan, in order.
func journalTargets(path string) []string {
	lines := journalLines(path)
	if len(lines) == 0 {
		return nil
	}
	plan, _ := lines[0]["plan"].(map[string]any)
	targets, _ := plan["targets"].([]any)
	ids := make([]string, len(targets))
	for i, tg := range targets {
		m, _ := tg.(map[string]any)
		ids[i], _ = m["id"].(string)
	}
	return ids
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
