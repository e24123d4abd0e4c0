package gateway

import (
	"log/slog"
	"math/rand/v2"
	"time"
)

// AWS defaults.
const (
	// DefaultStage is the stage name when Options.Stage is empty.
	DefaultStage = "dev"
	// DefaultIdleTimeout is API Gateway's idle connection timeout.
	DefaultIdleTimeout = 10 * time.Minute
	// DefaultMaxDuration is API Gateway's maximum connection duration.
	DefaultMaxDuration = 2 * time.Hour
	// DefaultIntegrationTimeout is API Gateway's integration timeout.
	DefaultIntegrationTimeout = 29 * time.Second
)

// Options configure a Gateway. The zero value is AWS's behaviour on stage "dev".
type Options struct {
	// Stage is the stage name in every path; default "dev".
	Stage string
	// IdleTimeout closes a connection (1001 "Going away") when no frame went
	// either way for this long; default 10 minutes, as AWS.
	IdleTimeout time.Duration
	// MaxDuration closes a connection (1001 "Going away") this long after it
	// opened; default 2 hours, as AWS.
	MaxDuration time.Duration
	// IntegrationTimeout bounds each Backend call; default 29 s, AWS's
	// integration timeout. A Handle that runs out of it is answered with
	// {"message": "Endpoint request timed out", …}.
	IntegrationTimeout time.Duration
	// ManagementRPS throttles the management API (all methods together):
	// beyond it calls get 429 LimitExceededException. 0 means unlimited.
	ManagementRPS float64
	// ManagementBurst is the token bucket's size; default max(1, ManagementRPS/2).
	ManagementBurst int
	// DropDisconnects is the share (0..1) of $disconnect events that are lost
	// and never reach the backend, as AWS's best-effort delivery can lose them.
	DropDisconnects float64
	// Rand drives connection ids, request ids and dropped disconnects;
	// default a randomly seeded generator. The gateway serialises its use.
	Rand *rand.Rand
	// Now is the clock for connectedAt, lastActiveAt and the throttle;
	// default time.Now. Timeouts always run on the real clock.
	Now func() time.Time
	// Logger receives lifecycle events at debug level; default discards.
	Logger *slog.Logger
	// Observer hears of every request the API answers (for the stage's
	// CloudWatch metrics); nil: none.
	Observer Observer
	// RequestLog hears of every request of the stage's routes (for the
	// stage's access and execution logs and the Lambdas' logs); nil: none.
	RequestLog RequestLog
}

func (o Options) withDefaults() Options {
	if o.Stage == "" {
		o.Stage = DefaultStage
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.MaxDuration <= 0 {
		o.MaxDuration = DefaultMaxDuration
	}
	if o.IntegrationTimeout <= 0 {
		o.IntegrationTimeout = DefaultIntegrationTimeout
	}
	if o.Rand == nil {
		o.Rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}
