package cwlogs

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream/eventstreamapi"

	"wsops/sandbox/awswire"
)

// AWS's limits of StartLiveTail, the defaults of LiveTailOptions.
const (
	// DefaultLiveTailTimeout is how long a session lasts (3 hours).
	DefaultLiveTailTimeout = 3 * time.Hour
	// DefaultSampleAbove is how many events a second a session sends
	// before it samples them (and says so: sessionMetadata.sampled).
	DefaultSampleAbove = 500
	// DefaultMaxSessions is how many sessions may run at once (AWS's
	// quota per account and region).
	DefaultMaxSessions = 15
	// maxLiveTailGroups is how many log groups one session may follow.
	maxLiveTailGroups = 10
)

// LiveTailOptions tune StartLiveTail. Zero values pick AWS's.
type LiveTailOptions struct {
	// Interval is how often a session sends a LiveTailSessionUpdate with
	// what came since the last (default 1 s).
	Interval time.Duration
	// Timeout ends a session with SessionTimeoutException (default 3 h).
	Timeout time.Duration
	// SampleAbove is the events per second beyond which a session sends a
	// uniform sample of that many (default 500).
	SampleAbove int
	// MaxSessions bounds the sessions running at once; beyond it
	// StartLiveTail answers LimitExceededException (default 15).
	MaxSessions int
}

func (o LiveTailOptions) withDefaults() LiveTailOptions {
	o.Interval = cmp.Or(o.Interval, time.Second)
	o.Timeout = cmp.Or(o.Timeout, DefaultLiveTailTimeout)
	o.SampleAbove = cmp.Or(o.SampleAbove, DefaultSampleAbove)
	o.MaxSessions = cmp.Or(o.MaxSessions, DefaultMaxSessions)
	return o
}

// tails are the running sessions.
type tails struct {
	o       LiveTailOptions
	mu      sync.Mutex
	n       int           // sessions admitted
	running int           // sessions following their groups
	changed chan struct{} // closed and replaced when running changes
	closed  bool
	done    chan struct{} // closed by close
}

func newTails(o LiveTailOptions) *tails {
	return &tails{o: o, done: make(chan struct{}), changed: make(chan struct{})}
}

// follow counts a session that follows its groups (by ±1).
func (t *tails) follow(delta int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.running += delta
	close(t.changed)
	t.changed = make(chan struct{})
}

// LiveTails is how many live tail sessions follow their groups now (every
// event put from then on reaches them), and a channel closed when that
// changes: a test waits on it for a follower to be in place.
func (s *Store) LiveTails() (int, <-chan struct{}) {
	s.tails.mu.Lock()
	defer s.tails.mu.Unlock()
	return s.tails.running, s.tails.changed
}

// admit counts a new session; false when the limit is reached or the
// store closed.
func (t *tails) admit() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case t.closed:
		return &apiError{http.StatusServiceUnavailable, "ServiceUnavailableException", "The wsops sandbox is shutting down."}
	case t.n >= t.o.MaxSessions:
		return &apiError{http.StatusBadRequest, "LimitExceededException",
			fmt.Sprintf("You have reached the maximum number of concurrent live tail sessions (%d).", t.o.MaxSessions)}
	}
	t.n++
	return nil
}

func (t *tails) leave() {
	t.mu.Lock()
	t.n--
	t.mu.Unlock()
}

func (t *tails) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.closed {
		t.closed = true
		close(t.done)
	}
}

type startLiveTailInput struct {
	LogGroupIdentifiers   []string `json:"logGroupIdentifiers"`
	LogStreamNames        []string `json:"logStreamNames"`
	LogStreamNamePrefixes []string `json:"logStreamNamePrefixes"`
	LogEventFilterPattern string   `json:"logEventFilterPattern"`
}

type liveEventJSON struct {
	IngestionTime      int64  `json:"ingestionTime"`
	LogGroupIdentifier string `json:"logGroupIdentifier"`
	LogStreamName      string `json:"logStreamName"`
	Message            string `json:"message"`
	Timestamp          int64  `json:"timestamp"`
}

