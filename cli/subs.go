package cli

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"wsops/data"
)

type subsFlags struct {
	sel      data.Select
	inactive bool
	problem  string
}

func newSubsCmd(g *globals) *cobra.Command {
	var f subsFlags
	cmd := &cobra.Command{
		Use:   "subs",
		Short: "List subscription records (topics, rooms), streamed as the scan runs",
		Long: `List the records of the subscriptions table. A --topic is read from the topic
index (or the table key) where the schema has one, a --conn from the table key.
--app, and --user or --entity where the subscriptions table does not store them,
are answered by joining through the connections table.
Problems include what wsops repair would fix: a subscription whose entity type
breaks its connection's app rule, and what the profile's [[repair]] rules change.`,
		Example: `  wsops subs --topic order#123
  wsops subs --app order-receiver --inactive -o jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runSubs(cmd.Context(), g, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.sel.Topic, "topic", "", "only this topic (subscription key), e.g. order#123")
	fl.StringVar(&f.sel.ConnectionID, "conn", "", "only the subscriptions of this connection id")
	fl.StringVar(&f.sel.User, "user", "", "only this user's subscriptions")
	fl.StringVar(&f.sel.App, "app", "", "only subscriptions of connections of this app")
	fl.StringVar(&f.sel.EntityType, "entity", "", "only this entity type")
	fl.StringVar(&f.sel.BusinessID, "business", "", "only subscriptions of connections of this business (wizz: businessId)")
	fl.BoolVar(&f.inactive, "inactive", false, "only subscriptions whose active flag is false")
	fl.StringVar(&f.problem, "problem", "", "only records with a problem; with =TEXT, a problem containing TEXT")
	fl.Lookup("problem").NoOptDefVal = anyProblem
	return cmd
}

// subJSON is one subscription in -o json/jsonl (design.md § CLI).
type subJSON struct {
	ConnectionID string         `json:"connection_id"`
	Key          string         `json:"key"`
	User         string         `json:"user"`
	EntityType   string         `json:"entity_type"`
	Active       bool           `json:"active"`
	CreatedAt    *string        `json:"created_at"`
	Problems     []string       `json:"problems"`
	Attributes   map[string]any `json:"attributes"`
}

var subColumns = []column{
	{"KEY", 28}, {"CONNECTION", 18}, {"USER", 20}, {"ENTITY", 10}, {"ACTIVE", 6}, {"AGE", 5}, {"PROBLEMS", 0},
}

func runSubs(ctx context.Context, g *globals, f subsFlags) error {
	return g.list(ctx, subColumns, func(ctx context.Context, e *env, w *rowWriter) error {
		now := time.Now()
		o, err := newOps(e, headlessConfirmer{})
		if err != nil {
			return err
		}
		for pg := range o.SubscriptionPages(ctx, f.sel) {
			if pg.Err != nil {
				return pg.Err
			}
			for _, s := range pg.Items {
				if f.inactive && s.Active || !hasProblem(s.Problems, f.problem) {
					continue
				}
				active := "no"
				if s.Active {
					active = "yes"
				}
				v := subJSON{
					ConnectionID: s.ConnectionID, Key: s.Key, User: s.User, EntityType: s.EntityType,
					Active: s.Active, CreatedAt: rfc3339(s.CreatedAt), Problems: nonNil(s.Problems),
					Attributes: data.PlainItem(s.Item),
				}
				err := w.write(v, s.Key, s.ConnectionID, s.User, s.EntityType, active, age(s.CreatedAt, now), strings.Join(s.Problems, "; "))
				if err != nil {
					return err
				}
			}
		}
		return nil
	})
}
