package mgmt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"golang.org/x/time/rate"
)

// Defaults used for FanOut fields left at zero.
const (
	DefaultWorkers     = 32
	DefaultRPS         = 100
	DefaultMaxAttempts = 5
	DefaultBaseBackoff = 50 * time.Millisecond
	DefaultMaxBackoff  = 2 * time.Second
	DefaultLinger      = 30 * time.Second
)

// MaxInFlight is the most calls a run keeps in flight, however slow the
// calls: the account's management throttle (10,000 calls a second,
// ecosystems.md) at a 200 ms round trip from an operator's laptop is 2,000
// in flight; more could only be throttled, and each costs the operator's
// machine a goroutine and a pooled connection (cloud sizes its pool to it).
const MaxInFlight = 2048

// FanOut configures the engine that calls the management API for many
// connections: Workers calls at a time, under a token bucket of RPS tokens per
// second holding up to Burst, one token per attempt (retries included). The zero
// value uses the defaults above.
//
// The engine handles 429s itself: ErrThrottled is retried after a jittered
// exponential backoff (BaseBackoff doubling up to MaxBackoff) until MaxAttempts
// attempts were made, and every retry waits for the limiter again. The SDK client
// behind Client must therefore not retry too: build it with
// RetryMaxAttempts = 1 (or aws.NopRetryer{}), or each attempt hides up to three
// SDK attempts that bypass the limiter. Give its HTTP transport a
// MaxIdleConnsPerHost of at least Workers (the SDK's default is 10) so workers
// reuse connections. Only 429s are retried: a 5xx or a broken connection may
// hide a delivered message, so those targets end as Failed.
type FanOut struct {
	// Workers is the number of calls in flight a run starts with.
	Workers int
	// MaxWorkers, when above Workers, lets a run add workers up to it while
	// every worker is busy and the rate is not held (no limit, or a token no
	// worker is waiting for: calls slow enough that the workers cannot hold
	// RPS). At a rate a step goes to what the rate needs at the latency the
	// run measures (Little's law, with headroom for its spread); with no
	// limit, a quarter more. Growth lasts while each step raises throughput
	// by a tenth: on a saturated CPU more workers would only contend
	// (growth.go). 0 means Workers; MaxInFlight is the most worth asking.
	MaxWorkers int
	// RPS is the sustained rate of calls per second; math.Inf(1) removes the limit.
	RPS float64
	// Burst is how many tokens the limiter holds; 0 means a tenth of a second's worth of RPS, at least 1.
	Burst int
	// MaxAttempts bounds the attempts per target when it is throttled.
	MaxAttempts int
	// BaseBackoff is the delay before the first retry; it doubles per retry up to MaxBackoff.
	BaseBackoff time.Duration
	// MaxBackoff caps the delay between retries.
	MaxBackoff time.Duration
	// Linger is how long, once ctx is cancelled, the engine waits for the reader
	// to take the remaining events before it drops them and closes the channel.
	Linger time.Duration
	// StopAfter, when above 0, stops the run as a cancellation would once
	// that many attempted targets in a row ended Failed: an endpoint that
	// times out or refuses every call is dead or wrong, and waiting out
	// each call's timeout for every target would only hide it. The final
	// event's Stopped says why.
	StopAfter int
}

// Call is one management API operation on one connection, as the engine runs it.
// It returns the connection's info when the operation yields one (GetConnection).
type Call func(ctx context.Context, id string) (ConnectionInfo, error)

// Outcome is how the engine finished with one target.
type Outcome int

// Outcomes of an attempted target.
const (
	// Delivered: the call succeeded (Send: the message was delivered; Probe: the
	// connection is live; Disconnect: it was closed).
	Delivered Outcome = iota + 1
	// Gone: the connection no longer exists (ErrGone).
	Gone
	// Throttled: still throttled after MaxAttempts attempts, or when cancelled while waiting to retry.
	Throttled
	// Failed: any other error (ErrForbidden, a timeout, a network or server error).
	Failed
)

// String names the outcome as the JSON output does ("delivered", "gone", …).
func (o Outcome) String() string {
	switch o {
	case Delivered:
		return "delivered"
	case Gone:
		return "gone"
	case Throttled:
		return "throttled"
	case Failed:
		return "failed"
	}
	return fmt.Sprintf("outcome(%d)", int(o))
}

// Result is the engine's report on one attempted target.
type Result struct {
	ID       string
	Outcome  Outcome
	Err      error          // nil when Delivered; otherwise wraps a sentinel or the cause
	Attempts int            // calls made for this target, at least 1
	Info     ConnectionInfo // set by Probe for live connections
}

// Progress holds a run's running totals.
type Progress struct {
	// Done counts attempted targets that are finished: Delivered+Gone+Throttled+Failed.
	Done, Delivered, Gone, Throttled, Failed int
	// NotAttempted counts ids taken from the stream that were never called because the run was cancelled.
	NotAttempted int
}

// Targets is the number of ids the run took from its stream.
func (p Progress) Targets() int { return p.Done + p.NotAttempted }

// Summary turns the totals of a finished run into the `send` JSON shape.
func (p Progress) Summary(elapsed time.Duration) Summary {
	return Summary{
		Targets:    p.Targets(),
		Delivered:  p.Delivered,
		Gone:       p.Gone,
		Throttled:  p.Throttled,
		Failed:     p.Failed,
		DurationMS: elapsed.Milliseconds(),
	}
}

