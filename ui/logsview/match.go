package logsview

import (
	"strings"

	"wsops/fleet"
	"wsops/logs"
)

// matcher is the console's filter as it applies to log lines: route: and
// status: judge the line's request (an execution or handler line is kept
// once its access line has come), free words must each occur in the
// message, the connection id, the route or the request id (case
// insensitive), and the registry's keys (user:, app:, entity:, platform:,
// business:, topic:, is:) keep the lines of the connections they select in
// the fleet the console holds.
type matcher struct {
	words         []string // lower-case
	route, status string
	// conns are the connections the registry's keys select (nil: those
	// keys are not used).
	conns map[string]bool
}

// matcherOf is q's matcher, with the connections q's registry keys select
// (nil when it has none).
func matcherOf(q fleet.Query, conns map[string]bool) matcher {
	return matcher{words: q.Words, route: q.Route, status: q.Status, conns: conns}
}

// keeps reports whether the filter keeps l.
func (m *matcher) keeps(l *logs.Line) bool {
	switch {
	case m.route != "" && l.Route != m.route,
		m.status != "" && !logs.MatchStatus(m.status, l.Status),
		m.conns != nil && !m.conns[l.ConnectionID]:
		return false
	}
	for _, w := range m.words {
		if !containsFold(l.Message, w) && !containsFold(l.ConnectionID, w) && !containsFold(l.Route, w) && !containsFold(l.RequestID, w) {
			return false
		}
	}
	return true
}

// containsFold reports whether s holds word, a lower-case word, in any
// case.
func containsFold(s, word string) bool {
	if strings.Contains(s, word) {
		return true
	}
	return strings.Contains(strings.ToLower(s), word)
}
