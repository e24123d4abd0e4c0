package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"wsops/ops"
)

type logoutFlags struct {
	actionFlags
	targets targetFlags
	notice  string
	rate    float64
}

func newLogoutCmd(g *globals) *cobra.Command {
	var f logoutFlags
	cmd := &cobra.Command{
		Use:   "logout",
		Short: "Force-logout connections: tell the client, cut the socket, delete its records",
		Long: `Force-logout one or more connections, or every connection of a user: post a
notice (default {"type":"force_logout","reason":"operator"}), DeleteConnection
(the client sees close 1000), then delete the registry records of the connection
and its subscriptions. Connections already gone still get their records cleaned.
Disconnects are staged at --rate per second so a mass logout cannot cause a
reconnect storm.`,
		Example: `  wsops logout --user u-123 --yes
  wsops logout --conn L0SM9cOFvHcCIhw= --notice '{"type":"force_logout","reason":"password changed"}'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out, err := g.format()
			if err != nil {
				return err
			}
			targets, err := f.targets.targets()
			if err != nil {
				return usageError(err)
			}
			var notice []byte
			if f.notice != "" {
				if notice, err = readPayload(f.notice, g.streams.In); err != nil {
					return usageError(fmt.Errorf("--notice: %w", err))
				}
			}
			req := ops.LogoutRequest{Targets: targets, Notice: notice, Rate: f.rate}
			if f.dryRun {
				return printPlan(cmd.Context(), g, out, func(o *ops.Ops) (ops.Plan, error) {
					_, plan, err := o.LogoutPlan(cmd.Context(), req)
					return plan, err
				})
			}
			a, err := g.prepareAction(cmd, f.actionFlags)
			if err != nil {
				return err
			}
			res, err := a.ops().Logout(cmd.Context(), req, nil)
			if ops.Refused(err) {
				return refused(err)
			}
			if perr := printLogoutResult(g, out, res); perr != nil && err == nil {
				err = perr
			}
			if err == nil && res.Failed > 0 {
				err = fmt.Errorf("%d connections could not be logged out", res.Failed)
			}
			return actionError(err, "")
		},
	}
	f.actionFlags.register(cmd)
	f.targets.register(cmd, false)
	cmd.Flags().StringVar(&f.notice, "notice", "", "the notice posted before the cut: JSON, @FILE or -")
	cmd.Flags().Float64Var(&f.rate, "rate", 0, "disconnects per second (default 50; at most half the profile's management_rps, since each is two calls)")
	return cmd
}

func printLogoutResult(g *globals, out format, r ops.LogoutResult) error {
	if out != formatTable {
		return writeJSON(g.streams.Out, r)
	}
	_, err := fmt.Fprintf(g.streams.Out, "targets %d: notified %d, disconnected %d, gone %d, records deleted %d, failed %d\n",
		r.Targets, r.Notified, r.Disconnected, r.Gone, r.RecordsDeleted, r.Failed)
	listIDs(g.streams.Out, "failed", r.FailedIDs)
	return err
}
