package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"wsops/ops"
)

type logoutFlags struct {
	actionFlags
	targets targetFlags
	notice  string
	rate    float64
	resume  string
}

func newLogoutCmd(g *globals) *cobra.Command {
	var f logoutFlags
	cmd := &cobra.Command{
		Use:   "logout",
		Short: "Force-logout connections: tell the client, cut the socket, delete its records",
		Long: `Force-logout one or more connections, or every connection of a user: post a
notice (--notice, else the profile's logout_notice, else the preset's: wizz
{"type":"force_logout","reason":"operator"}), DeleteConnection
(the client sees close 1000), then delete the registry records of the connection
and its subscriptions. Connections already gone still get their records cleaned.
Disconnects are staged at --rate per second so a mass logout cannot cause a
reconnect storm. Every run keeps a journal of its steps; --resume JOURNAL
finishes an interrupted or partly failed run without posting any notice twice.`,
		Example: `  wsops logout --user u-123 --yes
  wsops logout --conn L0SM9cOFvHcCIhw= --notice '{"type":"force_logout","reason":"password changed"}'
  wsops logout --resume ~/.local/state/wsops/journals/logout-20261122T101500.000Z.jsonl --yes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runLogout(cmd, g, f) },
	}
	f.actionFlags.register(cmd)
	f.targets.register(cmd, false)
	fl := cmd.Flags()
	fl.StringVar(&f.notice, "notice", "", "the notice posted before the cut: JSON, @FILE or -")
	fl.Float64Var(&f.rate, "rate", 0, "disconnects per second (default 50; at most half the profile's management_rps, since each is two calls)")
	fl.StringVar(&f.resume, "resume", "", "finish the logout this journal records (at its rate, or --rate)")
	return cmd
}

func runLogout(cmd *cobra.Command, g *globals, f logoutFlags) error {
	out, err := g.format()
	if err != nil {
		return err
	}
	if f.resume != "" && (f.notice != "" || f.dryRun || !f.targets.empty()) {
		return usageError(errors.New("--resume takes the targets and the notice from the journal (and its rate, unless --rate is given): drop the target flags, --notice and --dry-run"))
	}
	var req ops.LogoutRequest
	if f.resume == "" {
		if req, err = f.request(g); err != nil {
			return usageError(err)
		}
	}
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
	var res ops.LogoutResult
	line := progressTo(g, "logout")
	if f.resume != "" {
		res, err = a.ops.ResumeLogout(cmd.Context(), f.resume, f.rate, line.update())
	} else {
		res, err = a.ops.Logout(cmd.Context(), req, line.update())
	}
	line.end()
	if ops.Refused(err) {
		return refused(err)
	}
	if perr := printLogoutResult(g, out, res); perr != nil && err == nil {
		err = perr
	}
	switch {
	case err == nil && res.Failed > 0:
		err = fmt.Errorf("%d connections could not be logged out (finish with wsops logout --resume %s)", res.Failed, res.Journal)
	case err != nil && !errors.Is(err, context.Canceled) && res.Journal != "" && !res.Complete:
		err = fmt.Errorf("%w (finish with wsops logout --resume %s)", err, res.Journal)
	}
	return actionError(err, "logout", res.Journal)
}

// request is the logout the flags ask for, less its journal.
func (f logoutFlags) request(g *globals) (ops.LogoutRequest, error) {
	targets, err := f.targets.targets()
	if err != nil {
		return ops.LogoutRequest{}, err
	}
	var notice []byte
	if f.notice != "" {
		if notice, err = readPayload(f.notice, g.streams.In); err != nil {
			return ops.LogoutRequest{}, fmt.Errorf("--notice: %w", err)
		}
	}
	return ops.LogoutRequest{Targets: targets, Notice: notice, Rate: f.rate}, nil
}

func printLogoutResult(g *globals, out format, r ops.LogoutResult) error {
	if out != formatTable {
		return writeJSON(g.streams.Out, r)
	}
	w := g.streams.Out
	fmt.Fprintf(w, "targets %d: notified %d, disconnected %d, gone %d, records deleted %d, failed %d, not attempted %d\n",
		r.Targets, r.Notified, r.Disconnected, r.Gone, r.RecordsDeleted, r.Failed, r.NotAttempted)
	listIDs(w, "failed", r.FailedIDs)
	if r.Journal == "" {
		return nil
	}
	_, err := fmt.Fprintf(w, "journal %s\n", r.Journal)
	return err
}
