package cli

import (
	"context"
	"fmt"

	"wsops/cloud"
	"wsops/config"
	"wsops/data"
	"wsops/mgmt"
	"wsops/sanitize"
)

// env is what a command works with once the config is loaded: the profile and
// the clients built for it.
type env struct {
	profile  *config.Profile
	clients  *cloud.Clients
	registry *data.Registry
	mgmt     *mgmt.Client
}

// loadProfile reads the config and picks the profile; config problems are
// usage errors (exit 2) and warnings go to stderr.
func (g *globals) loadProfile() (*config.Profile, error) {
	_, p, err := g.loadConfigProfile()
	return p, err
}

// loadConfigProfile is loadProfile that also returns the whole config.
func (g *globals) loadConfigProfile() (*config.Config, *config.Profile, error) {
	cfg, err := config.Load(g.configPath)
	if err != nil {
		return nil, nil, usageError(err)
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintln(g.streams.Err, "wsops: warning:", sanitize.Text(w))
	}
	p, err := cfg.Profile(g.profile)
	if err != nil {
		return nil, nil, usageError(err)
	}
	if g.readOnly {
		p.ReadOnly = true
	}
	return cfg, p, nil
}

// connect loads the profile and builds its clients.
func (g *globals) connect(ctx context.Context) (*env, error) {
	p, err := g.loadProfile()
	if err != nil {
		return nil, err
	}
	e, err := dial(ctx, p)
	if err != nil {
		return nil, failed(err)
	}
	g.opened = append(g.opened, e.clients)
	for _, w := range e.clients.Warnings {
		fmt.Fprintln(g.streams.Err, "wsops: warning:", sanitize.Text(w))
	}
	return e, nil
}

// dial builds the clients of profile p; the caller closes e.clients.
func dial(ctx context.Context, p *config.Profile) (*env, error) {
	c, err := cloud.New(ctx, p)
	if err != nil {
		return nil, err
	}
	return &env{
		profile:  c.Profile,
		clients:  c,
		registry: data.NewRegistry(c.DynamoDB, p.Schema, data.Options{Segments: p.ScanSegments}),
		mgmt:     mgmt.New(c.Management),
	}, nil
}
