package uitest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"go.uber.org/goleak"

	"wsops/internal/reach"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The fake answers what CloudWatch Logs would: the group's events in the
// window, matched by the patterns wsops writes, in pages; and counts.
func TestFakeLogsFiltersByWindowAndPattern(t *testing.T) {
	var events []LogEvent
	for i := range 120 {
		events = append(events, LogEvent{Group: AccessGroup, Time: Now.Add(-time.Duration(120-i) * time.Second), Message: "line of X=" + string(rune('a'+i%3))})
	}
	events = append(events, LogEvent{Group: ExecutionGroup, Time: Now, Message: `(R1=) say "hi"`})
	l := NewLogs(events...)
	read := func(group, pattern string, start, end time.Time) []string {
		t.Helper()
		in := &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(group), StartTime: aws.Int64(start.UnixMilli()), EndTime: aws.Int64(end.UnixMilli())}
		if pattern != "" {
			in.FilterPattern = aws.String(pattern)
		}
		var out []string
		for {
			page, err := l.FilterLogEvents(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range page.Events {
				out = append(out, aws.ToString(e.Message))
			}
			if page.NextToken == nil {
				return out
			}
			in.NextToken = page.NextToken
		}
	}
	if n := len(read(AccessGroup, "", Now.Add(-time.Hour), Now)); n != 120 {
		t.Errorf("%d events in the hour, want 120", n)
	}
	if n := len(read(AccessGroup, "", Now.Add(-30*time.Second), Now.Add(-10*time.Second))); n != 21 {
		t.Errorf("%d events in 20 s, want 21 (both ends included)", n)
	}
	if n := len(read(AccessGroup, `"X=a"`, Now.Add(-time.Hour), Now)); n != 40 {
		t.Errorf("%d events match one quoted term, want 40", n)
	}
	if n := len(read(AccessGroup, `?"X=a" ?"X=b"`, Now.Add(-time.Hour), Now)); n != 80 {
		t.Errorf("%d events match either term, want 80", n)
	}
	if got := read(ExecutionGroup, `"say \"hi\""`, Now.Add(-time.Hour), Now); len(got) != 1 {
		t.Errorf("an escaped quote: %q", got)
	}
	if calls := l.FilterCalls(); calls != 8 { // 3 pages of 50 for the hour, 2 for either term, 1 each else
		t.Errorf("%d calls counted, want 8", calls)
	}
	if _, err := l.StartLiveTail(context.Background(), nil); err == nil || l.TailCalls() != 1 {
		t.Errorf("StartLiveTail: %v, %d calls", err, l.TailCalls())
	}
	l.Fail(Denied())
	if _, err := l.FilterLogEvents(context.Background(), &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(AccessGroup)}); !reach.Denied(err) {
		t.Errorf("Fail: %v", err)
	}
	l.Fail(nil)
	entered, release := l.Hold()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := l.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(AccessGroup)})
		done <- err
	}()
	<-entered
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("a held call ended with %v", err)
	}
	release()
}
