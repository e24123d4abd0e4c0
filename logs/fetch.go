package logs

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"wsops/internal/reach"
	"wsops/secret"
)

// Client is the part of the CloudWatch Logs client this package calls
// (*cloudwatchlogs.Client satisfies it).
type Client interface {
	FilterLogEvents(context.Context, *cloudwatchlogs.FilterLogEventsInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.FilterLogEventsOutput, error)
}

var _ Client = (*cloudwatchlogs.Client)(nil)

// maxPattern is the longest filter pattern CloudWatch Logs accepts.
const maxPattern = 1024

// anyOf is filter patterns that match events holding any of terms, each
// quoted (ids end in "="), as few patterns as fit maxPattern.
func anyOf(terms []string) []string {
	var patterns []string
	var b strings.Builder
	for _, t := range terms {
		term := `?"` + strings.ReplaceAll(t, `"`, `\"`) + `"`
		if b.Len() > 0 && b.Len()+1+len(term) > maxPattern {
			patterns = append(patterns, b.String())
			b.Reset()
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(term)
	}
	if b.Len() > 0 {
		patterns = append(patterns, b.String())
	}
	if len(patterns) == 1 && len(terms) == 1 {
		patterns[0] = patterns[0][1:] // one term: "ID", without the "?"
	}
	return patterns
}

// window is the time range of a read; a zero End means now.
type window struct{ Start, End time.Time }

// filter reads every event of group matching pattern in w (all pages),
// calling each with the parsed, scrubbed line.
func filter(ctx context.Context, c Client, group, pattern string, w window, parse func(*Line), each func(Line)) error {
	in := &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(group), StartTime: aws.Int64(w.Start.UnixMilli())}
	if !w.End.IsZero() {
		in.EndTime = aws.Int64(w.End.UnixMilli())
	}
	if pattern != "" {
		in.FilterPattern = aws.String(pattern)
	}
	for {
		out, err := c.FilterLogEvents(ctx, in)
		var missing *types.ResourceNotFoundException
		if errors.As(err, &missing) {
			return nil // a group not created yet (a Lambda never invoked) holds no lines
		}
		if err != nil {
			return reach.Call("cloudwatchlogs", "FilterLogEvents "+group, "logs:FilterLogEvents", err)
		}
		for _, e := range out.Events {
			l := Line{Time: time.UnixMilli(aws.ToInt64(e.Timestamp)).UTC(), Group: group, Stream: aws.ToString(e.LogStreamName),
				Message: secret.ScrubLog(strings.TrimRight(aws.ToString(e.Message), "\n")), EventID: aws.ToString(e.EventId)}
			parse(&l)
			each(l)
		}
		if aws.ToString(out.NextToken) == "" || aws.ToString(out.NextToken) == aws.ToString(in.NextToken) {
			return nil
		}
		in.NextToken = out.NextToken
	}
}
