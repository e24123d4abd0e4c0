package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"wsops/ops"
	"wsops/ops/repairplan"
)

type repairFlags struct {
	yes     bool
	rules   []string
	apply   bool
	undo    string
	resume  string
	journal string
	rate    float64
}

func newRepairCmd(g *globals) *cobra.Command {
	var f repairFlags
	cmd := &cobra.Command{
		Use:   "repair",
		Short: "Plan, apply and undo repairs of registry records (wrong entity types, missing subscriptions)",
		Long: `Plan the repairs the profile's rules call for and print them: every change as
table, key, attribute, old → new (or a record to create), grouped by rule.

Rules: the preset's app → entity type rule ("entity-type": connections, and
subscriptions through their connection, whose entity type is not their app's),
the wizz preset's merchant connections with no business-status subscription
("business-status": creates one from the connection), and the profile's
[[profiles.NAME.repair]] rules. --rule restricts the plan to some of them.

--apply writes the plan with conditional writes: a record changes only if it
still holds the value the plan saw, a record is created only if none exists.
Conflicts are reported and left as they are. Every outcome goes to a journal
(JSON lines with before and after images) whose path is printed:
--resume JOURNAL finishes an interrupted apply, --undo JOURNAL reverses an
applied one with the same conditional discipline.`,
		Example: `  wsops repair
  wsops repair --rule entity-type -o json
  wsops repair --apply --yes
  wsops repair --undo ~/.local/state/wsops/journals/repair-20261122T101500.000Z.jsonl --yes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out, err := g.format()
			if err != nil {
				return err
			}
			if err := f.validate(); err != nil {
				return usageError(err)
			}
			if !f.apply && f.undo == "" && f.resume == "" {
				return printRepairPlan(cmd.Context(), g, out, f.rules)
			}
			a, err := g.prepareAction(cmd, actionFlags{yes: f.yes})
			if err != nil {
				return err
			}
			return runRepair(cmd.Context(), g, out, a, f)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.yes, "yes", false, "go ahead without asking (required when stdin is not a terminal; on production profiles also --profile spelled out)")
	fl.StringArrayVar(&f.rules, "rule", nil, "only this rule (repeatable): entity-type, business-status or a profile rule's name")
	fl.BoolVar(&f.apply, "apply", false, "apply the plan (conditional writes, journaled)")
	fl.StringVar(&f.undo, "undo", "", "reverse the changes an applied repair journal records")
	fl.StringVar(&f.resume, "resume", "", "finish an interrupted apply (or undo) from its journal")
	fl.StringVar(&f.journal, "journal", "", "where the journal goes (default $XDG_STATE_HOME/wsops/journals/…)")
	fl.Float64Var(&f.rate, "rate", 0, "writes per second (default: the profile's repair_rps, 100 unless set)")
	return cmd
}

func (f repairFlags) validate() error {
	modes := 0
	for _, on := range []bool{f.apply, f.undo != "", f.resume != ""} {
		if on {
			modes++
		}
	}
	switch {
	case modes > 1:
		return errors.New("--apply, --undo and --resume exclude each other")
	case f.rate < 0:
		return errors.New("--rate must be a positive number of writes per second")
	case len(f.rules) > 0 && (f.undo != "" || f.resume != ""):
		return errors.New("--rule applies to planning; --undo and --resume take the journal's changes")
	case f.rate != 0 && f.resume != "":
		return errors.New("--resume writes at the rate its journal records; --rate does not apply")
	case f.journal != "" && f.resume != "":
		return errors.New("--resume appends to the journal it names; --journal does not apply")
	}
	return nil
}

// printRepairPlan prints the plan; it only reads, so read-only profiles may
// plan too.
func printRepairPlan(ctx context.Context, g *globals, out format, rules []string) error {
	o, e, err := g.readOps(ctx)
	if err != nil {
		return err
	}
	plan, err := o.RepairPlan(ctx, repairplan.Request{Rules: e.profile.Repair, Only: rules})
	if err != nil {
		return failed(err)
	}
	if out != formatTable {
		return writeJSON(g.streams.Out, planOutput(plan))
	}
	return writePlanTable(g.streams.Out, o.Schema(), plan, "wsops repair --apply")
}

// runRepair applies, resumes or undoes, and prints the result.
func runRepair(ctx context.Context, g *globals, out format, a *action, f repairFlags) error {
	o := a.ops
	var (
		res ops.RepairResult
		err error
	)
	line := progressTo(g, "repair")
	switch {
	case f.undo != "":
		res, err = o.UndoRepair(ctx, f.undo, f.journal, f.rate, line.update())
	case f.resume != "":
		res, err = o.ResumeRepair(ctx, f.resume, line.update())
	case o.Policy().ReadOnly:
		_, err = o.Repair(ctx, ops.RepairApply{}, nil) // refused before any call, audited
	default:
		var plan repairplan.Plan
		if plan, err = o.RepairPlan(ctx, repairplan.Request{Rules: a.profile.Repair, Only: f.rules}); err != nil {
			return failed(err)
		}
		if len(plan.Changes) == 0 {
			fmt.Fprintln(g.streams.Err, "nothing to repair")
			return printRepairResult(g, out, f, a.registry.Schema(), ops.RepairResult{})
		}
		if out == formatTable {
			if err := writePlanTable(g.streams.Err, a.registry.Schema(), plan, ""); err != nil {
				return err
			}
		}
		res, err = o.Repair(ctx, ops.RepairApply{Plan: plan, RPS: f.rate, Journal: f.journal}, line.update())
	}
	line.end()
	if ops.Refused(err) {
		return refused(err)
	}
	if perr := printRepairResult(g, out, f, a.registry.Schema(), res); perr != nil && err == nil {
		err = perr
	}
	if err == nil && res.Conflicts+res.Failed > 0 {
		err = fmt.Errorf("%d conflicts and %d failed writes were left as they are (see above; the journal is %s)", res.Conflicts, res.Failed, res.Journal)
	}
	if errors.Is(err, context.Canceled) && res.Journal != "" {
		return failed(fmt.Errorf("interrupted: finish with wsops repair --resume %s", res.Journal))
	}
	return actionError(err, "", "")
}
