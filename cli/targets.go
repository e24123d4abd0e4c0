package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"wsops/ops"
)

// targetFlags are how a command names its targets.
type targetFlags struct {
	conns                    []string
	user, topic, app, entity string
	business                 string
	all                      bool
}

// register adds --conn and --user, and with selections also --topic, --app,
// --entity, --business and --all.
func (t *targetFlags) register(cmd *cobra.Command, selections bool) {
	f := cmd.Flags()
	f.StringSliceVar(&t.conns, "conn", nil, "connection id (repeat or comma-separate)")
	f.StringVar(&t.user, "user", "", "every connection of this user, across apps")
	if selections {
		f.StringVar(&t.topic, "topic", "", "every subscriber of this topic (e.g. order#123)")
		f.StringVar(&t.app, "app", "", "every connection of this app")
		f.StringVar(&t.entity, "entity", "", "every connection of this entity type")
		f.StringVar(&t.business, "business", "", "every connection of this business (wizz: businessId)")
		f.BoolVar(&t.all, "all", false, "every connection")
	}
}

func (t targetFlags) empty() bool {
	return len(t.conns) == 0 && t.user == "" && t.topic == "" && t.app == "" && t.entity == "" && t.business == "" && !t.all
}

func (t targetFlags) targets() (ops.Targets, error) {
	tg := ops.Targets{Conns: t.conns, All: t.all}
	tg.Select.User, tg.Select.Topic, tg.Select.App, tg.Select.EntityType = t.user, t.topic, t.app, t.entity
	tg.Select.BusinessID = t.business
	return tg, tg.Validate()
}

// planJSON is --dry-run's output with -o json.
type planJSON struct {
	Action  string         `json:"action"`
	Filter  string         `json:"filter"`
	Targets int            `json:"targets"`
	Radius  map[string]int `json:"radius"` // "app × entity" → count
}

// printPlan prints the blast radius of the plan an action's planner returns,
// making no call to the management API (read-only profiles may do this too:
// planning only reads).
func printPlan(ctx context.Context, g *globals, out format, planner func(*ops.Ops) (ops.Plan, error)) error {
	o, _, err := g.readOps(ctx)
	if err != nil {
		return err
	}
	plan, err := planner(o)
	if err != nil {
		return failed(err)
	}
	action := plan.Action
	if out != formatTable {
		cells := map[string]int{}
		for c, n := range plan.Radius.Cells {
			cells[c.App+" × "+c.EntityType] = n
		}
		return writeJSON(g.streams.Out, planJSON{Action: action, Filter: plan.Filter, Targets: plan.Radius.Total, Radius: cells})
	}
	verb := "to %s would reach"
	if action == "prune" {
		verb = "of %s would delete the records of"
	}
	_, err = fmt.Fprintf(g.streams.Out, "dry run: %s "+verb+" %s\n", action, plan.Filter, plan.Radius)
	return err
}
