package logs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"wsops/internal/reach"
	"wsops/secret"
)

// Tailer is what a live tail calls of CloudWatch Logs.
type Tailer interface {
	Client
	DescribeLogGroups(context.Context, *cloudwatchlogs.DescribeLogGroupsInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeLogGroupsOutput, error)
	StartLiveTail(context.Context, *cloudwatchlogs.StartLiveTailInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.StartLiveTailOutput, error)
}

var _ Tailer = (*cloudwatchlogs.Client)(nil)

// Event is what Follow emits: a line, or a notice about the follow itself
// (the service sampled the stream, the follow fell back to polling).
type Event struct {
	Line   *Line
	Notice string
}

// FollowOptions tune Follow.
type FollowOptions struct {
	// IDs are the connections to follow (none: every line).
	IDs []string
	// Since is how far back the first read goes.
	Since time.Duration
	// Poll is the least time between two polls (default 1 s); a poll of
	// many groups waits longer, so as to stay within FilterLogEvents'
	// 5 requests a second per account.
	Poll time.Duration
	// NoLiveTail polls even where StartLiveTail is served.
	NoLiveTail bool
	// CustomEndpoint is true when the logs endpoint is overridden: the
	// SDK's "streaming-" host prefix of StartLiveTail is then not added.
	CustomEndpoint bool
	Now            func() time.Time
}

// overlap is how far back each poll reads again: CloudWatch Logs makes
// events searchable a few seconds after their time, and an access line is
// written after the lines of its request.
const overlap = 30 * time.Second

// filterTPS is FilterLogEvents' quota per account and region.
const filterTPS = 5

// Follow emits the groups' lines as they come, until ctx ends: through
// StartLiveTail where the endpoint serves it, else FilterLogEvents polled
// at most once a second with de-duplication by event id. With IDs, only
// those connections' lines (joined as Trail joins them) are emitted.
func (r *Reader) Follow(ctx context.Context, o FollowOptions, emit func(Event) error) error {
	if o.Now == nil {
		o.Now = time.Now
	}
	if len(o.IDs) > 0 && r.untraceable != nil {
		return r.untraceable
	}
	j := NewJoiner(o.IDs)
	if t, ok := r.Client.(Tailer); ok && !o.NoLiveTail {
		err := r.liveTail(ctx, t, o, j, emit)
		if !errors.Is(err, errNoLiveTail) {
			return err
		}
		if err := emit(Event{Notice: "the endpoint does not serve StartLiveTail: polling FilterLogEvents"}); err != nil {
			return err
		}
	}
	return r.poll(ctx, o, j, emit)
}

var errNoLiveTail = errors.New("StartLiveTail is not served")

