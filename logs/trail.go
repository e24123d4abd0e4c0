package logs

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"time"
)

// Reader reads one API stage's logs.
type Reader struct {
	Client Client
	Groups Groups
	access *AccessParser
	// untraceable is why connections cannot be traced through the access
	// log (nil: they can).
	untraceable error
}

// NewReader is a Reader of groups. A stage whose access log cannot be
// joined on connection ids (no access log, or a format without them) still
// gives a reader: its logs can be read and followed, but Trail and a Follow
// of connections fail with ErrNoAccessLog or ErrUntraceable (Traceable says
// which beforehand).
func NewReader(c Client, g Groups) (*Reader, error) {
	r := &Reader{Client: c, Groups: g}
	if g.Access == "" {
		r.untraceable = ErrNoAccessLog
		return r, nil
	}
	r.access, r.untraceable = newAccessParser(g.AccessFormat)
	return r, nil
}

// Traceable is nil when connections can be traced through the stage's
// access log, else why not: ErrNoAccessLog or ErrUntraceable.
func (r *Reader) Traceable() error { return r.untraceable }

// parse fills l's fields by the kind of its group.
func (r *Reader) parse(l *Line) {
	l.Kind = r.Groups.kindOf(l.Group)
	switch l.Kind {
	case KindAccess:
		if r.access != nil {
			r.access.Parse(l)
		}
	case KindExecution:
		parseExecution(l)
	default:
		parseHandler(l)
	}
}

// Request is one request of a trail: its access line and the execution
// and handler lines of its request ids, in time order.
type Request struct {
	Access Line   `json:"access"`
	Lines  []Line `json:"lines"`
}

// Trail is the life of connections in the logs: their requests in time
// order, each with its lines.
type Trail struct {
	Requests []Request `json:"requests"`
	// Unjoined says why handler lines could not be joined ("" when they
	// were): the access format lacks the integration's request id.
	Unjoined string `json:"unjoined,omitempty"`
}

// Trail reads the trail of the connections ids over w: their access lines
// (matched by a quoted filter pattern, then by the parsed connection id),
// then the execution lines of their request ids and the handler lines of
// their integrations' request ids. A filter pattern the service does not
// honour only costs reading more: every line is checked after reading.
func (r *Reader) Trail(ctx context.Context, ids []string, since time.Duration, now time.Time) (*Trail, error) {
	if r.untraceable != nil {
		return nil, r.untraceable
	}
	w := window{Start: now.Add(-since), End: now}
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	byRequest := map[string]*Request{}
	lambda := map[string]string{} // Lambda request id → API Gateway request id
	for _, pattern := range anyOf(ids) {
		err := filter(ctx, r.Client, r.Groups.Access, pattern, w, r.parse, func(l Line) {
			if !want[l.ConnectionID] || l.RequestID == "" {
				return
			}
			byRequest[l.RequestID] = &Request{Access: l}
			if l.IntegrationRequestID != "" {
				lambda[l.IntegrationRequestID] = l.RequestID
			}
		})
		if err != nil {
			return nil, err
		}
	}
	t := &Trail{}
	if len(byRequest) > 0 {
		if err := r.joined(ctx, r.Groups.Execution, slices.Sorted(maps.Keys(byRequest)), w, func(l Line) string { return l.RequestID }, byRequest); err != nil {
			return nil, err
		}
		if len(lambda) == 0 {
			t.Unjoined = "the access log format has no $context.awsEndpointRequestId: handler lines cannot be joined to requests"
		}
		for _, g := range r.Groups.Handlers {
			if len(lambda) == 0 {
				break
			}
			err := r.joined(ctx, g, slices.Sorted(maps.Keys(lambda)), w, func(l Line) string { return lambda[l.RequestID] }, byRequest)
			if err != nil {
				return nil, err
			}
		}
	}
	for _, req := range byRequest {
		slices.SortStableFunc(req.Lines, byTime)
		t.Requests = append(t.Requests, *req)
	}
	slices.SortFunc(t.Requests, func(a, b Request) int { return byTime(a.Access, b.Access) })
	return t, nil
}

// joined reads the lines of group that hold any of ids and adds each to
// the request owner names (when it names one).
func (r *Reader) joined(ctx context.Context, group string, ids []string, w window, owner func(Line) string, into map[string]*Request) error {
	if group == "" {
		return nil
	}
	seen := map[string]bool{}
	for _, pattern := range anyOf(ids) {
		err := filter(ctx, r.Client, group, pattern, w, r.parse, func(l Line) {
			req := into[owner(l)]
			if req == nil || (l.EventID != "" && seen[l.EventID]) {
				return
			}
			seen[l.EventID] = true
			l.joinTo(req.Access)
			req.Lines = append(req.Lines, l)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func byTime(a, b Line) int {
	return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.EventID, b.EventID))
}
