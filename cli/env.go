package cli

import (
	"context"
	"fmt"

	"wsops/cloud"
	"wsops/config"
	"wsops/data"
	"wsops/mgmt"
	"wsops/sanitize"
	"wsops/secret"
)

// env is what a command works with once the config is loaded: the profile and
// the clients built for it. Close releases them.
type env struct {
	profile  *config.Profile
	clients  *cloud.Clients
	registry data.Store
	mgmt     *mgmt.Client
	// closeRegistry disconnects a registry that holds connections of its
	// own (MongoDB); nil for one that shares the SDK's (DynamoDB).
	closeRegistry func()
}

// Close closes the idle connections of the SDK clients and disconnects
// the registry.
func (e *env) Close() {
	e.clients.Close()
	if e.closeRegistry != nil {
		e.closeRegistry()
	}
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
	g.opened = append(g.opened, e)
	for _, w := range e.clients.Warnings {
		fmt.Fprintln(g.streams.Err, "wsops: warning:", sanitize.Text(w))
	}
	return e, nil
}

// dial builds the clients of profile p and opens its registry in the
// profile's store; the caller closes e.
func dial(ctx context.Context, p *config.Profile) (*env, error) {
	c, err := cloud.New(ctx, p)
	if err != nil {
		return nil, err
	}
	e := &env{profile: c.Profile, clients: c, mgmt: mgmt.New(c.Management)}
	if e.registry, e.closeRegistry, err = cloud.OpenRegistry(c, p); err != nil {
		c.Close()
		return nil, err
	}
	return e, nil
}

// registryPlace names where the registry is, for journals: the DynamoDB
// endpoint (or AWS's region) and tables, or the MongoDB URI with its
// password redacted and the collection.
func registryPlace(p *config.Profile, s data.Schema) (where string, tables []string) {
	if p.Registry == config.RegistryMongoDB {
		uri, _ := p.MongoDB.Resolve()
		coll := s.Mongo.Database + "." + s.Mongo.Collection
		return secret.RedactURI(uri), []string{coll, coll + "." + s.Mongo.Rooms}
	}
	where = p.DynamoDBURL
	if where == "" {
		where = "aws dynamodb " + p.Region
	}
	return where, []string{s.Connections.Table.Name, s.Subscriptions.Table.Name}
}
