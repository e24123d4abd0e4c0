package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The far group is an operator far from the region: every management call
// held RTT by the delay proxy, as a laptop 50–250 ms from the API sees it.
// For each RTT and rate asked it measures the rate delivered — of a
// broadcast, of conns --live's probes, of a logout — against the one the
// same path serves with no delay (the machine's ceiling, measured in the
// same run), since on loopback wsops shares its cores with the sandbox,
// the proxy and the clients.

// farRates are the rates asked of every far scenario; the broadcast also
// runs at farSendRates (the issue's own table: 500/s and 2,000/s).
var (
	farRates     = []float64{1000, 3000}
	farSendRates = []float64{500, 1000, 2000, 3000}
)

// farProfileRPS is the management_rps of the far profiles: above every
// rate asked (a logout at R needs 2R: each cut is two calls).
const farProfileRPS = 10_000

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
	results := e.farBroadcast(ctx, len(ids), file)
	results = append(results, e.farProbes(ctx, len(ids))...)
	return append(results, e.farLogout(ctx)...)
}

// perSecond is n calls over secs, less fill: the round trips before the
// first answer can come (one for a post or a probe, two for a cut: its
// notice, then its delete). A rate limit paces the calls made; the last
// answer comes fill after the last call, however the calls were paced.
func perSecond(n int, secs, fill float64) float64 { return float64(n) / max(0.001, secs-fill) }

// farCell judges one cell: delivered / asked ≥ 0.95 where the machine
// serves the rate asked with no delay; where it does not, its ceiling is
// the bound, and the cell must reach 0.95 of it.
func farCell(name string, n int, what string, achieved, asked, ceiling float64, secs float64, note string) Result {
	r := Result{Scenario: name, N: n,
		WSOps:    &Measure{What: what, Value: achieved, Unit: "calls/s", Seconds: secs},
		Baseline: &Measure{What: "asked", Value: asked, Unit: "calls/s"},
		Ratio:    achieved / asked, RatioMeaning: "delivered / asked", Target: "≥ 0.95 (or ≥ 0.95 of the ceiling where it binds)",
		Note: note}
	bound := min(asked, ceiling)
	if ceiling < asked {
		r.Note += fmt.Sprintf(" Bound: the machine's ceiling, %.0f/s with no delay in this run, is below the rate asked; reached %.2f of it.", ceiling, achieved/ceiling)
	}
	judge(&r, achieved >= 0.95*bound)
	return r
}

// farBroadcast sends to the whole fleet through the proxy at each RTT and
// rate; the ceiling is the same send at 0 ms with no limit.
func (e *env) farBroadcast(ctx context.Context, n int, file string) []Result {
	e.proxy.setDelay(0)
	_, ceil, err := e.timedSend(ctx, "fleet-rtt", file, noLimit, n)
	if err != nil {
		return []Result{errorResult("far broadcast: ceiling", n, err)}
	}
	ceiling := sendRate(ceil)
	results := []Result{{Scenario: "far broadcast: ceiling, rtt 0 ms, no limit", N: n,
		WSOps:  &Measure{What: "wsops send --all --rate +Inf", Value: ceiling, Unit: "msg/s", Seconds: float64(ceil.DurationMS) / 1000},
		Target: "(the bound of the cells below)", Status: statusPass,
		Note: "What this machine serves through the delay proxy with no delay: wsops, the sandbox, the proxy and the clients share its CPUs."}}
	for _, rtt := range e.sizes.FarRTTs {
		e.proxy.setDelay(time.Duration(rtt * float64(time.Millisecond)))
		for _, rate := range farSendRates {
			name := fmt.Sprintf("far broadcast: rtt %g ms, --rate %g", rtt, rate)
			_, sum, err := e.timedSend(ctx, "fleet-rtt", file, rate, n)
			if err != nil {
				results = append(results, errorResult(name, n, err))
				continue
			}
			secs := float64(sum.DurationMS) / 1000
			results = append(results, farCell(name, n, "wsops send --all --rate", perSecond(sum.Delivered, secs, rtt/1000), rate, ceiling, secs,
				fmt.Sprintf("Every call held %g ms. Rate = %d delivered / (the send's duration_ms %.2f s − one round trip); over the whole duration, %.0f/s.", rtt, sum.Delivered, secs, sendRate(sum))))
		}
	}
	e.proxy.setDelay(0)
	return results
}

func sendRate(s sendSummary) float64 { return float64(s.Delivered) / (float64(s.DurationMS) / 1000) }

// farProbes times conns --live (a GetConnection per record) at each RTT on
// profiles whose management_rps is the rate asked, against conns without
// --live in the same run: the probes' share is the difference.
func (e *env) farProbes(ctx context.Context, n int) []Result {
	e.proxy.setDelay(0)
	plain, err := e.connsTime(ctx, "far-1000", false, n)
	if err != nil {
		return []Result{errorResult("far probes", n, err)}
	}
	ceilTook, err := e.connsTime(ctx, "far-unlimited", true, n)
	if err != nil {
		return []Result{errorResult("far probes: ceiling", n, err)}
	}
	ceiling := float64(n) / max(0.001, (ceilTook-plain).Seconds())
	results := []Result{{Scenario: "far conns --live: ceiling, rtt 0 ms", N: n,
		WSOps:  &Measure{What: "wsops conns --live (management_rps 1e6)", Value: ceiling, Unit: "probes/s", Seconds: ceilTook.Seconds()},
		Target: "(the bound of the cells below)", Status: statusPass,
		Note: fmt.Sprintf("Probes/s = %d / (conns --live − conns), %.2f s − %.2f s.", n, ceilTook.Seconds(), plain.Seconds())}}
	for _, rtt := range e.sizes.FarRTTs {
		e.proxy.setDelay(time.Duration(rtt * float64(time.Millisecond)))
		for _, rate := range farRates {
			name := fmt.Sprintf("far conns --live: rtt %g ms, management_rps %g", rtt, rate)
			took, err := e.connsTime(ctx, fmt.Sprintf("far-%g", rate), true, n)
			if err != nil {
				results = append(results, errorResult(name, n, err))
				continue
			}
			probes := (took - plain).Seconds()
			results = append(results, farCell(name, n, "wsops conns --live", perSecond(n, probes, rtt/1000), rate, ceiling, took.Seconds(),
				fmt.Sprintf("Every GetConnection held %g ms. Probes/s = %d / (conns --live %.2f s − conns %.2f s − one round trip); %.0f/s without taking the round trip off.", rtt, n, took.Seconds(), plain.Seconds(), float64(n)/max(0.001, probes))))
		}
	}
	e.proxy.setDelay(0)
	return results
}

