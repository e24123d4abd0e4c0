package cwlogs

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// Read limits, as CloudWatch Logs': at most 10,000 events or 1 MB of
// messages per answer.
const (
	maxEvents        = 10_000
	maxResponseBytes = 1 << 20
	// scanChunk is how many events a read scans per hold of the group's
	// lock, so that a long scan never holds up writers for long.
	scanChunk = 8192
)

type filterLogEventsInput struct {
	LogGroupName        string   `json:"logGroupName"`
	LogGroupIdentifier  string   `json:"logGroupIdentifier"`
	LogStreamNames      []string `json:"logStreamNames"`
	LogStreamNamePrefix string   `json:"logStreamNamePrefix"`
	StartTime           *int64   `json:"startTime"`
	EndTime             *int64   `json:"endTime"`
	FilterPattern       string   `json:"filterPattern"`
	NextToken           string   `json:"nextToken"`
	Limit               *int     `json:"limit"`
}

type filteredEventJSON struct {
	EventID       string `json:"eventId"`
	IngestionTime int64  `json:"ingestionTime"`
	LogStreamName string `json:"logStreamName"`
	Message       string `json:"message"`
	Timestamp     int64  `json:"timestamp"`
}

type filterLogEventsOutput struct {
	Events    []filteredEventJSON `json:"events"`
	NextToken string              `json:"nextToken,omitempty"`
}

// filterLogEvents answers the events of a group, in time order, that fall
// in [startTime, endTime], belong to the streams asked (all by default)
// and match the filter pattern: at most limit of them (or 1 MB), with a
// nextToken to resume from when more may follow.
func (s *Store) filterLogEvents(in filterLogEventsInput) (filterLogEventsOutput, error) {
	g, err := s.groupFor(in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return filterLogEventsOutput{}, err
	}
	limit, err := limitOf(in.Limit, maxEvents, maxEvents)
	if err != nil {
		return filterLogEventsOutput{}, err
	}
	inStream, err := streamFilter(in.LogStreamNames, in.LogStreamNamePrefix)
	if err != nil {
		return filterLogEventsOutput{}, err
	}
	p, err := parsePattern(in.FilterPattern)
	if err != nil {
		return filterLogEventsOutput{}, invalid("Invalid filter pattern: %v", err)
	}
	start, end, err := timeRange(in.StartTime, in.EndTime)
	if err != nil {
		return filterLogEventsOutput{}, err
	}
	var from uint64
	if in.NextToken != "" {
		if from, err = seqToken(in.NextToken, ""); err != nil {
			return filterLogEventsOutput{}, err
		}
	} else {
		g.mu.RLock()
		from = g.seqAtOrAfter(start)
		g.mu.RUnlock()
	}
	out := filterLogEventsOutput{Events: []filteredEventJSON{}}
	size := 0
	g.scan(from, func(seq uint64, e *event) bool {
		if e.ts > end {
			return false
		}
		if !inStream(e.stream.name) || !p.match(e.msg) {
			return true
		}
		out.Events = append(out.Events, filteredEventJSON{
			EventID: eventID(e.ts, g.index, seq), IngestionTime: e.ts, LogStreamName: e.stream.name, Message: e.msg, Timestamp: e.ts,
		})
		size += len(e.msg)
		if len(out.Events) == limit || size >= maxResponseBytes {
			out.NextToken = seqTokenOf(seq+1, "")
			return false
		}
		return true
	})
	return out, nil
}

// scan calls each with the events held from seq from on, in order, until
// it returns false; the group's lock is taken a chunk at a time, and
// events dropped meanwhile are skipped. each must not keep e.
func (g *group) scan(from uint64, each func(seq uint64, e *event) bool) {
	for {
		g.mu.RLock()
		from = max(from, g.first)
		end := min(g.next, from+scanChunk)
		for seq := from; seq < end; seq++ {
			if !each(seq, g.at(seq)) {
				g.mu.RUnlock()
				return
			}
		}
		done := end >= g.next
		g.mu.RUnlock()
		if done {
			return
		}
		from = end
	}
}

type getLogEventsInput struct {
	LogGroupName       string `json:"logGroupName"`
	LogGroupIdentifier string `json:"logGroupIdentifier"`
	LogStreamName      string `json:"logStreamName"`
	StartTime          *int64 `json:"startTime"`
	EndTime            *int64 `json:"endTime"`
	NextToken          string `json:"nextToken"`
	Limit              *int   `json:"limit"`
	StartFromHead      *bool  `json:"startFromHead"`
}

type outputEventJSON struct {
	IngestionTime int64  `json:"ingestionTime"`
	Message       string `json:"message"`
	Timestamp     int64  `json:"timestamp"`
}

type getLogEventsOutput struct {
	Events            []outputEventJSON `json:"events"`
	NextBackwardToken string            `json:"nextBackwardToken"`
	NextForwardToken  string            `json:"nextForwardToken"`
}

