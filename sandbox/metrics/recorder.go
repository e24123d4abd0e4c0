// Package metrics keeps the sandbox's own CloudWatch metrics and serves them
// through CloudWatch's GetMetricData (awsQuery protocol).
//
// A Recorder is the gateway's Observer (gateway.Options.Observer): it counts
// what API Gateway publishes in the AWS/ApiGateway namespace for a
// WebSocket API, per UTC minute, under the dimensions ApiId and
// ApiId+Stage:
//
//   - ConnectCount: one sample (1) per request that reached the $connect
//     route, accepted or not.
//   - MessageCount: one sample (1) per message sent to the API by a client
//     (routed or not, oversized ones included) and per message sent to a
//     client through @connections (a PostToConnection that succeeded), as
//     AWS counts "messages sent to the WebSocket API, either from or to the
//     client". The replies of two-way routes are not counted.
//   - ClientError, IntegrationError, ExecutionError: one sample per request
//     ($connect, client message, management API call, refused handshake),
//     1 when it ended with that error and 0 otherwise, so that Sum is the
//     number of errors, SampleCount the number of requests and Average the
//     error rate. ClientError is a 4xx the API answered itself (a refused
//     handshake or $connect, Forbidden for an unroutable message, 1009 for
//     an oversized one, the management API's 403, 410, 413 and 429);
//     IntegrationError an integration that failed; ExecutionError one that
//     ran out of the integration timeout.
//   - IntegrationLatency: one sample per integration call ($connect, each
//     routed message, $disconnect), in milliseconds.
//
// Memory is bounded whatever the uptime: a ring of minute buckets holds the
// last 3 hours (MinuteRetention) and a ring of 5-minute buckets the last 24
// hours (FiveMinuteRetention). Events are recorded in the minute ring only
// (lock-free); a minute is folded into its 5-minute bucket when its slot is
// recycled for a newer minute, and until then 5-minute periods read it from
// the minute ring. The 470 buckets, histograms included, take about 1.6 MB,
// allocated once by New. IntegrationLatency's percentiles come from a
// fixed-size log-linear histogram per bucket (about 3% relative error;
// Minimum, Maximum, Sum and Average are exact). Older data is dropped, as
// CloudWatch drops its finer resolutions with age: a query over data older
// than 3 hours needs a period that is a multiple of 300 s, or those periods
// return no datapoints.
package metrics

import (
	"time"

	"wsops/sandbox/gateway"
)

// Namespace is the CloudWatch namespace of API Gateway's metrics.
const Namespace = "AWS/ApiGateway"

// The metric names a Recorder keeps.
const (
	ConnectCount       = "ConnectCount"
	MessageCount       = "MessageCount"
	ClientError        = "ClientError"
	IntegrationError   = "IntegrationError"
	ExecutionError     = "ExecutionError"
	IntegrationLatency = "IntegrationLatency"
)

// Retention of the two resolutions a Recorder keeps.
const (
	// MinuteRetention is how long minute data is kept.
	MinuteRetention = 3 * time.Hour
	// FiveMinuteRetention is how long 5-minute data is kept.
	FiveMinuteRetention = 24 * time.Hour
)

// Ring sizes: the current, partial bucket plus the retention's complete ones.
const (
	minuteSlots = int64(MinuteRetention/time.Minute) + 1
	fiveSlots   = int64(FiveMinuteRetention/(5*time.Minute)) + 1
)

// Options configure a Recorder.
type Options struct {
	// APIID and Stage are the dimension values the metrics are published
	// under (ApiId, and ApiId+Stage).
	APIID string
	Stage string
	// Now is the clock the minutes are read from; default time.Now.
	Now func() time.Time
}

// Recorder counts the gateway's events per minute. It is safe for
// concurrent use; recording is lock-free (a few atomic adds into the
// current minute's bucket).
type Recorder struct {
	apiID, stage string
	now          func() time.Time
	minutes      ring
	fives        ring
}

var _ gateway.Observer = (*Recorder)(nil)

// New returns an empty Recorder.
func New(o Options) *Recorder {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Recorder{
		apiID: o.APIID, stage: o.Stage, now: o.Now,
		minutes: newRing(60, minuteSlots),
		fives:   newRing(300, fiveSlots),
	}
}

// Observe records one gateway event in the current minute.
func (r *Recorder) Observe(e gateway.Event) {
	if now := r.now().Unix(); now >= 0 {
		n := now / r.minutes.unit
		r.minutes.slots[n%int64(len(r.minutes.slots))].record(n, e, &r.fives, r.minutes.unit)
	}
}

// ring holds the buckets of one resolution: bucket i holds the data of
// unit index n (n = Unix seconds / unit) with n mod len(slots) = i, the
// newest index seen for that slot.
type ring struct {
	unit  int64 // seconds per bucket
	slots []bucket
}

func newRing(unit, slots int64) ring {
	g := ring{unit: unit, slots: make([]bucket, slots)}
	for i := range g.slots {
		g.slots[i].index.Store(-1)
	}
	return g
}

// oldest is the oldest unit index still retained at unix.
func (g *ring) oldest(unix int64) int64 { return unix/g.unit - int64(len(g.slots)) + 1 }

// merge adds the data of unit indexes [from, to) into acc: only metric m,
// and its histogram only when withHist; with retained, only the indexes
// still retained at now.
func (g *ring) merge(acc *series, m metric, from, to, now int64, withHist, retained bool) {
	if retained {
		from = max(from, g.oldest(now))
	}
	from, to = max(from, 0), min(to, now/g.unit+1)
	for n := from; n < to; n++ {
		g.slots[n%int64(len(g.slots))].mergeInto(acc, n, m, withHist)
	}
}

// heldBuckets is how many buckets hold data (for tests of the bound).
func (r *Recorder) heldBuckets() int {
	held := 0
	for _, g := range []*ring{&r.minutes, &r.fives} {
		for i := range g.slots {
			if g.slots[i].index.Load() >= 0 {
				held++
			}
		}
	}
	return held
}
