package logs

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Filter keeps lines by route and status; lines of other kinds are judged
// by the access line of their request.
type Filter struct {
	Route  string
	Status string // "200", "5xx", "4xx"…
}

// Empty reports whether f keeps every line.
func (f Filter) Empty() bool { return f.Route == "" && f.Status == "" }

// Keeps reports whether an access line's route and status pass f.
func (f Filter) Keeps(route, status string) bool {
	if f.Route != "" && route != f.Route {
		return false
	}
	return f.Status == "" || MatchStatus(f.Status, status)
}

// MatchStatus reports whether status matches pattern: a code ("403") or a
// class ("5xx", "4XX").
func MatchStatus(pattern, status string) bool {
	p := strings.ToLower(pattern)
	if len(p) == 3 && strings.HasSuffix(p, "xx") {
		return len(status) == 3 && status[0] == p[0]
	}
	return status == pattern
}

// Recent reads every group over the last since, interleaved in time
// order, the last limit lines that pass f (0: all). Execution and handler
// lines take the route and status of their request's access line when it
// is in the window.
func (r *Reader) Recent(ctx context.Context, since time.Duration, now time.Time, f Filter, limit int) ([]Line, error) {
	w := window{Start: now.Add(-since), End: now}
	var all []Line
	for _, g := range r.Groups.All() {
		if err := filter(ctx, r.Client, g, "", w, r.parse, func(l Line) { all = append(all, l) }); err != nil {
			return nil, err
		}
	}
	byRequest, byLambda := map[string]Line{}, map[string]Line{}
	for _, l := range all {
		if l.Kind == KindAccess && l.RequestID != "" {
			byRequest[l.RequestID] = l
			if l.IntegrationRequestID != "" {
				byLambda[l.IntegrationRequestID] = l
			}
		}
	}
	kept := all[:0]
	for _, l := range all {
		a, ok := l, l.Kind == KindAccess
		switch l.Kind {
		case KindExecution:
			a, ok = byRequest[l.RequestID]
		case KindHandler:
			a, ok = byLambda[l.RequestID]
		}
		if ok {
			l.joinTo(a)
		}
		if f.Empty() || (ok && f.Keeps(l.Route, l.Status)) {
			kept = append(kept, l)
		}
	}
	slices.SortStableFunc(kept, byTime)
	if limit > 0 && len(kept) > limit {
		kept = kept[len(kept)-limit:]
	}
	return kept, nil
}

// Keep is Trail's requests whose access line passes f.
func (t *Trail) Keep(f Filter) {
	if f.Empty() {
		return
	}
	t.Requests = slices.DeleteFunc(t.Requests, func(r Request) bool { return !f.Keeps(r.Access.Route, r.Access.Status) })
}

// Duration is the handler's duration a REPORT line of the request gives
// ("3.21 ms"), or "".
func (r Request) Duration() string {
	for _, l := range r.Lines {
		if _, rest, ok := strings.Cut(l.Message, "\tDuration: "); ok && strings.HasPrefix(l.Message, "REPORT ") {
			d, _, _ := strings.Cut(rest, "\t")
			return strings.TrimSpace(d)
		}
	}
	return ""
}
