package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"wsops/apigw"
	"wsops/config"
	"wsops/logs"
	"wsops/mgmt"
	"wsops/ops"
	"wsops/ops/auditlog"
	"wsops/sanitize"
)

// refused marks a safety refusal (exit 3).
func refused(err error) error { return &exitError{code: ExitRefused, err: err} }

// actionFlags are the flags every mutating command shares.
type actionFlags struct {
	yes    bool
	dryRun bool
}

func (f *actionFlags) register(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&f.yes, "yes", false, "go ahead without asking (required when stdin is not a terminal; on production profiles also --profile spelled out)")
	cmd.Flags().BoolVar(&f.dryRun, "dry-run", false, "print the blast radius and make no call")
}

// action is what a mutating command works with: the connected profile and
// its operator actions, which ask the command line's confirmer.
type action struct {
	*env
	ops *ops.Ops
}

// prepareAction connects and builds what an action needs. It makes no call
// for a read-only profile (ops refuses it, with an audit line, before any).
func (g *globals) prepareAction(cmd *cobra.Command, f actionFlags) (*action, error) {
	e, err := g.connect(cmd.Context())
	if err != nil {
		return nil, err
	}
	confirm := headlessConfirmer{
		yes: f.yes, profileExplicit: cmd.Flags().Changed("profile"),
		in: g.streams.In, out: g.streams.Err, interactive: g.terminal(g.streams.In),
		beforePrompt: func() { g.progress.end() },
	}
	o, err := newOps(e, confirm)
	if err != nil {
		return nil, failed(err)
	}
	return &action{env: e, ops: o}, nil
}

// readOps connects and builds operator actions for planning only: their
// confirmer refuses whatever it is asked.
func (g *globals) readOps(ctx context.Context) (*ops.Ops, *env, error) {
	e, err := g.connect(ctx)
	if err != nil {
		return nil, nil, err
	}
	o, err := newOps(e, headlessConfirmer{})
	if err != nil {
		return nil, nil, failed(err)
	}
	return o, e, nil
}

// newOps builds the operator actions of e's profile: the one place outside
// tests where an Ops is made, for the headless commands and the console.
func newOps(e *env, confirm ops.Confirmer) (*ops.Ops, error) {
	p := e.profile
	path, err := auditlog.DefaultPath()
	if err != nil {
		return nil, err
	}
	registry, tables := registryPlace(p, e.registry.Schema())
	return ops.New(ops.Deps{
		Registry: e.registry, Gateway: e.mgmt, Confirm: confirm, Audit: auditlog.New(path),
		Caller: callerOf(p, e.clients.STS),
		Policy: ops.Policy{Profile: p.Name, ReadOnly: p.ReadOnly, Production: p.Production},
		Place: ops.Place{Management: p.ManagementURL, WebSocket: p.WebSocketURL, Registry: registry,
			Tables: tables},
		RPS: p.ManagementRPS, WriteRPS: p.RepairRPS, RepairRules: p.Repair,
		LogoutNotice: []byte(p.LogoutNotice),
		Control:      control(e),
	})
}

// callerOf is who the audit log names for actions on p: "sandbox", else the
// caller identity STS gives, asked once.
func callerOf(p *config.Profile, sts mgmt.IdentityAPI) ops.Identity {
	if p.Sandbox {
		return func(context.Context) (string, error) { return "sandbox", nil }
	}
	var (
		once   sync.Once
		caller string
		err    error
	)
	return func(ctx context.Context) (string, error) {
		once.Do(func() { caller, err = mgmt.Caller(ctx, sts) })
		return caller, err
	}
}

// headlessConfirmer is the command line's confirmation: --yes, or a typed
// answer on a terminal.
type headlessConfirmer struct {
	yes, profileExplicit, interactive bool
	in                                io.Reader
	out                               io.Writer
	// beforePrompt erases what is on the prompt's line (a progress line).
	beforePrompt func()
}

// Confirm implements ops.Confirmer.
func (h headlessConfirmer) Confirm(ctx context.Context, p ops.Plan, pol ops.Policy) error {
	if pol.Production && h.yes && !h.profileExplicit {
		return fmt.Errorf("%s on production profile %s needs --yes together with --profile %s spelled out: %w",
			p.Action, pol.Profile, pol.Profile, ops.ErrProductionGuard)
	}
	if h.yes {
		return nil
	}
	if !h.interactive {
		return fmt.Errorf("%s: stdin is not a terminal, so pass --yes to go ahead: %w", p.Action, ops.ErrNotConfirmed)
	}
	if h.beforePrompt != nil {
		h.beforePrompt()
	}
	fmt.Fprintf(h.out, "%s to %s (%s)\n", p.Action, sanitize.Text(p.Filter), sanitize.Text(p.Radius.String()))
	want := "yes"
	if pol.Production {
		want = pol.Profile
		fmt.Fprintf(h.out, "PRODUCTION profile %s: type its name to go ahead: ", pol.Profile)
	} else {
		fmt.Fprint(h.out, "Type yes to go ahead: ")
	}
	answer, err := readLine(ctx, h.in)
	if err != nil {
		return fmt.Errorf("%s: %w (%v)", p.Action, ops.ErrNotConfirmed, err)
	}
	if strings.TrimSpace(answer) != want {
		if pol.Production {
			return fmt.Errorf("%s: %w", p.Action, ops.ErrProductionGuard)
		}
		return fmt.Errorf("%s: %w", p.Action, ops.ErrNotConfirmed)
	}
	return nil
}

// readLine reads one line, giving up when ctx ends (Ctrl-C at the prompt).
func readLine(ctx context.Context, in io.Reader) (string, error) {
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(in).ReadString('\n')
		line <- s
	}()
	select {
	case s := <-line:
		return s, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// isTerminal reports whether stream, a reader or writer, is a terminal (not
// merely a character device: /dev/null is one of those).
func isTerminal(stream any) bool {
	f, ok := stream.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

// control is how e's Ops reads the API itself: apigatewayv2 and CloudWatch,
// the profile's API and stage, and its preset's expectations.
func control(e *env) ops.Control {
	p := e.profile
	api := config.APIOf(p.Preset)
	return ops.Control{Gateway: e.clients.APIGateway, Metrics: e.clients.CloudWatch, API: p.APIRef(), Stage: p.Stage,
		Expect: apigw.Expect{Preset: p.Preset, RouteSelection: api.RouteSelection, Routes: api.Routes, Live: -1},
		Logs:   e.clients.Logs, LogGroups: logs.Overrides(p.Logs), CustomLogsEndpoint: p.LogsURL != ""}
}
