package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// Statuses of a Result.
const (
	statusPass     = "pass"
	statusFail     = "fail"
	statusReported = "reported" // a measure with no target of its own
	statusNotBuilt = "not yet built"
	statusError    = "error" // the scenario could not run
)

// Measure is one measured figure.
type Measure struct {
	// What is measured, e.g. "wsops conns -o jsonl".
	What string `json:"what"`
	// Value in Unit.
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
	// Seconds is the wall time behind Value, when it is a timing.
	Seconds float64 `json:"seconds,omitempty"`
}

// Result is one row of results.md.
type Result struct {
	Scenario string   `json:"scenario"`
	N        int      `json:"n"`
	WSOps    *Measure `json:"wsops,omitempty"`
	Baseline *Measure `json:"baseline,omitempty"`
	// Ratio is the figure the target is about; RatioMeaning says how it is formed.
	Ratio        float64 `json:"ratio,omitempty"`
	RatioMeaning string  `json:"ratio_meaning,omitempty"`
	Target       string  `json:"target"`
	Status       string  `json:"status"`
	Note         string  `json:"note,omitempty"`
}

// Report is the whole run, as results.json.
type Report struct {
	Quick bool `json:"quick"`
	// Override is the -sizes JSON the run was given ("": none).
	Override string    `json:"sizes_override,omitempty"`
	Started  time.Time `json:"started"`
	Seconds  float64   `json:"seconds"`
	Machine  string    `json:"machine"`
	Sizes    Sizes     `json:"sizes"`
	Results  []Result  `json:"results"`
}

func machine() string {
	return fmt.Sprintf("%s/%s, %d CPUs (GOMAXPROCS %d), %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version())
}

func (r Report) write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	raw, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "results.json"), append(raw, '\n'), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "results.md"), []byte(r.markdown()), 0o644)
}

func (r Report) markdown() string {
	var b strings.Builder
	mode := "full size"
	if r.Quick {
		mode = "quick (BENCH_QUICK=1: small N, for CI; not the figures to quote)"
	}
	if r.Override != "" {
		mode += fmt.Sprintf(", sizes overridden with -sizes '%s'", r.Override)
	}
	b.WriteString("# wsops benchmark results\n\n")
	fmt.Fprintf(&b, "Written by `make bench` (bench/main.go) on %s: %s, %s, %.0f s in all.\n\n", r.Started.Format("2006-01-02 15:04 MST"), mode, r.Machine, r.Seconds)
	b.WriteString("Every target is a **ratio against a baseline measured in the same run on the same endpoint** " +
		"(dynalite and the wsops sandbox on loopback); the absolute figures beside them depend on the machine " +
		"and its load and are never compared across runs. Raw numbers: `results.json`. " +
		"How the figures carry to 1M and 10M connections on AWS: `docs/scale.md`.\n\n")
	fmt.Fprintf(&b, "Emulated round trip for the `rtt` rows: every management API call held that long (%v ms) by a delay proxy in front of the sandbox, which applies to wsops and the baseline alike (tc netem is not available here).\n\n", r.Sizes.RTTs)
	b.WriteString("| scenario | N | wsops | baseline | ratio | target | result |\n|---|---:|---|---|---:|---|---|\n")
	for _, res := range r.Results {
		ratio := ""
		if res.Ratio != 0 {
			ratio = fmt.Sprintf("%.2f", res.Ratio)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", res.Scenario, count(res.N), res.WSOps.cell(), res.Baseline.cell(), ratio, res.Target, res.Status)
	}
	b.WriteString("\n## Notes\n\n")
	for _, res := range r.Results {
		if res.Note == "" && res.RatioMeaning == "" {
			continue
		}
		fmt.Fprintf(&b, "- **%s**:", res.Scenario)
		if res.RatioMeaning != "" {
			fmt.Fprintf(&b, " ratio = %s.", res.RatioMeaning)
		}
		if res.Note != "" {
			fmt.Fprintf(&b, " %s", res.Note)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func (m *Measure) cell() string {
	if m == nil {
		return ""
	}
	s := fmt.Sprintf("%s: %s %s", m.What, human(m.Value), m.Unit)
	if m.Seconds > 0 && m.Unit != "s" && m.Unit != "ms" {
		s += fmt.Sprintf(" (%.2f s)", m.Seconds)
	}
	return s
}

func count(n int) string {
	if n == 0 {
		return ""
	}
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func human(v float64) string {
	switch {
	case v >= 100_000:
		return fmt.Sprintf("%.0fk", v/1000)
	case v >= 10_000:
		return fmt.Sprintf("%.1fk", v/1000)
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.3g", v)
	}
}

// judge sets r's status from ok.
func judge(r *Result, ok bool) {
	if ok {
		r.Status = statusPass
	} else {
		r.Status = statusFail
	}
}
