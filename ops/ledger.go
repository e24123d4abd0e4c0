package ops

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Every journaled action's journal has one shape, one JSON object per line:
//
//	{"format":"wsops-journal/2","action":"send","profile":"prod","time":"…","filter":"user u-1","rps":200,
//	 "place":{"management":"https://abc.execute-api.…/dev","registry":"aws dynamodb eu-west-1","tables":["…","…"]},
//	 "plan":{…the action's own plan: its targets, payload, changes or records…}}
//	{"t":0,"intent":"post"}
//	{"t":0,"step":"delivered","attempts":1}
//	{"t":1,"intent":"post"}
//	{"t":1,"step":"unknown","attempts":1,"error":"…"}
//	{"event":"cancelled","time":"…","not_attempted":812}
//	{"event":"resume","time":"…"}
//
// "t" is a target's position in the plan. An intent is durable before its
// effect is made; a step is the target's outcome. A target with an intent
// and no outcome after it is one whose fate a crash hid.

// journalFormat names the format in every journal's header.
const journalFormat = "wsops-journal/2"

// header is a journal's first line.
type header struct {
	Format  string          `json:"format"`
	Action  string          `json:"action"`
	Profile string          `json:"profile"`
	Place   Place           `json:"place"`
	Time    time.Time       `json:"time"`
	Filter  string          `json:"filter"`
	RPS     *float64        `json:"rps"`          // calls per second; nil: no limit
	Of      string          `json:"of,omitempty"` // the journal an undo reverses
	Plan    json.RawMessage `json:"plan"`
}

// rate is the header's rate; +Inf for no limit.
func (h header) rate() float64 {
	if h.RPS == nil {
		return math.Inf(1)
	}
	return *h.RPS
}

// rateOf is a rate as a header records it.
func rateOf(rps float64) *float64 {
	if math.IsInf(rps, 1) {
		return nil
	}
	return &rps
}

// entry is every line after the header: a target's intent or outcome (T
// set), or an event of a run.
type entry struct {
	T        *int            `json:"t,omitempty"`
	Intent   string          `json:"intent,omitempty"`
	Step     string          `json:"step,omitempty"`
	Attempts int             `json:"attempts,omitempty"`
	Error    string          `json:"error,omitempty"`
	Data     json.RawMessage `json:"data,omitempty"`
	// Event is resume, cancelled, stopped or undone, with its time.
	Event string `json:"event,omitempty"`
	// Journal is, on an undone event, the journal of the undo.
	Journal      string     `json:"journal,omitempty"`
	Time         *time.Time `json:"time,omitempty"`
	NotAttempted int        `json:"not_attempted,omitempty"`
}

// outcome is a target's outcome line.
func outcome(step string, err error) entry {
	e := entry{Step: step}
	if err != nil {
		e.Error = err.Error()
	}
	return e
}

// data is e with v as its action's own data.
func (e entry) with(v any) entry {
	e.Data, _ = json.Marshal(v) // the actions' data types always marshal
	return e
}

// ledger is a journal replayed: where each target of the plan stands.
type ledger struct {
	// canon maps each target to the one acted on for it: a target listed
	// twice is acted on once, as its first listing.
	canon []int
	// open is the intent a target has with no outcome after it.
	open []string
	// last is each target's latest outcome (Step "" when none).
	last []entry
	// counts counts the targets by their latest outcome.
	counts map[string]int
	// undoneBy is the journal of the undo that reversed this one ("": none).
	undoneBy string
}

// newLedger is the ledger of a plan whose targets have these keys.
func newLedger(keys []string) *ledger {
	l := &ledger{canon: make([]int, len(keys)), open: make([]string, len(keys)), last: make([]entry, len(keys)), counts: map[string]int{}}
	first := make(map[string]int, len(keys))
	for t, k := range keys {
		if f, dup := first[k]; dup {
			l.canon[t] = f
			continue
		}
		first[k] = t
		l.canon[t] = t
	}
	return l
}

// targets are the targets acted on: each distinct one once, in plan order.
func (l *ledger) targets() []int {
	var ts []int
	for t, c := range l.canon {
		if c == t {
			ts = append(ts, t)
		}
	}
	return ts
}

// apply takes one line into the ledger, refusing a step, an intent or data
// the action does not know.
func (l *ledger) apply(e entry, act action) error {
	switch {
	case e.T == nil && e.Event == "undone":
		l.undoneBy = e.Journal
		return nil
	case e.T == nil && e.Event != "":
		return nil
	case e.T == nil:
		return errors.New("a line that is neither a target's nor an event")
	case *e.T < 0 || *e.T >= len(l.canon):
		return fmt.Errorf("target %d of a plan of %d", *e.T, len(l.canon))
	case (e.Intent == "") == (e.Step == ""):
		return fmt.Errorf("target %d: a line needs an intent or a step", *e.T)
	case e.Intent != "" && !slices.Contains(act.intents(), e.Intent), e.Step != "" && !slices.Contains(act.outcomes(), e.Step):
		return fmt.Errorf("target %d: intent %q or step %q is not this action's", *e.T, e.Intent, e.Step)
	}
	if d := act.data(); d != nil && len(e.Data) > 0 {
		if err := json.Unmarshal(e.Data, d); err != nil {
			return fmt.Errorf("target %d: %w", *e.T, err)
		}
	}
	t := l.canon[*e.T]
	if e.Intent != "" {
		l.open[t] = e.Intent
		return nil
	}
	if old := l.last[t].Step; old != "" {
		l.counts[old]--
	}
	l.last[t], l.open[t] = e, ""
	l.counts[e.Step]++
	return nil
}

// unsettled counts the targets whose intent has no outcome (a crash hid their
// fate), and untouched those with neither an intent nor an outcome.
func (l *ledger) unsettled() (hidden, untouched int) {
	for _, t := range l.targets() {
		switch {
		case l.open[t] != "":
			hidden++
		case l.last[t].Step == "":
			untouched++
		}
	}
	return hidden, untouched
}

// readJournal parses a journal's header (which must be a journal of one of
// actions) and hands it to build, then replays every line after it into
// the ledger of the action build returns. A line that does not parse or
// that the action refuses makes the journal unusable: a resume must trust
// it entirely.
func readJournal(path string, lines [][]byte, actions []string, build func(header) (action, error)) (header, action, *ledger, error) {
	var h header
	fail := func(line int, err error) (header, action, *ledger, error) {
		return h, nil, nil, fmt.Errorf("journal %s line %d: %w", path, line, err)
	}
	if len(lines) == 0 {
		return fail(1, errors.New("empty"))
	}
	if err := json.Unmarshal(lines[0], &h); err != nil || h.Format != journalFormat {
		return fail(1, fmt.Errorf("not a %s header (a journal of an older wsops is finished with that version)", journalFormat))
	}
	if !slices.Contains(actions, h.Action) {
		return fail(1, fmt.Errorf("a journal of %s, not of %s", h.Action, strings.Join(actions, " or ")))
	}
	if r := h.rate(); !(r > 0) || math.IsNaN(r) {
		return fail(1, fmt.Errorf("rate %v: want a positive number of calls per second, or null for no limit", r))
	}
	act, err := build(h)
	if err != nil {
		return fail(1, err)
	}
	l := newLedger(act.keys())
	for n := 1; n < len(lines); n++ {
		var e entry
		if err := json.Unmarshal(lines[n], &e); err != nil {
			return fail(n+1, err)
		}
		if err := l.apply(e, act); err != nil {
			return fail(n+1, err)
		}
	}
	return h, act, l, nil
}