// poll reads every group each round, from overlap before the last round.
func (r *Reader) poll(ctx context.Context, o FollowOptions, j *Joiner, emit func(Event) error) error {
	every := max(o.Poll, time.Second)
	if calls := len(r.Groups.All()); time.Duration(calls)*time.Second/filterTPS > every {
		every = time.Duration(calls) * time.Second / filterTPS
	}
	from := o.Now().Add(-o.Since)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		now := o.Now()
		w := window{Start: from, End: now}
		var batch []Line
		add := func(l Line) { batch = append(batch, l) }
		if err := r.pollRound(ctx, o, j, w, add); err != nil {
			return err
		}
		slices.SortStableFunc(batch, byTime)
		for _, l := range batch {
			for _, due := range j.Add(l) {
				if err := emit(Event{Line: &due}); err != nil {
					return err
				}
			}
		}
		from = now.Add(-overlap)
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// pollRound reads one window of every group: the access group for the
// followed connections, then the other groups for their known requests.
func (r *Reader) pollRound(ctx context.Context, o FollowOptions, j *Joiner, w window, add func(Line)) error {
	if len(o.IDs) == 0 {
		for _, g := range r.Groups.All() {
			if err := filter(ctx, r.Client, g, "", w, r.parse, add); err != nil {
				return err
			}
		}
		return nil
	}
	for _, p := range anyOf(o.IDs) {
		if err := filter(ctx, r.Client, r.Groups.Access, p, w, r.parse, func(l Line) { j.Learn(l); add(l) }); err != nil {
			return err
		}
	}
	requests, lambdas := j.Recent(w.Start.Add(-joinerHold))
	for _, p := range anyOf(requests) {
		if err := filter(ctx, r.Client, r.Groups.Execution, p, w, r.parse, add); err != nil {
			return err
		}
	}
	for _, g := range r.Groups.Handlers {
		for _, p := range anyOf(lambdas) {
			if err := filter(ctx, r.Client, g, p, w, r.parse, add); err != nil {
				return err
			}
		}
	}
	return nil
}

// liveTail streams the groups (at most 10: StartLiveTail's limit).
func (r *Reader) liveTail(ctx context.Context, t Tailer, o FollowOptions, j *Joiner, emit func(Event) error) error {
	groups := r.Groups.All()
	if len(groups) > 10 {
		return errNoLiveTail
	}
	arns, err := groupARNs(ctx, t, groups)
	if err != nil {
		return err
	}
	opts := []func(*cloudwatchlogs.Options){KeepStreamOpen}
	if o.CustomEndpoint {
		opts = append(opts, NoHostPrefix)
	}
	in := &cloudwatchlogs.StartLiveTailInput{LogGroupIdentifiers: arns}
	out, err := t.StartLiveTail(ctx, in, opts...)
	if err != nil {
		if reach.Denied(err) || ctx.Err() != nil {
			return reach.Call("cloudwatchlogs", "StartLiveTail", "logs:StartLiveTail", err)
		}
		return fmt.Errorf("%w: %v", errNoLiveTail, err)
	}
	stream := out.GetStream()
	defer stream.Close()
	sampled := false
	for ev := range stream.Events() {
		u, ok := ev.(*types.StartLiveTailResponseStreamMemberSessionUpdate)
		if !ok {
			continue
		}
		if md := u.Value.SessionMetadata; md != nil && md.Sampled && !sampled {
			sampled = true
			if err := emit(Event{Notice: "the service is sampling this tail (over 500 events a second): some lines are not shown"}); err != nil {
				return err
			}
		}
		for _, e := range u.Value.SessionResults {
			l := Line{Time: time.UnixMilli(aws.ToInt64(e.Timestamp)).UTC(), Group: groupName(aws.ToString(e.LogGroupIdentifier)),
				Stream: aws.ToString(e.LogStreamName), Message: secret.ScrubLog(strings.TrimRight(aws.ToString(e.Message), "\n"))}
			l.EventID = liveEventID(l)
			r.parse(&l)
			for _, due := range j.Add(l) {
				if err := emit(Event{Line: &due}); err != nil {
					return err
				}
			}
		}
	}
	if err := stream.Err(); err != nil && ctx.Err() == nil {
		return reach.Call("cloudwatchlogs", "StartLiveTail", "logs:StartLiveTail", err)
	}
	return nil
}

// NoHostPrefix is an option of a StartLiveTail call that keeps the SDK
// from prefixing the endpoint's host with "stream-" (a custom endpoint,
// such as the sandbox's, has no such host). It sets the flag inside the
// operation's middleware stack: the SDK clears stack values a caller puts
// in the context (smithyhttp.DisableEndpointHostPrefix on the call's ctx
// is lost), so the prefix would be added anyway.
func NoHostPrefix(o *cloudwatchlogs.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("wsopsNoHostPrefix",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				return next.HandleInitialize(smithyhttp.DisableEndpointHostPrefix(ctx, true), in)
			}), middleware.Before)
	})
}

// KeepStreamOpen is an option of a StartLiveTail call that keeps its
// event stream from being cut at its start. smithy-go (v1.28.9) closes a
// request's body as soon as the response's headers are in; when they come
// before net/http's writer has made its last read of the body (an endpoint
// that answers at once, as the sandbox on loopback does), that read goes
// to the closed body's WriteTo, which answers io.EOF as an error: net/http
// takes the request as failed and closes the connection under the
// streaming response ("use of closed network connection"). A body without
// WriteTo is read with Read, whose io.EOF is the end of the body.
func KeepStreamOpen(o *cloudwatchlogs.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("wsopsBodyWithoutWriteTo",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				if req, ok := in.Request.(*smithyhttp.Request); ok {
					if body, ok := req.GetStream().(io.ReadSeeker); ok {
						if plain, err := req.SetStream(readSeeker{body}); err == nil {
							in.Request = plain
						}
					}
				}
				return next.HandleFinalize(ctx, in)
			}), middleware.After)
	})
}

// readSeeker hides every method of a body but Read and Seek.
type readSeeker struct{ io.ReadSeeker }

// groupARNs are the ARNs of groups, which StartLiveTail takes.
func groupARNs(ctx context.Context, t Tailer, groups []string) ([]string, error) {
	var arns []string
	for _, g := range groups {
		out, err := t.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(g)})
		if err != nil {
			if reach.Denied(err) {
				return nil, reach.Call("cloudwatchlogs", "DescribeLogGroups", "logs:DescribeLogGroups", err)
			}
			return nil, fmt.Errorf("%w: %v", errNoLiveTail, err)
		}
		for _, lg := range out.LogGroups {
			if aws.ToString(lg.LogGroupName) == g {
				arns = append(arns, strings.TrimSuffix(aws.ToString(lg.Arn), ":*"))
			}
		}
	}
	if len(arns) == 0 {
		return nil, fmt.Errorf("%w: none of the groups exists", errNoLiveTail)
	}
	return arns, nil
}

// groupName is a group's name from its ARN (or the name itself).
func groupName(id string) string {
	if _, name, ok := strings.Cut(id, ":log-group:"); ok {
		return strings.TrimSuffix(name, ":*")
	}
	return id
}

// liveEventID identifies a live-tail event, which has no id of its own.
func liveEventID(l Line) string {
	h := sha256.Sum256([]byte(l.Group + "\x00" + l.Stream + "\x00" + l.Time.String() + "\x00" + l.Message))
	return "live-" + hex.EncodeToString(h[:12])
}
