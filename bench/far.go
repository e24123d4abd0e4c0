package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// The far group is an operator far from the region: every management call
// held RTT by the delay proxy, as a laptop 50–250 ms from the API sees it.
// Each of its three tables — a broadcast, conns --live's probes, a logout —
// runs every rate asked first at 0 ms (the ceiling: what this machine
// serves at that rate, wsops sharing its cores with the sandbox, the proxy,
// dynalite and the clients), then at each RTT, and judges each cell against
// min(asked, that ceiling), measured in the same run just before it.

// farRates are the rates asked of every far table; the broadcast also runs
// at farSendRates (the issue's own table: 500/s and 2,000/s).
var (
	farRates     = []float64{1000, 3000}
	farSendRates = []float64{500, 1000, 2000, 3000}
)

// farProfileRPS is the management_rps of the logout's profile: above every
// rate asked (a logout at R needs 2R: each cut is two calls).
const farProfileRPS = 10_000

// farTable is one far table: what it runs at a rate, and how its rows read.
type farTable struct {
	name  string    // "far broadcast"
	n     int       // the targets of each run
	rates []float64 // the rates asked
	asked string    // how a row names the rate asked: "--rate %g"
	what  string    // what runs, for the rows' Measure
	unit  string    // "msg/s"
	// run runs once at rate with every management call held rtt ms.
	run func(ctx context.Context, rate, rtt float64) (farRun, error)
	// bound, when set, says what binds a ceiling run, with numbers (else
	// its row gives the CPU per call).
	bound func(r farRun) string
}

// farRun is one run of a far table.
type farRun struct {
	done int     // calls (posts, probes, cuts) that completed
	secs float64 // the run's own duration
	fill float64 // the round trips before the first answer could come, in seconds
	note string  // how the rate was formed
	cpu  cpuSplit
	busy float64 // the machine's CPUs' busy share during the run (anything on it counted)
}

// rate is the run's calls per second, less fill: a rate limit paces the
// calls made, and the last answer comes fill after the last call however
// the calls were paced.
func (r farRun) rate() float64 { return float64(r.done) / max(0.001, r.secs-r.fill) }

// farGroup runs the three far tables.
func (e *env) farGroup(ctx context.Context) []Result {
	n := e.sizes.Far
	ids, err := e.liveFleet(ctx, max(n, e.clients.heldOr(0)))
	if err != nil {
		return []Result{errorResult("far", n, err)}
	}
	file := filepath.Join(e.dir, "far.json")
	if err := os.WriteFile(file, benchPayload("bench-far", 256), 0o600); err != nil {
		return []Result{errorResult("far", n, err)}
	}
	plain, err := e.connsTime(ctx, fmt.Sprintf("far-%g", farRates[0]), false, len(ids))
	if err != nil {
		return []Result{errorResult("far conns --live: conns alone", len(ids), err)}
	}
	results := e.farTable(ctx, e.farBroadcast(len(ids), file))
	results = append(results, e.farTable(ctx, e.farProbes(len(ids), plain))...)
	return append(results, e.farTable(ctx, e.farLogout())...)
}

// farTable runs table t: for each rate, its ceiling at 0 ms, then a cell
// at each RTT judged against min(asked, that ceiling).
func (e *env) farTable(ctx context.Context, t farTable) []Result {
	var results []Result
	for _, rate := range t.rates {
		asked := fmt.Sprintf(t.asked, rate)
		name := fmt.Sprintf("%s: %s, ceiling (rtt 0 ms)", t.name, asked)
		e.proxy.setDelay(0)
		c, err := e.farRun(ctx, t, rate, 0)
		if err != nil {
			results = append(results, errorResult(name, t.n, err))
			continue // no ceiling, no cells to judge against it
		}
		ceiling := c.rate()
		row := Result{Scenario: name, N: t.n,
			WSOps:    &Measure{What: t.what, Value: ceiling, Unit: t.unit, Seconds: c.secs},
			Baseline: &Measure{What: "asked", Value: rate, Unit: t.unit},
			Ratio:    ceiling / rate, RatioMeaning: "delivered / asked", Target: "(the bound of this rate's rows)", Status: statusReported,
			Note: "No delay: what this machine serves at this rate. " + c.note + " " + c.cpuNote(t.n)}
		if t.bound != nil {
			row.Note = "No delay: what this machine serves at this rate. " + c.note + " " + t.bound(c)
		}
		results = append(results, row)
		for _, rtt := range e.sizes.FarRTTs {
			name := fmt.Sprintf("%s: %s, rtt %g ms", t.name, asked, rtt)
			e.proxy.setDelay(time.Duration(rtt * float64(time.Millisecond)))
			r, err := e.farRun(ctx, t, rate, rtt)
			if err != nil {
				results = append(results, errorResult(name, t.n, err))
				continue
			}
			results = append(results, farCell(name, t, r, rate, ceiling, rtt))
		}
	}
	e.proxy.setDelay(0)
	return results
}

// farRun runs t once and notes how busy the machine was meanwhile.
func (e *env) farRun(ctx context.Context, t farTable, rate, rtt float64) (farRun, error) {
	before := machineCPU()
	r, err := t.run(ctx, rate, rtt)
	r.busy = machineCPU().busySince(before)
	return r, err
}

// farCell judges one cell: delivered ≥ 0.95 × min(asked, the ceiling this
// rate reached at 0 ms in the same run).
func farCell(name string, t farTable, r farRun, asked, ceiling, rtt float64) Result {
	got, bound := r.rate(), min(asked, ceiling)
	res := Result{Scenario: name, N: t.n,
		WSOps:    &Measure{What: t.what, Value: got, Unit: t.unit, Seconds: r.secs},
		Baseline: &Measure{What: "min(asked, ceiling)", Value: bound, Unit: t.unit},
		Ratio:    got / bound, RatioMeaning: "delivered / min(asked, the ceiling at 0 ms)", Target: "≥ 0.95",
		Note: fmt.Sprintf("Every management call held %g ms. %s %.2f of the rate asked.", rtt, r.note, got/asked)}
	if ceiling < 0.95*asked { // it binds (min picks it, above, however little below the rate asked it is)
		res.Note += fmt.Sprintf(" Bound: at this rate the machine served %.0f %s with no delay (the ceiling row), below the rate asked.", ceiling, t.unit)
	}
	judge(&res, got >= 0.95*bound)
	return res
}

// cpuNote is the run's CPU per call, by process, and how busy the machine was.
func (r farRun) cpuNote(n int) string {
	us := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(n) }
	return fmt.Sprintf("CPU per call: wsops %.0f µs, sandbox and proxy %.0f µs, dynalite %.0f µs, clients %.0f µs; the machine's CPUs %.0f%% busy.",
		us(r.cpu.wsops), us(r.cpu.harness), us(r.cpu.registry), us(r.cpu.clients), 100*r.busy)
}
