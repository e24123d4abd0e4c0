package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"wsops/client"
	"wsops/config"
	"wsops/ops"
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

// action is what a mutating command works with: the connected profile, its
// safety policy, the confirmer, the audit log and the caller's identity.
type action struct {
	*env
	policy  ops.Policy
	confirm ops.Confirmer
	audit   *ops.AuditLog
	caller  string
}

// prepareAction connects and builds what an action needs. It makes no call
// for a read-only profile (ops refuses it, with an audit line, before any).
func (g *globals) prepareAction(cmd *cobra.Command, f actionFlags) (*action, error) {
	e, err := g.connect(cmd.Context())
	if err != nil {
		return nil, err
	}
	p := e.profile
	a := &action{env: e, policy: ops.Policy{Profile: p.Name, ReadOnly: p.ReadOnly, Production: p.Production}}
	path, err := ops.DefaultAuditPath()
	if err != nil {
		return nil, failed(err)
	}
	a.audit = ops.NewAuditLog(path)
	a.confirm = headlessConfirmer{
		yes: f.yes, profileExplicit: cmd.Flags().Changed("profile"),
		in: g.streams.In, out: g.streams.Err, interactive: isTerminal(g.streams.In),
	}
	if a.caller, err = callerOf(cmd.Context(), p, e.clients.STS); err != nil {
		return nil, failed(err)
	}
	return a, nil
}

// callerOf is who the audit log names for actions on p: "sandbox", a note
// for a read-only profile (whose actions are refused before any call, STS's
// included), else the caller identity STS gives.
func callerOf(ctx context.Context, p *config.Profile, sts client.IdentityAPI) (string, error) {
	switch {
	case p.Sandbox:
		return "sandbox", nil
	case p.ReadOnly:
		return "(not asked: read-only profile)", nil
	}
	return client.Caller(ctx, sts)
}

// headlessConfirmer is the command line's confirmation: --yes, or a typed
// answer on a terminal.
type headlessConfirmer struct {
	yes, profileExplicit, interactive bool
	in                                io.Reader
	out                               io.Writer
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

// isTerminal reports whether r is a terminal (not merely a character device:
// /dev/null is one of those).
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}
