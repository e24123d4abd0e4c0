package client

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"math"
	"slices"
	"testing"
	"time"
)

// quick is a FanOut with no rate limit and millisecond backoffs, for tests.
func quick() FanOut {
	return FanOut{Workers: 4, RPS: math.Inf(1), BaseBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}
}

// drainRun reads a run's channel to the end and returns the results by id and the
// final totals, failing the test if the run breaks its accounting contract. Events
// the test read before are passed as earlier.
func drainRun(t *testing.T, events <-chan Event, earlier ...Event) (map[string]Result, Progress) {
	t.Helper()
	results := map[string]Result{}
	var last Event
	for event := range chainEvents(earlier, events) {
		if last.Final {
			t.Fatalf("event after the Final event: %+v", event)
		}
		if !event.Final {
			if _, seen := results[event.Result.ID]; seen {
				t.Errorf("two results for %s", event.Result.ID)
			}
			if event.Result.Attempts < 1 {
				t.Errorf("result for %s reports %d attempts", event.Result.ID, event.Result.Attempts)
			}
			results[event.Result.ID] = event.Result
		}
		last = event
	}
	if !last.Final {
		t.Fatal("channel closed without a Final event")
	}
	if last.Progress.Done != len(results) {
		t.Errorf("final Done = %d, but %d results were reported", last.Progress.Done, len(results))
	}
	return results, last.Progress
}

func chainEvents(earlier []Event, rest <-chan Event) iter.Seq[Event] {
	return func(yield func(Event) bool) {
		for _, event := range earlier {
			if !yield(event) {
				return
			}
		}
		for event := range rest {
			if !yield(event) {
				return
			}
		}
	}
}

func TestSendCountsMixedTargets(t *testing.T) {
	gateway := newFakeGateway(t)
	live, gone, forbidden := connectionIDs(0, 6), connectionIDs(100, 3), connectionIDs(200, 2)
	gateway.addLive(live...)
	gateway.addLive(forbidden...)
	gateway.set(func(g *fakeGateway) {
		for _, id := range forbidden {
			g.forbidden[id] = true
		}
	})
	payload := []byte(`{"type":"announcement","data":"maintenance at 22:00"}`)

	events, err := quick().Send(context.Background(), gateway.management(), StreamIDs(slices.Concat(live, gone, forbidden)), payload)
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	results, progress := drainRun(t, events)

	want := Progress{Done: 11, Delivered: 6, Gone: 3, Failed: 2}
	if progress != want {
		t.Errorf("progress %+v, want %+v", progress, want)
	}
	for _, id := range live {
		if r := results[id]; r.Outcome != Delivered || r.Err != nil || string(gateway.body(id)) != string(payload) {
			t.Errorf("%s: %v %v, body %q", id, r.Outcome, r.Err, gateway.body(id))
		}
	}
	for _, id := range gone {
		if r := results[id]; r.Outcome != Gone || !errors.Is(r.Err, ErrGone) {
			t.Errorf("%s: %v %v, want gone", id, r.Outcome, r.Err)
		}
	}
	for _, id := range forbidden {
		if r := results[id]; r.Outcome != Failed || !errors.Is(r.Err, ErrForbidden) {
			t.Errorf("%s: %v %v, want failed with ErrForbidden", id, r.Outcome, r.Err)
		}
	}
}

