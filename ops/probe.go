package ops

import (
	"context"

	"wsops/mgmt"
)

// LiveStatus is what GetConnection said of a connection.
type LiveStatus int

// The live statuses.
const (
	// LiveUnknown: the probe failed, was throttled out or never made.
	LiveUnknown LiveStatus = iota
	// LiveConnected: the connection is open.
	LiveConnected
	// LiveGone: the connection is closed (410).
	LiveGone
)

// Live is one probe's answer, or, with Final set, the end of a probe run.
type Live struct {
	ID     string
	Status LiveStatus
	// Info is what GetConnection tells of a connected one.
	Info mgmt.ConnectionInfo
	// Err says why the status is unknown; on the final one, why the run
	// stopped early (nil: it did not).
	Err   error
	Final bool
	// NotAttempted, on the final one, counts the ids never probed.
	NotAttempted int
}

// Probe asks GetConnection about every id from ids, concurrently at rps
// probes per second (0: the profile's management RPS), and reports each
// answer as it arrives, then a final Live. It is the one live read of the
// fleet: conns --live, the console's live column and prune all use it.
// background makes it the console's light probe (a few calls at a time, no
// retries). The producer closes ids; the caller reads the channel until it
// is closed (after cancelling ctx it may stop reading).
func (o *Ops) Probe(ctx context.Context, ids <-chan string, rps float64, background bool) <-chan Live {
	kind := callGet
	if background {
		kind = callPeek
	}
	events := fanOut(kind, o.probeRate(rps)).Run(ctx, ids, o.gw.Get)
	out := make(chan Live)
	go func() {
		defer close(out)
		for ev := range events {
			l := Live{ID: ev.Result.ID, Info: ev.Result.Info, Err: ev.Result.Err}
			switch {
			case ev.Final:
				l = Live{Final: true, Err: ev.Stopped, NotAttempted: ev.Progress.NotAttempted}
			case ev.Result.Outcome == mgmt.Delivered:
				l.Status = LiveConnected
			case ev.Result.Outcome == mgmt.Gone:
				l.Status, l.Err = LiveGone, nil
			}
			select {
			case out <- l:
			case <-ctx.Done():
				for range events { // let the engine end
				}
				return
			}
		}
	}()
	return out
}

// probeRate is a probe run's rate: rps, never above the profile's RPS (0:
// the profile's, or the engine's default).
func (o *Ops) probeRate(rps float64) float64 {
	if rps <= 0 {
		rps = o.rps
	}
	if o.rps > 0 {
		rps = min(rps, o.rps)
	}
	return rps
}
