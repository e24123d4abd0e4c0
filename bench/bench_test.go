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
