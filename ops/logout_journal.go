package ops

import (
	"errors"
	"fmt"
	"maps"
	"time"

	"wsops/client"
)

// The logout journal, one JSON object per line:
//
//	{"format":"wsops-logout-journal/1","action":"logout","profile":"sandbox","time":"…","filter":"user u-1",
//	 "notice":"<base64>","rate":50,"targets":[{"id":"L0SM9cOFvHcCIhw=","user":"u-1","app":"drivers","entity_type":"driver"},…]}
//	{"id":"L0SM9cOFvHcCIhw=","step":"notified"}
//	{"id":"L0SM9cOFvHcCIhw=","outcome":"disconnected"}
//	{"id":"Xy…=","outcome":"failed","error":"…"}
//	{"event":"swept","ids":["L0SM9cOFvHcCIhw=",…],"records":7}
//	{"event":"cancelled","time":"…","not_attempted":3}
//	{"event":"resume","time":"…"}
//
// "notified" is written as soon as a notice is delivered, before the cut, so
// that a resume never posts it again; an outcome ends a target's cut
// (disconnected, gone, or failed: a resume tries a failed one again); "swept"
// says the records of those closed connections are deleted.

// logoutJournalFormat names the format in the header.
const logoutJournalFormat = "wsops-logout-journal/1"

// Outcomes of a logout target in its journal.
const (
	logoutDisconnected = "disconnected"
	logoutGone         = "gone"
	logoutFailed       = "failed"
)

// logoutHeader is the first line of a logout journal.
type logoutHeader struct {
	Format  string          `json:"format"`
	Action  string          `json:"action"`
	Profile string          `json:"profile"`
	Time    time.Time       `json:"time"`
	Filter  string          `json:"filter"`
	Notice  []byte          `json:"notice"` // base64 in JSON
	Rate    float64         `json:"rate"`
	Targets []journalTarget `json:"targets"`
}

// logoutEntry is every later line: a step, an outcome, or an event.
type logoutEntry struct {
	ID           string     `json:"id,omitempty"`
	Step         string     `json:"step,omitempty"` // notified
	Outcome      string     `json:"outcome,omitempty"`
	Error        string     `json:"error,omitempty"`
	Event        string     `json:"event,omitempty"` // swept, cancelled, resume
	Time         *time.Time `json:"time,omitempty"`
	NotAttempted int        `json:"not_attempted,omitempty"`
	IDs          []string   `json:"ids,omitempty"`     // swept
	Records      int        `json:"records,omitempty"` // swept
}

// logoutOutcome journals one finished cut.
func logoutOutcome(r client.Result) logoutEntry {
	e := logoutEntry{ID: r.ID}
	switch r.Outcome {
	case client.Delivered:
		e.Outcome = logoutDisconnected
	case client.Gone:
		e.Outcome = logoutGone
	default:
		e.Outcome = logoutFailed
		if r.Err != nil {
			e.Error = r.Err.Error()
		}
	}
	return e
}

// logoutState is a logout journal replayed: the plan and where each target stands.
type logoutState struct {
	header   logoutHeader
	planned  map[string]bool
	notified map[string]bool
	outcome  map[string]string // target id → its latest outcome
	swept    map[string]bool
	records  int // records deleted so far
}

func newLogoutState(h logoutHeader) *logoutState {
	s := &logoutState{header: h, planned: make(map[string]bool, len(h.Targets)), notified: map[string]bool{},
		outcome: make(map[string]string, len(h.Targets)), swept: map[string]bool{}}
	for _, t := range h.Targets {
		s.planned[t.ID] = true
	}
	return s
}

// replayLogout rebuilds the state from a journal's complete lines.
func replayLogout(path string, lines [][]byte) (*logoutState, error) {
	var h logoutHeader
	if err := readJournalHeader(path, lines, logoutJournalFormat, "logout", &h); err != nil {
		return nil, err
	}
	s := newLogoutState(h)
	if err := readJournalEntries(path, lines, s.apply); err != nil {
		return nil, err
	}
	return s, nil
}

// apply takes one journal line into the state.
func (s *logoutState) apply(e logoutEntry) error {
	ids := e.IDs
	if e.ID != "" {
		ids = []string{e.ID}
	}
	for _, id := range ids {
		if !s.planned[id] {
			return fmt.Errorf("target %s is not in the journal's plan", id)
		}
	}
	switch {
	case e.Event == "swept":
		for _, id := range e.IDs {
			s.swept[id] = true
		}
		s.records += e.Records
	case e.Event != "":
	case e.ID == "":
		return errors.New("a line that is neither a step, an outcome nor an event")
	case e.Step == "notified":
		s.notified[e.ID] = true
	case e.Outcome == logoutDisconnected, e.Outcome == logoutGone, e.Outcome == logoutFailed:
		s.outcome[e.ID] = e.Outcome
	default:
		return fmt.Errorf("target %s: unknown step %q or outcome %q", e.ID, e.Step, e.Outcome)
	}
	return nil
}

// closed reports whether the target's connection is known closed.
func (s *logoutState) closed(id string) bool {
	o := s.outcome[id]
	return o == logoutDisconnected || o == logoutGone
}

// todo lists the targets a run still has to cut, in plan order: those never
// attempted and those whose cut failed.
func (s *logoutState) todo() []Target {
	var todo []Target
	for _, t := range s.header.Targets {
		if o := s.outcome[t.ID]; o == "" || o == logoutFailed {
			todo = append(todo, Target(t))
		}
	}
	return todo
}

// unswept lists the closed targets whose records are not deleted yet.
func (s *logoutState) unswept() []Target {
	var left []Target
	for _, t := range s.header.Targets {
		if s.closed(t.ID) && !s.swept[t.ID] {
			left = append(left, Target(t))
		}
	}
	return left
}

// result is the LogoutResult of the whole journal. A closed target whose
// records are not swept counts as failed: its records may remain.
func (s *logoutState) result(path string) LogoutResult {
	r := LogoutResult{Targets: len(s.header.Targets), Notified: len(s.notified), RecordsDeleted: s.records, Journal: path}
	for _, t := range s.header.Targets {
		switch o := s.outcome[t.ID]; {
		case o == "":
			r.NotAttempted++
		case o == logoutFailed || !s.swept[t.ID]:
			r.Failed++
			r.FailedIDs = append(r.FailedIDs, t.ID)
		}
		switch s.outcome[t.ID] {
		case logoutDisconnected:
			r.Disconnected++
		case logoutGone:
			r.Gone++
		}
	}
	r.Complete = r.NotAttempted == 0 && r.Failed == 0
	return r
}

// notifiedSet is a copy of the targets notified so far.
func (s *logoutState) notifiedSet() map[string]bool { return maps.Clone(s.notified) }

// profile is the profile the journal was written on.
func (s *logoutState) profile() string { return s.header.Profile }
