// Package demo drives a sandbox with simulated clients over real WebSocket
// connections: the preset's three apps on several platforms, heartbeats,
// subscriptions and churn, plus the records an operator meets on a bad day
// (stale records with no live connection; the incident's wrong entity types
// come from the backend's IncidentShare).
package demo

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"wsops/data"
)

// Options configure the demo traffic.
type Options struct {
	URL     string // the stage's WebSocket URL
	Secret  []byte // token secret of the sandbox
	Clients int    // simulated clients kept connected
	Schema  data.Schema
	// Registry is where stale records are seeded (the sandbox's store).
	Registry data.Store
	// Lifetime bounds how long one client stays before it leaves and another
	// takes its place (default 1–6 minutes).
	MinLifetime, MaxLifetime time.Duration
	// Heartbeat is the mean interval between a client's heartbeats (default 25s).
	Heartbeat time.Duration
	Logger    *slog.Logger
	Seed      uint64
}

// missingStatusShare is the share of merchants that never subscribe to their
// business status, one face of the incident in ecosystems.md.
const missingStatusShare = 0.2

// Fleet is the demo's clients at work. A nil Fleet has none: stopping it
// does nothing.
type Fleet struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Stop tells every client to leave (closing its socket with 1001 "Going
// away") and to connect no more. It does not wait for them: Wait does.
func (f *Fleet) Stop() {
	if f != nil {
		f.cancel()
	}
}

// Wait stops the clients and waits until every one has closed its socket.
func (f *Fleet) Wait() {
	if f != nil {
		f.cancel()
		f.wg.Wait()
	}
}

// Start seeds stale records and runs the clients until Stop.
func Start(o Options) *Fleet {
	o = withDefaults(o)
	ctx, cancel := context.WithCancel(context.Background())
	f := &Fleet{cancel: cancel}
	wg := &f.wg
	wg.Go(func() { seedStale(ctx, o) })
	for i := range o.Clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(o.Seed, uint64(i)))
			for ctx.Err() == nil {
				p := newPersona(o.Schema, rng)
				if err := runClient(ctx, o, p, rng); err != nil && ctx.Err() == nil {
					o.Logger.Debug("demo client", "user", p.claims.User, "err", err)
					pause(ctx, time.Second+rand.N(time.Second))
				}
			}
		})
	}
	return f
}

func withDefaults(o Options) Options {
	if o.MinLifetime <= 0 {
		o.MinLifetime = time.Minute
	}
	if o.MaxLifetime <= o.MinLifetime {
		o.MaxLifetime = o.MinLifetime + 5*time.Minute
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = 25 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Seed == 0 {
		o.Seed = uint64(time.Now().UnixNano())
	}
	return o
}

// seedStale writes records of connections that are long gone, as dropped
// $disconnect events leave them on AWS: about one per 30 clients, at least 3
// (this27's still in their rooms).
func seedStale(ctx context.Context, o Options) {
	rng := rand.New(rand.NewPCG(o.Seed, 0xdead))
	n := max(3, o.Clients/30)
	for range n {
		p := newPersona(o.Schema, rng)
		c := data.Connection{
			ID: connectionID(rng), User: p.claims.User, App: p.claims.App, EntityType: o.Schema.AppEntity[p.claims.App],
			Platform: p.platform, BusinessID: p.claims.BusinessID, SourceIP: "198.51.100.23", UserAgent: p.userAgent(),
			ConnectedAt: time.Now().Add(-time.Duration(10+rng.IntN(90)) * time.Minute),
		}
		c.LastSeenAt = c.ConnectedAt
		if err := o.Registry.Create(ctx, false, o.Schema.EncodeConnection(c)); err != nil {
			o.Logger.Debug("demo stale record", "err", err)
			return
		}
		for _, room := range p.staleRooms() {
			sub := o.Schema.EncodeSubscription(data.Subscription{ConnectionID: c.ID, Key: room, Active: true})
			if err := o.Registry.Create(ctx, true, sub); err != nil {
				o.Logger.Debug("demo stale room entry", "err", err)
				return
			}
		}
	}
}

// connectionID makes an id in API Gateway's form (16 characters, ending "=").
func connectionID(rng *rand.Rand) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	b := make([]byte, 16)
	for i := range 15 {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	b[15] = '='
	return string(b)
}

func pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
