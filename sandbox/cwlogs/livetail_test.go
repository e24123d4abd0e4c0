package cwlogs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"wsops/logs"
)

// tail starts a live tail of in and waits until the store's session
// follows its groups.
func tail(t *testing.T, s *Store, lg *cloudwatchlogs.Client, in *cloudwatchlogs.StartLiveTailInput) *cloudwatchlogs.StartLiveTailEventStream {
	t.Helper()
	before, _ := s.LiveTails()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	out, err := lg.StartLiveTail(ctx, in, logs.NoHostPrefix, logs.KeepStreamOpen)
	if err != nil {
		t.Fatal(err)
	}
	stream := out.GetStream()
	t.Cleanup(func() { stream.Close() })
	for n, changed := s.LiveTails(); n <= before; n, changed = s.LiveTails() {
		<-changed
	}
	return stream
}

// TestLiveTailSamplesAboveItsRate: past SampleAbove events a second a
// session sends a sample of that many and says so; only events matching
// the session's pattern and of its groups come.
func TestLiveTailSamplesAboveItsRate(t *testing.T) {
	s := New(Options{LiveTail: LiveTailOptions{Interval: 200 * time.Millisecond, SampleAbove: 50}}) // 10 an update
	lg := client(t, s)
	s.CreateGroup("a")
	s.CreateGroup("b")
	stream := tail(t, s, lg, &cloudwatchlogs.StartLiveTailInput{LogGroupIdentifiers: []string{"a"}, LogEventFilterPattern: aws.String("keep")})
	for i := range 200 {
		s.Put("a", "s", fmt.Sprintf("keep %d", i))
		s.Put("a", "s", "drop")
		s.Put("b", "s", "keep but elsewhere")
	}
	got, sampled, updates := 0, false, 0
	for ev := range stream.Events() {
		u, ok := ev.(*types.StartLiveTailResponseStreamMemberSessionUpdate)
		if !ok {
			continue
		}
		updates++
		if n := len(u.Value.SessionResults); n > 10 || u.Value.SessionMetadata.Sampled && n != 10 {
			t.Fatalf("an update of %d events, sampled %v: want at most 10 (50 a second, every 200 ms), 10 when sampled", n, u.Value.SessionMetadata.Sampled)
		}
		for _, r := range u.Value.SessionResults {
			m := aws.ToString(r.Message)
			if !strings.HasPrefix(m, "keep ") || m == "keep but elsewhere" || aws.ToString(r.LogGroupIdentifier) != "arn:aws:logs:us-east-1:000000000000:log-group:a" {
				t.Errorf("event %q of %s", m, aws.ToString(r.LogGroupIdentifier))
			}
			got++
			if m == "keep last" && !u.Value.SessionMetadata.Sampled {
				if got > 200 {
					t.Errorf("%d events came of 201: want a sample", got)
				}
				return
			}
		}
		if u.Value.SessionMetadata.Sampled && !sampled {
			sampled = true
			s.Put("a", "s", "keep last") // alone in a later update: sent whole
		}
		if updates > 25 {
			break
		}
	}
	t.Fatalf("%d events in %d updates, sampled %v: want a sampled update, then the last event", got, updates, sampled)
}

// TestLiveTailEnds: after its Timeout a session ends with
// SessionTimeoutException; a closing store ends it with
// SessionStreamingException; AWS's limits are kept.
func TestLiveTailEnds(t *testing.T) {
	short := New(Options{LiveTail: LiveTailOptions{Timeout: 300 * time.Millisecond, Interval: 50 * time.Millisecond}})
	short.CreateGroup("g")
	timed := tail(t, short, client(t, short), &cloudwatchlogs.StartLiveTailInput{LogGroupIdentifiers: []string{"g"}})
	for range timed.Events() {
	}
	if _, ok := errors.AsType[*types.SessionTimeoutException](timed.Err()); !ok {
		t.Errorf("after the timeout: %v, want SessionTimeoutException", timed.Err())
	}

	s := New(Options{LiveTail: LiveTailOptions{Interval: 50 * time.Millisecond, MaxSessions: 2}})
	url := serveStore(t, s)
	lg := sdk(url)
	s.CreateGroup("g")

	var ids []string
	for i := range 11 {
		s.CreateGroup(fmt.Sprint(i))
		ids = append(ids, fmt.Sprint(i))
	}
	ctx := context.Background()
	for name, in := range map[string]*cloudwatchlogs.StartLiveTailInput{
		"11 groups":   {LogGroupIdentifiers: ids},
		"pattern":     {LogGroupIdentifiers: []string{"g"}, LogEventFilterPattern: aws.String("[a, b]")},
		"two streams": {LogGroupIdentifiers: []string{"g", "0"}, LogStreamNames: []string{"s"}},
	} {
		_, err := lg.StartLiveTail(ctx, in, logs.NoHostPrefix, logs.KeepStreamOpen)
		if _, ok := errors.AsType[*types.InvalidParameterException](err); !ok {
			t.Errorf("%s: %v, want InvalidParameterException", name, err)
		}
	}
	_, err := lg.StartLiveTail(ctx, &cloudwatchlogs.StartLiveTailInput{LogGroupIdentifiers: []string{"nope"}}, logs.NoHostPrefix, logs.KeepStreamOpen)
	if _, ok := errors.AsType[*types.ResourceNotFoundException](err); !ok {
		t.Errorf("unknown group: %v, want ResourceNotFoundException", err)
	}

	first := tail(t, s, lg, &cloudwatchlogs.StartLiveTailInput{LogGroupIdentifiers: []string{"g"}})
	tail(t, s, sdk(url), &cloudwatchlogs.StartLiveTailInput{LogGroupIdentifiers: []string{"g"}})
	_, err = sdk(url).StartLiveTail(ctx, &cloudwatchlogs.StartLiveTailInput{LogGroupIdentifiers: []string{"g"}}, logs.NoHostPrefix, logs.KeepStreamOpen)
	if _, ok := errors.AsType[*types.LimitExceededException](err); !ok {
		t.Errorf("a third session of 2: %v, want LimitExceededException", err)
	}
	s.Close()
	for range first.Events() {
	}
	if _, ok := errors.AsType[*types.SessionStreamingException](first.Err()); !ok {
		t.Errorf("after Close: %v, want SessionStreamingException", first.Err())
	}
}