// Summary is the `wsops send` JSON output. Targets minus the four outcomes is the
// number of targets never attempted.
type Summary struct {
	Targets    int   `json:"targets"`
	Delivered  int   `json:"delivered"`
	Gone       int   `json:"gone"`
	Throttled  int   `json:"throttled"`
	Failed     int   `json:"failed"`
	DurationMS int64 `json:"duration_ms"`
}

// Event is one message on a run's channel: an attempted target's Result with the
// totals so far, or, when Final is set, no Result and the run's final totals.
type Event struct {
	Result   Result
	Progress Progress
	Final    bool
	// Stopped, on the final event, is set when StopAfter failures in a row
	// stopped the run; it wraps ErrStoppedFailing and the last failure.
	Stopped error
}

// ErrStoppedFailing is why a run stopped after FanOut.StopAfter failures in a row.
var ErrStoppedFailing = errors.New("the endpoint failed every call")

// Send posts payload to every id from ids; see Run for the channel's contract.
// A payload over MaxPayload is refused before any call. The payload is copied.
func (f FanOut) Send(ctx context.Context, m *Client, ids <-chan string, payload []byte) (<-chan Event, error) {
	if len(payload) > MaxPayload {
		return nil, fmt.Errorf("send: %w: %d bytes, limit %d", ErrPayloadTooLarge, len(payload), MaxPayload)
	}
	payload = bytes.Clone(payload)
	return f.Run(ctx, ids, func(ctx context.Context, id string) (ConnectionInfo, error) {
		return ConnectionInfo{}, m.Post(ctx, id, payload)
	}), nil
}

// Probe asks GetConnection about every id from ids: live connections end as
// Delivered with Result.Info set, closed ones as Gone. See Run for the channel's contract.
func (f FanOut) Probe(ctx context.Context, m *Client, ids <-chan string) <-chan Event {
	return f.Run(ctx, ids, m.Get)
}

// Disconnect closes every connection from ids (DeleteConnection); already closed
// ones end as Gone. See Run for the channel's contract.
func (f FanOut) Disconnect(ctx context.Context, m *Client, ids <-chan string) <-chan Event {
	return f.Run(ctx, ids, func(ctx context.Context, id string) (ConnectionInfo, error) {
		return ConnectionInfo{}, m.Delete(ctx, id)
	})
}

// Run calls call for every id received from ids and reports on the returned channel.
//
//   - The producer must close ids when it has sent every id, also after ctx is
//     cancelled; the run ends when ids is closed and every target is finished.
//   - Every id taken from ids is accounted for exactly once: each attempted target
//     gets one Event with its Result, in completion order; a target never attempted
//     is only counted in Progress.NotAttempted. The last event has Final set and
//     carries the totals; then the channel is closed.
//   - Cancelling ctx stops new attempts at once. Calls in flight are not aborted:
//     they finish (bounded by the Client call timeout) so their outcome is
//     known. A target waiting to retry ends as Throttled. Ids not yet attempted,
//     including those still arriving on ids until it is closed, count as NotAttempted.
//   - Read the channel until it is closed. Before cancellation the engine waits for
//     the reader, so a slow reader slows the run. After cancellation it waits at
//     most Linger (counted from the cancellation) for the reader, then drops what is
//     left and closes the channel without a Final event; a reader may therefore
//     stop reading once it has cancelled, and no goroutine is left behind.
func (f FanOut) Run(ctx context.Context, ids <-chan string, call Call) <-chan Event {
	f = f.withDefaults()
	events, _ := f.start(ctx, f.limiter(), ids, call)
	return events
}

// StreamIDs returns a closed channel that yields ids, for callers holding a slice.
func StreamIDs(ids []string) <-chan string {
	stream := make(chan string, len(ids))
	for _, id := range ids {
		stream <- id
	}
	close(stream)
	return stream
}

// withDefaults fills the zero fields of f.
func (f FanOut) withDefaults() FanOut {
	if f.Workers <= 0 {
		f.Workers = DefaultWorkers
	}
	f.MaxWorkers = max(f.MaxWorkers, f.Workers)
	if f.RPS <= 0 || math.IsNaN(f.RPS) {
		f.RPS = DefaultRPS
	}
	if f.Burst <= 0 {
		f.Burst = max(1, int(min(f.RPS/10, math.MaxInt32)))
	}
	if f.MaxAttempts <= 0 {
		f.MaxAttempts = DefaultMaxAttempts
	}
	if f.BaseBackoff <= 0 {
		f.BaseBackoff = DefaultBaseBackoff
	}
	if f.MaxBackoff <= 0 {
		f.MaxBackoff = DefaultMaxBackoff
	}
	f.MaxBackoff = max(f.MaxBackoff, f.BaseBackoff)
	if f.Linger <= 0 {
		f.Linger = DefaultLinger
	}
	return f
}

// limiter builds the token bucket of a FanOut with defaults applied.
func (f FanOut) limiter() *rate.Limiter {
	limit := rate.Limit(f.RPS)
	if math.IsInf(f.RPS, 1) || f.RPS >= float64(rate.Inf) {
		limit = rate.Inf
	}
	return rate.NewLimiter(limit, f.Burst)
}
