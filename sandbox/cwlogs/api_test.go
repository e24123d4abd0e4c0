package cwlogs

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

// clock is a test clock that moves 1 ms per reading.
type clock struct{ ms atomic.Int64 }

func (c *clock) now() time.Time { return time.UnixMilli(c.ms.Add(1)) }

// client runs s behind an httptest server and returns the real SDK client
// pointed at it.
func client(t *testing.T, s *Store) *cloudwatchlogs.Client {
	t.Helper()
	return sdk(serveStore(t, s))
}

// serveStore runs s behind an httptest server (closed with the test) and
// returns its URL.
func serveStore(t *testing.T, s *Store) string {
	t.Helper()
	srv := httptest.NewServer(s)
	t.Cleanup(func() {
		s.Close()
		srv.Close()
	})
	return srv.URL
}

// sdk is a real SDK client of the store at url. A client runs one live
// tail at a time: smithy-go v1.28.9 shares one event stream codec among a
// client's streams (a data race, aws/smithy-go#714).
func sdk(url string) *cloudwatchlogs.Client {
	return cloudwatchlogs.New(cloudwatchlogs.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("sandbox", "sandbox", ""),
	})
}

func messages(events []types.FilteredLogEvent) string {
	var m []string
	for _, e := range events {
		m = append(m, aws.ToString(e.Message))
	}
	return strings.Join(m, ",")
}

// TestGroupKeepsItsNewestEvents: a group holds MaxEvents events, the
// oldest dropped as new ones come, and a stream whose events are all gone
// goes with them; the ring never grows past the bound, however many
// events and streams pass through it.
func TestGroupKeepsItsNewestEvents(t *testing.T) {
	c := &clock{}
	s := New(Options{MaxEvents: 10, Now: c.now})
	lg := client(t, s)
	ctx := context.Background()
	for i := range 25 {
		stream := "new"
		if i < 5 {
			stream = "old"
		}
		s.Put("g", stream, fmt.Sprintf("e%02d", i))
	}
	out, err := lg.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("g")})
	if err != nil {
		t.Fatal(err)
	}
	if got := messages(out.Events); got != "e15,e16,e17,e18,e19,e20,e21,e22,e23,e24" {
		t.Errorf("held %s, want the newest 10", got)
	}
	streams, err := lg.DescribeLogStreams(ctx, &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String("g")})
	if err != nil {
		t.Fatal(err)
	}
	if len(streams.LogStreams) != 1 || aws.ToString(streams.LogStreams[0].LogStreamName) != "new" {
		t.Errorf("streams %+v: want only \"new\" (\"old\" has no event left)", streams.LogStreams)
	}
	groups, err := lg.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(groups.LogGroups) != 1 || aws.ToInt64(groups.LogGroups[0].StoredBytes) != 30 {
		t.Errorf("groups %+v: want g holding 30 bytes", groups.LogGroups)
	}
	for i := range 100_000 {
		s.Put("g", fmt.Sprintf("s%d", i), "x")
	}
	g := s.lookup("g")
	if g.held() != 10 || cap(g.ring) > 16 || len(g.streams) != 10 || g.first != 100_015 {
		t.Errorf("after 100,000 more: %d held (ring cap %d), %d streams, oldest seq %d", g.held(), cap(g.ring), len(g.streams), g.first)
	}
}

