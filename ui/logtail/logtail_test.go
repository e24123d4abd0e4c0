package logtail

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"wsops/apigw"
	"wsops/internal/reach"
	"wsops/internal/uitest"
	"wsops/logs"
	"wsops/ops"
)

// A tail hands what its follow emits to the view in batches, in order,
// each at most MaxBatch lines, then its end.
func TestTailBatchesThenEnds(t *testing.T) {
	stop := errors.New("the endpoint went away")
	n := MaxBatch + 10
	tail, cmd := Start(t.Context(), func(ctx context.Context, emit func(logs.Event) error) error {
		if err := emit(logs.Event{Notice: "polling"}); err != nil {
			return err
		}
		for i := range n {
			if err := emit(logs.Event{Line: &logs.Line{Message: fmt.Sprint(i)}}); err != nil {
				return err
			}
		}
		return stop
	})
	msgs := make(chan BatchMsg, 16)
	go func() { // the run command: it returns when the follow does
		for _, m := range uitest.Msgs(cmd) {
			msgs <- m.(BatchMsg)
		}
	}()
	var got []string
	var notices []string
	var b BatchMsg
	for b = <-msgs; ; b = tail.Next()().(BatchMsg) {
		if b.ID != tail.ID() || len(b.Lines) > MaxBatch {
			t.Fatalf("batch of %d lines, id %d", len(b.Lines), b.ID)
		}
		for _, l := range b.Lines {
			got = append(got, l.Message)
		}
		notices = append(notices, b.Notices...)
		if b.Ended {
			break
		}
	}
	if len(got) != n || got[0] != "0" || got[n-1] != fmt.Sprint(n-1) || !errors.Is(b.Err, stop) {
		t.Errorf("%d lines (%s … %s), end %v", len(got), got[0], got[len(got)-1], b.Err)
	}
	if strings.Join(notices, ",") != "polling" {
		t.Errorf("notices %q", notices)
	}
}

// Stopped, a tail's follow returns and its wait yields nothing: no
// goroutine is left (TestMain checks).
func TestStopEndsTheFollowAndTheWait(t *testing.T) {
	returned := make(chan error, 1)
	tail, cmd := Start(context.Background(), func(ctx context.Context, emit func(logs.Event) error) error {
		for ctx.Err() == nil {
			if err := emit(logs.Event{Line: &logs.Line{}}); err != nil {
				returned <- err
				return err
			}
		}
		returned <- ctx.Err()
		return ctx.Err()
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		uitest.Msgs(cmd)
	}()
	tail.Stop()
	if err := <-returned; !errors.Is(err, context.Canceled) {
		t.Errorf("the follow returned %v", err)
	}
	<-done
	if msg := tail.Next()(); msg != nil {
		t.Errorf("a stopped tail's wait yielded %T", msg)
	}
}

func TestExplainSaysWhatToDo(t *testing.T) {
	denied := reach.Call("cloudwatchlogs", "FilterLogEvents g", "logs:FilterLogEvents", uitest.Denied())
	for _, c := range []struct {
		err    error
		want   string
		detail bool
	}{
		{ops.ErrNoAPI, "does not say which API it uses", false},
		{ops.ErrNoLogsClient, "no CloudWatch Logs client", false},
		{fmt.Errorf("x: %w", logs.ErrNoAccessLog), "The stage has no access log", false},
		{logs.ErrUntraceable, "carries no connection id", false},
		{denied, "the credentials lack the IAM action named below", true},
		{apigw.ErrNotFound, "knows no WebSocket API", true},
		{context.DeadlineExceeded, "did not answer in time", true},
		{errors.New("odd"), "could not be read", true},
	} {
		text, detail := Explain(c.err)
		if !strings.Contains(text, c.want) || detail != c.detail {
			t.Errorf("%v: %q (detail %v), want %q (detail %v)", c.err, text, detail, c.want, c.detail)
		}
	}
}
