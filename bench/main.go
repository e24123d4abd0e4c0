// Command bench is wsops's benchmark harness (`make bench`). It starts
// dynalite and a sandbox on loopback, loads the data, runs every scenario
// with its baseline measured in the same run on the same endpoint, stops
// everything, and writes results.md (the table) and results.json (the raw
// numbers). Every figure that is compared is a ratio within one run;
// absolute times are reported beside them, never compared across runs.
//
//	bench [-quick] [-sizes JSON] [-only GROUPS] [-out DIR] [-wsops BIN] [-root DIR]
//
// -quick (or BENCH_QUICK=1) uses small N so that the harness runs in CI;
// -sizes overrides some of the N, as the JSON of Sizes (for example
// -sizes '{"far":200,"far_logout":2000,"far_rtt_ms":[100]}' while working on
// one table).
// The same binary, run as `bench clients`, is the child process that holds
// the live WebSocket clients (so the sandbox's memory is measured alone).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "clients" {
		if err := runClients(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "bench clients:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	quick := flag.Bool("quick", os.Getenv("BENCH_QUICK") == "1", "small N, for CI (also BENCH_QUICK=1)")
	out := flag.String("out", "", "directory for results.md and results.json (default: bench/, or a temporary directory with -quick or -sizes)")
	wsops := flag.String("wsops", "", "the wsops binary to measure (required)")
	root := flag.String("root", ".", "the repository root (for tools/node and go test)")
	override := flag.String("sizes", "", `JSON overriding some sizes, e.g. {"far_logout":500,"far_rtt_ms":[100]} (field names as in results.json)`)
	only := flag.String("only", "", "run only the scenario groups named here, comma-separated (inventory,tui,mongodb,broadcast,rate,prune,repair,capacity,far)")
	flag.Parse()
	if *wsops == "" {
		return fmt.Errorf("-wsops BIN is required (bench/run.sh builds it)")
	}
	rootDir, err := filepath.Abs(*root)
	if err != nil {
		return err
	}
	bin, err := filepath.Abs(*wsops)
	if err != nil {
		return err
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join(rootDir, "bench")
		if *quick || *override != "" { // the committed full-size results are left alone
			if dir, err = os.MkdirTemp("", "wsops-bench-quick-"); err != nil {
				return err
			}
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	sizes := fullSizes
	if *quick {
		sizes = quickSizes
	}
	if *override != "" {
		if err := json.Unmarshal([]byte(*override), &sizes); err != nil {
			return fmt.Errorf("-sizes: %w", err)
		}
	}
	started := time.Now()
	e, err := startEnv(ctx, rootDir, bin, sizes, *quick)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "bench: dynalite and the sandbox started in %.1f s\n", time.Since(started).Seconds())
	results := runGroups(ctx, e, *only)
	stopping := time.Now()
	closeErr := e.close()
	fmt.Fprintf(os.Stderr, "bench: stopped everything in %.1f s\n", time.Since(stopping).Seconds())
	report := Report{
		Quick: *quick, Override: *override, Started: started.UTC(), Seconds: time.Since(started).Seconds(),
		Machine: machine(), Sizes: sizes, Results: results,
	}
	if err := report.write(dir); err != nil {
		return err
	}
	fmt.Printf("bench: wrote %s and %s in %.0f s\n", filepath.Join(dir, "results.md"), filepath.Join(dir, "results.json"), report.Seconds)
	if closeErr != nil {
		return fmt.Errorf("stopping: %w", closeErr)
	}
	for _, r := range results {
		if r.Status == statusError {
			return fmt.Errorf("scenario %q could not run: %s", r.Scenario, r.Note)
		}
	}
	return nil
}

// Sizes are the N of every scenario.
type Sizes struct {
	Inventory int `json:"inventory"` // connection items scanned
	Broadcast int `json:"broadcast"` // live connections posted to
	RateN     int `json:"rate"`      // live connections of the rate scenarios (a prefix of the broadcast fleet)
	Prune     int `json:"prune"`     // registry records checked by prune
	TUIRows   int `json:"tui_rows"`  // rows of the TUI benchmarks
	Payload   int `json:"payload"`   // broadcast payload bytes
	// RTTs are the delays the proxy adds to every management call, in ms:
	// one broadcast comparison each.
	RTTs []float64 `json:"rtt_ms"`
	// Far is the fleet of the far group's broadcast and probes, FarLogout
	// the connections each of its logouts cuts, FarRTTs its delays (ms).
	Far       int       `json:"far"`
	FarLogout int       `json:"far_logout"`
	FarRTTs   []float64 `json:"far_rtt_ms"`
}

var fullSizes = Sizes{Inventory: 100_000, Broadcast: 5_000, RateN: 5_000, Prune: 20_000, TUIRows: 100_000, Payload: 1024, RTTs: []float64{1, 5},
	Far: 10_000, FarLogout: 2_000, FarRTTs: []float64{1, 50, 100, 200}}

var quickSizes = Sizes{Inventory: 3_000, Broadcast: 400, RateN: 400, Prune: 600, TUIRows: 5_000, Payload: 1024, RTTs: []float64{1, 5},
	Far: 400, FarLogout: 100, FarRTTs: []float64{100}}