// TestFilterLogEventsPagesAndFilters: time range, streams, limit and
// nextToken, and AWS's errors for what it refuses.
func TestFilterLogEventsPagesAndFilters(t *testing.T) {
	c := &clock{}
	s := New(Options{Now: c.now})
	lg := client(t, s)
	ctx := context.Background()
	s.CreateGroup("g") // at 1 ms
	for i := range 30 {
		s.Put("g", fmt.Sprintf("s%d", i%3), fmt.Sprintf("e%02d conn=C%d=", i, i%2))
	}
	in := &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("g"), FilterPattern: aws.String(`"conn=C1="`), Limit: aws.Int32(4),
		StartTime: aws.Int64(3), EndTime: aws.Int64(22)}
	var got []types.FilteredLogEvent
	pages := 0
	for {
		out, err := lg.FilterLogEvents(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		got = append(got, out.Events...)
		if out.NextToken == nil {
			break
		}
		in.NextToken = out.NextToken
	}
	// Event i is stamped i+2 ms: [3, 22] holds e01..e20; C1 are the odd ones.
	if m := messages(got); m != "e01 conn=C1=,e03 conn=C1=,e05 conn=C1=,e07 conn=C1=,e09 conn=C1=,e11 conn=C1=,e13 conn=C1=,e15 conn=C1=,e17 conn=C1=,e19 conn=C1=" || pages != 3 {
		t.Errorf("%d pages: %s", pages, m)
	}
	ids := map[string]bool{}
	for _, e := range got {
		if len(aws.ToString(e.EventId)) != 56 || ids[aws.ToString(e.EventId)] || aws.ToInt64(e.Timestamp) != aws.ToInt64(e.IngestionTime) {
			t.Errorf("event %+v: want a unique 56-digit id", e)
		}
		ids[aws.ToString(e.EventId)] = true
	}
	out, err := lg.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupIdentifier: aws.String("arn:aws:logs:us-east-1:000000000000:log-group:g"),
		LogStreamNames: []string{"s1"}, FilterPattern: aws.String(`?"e01 " ?"e04 " ?"e05 "`)})
	if err != nil || messages(out.Events) != "e01 conn=C1=,e04 conn=C0=" {
		t.Errorf("stream s1, OR-terms: %q %v", messages(out.Events), err)
	}
	for name, bad := range map[string]*cloudwatchlogs.FilterLogEventsInput{
		"pattern":      {LogGroupName: aws.String("g"), FilterPattern: aws.String(`{ $.a = 1 }`)},
		"both streams": {LogGroupName: aws.String("g"), LogStreamNames: []string{"s1"}, LogStreamNamePrefix: aws.String("s")},
		"time":         {LogGroupName: aws.String("g"), StartTime: aws.Int64(9), EndTime: aws.Int64(3)},
		"name and arn": {LogGroupName: aws.String("g"), LogGroupIdentifier: aws.String("g")},
		"arn with *":   {LogGroupIdentifier: aws.String("arn:aws:logs:us-east-1:000000000000:log-group:g:*")},
		"limit":        {LogGroupName: aws.String("g"), Limit: aws.Int32(10_001)},
	} {
		_, err := lg.FilterLogEvents(ctx, bad)
		if _, ok := errors.AsType[*types.InvalidParameterException](err); !ok {
			t.Errorf("%s: %v, want InvalidParameterException", name, err)
		}
	}
	_, err = lg.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("nope")})
	if _, ok := errors.AsType[*types.ResourceNotFoundException](err); !ok {
		t.Errorf("unknown group: %v, want ResourceNotFoundException", err)
	}
}

// TestGetLogEventsReadsAStream: from the head forward (the forward token
// comes back unchanged at the end), from the tail by default, backward.
func TestGetLogEventsReadsAStream(t *testing.T) {
	c := &clock{}
	s := New(Options{Now: c.now})
	lg := client(t, s)
	ctx := context.Background()
	for i := range 10 {
		s.Put("g", fmt.Sprintf("s%d", i%2), fmt.Sprintf("e%d", i))
	}
	read := func(in *cloudwatchlogs.GetLogEventsInput) (string, *cloudwatchlogs.GetLogEventsOutput) {
		t.Helper()
		in.LogGroupName, in.LogStreamName = aws.String("g"), aws.String("s0")
		out, err := lg.GetLogEvents(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		var m []string
		for _, e := range out.Events {
			m = append(m, aws.ToString(e.Message))
		}
		return strings.Join(m, ","), out
	}
	var pages []string
	in := &cloudwatchlogs.GetLogEventsInput{StartFromHead: aws.Bool(true), Limit: aws.Int32(2)}
	for range 5 {
		m, out := read(in)
		pages = append(pages, m)
		if aws.ToString(out.NextForwardToken) == aws.ToString(in.NextToken) {
			break
		}
		in.NextToken = out.NextForwardToken
	}
	if got := strings.Join(pages, "|"); got != "e0,e2|e4,e6|e8|" {
		t.Errorf("forward pages %q", got)
	}
	tail, out := read(&cloudwatchlogs.GetLogEventsInput{Limit: aws.Int32(2)})
	back, _ := read(&cloudwatchlogs.GetLogEventsInput{Limit: aws.Int32(2), NextToken: out.NextBackwardToken})
	if tail != "e6,e8" || back != "e2,e4" {
		t.Errorf("tail %q, then backward %q", tail, back)
	}
	_, err := lg.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("nope")})
	if _, ok := errors.AsType[*types.ResourceNotFoundException](err); !ok {
		t.Errorf("unknown stream: %v, want ResourceNotFoundException", err)
	}
}

// TestDescribeLogGroupsPages: prefix, pattern and pages of limit.
func TestDescribeLogGroupsPages(t *testing.T) {
	s := New(Options{})
	lg := client(t, s)
	for _, g := range []string{"/aws/lambda/b", "/aws/lambda/a", "/aws/apigateway/x-access", "API-Gateway-Execution-Logs_x/dev"} {
		s.CreateGroup(g)
	}
	in := &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/aws/"), Limit: aws.Int32(2)}
	var names []string
	for {
		out, err := lg.DescribeLogGroups(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range out.LogGroups {
			names = append(names, aws.ToString(g.LogGroupName))
		}
		if out.NextToken == nil {
			break
		}
		in.NextToken = out.NextToken
	}
	if got := strings.Join(names, " "); got != "/aws/apigateway/x-access /aws/lambda/a /aws/lambda/b" {
		t.Errorf("groups %q", got)
	}
	out, err := lg.DescribeLogGroups(context.Background(), &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePattern: aws.String("EXECUTION")})
	if err != nil || len(out.LogGroups) != 1 {
		t.Errorf("pattern: %+v %v", out, err)
	}
}
