package cloud

import (
	"context"
	"errors"
	"fmt"
	"time"

	"wsops/config"
	"wsops/data"
)

// ErrRegistryConfig marks a registry the profile does not configure
// fully (an unset mongodb_uri): a configuration error, exit 2.
var ErrRegistryConfig = errors.New("the registry cannot be opened")

// registryCloseTimeout bounds disconnecting a MongoDB registry.
const registryCloseTimeout = 5 * time.Second

// OpenRegistry opens profile p's registry: its DynamoDB tables through the
// SDK client, or its MongoDB collection (the driver connects lazily, so an
// unreachable server fails the first read, not this). The function it
// returns, when not nil, closes it.
func OpenRegistry(c *Clients, p *config.Profile) (data.Store, func(), error) {
	if p.Registry != config.RegistryMongoDB {
		return data.NewRegistry(c.DynamoDB, p.Schema, data.Options{Segments: p.ScanSegments}), nil, nil
	}
	uri, s, err := p.ResolveMongo()
	if err != nil { // what needs no registry (wsops api) still works
		return data.Unavailable(p.Schema, fmt.Errorf("%w: %w", ErrRegistryConfig, err)), nil, nil
	}
	reg, err := data.DialMongo(uri, s, data.Options{})
	if err != nil {
		return nil, nil, err
	}
	return reg, func() {
		ctx, cancel := context.WithTimeout(context.Background(), registryCloseTimeout)
		defer cancel()
		_ = reg.Close(ctx)
	}, nil
}
