package cwlogs

import (
	"cmp"
	"encoding/base64"
	"slices"
	"strings"
)

// maxDescribe is the largest (and default) limit of the Describe calls.
const maxDescribe = 50

type describeLogGroupsInput struct {
	LogGroupNamePrefix  string   `json:"logGroupNamePrefix"`
	LogGroupNamePattern string   `json:"logGroupNamePattern"`
	LogGroupIdentifiers []string `json:"logGroupIdentifiers"`
	Limit               *int     `json:"limit"`
	NextToken           string   `json:"nextToken"`
}

type logGroupJSON struct {
	Arn               string `json:"arn"`
	CreationTime      int64  `json:"creationTime"`
	LogGroupArn       string `json:"logGroupArn"`
	LogGroupClass     string `json:"logGroupClass"`
	LogGroupName      string `json:"logGroupName"`
	MetricFilterCount int    `json:"metricFilterCount"`
	StoredBytes       int64  `json:"storedBytes"`
}

type describeLogGroupsOutput struct {
	LogGroups []logGroupJSON `json:"logGroups"`
	NextToken string         `json:"nextToken,omitempty"`
}

// describeLogGroups lists the groups by name: those with a name prefix, a
// name pattern (a case-insensitive substring) or among identifiers.
func (s *Store) describeLogGroups(in describeLogGroupsInput) (describeLogGroupsOutput, error) {
	limit, err := limitOf(in.Limit, maxDescribe, maxDescribe)
	if err != nil {
		return describeLogGroupsOutput{}, err
	}
	if in.LogGroupNamePrefix != "" && in.LogGroupNamePattern != "" {
		return describeLogGroupsOutput{}, invalid("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
	}
	after, err := afterToken(in.NextToken)
	if err != nil {
		return describeLogGroupsOutput{}, err
	}
	var ids map[string]bool
	if len(in.LogGroupIdentifiers) > 0 {
		ids = map[string]bool{}
		for _, id := range in.LogGroupIdentifiers {
			name, err := s.nameOf(id)
			if err != nil {
				return describeLogGroupsOutput{}, err
			}
			ids[name] = true
		}
	}
	pattern := strings.ToLower(in.LogGroupNamePattern)
	out := describeLogGroupsOutput{LogGroups: []logGroupJSON{}}
	for _, g := range s.sortedGroups() {
		switch {
		case g.name <= after && after != "",
			!strings.HasPrefix(g.name, in.LogGroupNamePrefix),
			pattern != "" && !strings.Contains(strings.ToLower(g.name), pattern),
			ids != nil && !ids[g.name]:
			continue
		}
		if len(out.LogGroups) == limit {
			out.NextToken = token(out.LogGroups[limit-1].LogGroupName)
			break
		}
		g.mu.RLock()
		stored := g.bytes
		g.mu.RUnlock()
		arn := s.arn(g.name)
		out.LogGroups = append(out.LogGroups, logGroupJSON{
			Arn: arn + ":*", CreationTime: g.created, LogGroupArn: arn, LogGroupClass: "STANDARD",
			LogGroupName: g.name, StoredBytes: stored,
		})
	}
	return out, nil
}

type describeLogStreamsInput struct {
	LogGroupName        string `json:"logGroupName"`
	LogGroupIdentifier  string `json:"logGroupIdentifier"`
	LogStreamNamePrefix string `json:"logStreamNamePrefix"`
	OrderBy             string `json:"orderBy"`
	Descending          bool   `json:"descending"`
	Limit               *int   `json:"limit"`
	NextToken           string `json:"nextToken"`
}

type logStreamJSON struct {
	Arn                 string `json:"arn"`
	CreationTime        int64  `json:"creationTime"`
	FirstEventTimestamp int64  `json:"firstEventTimestamp"`
	LastEventTimestamp  int64  `json:"lastEventTimestamp"`
	LastIngestionTime   int64  `json:"lastIngestionTime"`
	LogStreamName       string `json:"logStreamName"`
	StoredBytes         int64  `json:"storedBytes"`
}

type describeLogStreamsOutput struct {
	LogStreams []logStreamJSON `json:"logStreams"`
	NextToken  string          `json:"nextToken,omitempty"`
}

// describeLogStreams lists a group's streams (those that still hold an
// event) by name or by last event time.
func (s *Store) describeLogStreams(in describeLogStreamsInput) (describeLogStreamsOutput, error) {
	g, err := s.groupFor(in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return describeLogStreamsOutput{}, err
	}
	limit, err := limitOf(in.Limit, maxDescribe, maxDescribe)
	if err != nil {
		return describeLogStreamsOutput{}, err
	}
	byTime := false
	switch in.OrderBy {
	case "", "LogStreamName":
	case "LastEventTime":
		byTime = true
		if in.LogStreamNamePrefix != "" {
			return describeLogStreamsOutput{}, invalid("Cannot order by LastEventTime with a logStreamNamePrefix.")
		}
	default:
		return describeLogStreamsOutput{}, invalid("1 validation error detected: Value '%s' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LogStreamName, LastEventTime]", clip(in.OrderBy))
	}
	from, err := offsetToken(in.NextToken)
	if err != nil {
		return describeLogStreamsOutput{}, err
	}
	var all []logStreamJSON
	g.mu.RLock()
	for _, st := range g.streams {
		if strings.HasPrefix(st.name, in.LogStreamNamePrefix) {
			all = append(all, logStreamJSON{
				Arn: s.arn(g.name) + ":log-stream:" + st.name, CreationTime: st.created, FirstEventTimestamp: st.first,
				LastEventTimestamp: st.last, LastIngestionTime: st.ingest, LogStreamName: st.name,
			})
		}
	}
	g.mu.RUnlock()
	slices.SortFunc(all, func(a, b logStreamJSON) int {
		if byTime {
			return cmp.Or(cmp.Compare(a.LastEventTimestamp, b.LastEventTimestamp), cmp.Compare(a.LogStreamName, b.LogStreamName))
		}
		return cmp.Compare(a.LogStreamName, b.LogStreamName)
	})
	if in.Descending {
		slices.Reverse(all)
	}
	out := describeLogStreamsOutput{LogStreams: []logStreamJSON{}}
	if from < len(all) {
		to := min(from+limit, len(all))
		out.LogStreams = all[from:to]
		if to < len(all) {
			out.NextToken = offsetTokenOf(to)
		}
	}
	return out, nil
}

// limitOf is a request's limit: def when absent, else 1..maxLimit.
func limitOf(limit *int, def, maxLimit int) (int, error) {
	if limit == nil {
		return def, nil
	}
	if *limit < 1 || *limit > maxLimit {
		return 0, invalid("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value between 1 and %d", *limit, maxLimit)
	}
	return *limit, nil
}

// token is a nextToken resuming after name.
func token(name string) string { return base64.RawURLEncoding.EncodeToString([]byte("after:" + name)) }

// afterToken is the name a nextToken resumes after ("" for none).
func afterToken(t string) (string, error) {
	if t == "" {
		return "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(t)
	name, ok := strings.CutPrefix(string(raw), "after:")
	if err != nil || !ok {
		return "", invalid("The specified nextToken is invalid.")
	}
	return name, nil
}
