package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

// The broadcast payload is valid JSON of exactly the asked size, and the
// clients count it as a bench frame.
func TestBenchPayload(t *testing.T) {
	for _, size := range []int{64, 1024, 4096} {
		p := benchPayload("bench-broadcast", size)
		if len(p) != size || !json.Valid(p) || !bytes.HasPrefix(p, framePrefix) {
			t.Errorf("benchPayload(%d): %d bytes, valid %v, prefix %v", size, len(p), json.Valid(p), bytes.HasPrefix(p, framePrefix))
		}
	}
}

// results.md has one row per result, with its status, and states a failed
// row's gap in the notes.
func TestReportMarkdown(t *testing.T) {
	r := Report{Sizes: fullSizes, Results: []Result{
		{Scenario: "a", N: 100000, WSOps: &Measure{What: "w", Value: 61600, Unit: "items/s", Seconds: 1.62}, Ratio: 1.3, Target: "≤ 1.3", Status: statusPass},
		{Scenario: "b", N: 5000, Ratio: 0.5, Target: "≥ 10", Status: statusFail, Note: "Gap: shared CPUs."},
		{Scenario: "c", Status: statusNotBuilt, Target: "≤ 1.5"},
	}}
	md := r.markdown()
	for _, want := range []string{"| a | 100,000 | w: 61.6k items/s (1.62 s) |  | 1.30 | ≤ 1.3 | pass |", "| b | 5,000 |", "| fail |",
		"| c |  |  |  |  | ≤ 1.5 | not yet built |", "- **b**: Gap: shared CPUs."} {
		if !strings.Contains(md, want) {
			t.Errorf("results.md lacks %q:\n%s", want, md)
		}
	}
}

// procCPU reads this process's CPU time, which grows when it works.
func TestProcCPU(t *testing.T) {
	before := procCPU(os.Getpid())
	deadline := time.Now().Add(5 * time.Second)
	x := 0
	for procCPU(os.Getpid()) <= before && time.Now().Before(deadline) {
		for i := range 1_000_000 {
			x += i
		}
	}
	if after := procCPU(os.Getpid()); after <= before {
		t.Fatalf("CPU time did not grow: %v then %v (%d)", before, after, x)
	}
}

// A far cell is judged against min(asked, the ceiling its rate reached at
// 0 ms): the rate asked where the machine serves it, else the ceiling,
// which the note then names as the bound when it is well below the rate.
func TestFarCellJudgesAgainstTheLowerOfAskedAndCeiling(t *testing.T) {
	table := farTable{name: "far logout", n: 2000, unit: "cuts/s", what: "wsops logout --rate"}
	run := func(rate float64) farRun { return farRun{done: 2000, secs: 2000/rate + 0.2, fill: 0.2} }
	for _, c := range []struct {
		asked, ceiling, got float64
		status              string
		bound               bool
	}{
		{1000, 990, 945, statusPass, false},  // 0.955 of the ceiling, which is within 5% of the rate asked
		{1000, 1001, 960, statusPass, false}, // 0.96 of the rate asked
		{1000, 1001, 940, statusFail, false},
		{1000, 900, 860, statusPass, true}, // 0.96 of the ceiling, which binds
		{3000, 500, 480, statusPass, true},
		{3000, 500, 470, statusFail, true},
	} {
		r := farCell("x", table, run(c.got), c.asked, c.ceiling, 100)
		if r.Status != c.status || strings.Contains(r.Note, "Bound:") != c.bound || r.Baseline.Value != min(c.asked, c.ceiling) {
			t.Errorf("asked %g, ceiling %g, got %g: %s, baseline %g, note %q", c.asked, c.ceiling, c.got, r.Status, r.Baseline.Value, r.Note)
		}
	}
}

// A logout ceiling names its bound: the machine's CPUs, or dynalite's one
// thread when it alone allows fewer cuts.
func TestLogoutBoundNamesTheScarcerCPU(t *testing.T) {
	ms := time.Millisecond
	r := farRun{done: 1000, secs: 2, cpu: cpuSplit{wsops: 1000 * ms, harness: 1000 * ms, registry: 1000 * ms, clients: 100 * ms}, busy: 0.97}
	if note := logoutBound(r, 1000, 2); !strings.Contains(note, "Bound: this machine's 2 CPUs, 97% busy") || !strings.Contains(note, "allow 645 cuts/s") {
		t.Errorf("2 CPUs: %q", note)
	}
	if note := logoutBound(r, 1000, 8); !strings.Contains(note, "Bound: the registry, dynalite's one thread") || !strings.Contains(note, "alone 1000") {
		t.Errorf("8 CPUs: %q", note)
	}
}
