package ops

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"wsops/client"
)

// The send journal, one JSON object per line:
//
//	{"format":"wsops-send-journal/1","action":"send","profile":"sandbox","time":"…","filter":"user u-1",
//	 "payload":"<base64>","rps":200,"prune_gone":true,"targets":[{"id":"L0SM9cOFvHcCIhw=","user":"u-1","app":"drivers","entity_type":"driver"},…]}
//	{"id":"L0SM9cOFvHcCIhw=","outcome":"delivered","attempts":1}
//	{"id":"Xy…=","outcome":"throttled","attempts":5,"resend":true,"error":"…"}
//	{"event":"cancelled","time":"…","not_attempted":812}
//	{"event":"resume","time":"…"}
//	{"event":"pruned","time":"…","ids":["Ab…=",…]}
//
// The header fixes the plan: a resume sends the same payload to the same
// targets at the same rate, never re-reading the registry. rps null means no
// limit. An outcome line's resend is set when the message was certainly not
// delivered (throttled every time, or forbidden), so a resume sends it again.

// sendJournalFormat names the format in the header.
const sendJournalFormat = "wsops-send-journal/1"

// sendHeader is the first line of a send journal.
type sendHeader struct {
	Format    string          `json:"format"`
	Action    string          `json:"action"`
	Profile   string          `json:"profile"`
	Time      time.Time       `json:"time"`
	Filter    string          `json:"filter"`
	Payload   []byte          `json:"payload"` // base64 in JSON
	RPS       *float64        `json:"rps"`     // nil: no limit
	PruneGone bool            `json:"prune_gone"`
	Targets   []journalTarget `json:"targets"`
}

// sendEntry is every later line: a target's outcome, or an event.
type sendEntry struct {
	ID           string     `json:"id,omitempty"`
	Outcome      string     `json:"outcome,omitempty"`
	Attempts     int        `json:"attempts,omitempty"`
	Resend       bool       `json:"resend,omitempty"`
	Error        string     `json:"error,omitempty"`
	Event        string     `json:"event,omitempty"` // cancelled, resume, pruned
	Time         *time.Time `json:"time,omitempty"`
	NotAttempted int        `json:"not_attempted,omitempty"`
	IDs          []string   `json:"ids,omitempty"` // pruned
}

// rate is the fan-out rate the header records.
func (h sendHeader) rate() float64 {
	if h.RPS == nil {
		return math.Inf(1)
	}
	return *h.RPS
}

// outcomeEntry journals one attempted target.
func outcomeEntry(r client.Result) sendEntry {
	e := sendEntry{ID: r.ID, Outcome: r.Outcome.String(), Attempts: r.Attempts}
	if r.Err != nil {
		e.Error = r.Err.Error()
	}
	// Throttled means every attempt was refused with 429; forbidden is a
	// refusal too. Any other failure (a timeout, a 5xx, a broken connection)
	// may hide a delivered message, so it is not sent again.
	e.Resend = r.Outcome == client.Throttled || (r.Outcome == client.Failed && errors.Is(r.Err, client.ErrForbidden))
	return e
}

// sendState is a send journal replayed: the plan and where each target stands.
type sendState struct {
	header sendHeader
	index  map[string]int       // target id → position in header.Targets
	last   map[string]sendEntry // target id → its latest outcome
	pruned map[string]bool
}

func newSendState(h sendHeader) *sendState {
	s := &sendState{header: h, index: make(map[string]int, len(h.Targets)),
		last: make(map[string]sendEntry, len(h.Targets)), pruned: map[string]bool{}}
	for i, t := range h.Targets {
		s.index[t.ID] = i
	}
	return s
}

// replaySend rebuilds the state from a journal's complete lines.
func replaySend(path string, lines [][]byte) (*sendState, error) {
	var h sendHeader
	if err := readJournalHeader(path, lines, sendJournalFormat, "send", &h); err != nil {
		return nil, err
	}
	s := newSendState(h)
	if err := readJournalEntries(path, lines, s.apply); err != nil {
		return nil, err
	}
	return s, nil
}

// apply takes one journal line into the state.
func (s *sendState) apply(e sendEntry) error {
	switch {
	case e.Event == "pruned":
		for _, id := range e.IDs {
			s.pruned[id] = true
		}
	case e.Event != "":
	case e.ID == "":
		return errors.New("a line that is neither an outcome nor an event")
	default:
		if _, ok := s.index[e.ID]; !ok {
			return fmt.Errorf("target %s is not in the journal's plan", e.ID)
		}
		s.last[e.ID] = e
	}
	return nil
}

// todo lists the targets a run still has to send to, in plan order: those
// never attempted and those whose latest outcome says resend.
func (s *sendState) todo() []journalTarget {
	var todo []journalTarget
	for _, t := range s.header.Targets {
		if e, done := s.last[t.ID]; !done || e.Resend {
			todo = append(todo, t)
		}
	}
	return todo
}

// unprunedGone lists the gone targets whose records a prune_gone journal has
// not deleted yet.
func (s *sendState) unprunedGone() []string {
	if !s.header.PruneGone {
		return nil
	}
	var ids []string
	for _, t := range s.header.Targets {
		if s.last[t.ID].Outcome == client.Gone.String() && !s.pruned[t.ID] {
			ids = append(ids, t.ID)
		}
	}
	return ids
}

// settled counts the targets that a run will not send to again, by their
// latest outcome: what a resume starts from.
func (s *sendState) settled() client.Progress {
	var p client.Progress
	for _, e := range s.last {
		if !e.Resend {
			count(&p, e.Outcome)
		}
	}
	return p
}

// result is the SendResult of the journal's state.
func (s *sendState) result(path string, attempted int, elapsed time.Duration) SendResult {
	p, gone, failed := s.totals()
	return SendResult{
		Summary: p.Summary(elapsed), NotAttempted: p.NotAttempted, Gone: gone, Failed: failed,
		Journal: path, Attempted: attempted,
		Complete: len(s.todo()) == 0 && len(s.unprunedGone()) == 0,
	}
}

// plus adds a run's totals to those settled before it.
func plus(base, run client.Progress) client.Progress {
	return client.Progress{
		Done: base.Done + run.Done, Delivered: base.Delivered + run.Delivered, Gone: base.Gone + run.Gone,
		Throttled: base.Throttled + run.Throttled, Failed: base.Failed + run.Failed, NotAttempted: run.NotAttempted,
	}
}

// totals counts every target of the plan by its latest outcome, and lists
// the gone and failed ones in plan order.
func (s *sendState) totals() (p client.Progress, gone, failed []string) {
	for _, t := range s.header.Targets {
		e, ok := s.last[t.ID]
		if !ok {
			p.NotAttempted++
			continue
		}
		count(&p, e.Outcome)
		switch e.Outcome {
		case client.Gone.String():
			gone = append(gone, t.ID)
		case client.Failed.String():
			failed = append(failed, t.ID)
		}
	}
	return p, slices.Clip(gone), slices.Clip(failed)
}

func count(p *client.Progress, outcome string) {
	p.Done++
	switch outcome {
	case client.Delivered.String():
		p.Delivered++
	case client.Gone.String():
		p.Gone++
	case client.Throttled.String():
		p.Throttled++
	default:
		p.Failed++
	}
}

// profile is the profile the journal was written on.
func (s *sendState) profile() string { return s.header.Profile }