// getLogEvents answers one stream's events in [startTime, endTime]: from
// its head (startFromHead) or, by default, its newest limit events; a
// nextForwardToken reads on (it comes back unchanged when nothing new
// came), a nextBackwardToken reads what came before.
func (s *Store) getLogEvents(in getLogEventsInput) (getLogEventsOutput, error) {
	g, err := s.groupFor(in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return getLogEventsOutput{}, err
	}
	if in.LogStreamName == "" {
		return getLogEventsOutput{}, invalid("1 validation error detected: Value null at 'logStreamName' failed to satisfy constraint: Member must not be null")
	}
	limit, err := limitOf(in.Limit, maxEvents, maxEvents)
	if err != nil {
		return getLogEventsOutput{}, err
	}
	start, end, err := timeRange(in.StartTime, in.EndTime)
	if err != nil {
		return getLogEventsOutput{}, err
	}
	g.mu.RLock()
	_, known := g.streams[in.LogStreamName]
	from := g.seqAtOrAfter(start)
	g.mu.RUnlock()
	if !known {
		return getLogEventsOutput{}, notFound("The specified log stream does not exist.")
	}
	forward := in.StartFromHead != nil && *in.StartFromHead
	lo, hi := from, ^uint64(0) // the events asked are those with lo <= seq < hi
	switch {
	case strings.HasPrefix(in.NextToken, "f/"):
		forward = true
		if lo, err = seqToken(in.NextToken, "f/"); err != nil {
			return getLogEventsOutput{}, err
		}
	case strings.HasPrefix(in.NextToken, "b/"):
		forward = false
		if hi, err = seqToken(in.NextToken, "b/"); err != nil {
			return getLogEventsOutput{}, err
		}
	case in.NextToken != "":
		return getLogEventsOutput{}, invalid("The specified nextToken is invalid.")
	}
	type hit struct {
		seq uint64
		e   outputEventJSON
	}
	var hits []hit // forward: the first limit; backward: a window of the last limit
	g.scan(lo, func(seq uint64, e *event) bool {
		if seq >= hi || e.ts > end {
			return false
		}
		if e.stream.name != in.LogStreamName {
			return true
		}
		hits = append(hits, hit{seq, outputEventJSON{IngestionTime: e.ts, Message: e.msg, Timestamp: e.ts}})
		if !forward && len(hits) > limit {
			hits = hits[1:]
		}
		return !forward || len(hits) < limit
	})
	out := getLogEventsOutput{Events: []outputEventJSON{}}
	size := 0
	for i, h := range hits {
		if size += len(h.e.Message); size > maxResponseBytes && i > 0 {
			hits = hits[:i]
			break
		}
		out.Events = append(out.Events, h.e)
	}
	if len(hits) == 0 {
		out.NextForwardToken, out.NextBackwardToken = seqTokenOf(lo, "f/"), seqTokenOf(lo, "b/")
		if in.NextToken != "" {
			out.NextForwardToken, out.NextBackwardToken = in.NextToken, in.NextToken
		}
		return out, nil
	}
	out.NextForwardToken = seqTokenOf(hits[len(hits)-1].seq+1, "f/")
	out.NextBackwardToken = seqTokenOf(hits[0].seq, "b/")
	return out, nil
}

// streamFilter is the test of a request's logStreamNames or
// logStreamNamePrefix (not both).
func streamFilter(names []string, prefix string) (func(string) bool, error) {
	switch {
	case len(names) > 0 && prefix != "":
		return nil, invalid("Cannot specify both logStreamNames and logStreamNamePrefix.")
	case len(names) > 100:
		return nil, invalid("1 validation error detected: Value at 'logStreamNames' failed to satisfy constraint: Member must have length less than or equal to 100")
	case len(names) > 0:
		set := map[string]bool{}
		for _, n := range names {
			set[n] = true
		}
		return func(s string) bool { return set[s] }, nil
	}
	return func(s string) bool { return strings.HasPrefix(s, prefix) }, nil
}

// timeRange is a request's [startTime, endTime] in milliseconds, open
// ends when absent.
func timeRange(startTime, endTime *int64) (int64, int64, error) {
	start, end := int64(0), int64(1<<63-1)
	if startTime != nil {
		start = *startTime
	}
	if endTime != nil {
		end = *endTime
	}
	if start < 0 || end < 0 {
		return 0, 0, invalid("startTime and endTime must not be negative.")
	}
	if start > end {
		return 0, 0, invalid("startTime must be less than or equal to endTime.")
	}
	return start, end, nil
}

// eventID is a 56-digit event id, unique across the store's groups.
func eventID(ts int64, group int, seq uint64) string {
	return fmt.Sprintf("%016d%08d%032d", ts, group, seq)
}

// seqTokenOf is a token for the event seq: FilterLogEvents' opaque
// nextToken (no prefix) or GetLogEvents' f/… and b/… tokens.
func seqTokenOf(seq uint64, prefix string) string {
	if prefix == "" {
		return base64.RawURLEncoding.EncodeToString([]byte("seq:" + strconv.FormatUint(seq, 10)))
	}
	return fmt.Sprintf("%s%056d", prefix, seq)
}

// seqToken reads a token seqTokenOf made with prefix.
func seqToken(t, prefix string) (uint64, error) {
	var digits string
	if prefix == "" {
		raw, err := base64.RawURLEncoding.DecodeString(t)
		d, ok := strings.CutPrefix(string(raw), "seq:")
		if err != nil || !ok {
			return 0, invalid("The specified nextToken is invalid.")
		}
		digits = d
	} else {
		digits = strings.TrimPrefix(t, prefix)
	}
	seq, err := strconv.ParseUint(digits, 10, 64)
	if err != nil {
		return 0, invalid("The specified nextToken is invalid.")
	}
	return seq, nil
}

// offsetTokenOf is a nextToken for a list's offset.
func offsetTokenOf(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(offset)))
}

// offsetToken reads an offsetTokenOf token ("": 0).
func offsetToken(t string) (int, error) {
	if t == "" {
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(t)
	digits, ok := strings.CutPrefix(string(raw), "offset:")
	n, perr := strconv.Atoi(digits)
	if err != nil || !ok || perr != nil || n < 0 {
		return 0, invalid("The specified nextToken is invalid.")
	}
	return n, nil
}
