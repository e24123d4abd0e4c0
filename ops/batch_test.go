package ops

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
)

// batchRig is a batcher of string requests (units: their length) whose
// calls the test holds and releases, recording each call's requests.
type batchRig struct {
	b       *batcher[string, string]
	release chan struct{} // closed: calls answer
	started chan struct{} // a call began
	queued  chan int      // the requests waiting, after each joins them
	fail    string        // a call carrying this request fails whole

	mu    sync.Mutex
	calls [][]string
}

func newBatchRig(limit, lanes int) *batchRig {
	r := &batchRig{release: make(chan struct{}), started: make(chan struct{}, 100), queued: make(chan int, 100)}
	r.b = &batcher[string, string]{limit: limit, lanes: lanes, units: func(s string) int { return len(s) },
		queued: func(n int) { r.queued <- n },
		call: func(_ context.Context, reqs []string) ([]string, error) {
			r.mu.Lock()
			r.calls = append(r.calls, slices.Clone(reqs))
			r.mu.Unlock()
			r.started <- struct{}{}
			<-r.release
			if slices.Contains(reqs, r.fail) {
				return nil, errors.New("injected: the call failed")
			}
			out := make([]string, len(reqs))
			for i, q := range reqs {
				out[i] = "answer to " + q
			}
			return out, nil
		}}
	return r
}

// A request that finds a lane free goes out alone at once; those that come
// while every lane is busy go out together, in order, at most limit units
// a call (a bigger request alone), each with its own answer; a failed call
// fails the requests it carried and no other.
func TestBatcherGathersWhatWaits(t *testing.T) {
	r := newBatchRig(5, 1)
	r.fail = "f"
	type answer struct{ res, err string }
	answers := map[string]answer{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	ask := func(q string) {
		wg.Go(func() {
			res, err := r.b.do(context.Background(), q)
			mu.Lock()
			defer mu.Unlock()
			a := answer{res: res}
			if err != nil {
				a.err = err.Error()
			}
			answers[q] = a
		})
	}
	// The first request takes the only lane and is held there; the others
	// queue behind it, one after the other.
	ask("a")
	<-r.queued
	<-r.started
	reqs := []string{"bb", "cc", "d", "eeeeeeee", "f", "gg", "hhh"}
	for i, q := range reqs {
		ask(q)
		if n := <-r.queued; n != i+1 {
			t.Fatalf("%d requests waiting after %s joined, want %d", n, q, i+1)
		}
	}
	close(r.release)
	wg.Wait()

	r.mu.Lock()
	defer r.mu.Unlock()
	want := [][]string{{"a"}, {"bb", "cc", "d"}, {"eeeeeeee"}, {"f", "gg"}, {"hhh"}}
	if !slices.EqualFunc(r.calls, want, slices.Equal) {
		t.Errorf("calls %q, want %q", r.calls, want)
	}
	for _, q := range append([]string{"a"}, reqs...) {
		want := answer{res: "answer to " + q}
		if q == "f" || q == "gg" {
			want = answer{err: "injected: the call failed"}
		}
		if got := answers[q]; got != want {
			t.Errorf("%s: answered %+v, want %+v", q, got, want)
		}
	}
}

// With lanes to spare every request goes out at once, alone: a run that
// cuts one connection at a time calls as it did without a batcher.
func TestBatcherLoneRequestsGoAlone(t *testing.T) {
	r := newBatchRig(25, 4)
	close(r.release)
	for i := range 3 {
		if res, err := r.b.do(context.Background(), fmt.Sprint(i)); err != nil || res != fmt.Sprint("answer to ", i) {
			t.Fatalf("request %d: %q, %v", i, res, err)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if want := [][]string{{"0"}, {"1"}, {"2"}}; !slices.EqualFunc(r.calls, want, slices.Equal) {
		t.Errorf("calls %q, want %q", r.calls, want)
	}
}
