package cli

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/spf13/cobra"

	"wsops/config"
	"wsops/ops"
	"wsops/sandbox"
	"wsops/ui"
	"wsops/ui/confirm"
)

// demoClients is the size of the fleet the console's in-process sandbox simulates.
const demoClients = 300

func newUICmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ui",
		Short: "Open the console (the default command)",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return runUI(cmd.Context(), g) },
	}
	cmd.Flags().DurationVar(&g.refresh, "refresh", time.Second, "minimum time between refreshes (longer scans refresh less often)")
	return cmd
}

// runUI opens the console. On the built-in sandbox profile with nothing
// listening on its addresses, it first starts a sandbox in this process, with
// demo traffic, and stops it on exit.
func runUI(ctx context.Context, g *globals) error {
	cfg, p, err := g.loadConfigProfile()
	if err != nil {
		return err
	}
	if cfg.Path == "" && p.Name == config.SandboxProfile {
		stop, err := ensureSandbox(ctx)
		if err != nil {
			return failed(err)
		}
		defer stop()
	}
	confirmer := confirm.NewConfirmer()
	sess, err := openSession(ctx, p, confirmer)
	if err != nil {
		return failed(err)
	}
	open := func(ctx context.Context, name string) (ui.Session, error) {
		p, err := cfg.Profile(name)
		if err != nil {
			return ui.Session{}, err
		}
		if g.readOnly {
			p.ReadOnly = true
		}
		return openSession(ctx, p, confirmer)
	}
	opts := ui.Options{Session: sess, Open: open, Confirmer: confirmer, Refresh: g.refresh, Client: clientSpec}
	if err := ui.Run(ctx, opts); err != nil {
		return failed(err)
	}
	return nil
}

func openSession(ctx context.Context, p *config.Profile, confirmer ops.Confirmer) (ui.Session, error) {
	e, err := dial(ctx, p)
	if err != nil {
		return ui.Session{}, err
	}
	o, err := newOps(e, confirmer)
	if err != nil {
		e.Close()
		return ui.Session{}, err
	}
	return ui.Session{Profile: e.profile, Ops: o, Close: e.Close, Warnings: e.clients.Warnings}, nil
}

// ensureSandbox starts an in-process sandbox on the default addresses unless
// one already answers there. It returns the function that stops it.
func ensureSandbox(ctx context.Context) (stop func(), err error) {
	gw, db := answers(config.SandboxAddr), answers(config.SandboxDynamoAddr)
	switch {
	case gw && db:
		return func() {}, nil
	case gw || db:
		return nil, fmt.Errorf("something answers on %s or %s but not both: stop it, or start `wsops sandbox` yourself",
			config.SandboxAddr, config.SandboxDynamoAddr)
	}
	sb, err := sandbox.Start(ctx, sandbox.Config{Demo: demoClients, Secret: []byte(sandboxSecret("", ""))})
	if err != nil {
		return nil, fmt.Errorf("starting the sandbox: %w", err)
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		_ = sb.Close(ctx)
	}, nil
}

// answers reports whether a TCP listener accepts on addr.
func answers(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 300*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