// session is one live tail: what it follows, and the events that came
// since its last update (a uniform sample of them past its capacity).
type session struct {
	groups   map[*group]string // the groups followed, each with its ARN
	streams  map[string]bool
	prefixes []string
	pattern  *pattern
	capacity int

	mu      sync.Mutex
	batch   []liveEventJSON
	offered int // events that matched since the last update
}

// offer hands the session an event of g, which it keeps if it matches.
func (s *session) offer(g *group, e event) {
	if !s.follows(e.stream.name) || !s.pattern.match(e.msg) {
		return
	}
	ev := liveEventJSON{IngestionTime: e.ts, LogGroupIdentifier: s.groups[g], LogStreamName: e.stream.name, Message: e.msg, Timestamp: e.ts}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offered++
	if len(s.batch) < s.capacity {
		s.batch = append(s.batch, ev)
	} else if j := rand.IntN(s.offered); j < s.capacity {
		s.batch[j] = ev // reservoir sampling: every event equally likely kept
	}
}

func (s *session) follows(streamName string) bool {
	if len(s.streams) > 0 {
		return s.streams[streamName]
	}
	if len(s.prefixes) > 0 {
		return slices.ContainsFunc(s.prefixes, func(p string) bool { return strings.HasPrefix(streamName, p) })
	}
	return true
}

// take returns what came since the last update, in time order, and
// whether it is a sample.
func (s *session) take() ([]liveEventJSON, bool) {
	s.mu.Lock()
	batch, sampled := s.batch, s.offered > len(s.batch)
	s.batch, s.offered = make([]liveEventJSON, 0, min(len(batch), s.capacity)), 0
	s.mu.Unlock()
	slices.SortStableFunc(batch, func(a, b liveEventJSON) int { return cmp.Compare(a.Timestamp, b.Timestamp) })
	return batch, sampled
}

// newSession checks a StartLiveTail request and builds its session.
func (s *Store) newSession(in startLiveTailInput) (*session, error) {
	n := len(in.LogGroupIdentifiers)
	switch {
	case n == 0 || n > maxLiveTailGroups:
		return nil, invalid("1 validation error detected: Value at 'logGroupIdentifiers' failed to satisfy constraint: Member must have length between 1 and %d", maxLiveTailGroups)
	case len(in.LogStreamNames) > 0 && len(in.LogStreamNamePrefixes) > 0:
		return nil, invalid("logStreamNames and logStreamNamePrefixes are mutually exclusive parameters.")
	case (len(in.LogStreamNames) > 0 || len(in.LogStreamNamePrefixes) > 0) && n != 1:
		return nil, invalid("logStreamNames and logStreamNamePrefixes may only be given with exactly one log group.")
	}
	p, err := parsePattern(in.LogEventFilterPattern)
	if err != nil {
		return nil, invalid("Invalid filter pattern: %v", err)
	}
	sess := &session{groups: map[*group]string{}, prefixes: in.LogStreamNamePrefixes, pattern: p,
		capacity: max(1, int(int64(s.tails.o.SampleAbove)*int64(s.tails.o.Interval)/int64(time.Second)))}
	if len(in.LogStreamNames) > 0 {
		sess.streams = map[string]bool{}
		for _, name := range in.LogStreamNames {
			sess.streams[name] = true
		}
	}
	for _, id := range in.LogGroupIdentifiers {
		name, err := s.nameOf(id)
		if err != nil {
			return nil, err
		}
		g := s.lookup(name)
		if g == nil {
			return nil, notFound(fmt.Sprintf("The specified log group does not exist: %s", clip(id)))
		}
		sess.groups[g] = s.arn(name)
	}
	return sess, nil
}