// connsTime runs wsops conns (with --live: and its probes) on profile and
// checks that it listed n records, every one live when probed.
func (e *env) connsTime(ctx context.Context, profile string, live bool, n int) (time.Duration, error) {
	args := []string{"--profile", profile, "-o", "jsonl", "conns"}
	if live {
		args = append(args, "--live")
	}
	var out bytes.Buffer
	took, err := e.wsopsRun(ctx, &out, args...)
	if err != nil {
		return 0, err
	}
	lines := strings.Count(out.String(), "\n")
	if lines != n {
		return 0, fmt.Errorf("wsops %s listed %d records, want %d", strings.Join(args, " "), lines, n)
	}
	if connected := strings.Count(out.String(), `"status":"connected"`); live && connected != n {
		return 0, fmt.Errorf("wsops conns --live: %d of %d connected", connected, n)
	}
	return took, nil
}

// logoutSummary is `wsops logout -o json`'s output, as far as the bench reads it.
type logoutSummary struct {
	Targets      int   `json:"targets"`
	Disconnected int   `json:"disconnected"`
	DurationMS   int64 `json:"duration_ms"`
}

// farLogout logs out FarLogout fresh connections at each RTT and rate; the
// ceiling is the same at 0 ms at the highest rate a profile allows.
func (e *env) farLogout(ctx context.Context) []Result {
	n := e.sizes.FarLogout
	e.proxy.setDelay(0)
	ceilRate := float64(farProfileRPS / 2)
	ceil, err := e.timedLogout(ctx, n, ceilRate)
	if err != nil {
		return []Result{errorResult("far logout: ceiling", n, err)}
	}
	ceiling := logoutRate(ceil)
	results := []Result{{Scenario: fmt.Sprintf("far logout: ceiling, rtt 0 ms, --rate %g", ceilRate), N: n,
		WSOps:  &Measure{What: "wsops logout --rate", Value: ceiling, Unit: "cuts/s", Seconds: float64(ceil.DurationMS) / 1000},
		Target: "(the bound of the cells below)", Status: statusPass,
		Note: "A cut is a notice, a DeleteConnection and the deletion of the registry records."}}
	for _, rtt := range e.sizes.FarRTTs {
		e.proxy.setDelay(time.Duration(rtt * float64(time.Millisecond)))
		for _, rate := range farRates {
			name := fmt.Sprintf("far logout: rtt %g ms, --rate %g", rtt, rate)
			sum, err := e.timedLogout(ctx, n, rate)
			if err != nil {
				results = append(results, errorResult(name, n, err))
				continue
			}
			secs := float64(sum.DurationMS) / 1000
			results = append(results, farCell(name, n, "wsops logout --rate", perSecond(sum.Disconnected, secs, 2*rtt/1000), rate, ceiling, secs,
				fmt.Sprintf("Each cut is two calls (the notice, then DeleteConnection), each held %g ms. Cuts/s = %d / (the logout's duration_ms %.2f s − two round trips); %.0f/s over the whole duration.", rtt, sum.Disconnected, secs, logoutRate(sum))))
		}
	}
	e.proxy.setDelay(0)
	return results
}

func logoutRate(s logoutSummary) float64 {
	return float64(s.Disconnected) / (float64(s.DurationMS) / 1000)
}

// timedLogout connects n fresh clients and logs them out at rate.
func (e *env) timedLogout(ctx context.Context, n int, rate float64) (logoutSummary, error) {
	before := map[string]bool{}
	for _, id := range e.sb.Gateway().IDs() {
		before[id] = true
	}
	if _, err := e.clients.connect(n); err != nil {
		return logoutSummary{}, err
	}
	var fresh []string
	for _, id := range e.sb.Gateway().IDs() {
		if !before[id] {
			fresh = append(fresh, id)
		}
	}
	if len(fresh) != n {
		return logoutSummary{}, fmt.Errorf("%d fresh connections, want %d", len(fresh), n)
	}
	var out bytes.Buffer
	_, err := e.wsopsRun(ctx, &out, "--profile", "far-logout", "-o", "json", "logout", "--conn", strings.Join(fresh, ","),
		"--rate", fmt.Sprint(rate), "--yes")
	if err != nil {
		return logoutSummary{}, err
	}
	var sum logoutSummary
	if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
		return sum, fmt.Errorf("wsops logout output %q: %w", out.String(), err)
	}
	if sum.Disconnected != n || sum.DurationMS <= 0 {
		return sum, fmt.Errorf("wsops logout: %+v, want %d disconnected", sum, n)
	}
	return sum, nil
}