func TestSummaryHasTheSendJSONShape(t *testing.T) {
	progress := Progress{Done: 9, Delivered: 6, Gone: 1, Throttled: 1, Failed: 1, NotAttempted: 2}
	got, err := json.Marshal(progress.Summary(1500 * time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"targets":11,"delivered":6,"gone":1,"throttled":1,"failed":1,"duration_ms":1500}`
	if string(got) != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestSendRetriesThrottledTargetUntilDelivered(t *testing.T) {
	gateway := newFakeGateway(t)
	gateway.addLive(awsExampleID)
	gateway.set(func(g *fakeGateway) { g.throttle[awsExampleID] = 2 })

	events, err := quick().Send(context.Background(), gateway.management(), StreamIDs([]string{awsExampleID}), []byte("hi"))
	if err != nil {
		t.Fatal(err)
	}
	results, _ := drainRun(t, events)

	if r := results[awsExampleID]; r.Outcome != Delivered || r.Attempts != 3 {
		t.Errorf("got %v after %d attempts (%v), want delivered after 3", r.Outcome, r.Attempts, r.Err)
	}
	if n := gateway.requestsFor(awsExampleID); n != 3 {
		t.Errorf("server answered %d requests, want 3", n)
	}
}

func TestSendGivesUpAfterMaxAttempts(t *testing.T) {
	gateway := newFakeGateway(t)
	gateway.addLive(awsExampleID)
	gateway.set(func(g *fakeGateway) { g.throttle[awsExampleID] = -1 })
	f := quick()
	f.MaxAttempts = 3

	events, err := f.Send(context.Background(), gateway.management(), StreamIDs([]string{awsExampleID}), []byte("hi"))
	if err != nil {
		t.Fatal(err)
	}
	results, progress := drainRun(t, events)

	if r := results[awsExampleID]; r.Outcome != Throttled || r.Attempts != 3 || !errors.Is(r.Err, ErrThrottled) {
		t.Errorf("got %v after %d attempts (%v), want throttled after 3", r.Outcome, r.Attempts, r.Err)
	}
	if progress.Throttled != 1 {
		t.Errorf("progress %+v, want one throttled", progress)
	}
	if n := gateway.requestsFor(awsExampleID); n != 3 {
		t.Errorf("server answered %d requests, want 3 (SDK retries must be off)", n)
	}
}

func TestSendRefusesOversizedPayloadBeforeAnyCall(t *testing.T) {
	gateway := newFakeGateway(t)
	gateway.addLive(awsExampleID)

	events, err := quick().Send(context.Background(), gateway.management(), StreamIDs([]string{awsExampleID}), make([]byte, MaxPayload+1))
	if !errors.Is(err, ErrPayloadTooLarge) || events != nil {
		t.Errorf("got (%v, %v), want (nil, ErrPayloadTooLarge)", events, err)
	}
	if n := len(gateway.answered()); n != 0 {
		t.Errorf("server answered %d requests, want none", n)
	}
}

func TestProbeReportsInfoForLiveAndGoneForUnknown(t *testing.T) {
	gateway := newFakeGateway(t)
	live, unknown := connectionIDs(0, 3), connectionIDs(50, 2)
	gateway.addLive(live...)

	results, progress := drainRun(t, quick().Probe(context.Background(), gateway.management(), StreamIDs(slices.Concat(live, unknown))))

	if want := (Progress{Done: 5, Delivered: 3, Gone: 2}); progress != want {
		t.Errorf("progress %+v, want %+v", progress, want)
	}
	for _, id := range live {
		info := results[id].Info
		if results[id].Outcome != Delivered || info.SourceIP != "203.0.113.7" || info.ConnectedAt.IsZero() || info.LastActiveAt.IsZero() {
			t.Errorf("%s: %v with info %+v", id, results[id].Outcome, info)
		}
	}
	for _, id := range unknown {
		if results[id].Outcome != Gone {
			t.Errorf("%s: %v (%v), want gone", id, results[id].Outcome, results[id].Err)
		}
	}
	for _, r := range gateway.answered() {
		if r.Method != "GET" {
			t.Errorf("probe sent %s %s", r.Method, r.EscapedPath)
		}
	}
}

func TestDisconnectClosesLiveConnections(t *testing.T) {
	gateway := newFakeGateway(t)
	live := connectionIDs(0, 2)
	gateway.addLive(live...)

	results, progress := drainRun(t, quick().Disconnect(context.Background(), gateway.management(), StreamIDs(append(live, awsExampleID))))

	if want := (Progress{Done: 3, Delivered: 2, Gone: 1}); progress != want {
		t.Errorf("progress %+v, want %+v", progress, want)
	}
	for _, id := range live {
		if results[id].Outcome != Delivered || gateway.isLive(id) {
			t.Errorf("%s: %v, still live %v", id, results[id].Outcome, gateway.isLive(id))
		}
	}
}

func TestBackoffIsBoundedAndJittered(t *testing.T) {
	f := FanOut{BaseBackoff: 50 * time.Millisecond, MaxBackoff: 2 * time.Second}.withDefaults()
	ceilings := map[int]time.Duration{1: 50 * time.Millisecond, 2: 100 * time.Millisecond, 3: 200 * time.Millisecond, 6: 1600 * time.Millisecond, 7: 2 * time.Second, 1000: 2 * time.Second}
	for retry, ceiling := range ceilings {
		distinct := map[time.Duration]bool{}
		for range 200 {
			d := f.backoff(retry)
			if d < ceiling/2 || d > ceiling {
				t.Fatalf("retry %d: backoff %v outside [%v, %v]", retry, d, ceiling/2, ceiling)
			}
			distinct[d] = true
		}
		if len(distinct) < 2 {
			t.Errorf("retry %d: backoff never varies", retry)
		}
	}
}

func TestOutcomeNames(t *testing.T) {
	names := map[Outcome]string{Delivered: "delivered", Gone: "gone", Throttled: "throttled", Failed: "failed", 0: "outcome(0)"}
	for outcome, want := range names {
		if outcome.String() != want {
			t.Errorf("%d: %q, want %q", int(outcome), outcome.String(), want)
		}
	}
}
