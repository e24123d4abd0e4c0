package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"wsops/internal/spark"
	"wsops/metrics"
	"wsops/ops"
)

type metricsFlags struct {
	since, period time.Duration
}

func newMetricsCmd(g *globals) *cobra.Command {
	var f metricsFlags
	cmd := &cobra.Command{
		Use:   "metrics",
		Short: "Show the API stage's CloudWatch metrics: connects, messages, errors, latency",
		Long: `Show the profile's API stage's own figures from CloudWatch (AWS/ApiGateway, by
ApiId and Stage), read in one GetMetricData call: connects and messages per
period, client, integration and execution errors, and integration latency p50 and
p99, each as a total, its last value and a sparkline. Periods with no data count
0 (latency: blank). API Gateway publishes no gauge of live connections: wsops
conns counts the registry. Needs the IAM action cloudwatch:GetMetricData (and
apigateway:GET when the profile names its API rather than its id).`,
		Example: `  wsops metrics
  wsops metrics --since 24h --period 5m -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runMetrics(cmd.Context(), g, f) },
	}
	fl := cmd.Flags()
	fl.DurationVar(&f.since, "since", 3*time.Hour, "how far back")
	fl.DurationVar(&f.period, "period", time.Minute, "the period of each point, a whole number of minutes")
	return cmd
}

func runMetrics(ctx context.Context, g *globals, f metricsFlags) error {
	out, err := g.format()
	if err != nil {
		return err
	}
	switch {
	case f.period <= 0 || f.period%time.Minute != 0:
		return usageError(fmt.Errorf("--period %s: want a whole number of minutes, such as 1m or 5m", f.period))
	case f.since < f.period:
		return usageError(fmt.Errorf("--since %s: want at least one period (%s)", f.since, f.period))
	case f.since > 15*24*time.Hour:
		return usageError(fmt.Errorf("--since %s: CloudWatch keeps 1-minute data for 15 days; want at most 360h", f.since))
	}
	o, _, err := g.readOps(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	r, err := o.Metrics(ctx, ops.MetricsQuery{Since: f.since, Period: f.period})
	if err != nil {
		return failed(err)
	}
	switch out {
	case formatJSON:
		return writeJSON(g.streams.Out, r)
	case formatJSONL:
		for _, s := range r.Series {
			if err := writeJSON(g.streams.Out, s); err != nil {
				return err
			}
		}
		return nil
	}
	printMetrics(g.streams.Out, r)
	return nil
}

// sparkWidth is the sparklines' width in the table.
const sparkWidth = 60

// printMetrics prints one line per series: total, last value, sparkline.
func printMetrics(w io.Writer, r *metrics.Report) {
	fmt.Fprintf(w, "API %s stage %s · %s → %s UTC, %s periods\n\n", r.APIID, r.Stage,
		r.Start.Format("2006-01-02 15:04"), r.End.Format("15:04"), r.Period)
	fmt.Fprintf(w, "%-20s %10s %10s  %s\n", "SERIES", "TOTAL", "LAST", "OLDEST → NEWEST")
	for _, s := range r.Series {
		fmt.Fprintf(w, "%-20s %10s %10s  %s\n", s.ID, s.TotalText(), s.LastText(), spark.Line(s.Values(), sparkWidth))
	}
}
