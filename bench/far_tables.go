package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"time"
)

// farBroadcast is the broadcast table: wsops send --all to the whole fleet.
func (e *env) farBroadcast(n int, file string) farTable {
	return farTable{name: "far broadcast", n: n, rates: farSendRates, asked: "--rate %g", what: "wsops send --all --rate", unit: "msg/s",
		run: func(ctx context.Context, rate, rtt float64) (farRun, error) {
			var sum sendSummary
			cpu, err := e.measureCPU(func() (err error) { _, sum, err = e.timedSend(ctx, "fleet-rtt", file, rate, n); return err })
			secs := float64(sum.DurationMS) / 1000
			return farRun{done: sum.Delivered, secs: secs, fill: rtt / 1000, cpu: cpu,
				note: fmt.Sprintf("Rate = %d delivered / (the send's duration_ms %.2f s − one round trip); over the whole duration, %.0f/s.",
					sum.Delivered, secs, float64(sum.Delivered)/max(0.001, secs))}, err
		}}
}

// farProbes is the conns --live table: a GetConnection per record, on the
// profile whose management_rps is the rate asked; the probes' time is the
// command's less conns alone (plain, in the same run).
func (e *env) farProbes(n int, plain time.Duration) farTable {
	return farTable{name: "far conns --live", n: n, rates: farRates, asked: "management_rps %g", what: "wsops conns --live", unit: "probes/s",
		run: func(ctx context.Context, rate, rtt float64) (farRun, error) {
			var took time.Duration
			cpu, err := e.measureCPU(func() (err error) { took, err = e.connsTime(ctx, fmt.Sprintf("far-%g", rate), true, n); return err })
			probes := (took - plain).Seconds()
			return farRun{done: n, secs: probes, fill: rtt / 1000, cpu: cpu,
				note: fmt.Sprintf("Probes/s = %d / (conns --live %.2f s − conns %.2f s − one round trip); %.0f/s without taking the round trip off.",
					n, took.Seconds(), plain.Seconds(), float64(n)/max(0.001, probes))}, err
		}}
}

// farLogout is the logout table: FarLogout fresh connections cut at the
// rate asked. Its ceilings say what binds them: the machine's cores or
// dynalite's one thread, from the CPU a cut cost.
func (e *env) farLogout() farTable {
	n := e.sizes.FarLogout
	return farTable{name: "far logout", n: n, rates: farRates, asked: "--rate %g", what: "wsops logout --rate", unit: "cuts/s",
		run: func(ctx context.Context, rate, rtt float64) (farRun, error) {
			sum, cpu, err := e.timedLogout(ctx, n, rate, rtt == 0)
			secs := float64(sum.DurationMS) / 1000
			return farRun{done: sum.Disconnected, secs: secs, fill: 2 * rtt / 1000, cpu: cpu,
				note: fmt.Sprintf("Each cut is two calls (the notice, then DeleteConnection). Cuts/s = %d / (the logout's duration_ms %.2f s − two round trips); %.0f/s over the whole duration.",
					sum.Disconnected, secs, float64(sum.Disconnected)/max(0.001, secs))}, err
		},
		bound: func(r farRun) string { return logoutBound(r, n, runtime.NumCPU()) }}
}

// logoutBound names what binds a logout at 0 ms, from the CPU its n cuts
// cost (the plan's reads left out): the machine's cores, or the registry
// (dynalite, a Node process: one thread) when it alone allows fewer cuts.
func logoutBound(r farRun, n, cores int) string {
	us := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(n) }
	all := us(r.cpu.wsops + r.cpu.harness + r.cpu.registry + r.cpu.clients)
	if all <= 0 || r.cpu.registry <= 0 {
		return r.cpuNote(n)
	}
	machine, registry := float64(cores)*1e6/all, 1e6/us(r.cpu.registry)
	what, most := fmt.Sprintf("this machine's %d CPUs, %.0f%% busy during the run", cores, 100*r.busy), machine
	if registry < machine {
		what, most = "the registry, dynalite's one thread", registry
	}
	return fmt.Sprintf("Bound: %s. A cut cost %.0f µs of CPU (the plan's reads, timed with --dry-run, left out): wsops %.0f, the sandbox and the proxy %.0f, "+
		"dynalite %.0f, the clients %.0f. The CPUs allow %.0f cuts/s at that, dynalite's thread alone %.0f; the run reached %.0f%% of %.0f "+
		"(the rest of the CPUs' time: the kernel's loopback traffic and anything else on the machine).",
		what, all, us(r.cpu.wsops), us(r.cpu.harness), us(r.cpu.registry), us(r.cpu.clients), machine, registry, 100*r.rate()/most, most)
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

// timedLogout connects n fresh clients and logs them out at rate. The CPU
// split is the logout's; with plan, less its plan's (the same command with
// --dry-run, run first: the registry reads that resolve the targets).
func (e *env) timedLogout(ctx context.Context, n int, rate float64, plan bool) (logoutSummary, cpuSplit, error) {
	before := map[string]bool{}
	for _, id := range e.sb.Gateway().IDs() {
		before[id] = true
	}
	if _, err := e.clients.connect(n); err != nil {
		return logoutSummary{}, cpuSplit{}, err
	}
	var fresh []string
	for _, id := range e.sb.Gateway().IDs() {
		if !before[id] {
			fresh = append(fresh, id)
		}
	}
	if len(fresh) != n {
		return logoutSummary{}, cpuSplit{}, fmt.Errorf("%d fresh connections, want %d", len(fresh), n)
	}
	args := []string{"--profile", "far-logout", "-o", "json", "logout", "--conn", strings.Join(fresh, ","), "--rate", fmt.Sprint(rate), "--yes"}
	var planCPU cpuSplit
	if plan {
		var err error
		if planCPU, err = e.measureCPU(func() error { _, err := e.wsopsRun(ctx, &bytes.Buffer{}, append(args, "--dry-run")...); return err }); err != nil {
			return logoutSummary{}, cpuSplit{}, err
		}
	}
	var out bytes.Buffer
	cpu, err := e.measureCPU(func() error { _, err := e.wsopsRun(ctx, &out, args...); return err })
	cpu = cpu.less(planCPU)
	if err != nil {
		return logoutSummary{}, cpu, err
	}
	var sum logoutSummary
	if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
		return sum, cpu, fmt.Errorf("wsops logout output %q: %w", out.String(), err)
	}
	if sum.Disconnected != n || sum.DurationMS <= 0 {
		return sum, cpu, fmt.Errorf("wsops logout: %+v, want %d disconnected", sum, n)
	}
	return sum, cpu, nil
}
