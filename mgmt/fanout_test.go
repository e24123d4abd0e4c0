package mgmt

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"wsops/internal/testrig"
)

// quick is a FanOut with no rate limit and millisecond backoffs, for tests.
func quick() FanOut {
	return FanOut{Workers: 4, RPS: math.Inf(1), BaseBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}
}

// drainRun reads a run's channel to the end and returns the results by id and the
// final totals, failing the test if the run breaks its accounting contract (or
// its channel is not closed within hangDeadline). Events the test read before
// are passed as earlier.
func drainRun(t *testing.T, events <-chan Event, earlier ...Event) (map[string]Result, Progress) {
	t.Helper()
	results := map[string]Result{}
	var last Event
	take := func(event Event) {
		t.Helper()
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
	for _, event := range earlier {
		take(event)
	}
	deadline := time.NewTimer(hangDeadline)
	defer deadline.Stop()
	for open := true; open; {
		select {
		case event, ok := <-events:
			if open = ok; ok {
				take(event)
			}
		case <-deadline.C:
			t.Fatalf("the run's channel still open after %v; last event %+v", hangDeadline, last)
		}
	}
	if !last.Final {
		t.Fatal("channel closed without a Final event")
	}
	if last.Progress.Done != len(results) {
		t.Errorf("final Done = %d, but %d results were reported", last.Progress.Done, len(results))
	}
	return results, last.Progress
}

func TestSendCountsMixedTargets(t *testing.T) {
	w, m := startWorld(t, testrig.WorldOptions{Clients: 8})
	ctx := context.Background()
	live, closed, unknown := w.IDs[:6], w.IDs[6:], connectionIDs(100, 3)
	for _, id := range closed {
		if err := m.Delete(ctx, id); err != nil {
			t.Fatal(err)
		}
		w.Client(id).WaitClosed(t)
	}
	payload := []byte(`{"type":"announcement","data":"maintenance at 22:00"}`)

	events, err := quick().Send(ctx, m, StreamIDs(slices.Concat(live, closed, unknown)), payload)
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	results, progress := drainRun(t, events)

	if want := (Progress{Done: 11, Delivered: 6, Gone: 5}); progress != want {
		t.Errorf("progress %+v, want %+v", progress, want)
	}
	for _, id := range live {
		if r := results[id]; r.Outcome != Delivered || r.Err != nil || r.Attempts != 1 {
			t.Errorf("%s: %v after %d attempts (%v), want delivered", id, r.Outcome, r.Attempts, r.Err)
		}
	}
	for _, id := range slices.Concat(closed, unknown) {
		if r := results[id]; r.Outcome != Gone || !errors.Is(r.Err, ErrGone) || r.Attempts != 1 {
			t.Errorf("%s: %v after %d attempts (%v), want gone", id, r.Outcome, r.Attempts, r.Err)
		}
	}
	w.Settle()
	assertReceived(t, w, live, payload)
	assertReceived(t, w, closed)
}

func TestSendWithoutPermissionFailsEveryTarget(t *testing.T) {
	w, _ := startWorld(t, testrig.WorldOptions{Clients: 3})

	events, err := quick().Send(context.Background(), wrongStage(w), StreamIDs(w.IDs), []byte("hi"))
	if err != nil {
		t.Fatal(err)
	}
	results, progress := drainRun(t, events)

	if want := (Progress{Done: 3, Failed: 3}); progress != want {
		t.Errorf("progress %+v, want %+v", progress, want)
	}
	for id, r := range results {
		if r.Outcome != Failed || !errors.Is(r.Err, ErrForbidden) || r.Attempts != 1 {
			t.Errorf("%s: %v after %d attempts (%v), want failed once with ErrForbidden", id, r.Outcome, r.Attempts, r.Err)
		}
	}
	w.Settle()
	assertReceived(t, w, w.IDs)
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

func TestSendRetriesThrottledTargetsUntilDelivered(t *testing.T) {
	const targets = 5
	w, m := startWorld(t, testrig.WorldOptions{Clients: targets, ManagementRPS: 10})
	exhaustThrottle(t, m)
	before := len(w.Requests())
	// The first attempts of all targets leave together: the sandbox's bucket
	// is empty and refills a token per 100 ms, so at most one of them finds a
	// token (all five would have to be spread over 400 ms) and the others are
	// answered 429.
	var mu sync.Mutex
	firstWave, gate := 0, make(chan struct{})
	w.OnRequest(func(testrig.Request) {
		mu.Lock()
		if firstWave++; firstWave == targets {
			close(gate)
		}
		mu.Unlock()
		<-gate
	})
	f := FanOut{Workers: targets, RPS: math.Inf(1), MaxAttempts: 100, BaseBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond}

	events, err := f.Send(context.Background(), m, StreamIDs(w.IDs), []byte("hi"))
	if err != nil {
		t.Fatal(err)
	}
	results, progress := drainRun(t, events)

	if want := (Progress{Done: targets, Delivered: targets}); progress != want {
		t.Fatalf("progress %+v, want %+v", progress, want)
	}
	attempts, retried := 0, 0
	for _, r := range results {
		attempts += r.Attempts
		if r.Attempts > 1 {
			retried++
		}
	}
	if retried == 0 {
		t.Error("no target was retried: the sandbox never throttled the run")
	}
	if n := len(w.Requests()) - before; n != attempts {
		t.Errorf("the SDK client sent %d requests for %d attempts (SDK retries must be off)", n, attempts)
	}
	w.Settle()
	assertReceived(t, w, w.IDs, []byte("hi")) // once each: a 429 delivered nothing
}

func TestSendGivesUpAfterMaxAttempts(t *testing.T) {
	w, m := startWorld(t, testrig.WorldOptions{Clients: 1, ManagementRPS: starvedRPS})
	exhaustThrottle(t, m)
	id := w.IDs[0]
	f := quick()
	f.MaxAttempts = 3

	events, err := f.Send(context.Background(), m, StreamIDs([]string{id}), []byte("hi"))
	if err != nil {
		t.Fatal(err)
	}
	results, progress := drainRun(t, events)

	if r := results[id]; r.Outcome != Throttled || r.Attempts != 3 || !errors.Is(r.Err, ErrThrottled) {
		t.Errorf("got %v after %d attempts (%v), want throttled after 3", r.Outcome, r.Attempts, r.Err)
	}
	if progress != (Progress{Done: 1, Throttled: 1}) {
		t.Errorf("progress %+v, want one throttled", progress)
	}
	if n := w.RequestsFor(id); n != 3 {
		t.Errorf("the SDK client sent %d requests, want 3 (SDK retries must be off)", n)
	}
	w.Settle()
	assertReceived(t, w, w.IDs)
}

func TestSendRefusesOversizedPayloadBeforeAnyCall(t *testing.T) {
	w, m := startWorld(t, testrig.WorldOptions{Clients: 1})

	events, err := quick().Send(context.Background(), m, StreamIDs(w.IDs), make([]byte, MaxPayload+1))
	if !errors.Is(err, ErrPayloadTooLarge) || events != nil {
		t.Errorf("got (%v, %v), want (nil, ErrPayloadTooLarge)", events, err)
	}
	if n := len(w.Requests()); n != 0 {
		t.Errorf("the SDK client sent %d requests, want none", n)
	}
	w.Settle()
	assertReceived(t, w, w.IDs)
}

func TestProbeReportsInfoForLiveAndGoneForUnknown(t *testing.T) {
	w, m := startWorld(t, testrig.WorldOptions{Clients: 3})
	unknown := connectionIDs(50, 2)

	results, progress := drainRun(t, quick().Probe(context.Background(), m, StreamIDs(slices.Concat(w.IDs, unknown))))

	if want := (Progress{Done: 5, Delivered: 3, Gone: 2}); progress != want {
		t.Errorf("progress %+v, want %+v", progress, want)
	}
	for _, id := range w.IDs {
		r := results[id]
		if r.Outcome != Delivered || r.Info.SourceIP != "127.0.0.1" || r.Info.UserAgent != w.Client(id).UserAgent ||
			r.Info.ConnectedAt.IsZero() || r.Info.LastActiveAt.Before(r.Info.ConnectedAt) {
			t.Errorf("%s: %v with info %+v (%v)", id, r.Outcome, r.Info, r.Err)
		}
	}
	for _, id := range unknown {
		if results[id].Outcome != Gone {
			t.Errorf("%s: %v (%v), want gone", id, results[id].Outcome, results[id].Err)
		}
	}
	for _, r := range w.Requests() {
		if r.Method != "GET" {
			t.Errorf("probe sent %s %s", r.Method, r.EscapedPath)
		}
	}
	w.Settle()
	assertReceived(t, w, w.IDs) // a probe is invisible to the clients
	if n := w.Sandbox.Gateway().Count(); n != 3 {
		t.Errorf("%d connections live after the probe, want 3", n)
	}
}

func TestDisconnectClosesLiveConnections(t *testing.T) {
	w, m := startWorld(t, testrig.WorldOptions{Clients: 3})
	targets, spared := w.IDs[:2], w.IDs[2]

	results, progress := drainRun(t, quick().Disconnect(context.Background(), m, StreamIDs(append(slices.Clone(targets), awsExampleID))))

	if want := (Progress{Done: 3, Delivered: 2, Gone: 1}); progress != want {
		t.Errorf("progress %+v, want %+v", progress, want)
	}
	for _, id := range targets {
		if results[id].Outcome != Delivered {
			t.Errorf("%s: %v (%v), want delivered", id, results[id].Outcome, results[id].Err)
		}
		if code := w.Client(id).WaitClosed(t); code != websocket.StatusNormalClosure {
			t.Errorf("%s: the client saw close %v, want 1000", id, code)
		}
	}
	if live := w.Sandbox.Gateway().IDs(); !slices.Equal(live, []string{spared}) {
		t.Errorf("live connections %v, want only %s", live, spared)
	}
	for _, r := range w.Requests() {
		if r.Method != "DELETE" {
			t.Errorf("disconnect sent %s %s", r.Method, r.EscapedPath)
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
