package cli

import (
	"context"
	"fmt"
	"net"
	"sync"
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

// runUI opens the console. On a built-in sandbox profile with nothing
// listening on its addresses, it first starts that sandbox in this process,
// with demo traffic (the this27 one when the console switches to it), and
// stops them on exit.
func runUI(ctx context.Context, g *globals) error {
	cfg, p, err := g.loadConfigProfile()
	if err != nil {
		return err
	}
	sandboxes := &inProcess{}
	defer sandboxes.stop()
	if err := sandboxes.ensure(ctx, cfg, p); err != nil {
		return failed(err)
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
		if err := sandboxes.ensure(ctx, cfg, p); err != nil {
			return ui.Session{}, err
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

// inProcess are the sandboxes the console started in its own process and
// stops on exit: one per built-in sandbox profile opened with no config
// file, when nothing listened on its addresses.
type inProcess struct {
	mu    sync.Mutex
	stops []func()
}

// ensure starts the sandbox of p, a built-in profile in use with no config
// file, unless one already answers at its addresses; else it does nothing.
func (s *inProcess) ensure(ctx context.Context, cfg *config.Config, p *config.Profile) error {
	if cfg.Path != "" || !config.IsBuiltin(p.Name) {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sc := sandbox.DefaultConfig(sandbox.Config{Preset: p.Preset, Demo: demoClients, Secret: []byte(sandboxSecret("", ""))})
	store := sc.DynamoAddr
	if p.Registry == config.RegistryMongoDB {
		store = sc.MongoAddr
	}
	gw, db := answers(sc.Addr), answers(store)
	switch {
	case gw && db:
		return nil
	case gw || db:
		return fmt.Errorf("something answers on %s or %s but not both: stop it, or start `wsops sandbox --preset %s` yourself",
			sc.Addr, store, p.Preset)
	}
	sb, err := sandbox.Start(ctx, sc)
	if err != nil {
		return fmt.Errorf("starting the %s sandbox: %w", p.Preset, err)
	}
	s.stops = append(s.stops, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		_ = sb.Close(ctx)
	})
	return nil
}

// stop stops every sandbox ensure started.
func (s *inProcess) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, stop := range s.stops {
		stop()
	}
	s.stops = nil
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
