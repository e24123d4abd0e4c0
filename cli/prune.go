package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"wsops/ops"
)

type pruneFlags struct {
	actionFlags
	grace time.Duration
	rate  float64
}

func newPruneCmd(g *globals) *cobra.Command {
	var f pruneFlags
	cmd := &cobra.Command{
		Use:   "prune",
		Short: "Delete stale registry records: those whose connection is gone",
		Long: `Probe every registry record with GetConnection (rate-limited, concurrent) and
delete the records of gone connections together with their subscriptions.
Records younger than --grace are left alone: a connection being set up can look
gone for a moment.`,
		Example: `  wsops prune --dry-run
  wsops prune --grace 5m --yes -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out, err := g.format()
			if err != nil {
				return err
			}
			if f.grace < 0 {
				return usageError(fmt.Errorf("--grace must not be negative"))
			}
			req := ops.PruneRequest{Grace: f.grace, RPS: f.rate}
			if f.dryRun {
				return printPlan(cmd.Context(), g, out, func(o *ops.Ops) (ops.Plan, error) {
					_, _, plan, err := o.PrunePlan(cmd.Context(), req)
					return plan, err
				})
			}
			a, err := g.prepareAction(cmd, f.actionFlags)
			if err != nil {
				return err
			}
			steps := stepsTo(g, "prune: checked")
			res, err := a.ops().Prune(cmd.Context(), req, steps.step())
			steps.end()
			if ops.Refused(err) {
				return refused(err)
			}
			if out != formatTable {
				if perr := writeJSON(g.streams.Out, res); perr != nil && err == nil {
					err = perr
				}
			} else {
				fmt.Fprintf(g.streams.Out, "checked %d (left %d younger than %v alone): gone %d, deleted %d, failed %d\n",
					res.Checked, res.Skipped, f.grace, res.Gone, res.Deleted, res.Failed)
			}
			if err == nil && res.Failed > 0 {
				err = fmt.Errorf("%d stale records could not be deleted", res.Failed)
			}
			return actionError(err, "", "")
		},
	}
	f.actionFlags.register(cmd)
	cmd.Flags().DurationVar(&f.grace, "grace", 60*time.Second, "leave records younger than this alone (0: the default, 60s)")
	cmd.Flags().Float64Var(&f.rate, "rate", 0, "GetConnection probes per second (default: the profile's management_rps)")
	return cmd
}
