package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"wsops/internal/human"
	"wsops/ops"
	"wsops/sanitize"
)

func newAPICmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "api",
		Short: "Show the profile's API: its stage's settings, routes, integrations and what to fix",
		Long: `Show the profile's WebSocket API as apigatewayv2 describes it: the stage's
execution logging, data trace, detailed metrics, throttling (default and per
route) and access log; every route with its integration and the Lambda function
behind it; and warnings: execution logging OFF, no access log (or one without
connection ids: tracing is then impossible), a route selection expression or
routes that differ from the profile's preset, throttling below the load the
registry shows (its connections at one message a minute each; the count is the
registry's own count, an estimate: DynamoDB's item count or MongoDB's
estimatedDocumentCount), and every index the preset declares that the registry
lacks, with the lookup that suffers without it and the one command that creates
it: an aws dynamodb update-table line (a DynamoDB table's global secondary
indexes, by name) or a mongosh line (a MongoDB collection's indexes, by their
fields, whatever their names). Needs the IAM action apigateway:GET, and to check
the indexes dynamodb:DescribeTable (MongoDB: the listIndexes action, which the
read role grants); indexes that cannot be checked are a warning that says why.`,
		Example: `  wsops api
  wsops --profile this27 api -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runAPI(cmd.Context(), g) },
	}
}

func runAPI(ctx context.Context, g *globals) error {
	out, err := g.format()
	if err != nil {
		return err
	}
	o, e, err := g.readOps(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	live := -1
	if n, err := e.registry.EstimatedConnections(ctx); err == nil {
		live = int(n)
	}
	r, err := o.API(ctx, live)
	if err != nil {
		return failed(err)
	}
	if out != formatTable {
		return writeJSON(g.streams.Out, r)
	}
	printAPIReport(g.streams.Out, r)
	return nil
}

// printAPIReport prints the API, its stage, routes and warnings.
func printAPIReport(w io.Writer, r *ops.APIReport) {
	a := r.API
	t := sanitize.Text
	fmt.Fprintf(w, "API %s (%s)\n  endpoint         %s\n  route selection  %s\n", t(a.Name), t(a.ID), t(a.Endpoint), t(a.RouteSelection))
	if st, ok := a.Stage(r.Stage); ok {
		fmt.Fprintf(w, "\nSTAGE %s\n  websocket   %s\n  management  %s\n", t(st.Name), t(st.WebSocketURL), t(st.ManagementURL))
		fmt.Fprintf(w, "  settings    %s\n  access log  %s\n", t(st.Defaults.Summary()), t(st.AccessLog.Summary()))
		for _, k := range st.RouteKeys() {
			fmt.Fprintf(w, "  route %s   %s\n", t(k), t(st.PerRoute[k].Summary()))
		}
	}
	fmt.Fprintf(w, "\n%-30s %-12s %s\n", "ROUTE", "INTEGRATION", "FUNCTION (or URI)")
	for _, rt := range a.Routes {
		kind, fn := rt.Behind()
		fmt.Fprintf(w, "%-30s %-12s %s\n", t(rt.Key), t(kind), t(fn))
	}
	if r.Live >= 0 {
		fmt.Fprintf(w, "\nregistry: about %d %s (the registry's own estimate)\n", r.Live, human.Plural(r.Live, "connection", "connections"))
	}
	if len(r.Warnings) == 0 {
		fmt.Fprintln(w, "\nno warnings")
		return
	}
	fmt.Fprintf(w, "\nWARNINGS (%d)\n", len(r.Warnings))
	for _, wn := range r.Warnings {
		fmt.Fprintf(w, "  ! %s\n", t(wn.Message))
		if wn.Fix != "" {
			fmt.Fprintf(w, "    fix: %s\n", t(strings.TrimSpace(wn.Fix)))
		}
	}
}