// startLiveTail answers StartLiveTail with an event stream: the
// initial-response, a LiveTailSessionStart, then a LiveTailSessionUpdate
// every Interval with the events that came (sampled past SampleAbove a
// second, sessionMetadata.sampled saying so), until the client leaves,
// the session times out (SessionTimeoutException) or the store closes
// (SessionStreamingException). It streams over HTTP/1.1 (chunked), which
// the Go SDK's StartLiveTail reads: only bidirectional streams need HTTP/2.
func (s *Store) startLiveTail(w http.ResponseWriter, r *http.Request, requestID string, in startLiveTailInput) error {
	sess, err := s.newSession(in)
	if err != nil {
		return err
	}
	if err := s.tails.admit(); err != nil {
		return err
	}
	defer s.tails.leave()
	for g := range sess.groups {
		g.mu.Lock()
		g.tails = append(slices.Clip(g.tails), sess)
		g.mu.Unlock()
	}
	s.tails.follow(1)
	defer func() {
		for g := range sess.groups {
			g.mu.Lock()
			g.tails = slices.DeleteFunc(slices.Clone(g.tails), func(t *session) bool { return t == sess })
			g.mu.Unlock()
		}
		s.tails.follow(-1)
	}()
	w.Header().Set("Content-Type", "application/vnd.amazon.eventstream")
	w.WriteHeader(http.StatusOK)
	out := &frameWriter{w: w, rc: http.NewResponseController(w), enc: eventstream.NewEncoder()}
	arns := make([]string, 0, len(sess.groups))
	for _, arn := range sess.groups {
		arns = append(arns, arn)
	}
	slices.Sort(arns)
	start := struct {
		RequestID             string   `json:"requestId"`
		SessionID             string   `json:"sessionId"`
		LogGroupIdentifiers   []string `json:"logGroupIdentifiers"`
		LogStreamNames        []string `json:"logStreamNames,omitempty"`
		LogStreamNamePrefixes []string `json:"logStreamNamePrefixes,omitempty"`
		LogEventFilterPattern string   `json:"logEventFilterPattern,omitempty"`
	}{requestID, awswire.RequestID(), arns, in.LogStreamNames, in.LogStreamNamePrefixes, in.LogEventFilterPattern}
	if out.event("initial-response", struct{}{}) != nil || out.event("sessionStart", start) != nil {
		return nil // the client left: nobody to answer
	}
	tick := time.NewTicker(s.tails.o.Interval)
	defer tick.Stop()
	timeout := time.NewTimer(s.tails.o.Timeout)
	defer timeout.Stop()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-s.tails.done:
			_ = out.exception("SessionStreamingException", "The wsops sandbox is shutting down: the live tail session ended.")
			return nil
		case <-timeout.C:
			_ = out.exception("SessionTimeoutException", fmt.Sprintf("The live tail session reached its maximum duration of %s.", s.tails.o.Timeout))
			return nil
		case <-tick.C:
			results, sampled := sess.take()
			update := struct {
				SessionMetadata struct {
					Sampled bool `json:"sampled"`
				} `json:"sessionMetadata"`
				SessionResults []liveEventJSON `json:"sessionResults"`
			}{SessionResults: results}
			update.SessionMetadata.Sampled = sampled
			if out.event("sessionUpdate", update) != nil {
				return nil
			}
		}
	}
}

// frameWriter writes event stream messages, each flushed at once.
type frameWriter struct {
	w   http.ResponseWriter
	rc  *http.ResponseController
	enc *eventstream.Encoder
}

func (f *frameWriter) event(eventType string, payload any) error {
	return f.write(eventstreamapi.EventMessageType, eventstreamapi.EventTypeHeader, eventType, payload)
}

func (f *frameWriter) exception(name, message string) error {
	return f.write(eventstreamapi.ExceptionMessageType, eventstreamapi.ExceptionTypeHeader, name, struct {
		Message string `json:"message"`
	}{message})
}

func (f *frameWriter) write(messageType, typeHeader, typeName string, payload any) error {
	body, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	var msg eventstream.Message
	msg.Headers.Set(eventstreamapi.MessageTypeHeader, eventstream.StringValue(messageType))
	msg.Headers.Set(typeHeader, eventstream.StringValue(typeName))
	msg.Headers.Set(eventstreamapi.ContentTypeHeader, eventstream.StringValue("application/json"))
	msg.Payload = body
	if err := f.enc.Encode(f.w, msg); err != nil {
		return err
	}
	return f.rc.Flush()
}
