package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"wsops/ops"
)

type pruneFlags struct {
	actionFlags
	grace        time.Duration
	rate         float64
	force        bool
	resume, undo string
}

func newPruneCmd(g *globals) *cobra.Command {
	var f pruneFlags
	cmd := &cobra.Command{
		Use:   "prune",
		Short: "Delete stale registry records: those whose connection is gone",
		Long: `Probe every registry record with GetConnection (rate-limited, concurrent) and
delete the records of gone connections together with their subscriptions.
Records younger than --grace are left alone: a connection being set up can look
gone for a moment. The probes only read: the confirmation comes after them and
names what would be deleted, and --dry-run probes too, then prints exactly that
(by app × entity type) and writes nothing.

Every deletion is journaled with the records as they were, before the delete:
--resume JOURNAL finishes an interrupted prune, --undo JOURNAL puts back what it
deleted. When the probes look like a wrong endpoint rather than a stale fleet
(nearly every probed connection gone, or a management_url of another API or
stage than websocket_url), prune deletes nothing and says what to check;
--force deletes anyway.`,
		Example: `  wsops prune --dry-run
  wsops prune --grace 5m --yes -o json
  wsops prune --undo ~/.local/state/wsops/journals/prune-20261122T101500.000Z.jsonl --yes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out, err := g.format()
			if err != nil {
				return err
			}
			if f.grace < 0 {
				return usageError(fmt.Errorf("--grace must not be negative"))
			}
			if f.resume != "" && f.undo != "" || (f.resume != "" || f.undo != "") && (f.dryRun || f.force) {
				return usageError(fmt.Errorf("--resume and --undo take their journal's records: drop --undo/--resume, --dry-run and --force"))
			}
			req := ops.PruneRequest{Grace: f.grace, RPS: f.rate, Force: f.force}
			if f.dryRun { // the probes only read: the dry run shows what a prune deletes
				return printPlan(cmd.Context(), g, out, func(o *ops.Ops) (ops.Plan, error) {
					line := progressTo(g, "probe")
					_, plan, err := o.PruneDryRun(cmd.Context(), req, line.update())
					line.end()
					return plan, err
				})
			}
			a, err := g.prepareAction(cmd, f.actionFlags)
			if err != nil {
				return err
			}
			line := progressTo(g, "prune")
			var res ops.PruneResult
			switch {
			case f.resume != "":
				res, err = a.ops.ResumePrune(cmd.Context(), f.resume, line.update())
			case f.undo != "":
				res, err = a.ops.UndoPrune(cmd.Context(), f.undo, "", line.update())
			default:
				res, err = a.ops.Prune(cmd.Context(), req, line.update())
			}
			line.end()
			if ops.Refused(err) {
				return refused(err)
			}
			if out != formatTable {
				if perr := writeJSON(g.streams.Out, res); perr != nil && err == nil {
					err = perr
				}
			} else {
				printPruneResult(g, f, res)
			}
			if err == nil && res.Failed > 0 {
				err = fmt.Errorf("%d stale records could not be deleted or checked (finish with wsops prune --resume %s)", res.Failed, res.Journal)
			}
			command := "prune"
			if res.Journal == "" {
				command = ""
			}
			return actionError(err, command, res.Journal)
		},
	}
	f.actionFlags.register(cmd)
	fl := cmd.Flags()
	fl.DurationVar(&f.grace, "grace", ops.DefaultPruneGrace, "leave records younger than this alone (0s: no grace)")
	fl.Float64Var(&f.rate, "rate", 0, "GetConnection probes per second (default: the profile's management_rps)")
	fl.BoolVar(&f.force, "force", false, "delete even when the probes look like a wrong endpoint")
	fl.StringVar(&f.resume, "resume", "", "finish the prune (or undo) this journal records")
	fl.StringVar(&f.undo, "undo", "", "put back the records the prune this journal records deleted")
	return cmd
}

func printPruneResult(g *globals, f pruneFlags, r ops.PruneResult) {
	w := g.streams.Out
	switch {
	case f.undo != "":
		fmt.Fprintf(w, "restored the records of %d connections (%d records), failed %d\n", r.Deleted, r.Records, r.Failed)
	case f.resume != "":
		fmt.Fprintf(w, "deleted the records of %d gone connections (%d records), failed %d, not attempted %d\n", r.Deleted, r.Records, r.Failed, r.NotAttempted)
	default:
		fmt.Fprintf(w, "checked %d (left %d younger than %v alone): gone %d, deleted %d (%d records), failed %d\n",
			r.Checked, r.Skipped, f.grace, r.Gone, r.Deleted, r.Records, r.Failed)
	}
	if r.Journal != "" {
		fmt.Fprintf(w, "journal %s (undo with wsops prune --undo %s)\n", r.Journal, r.Journal)
	}
}
