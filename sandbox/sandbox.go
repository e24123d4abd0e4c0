// Package sandbox runs wsops's local, AWS-faithful world: an emulated API
// Gateway WebSocket stage (sandbox/gateway) with its management API, the
// API's apigatewayv2 description (sandbox/control), CloudWatch metrics
// (sandbox/metrics) and the logs a deployment writes — access, execution
// and Lambda logs (sandbox/stagelog) served through CloudWatch Logs
// (sandbox/cwlogs) —, the preset's registry (tables on an embedded DynamoDB,
// sandbox/dynamo, or any DynamoDB endpoint; for this27, documents on an
// embedded MongoDB-wire server, sandbox/mongodb, or any MongoDB), the
// reference backends' route handlers (sandbox/backend), and optional demo
// traffic (sandbox/demo). The console reaches it only over the network,
// exactly as it reaches AWS.
package sandbox

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"wsops/auth"
	"wsops/config"
	"wsops/data"
	"wsops/sandbox/backend"
	"wsops/sandbox/control"
	"wsops/sandbox/cwlogs"
	"wsops/sandbox/demo"
	"wsops/sandbox/gateway"
	"wsops/sandbox/metrics"
	"wsops/sandbox/stagelog"
	"wsops/secret"
)

// Config is how to run a sandbox. Zero values pick the defaults.
type Config struct {
	Addr string // WebSocket and management API listener (default 127.0.0.1:8787; this27: 127.0.0.1:8788)
	// Registry is the registry's store: dynamodb or mongodb (default:
	// mongodb for this27, as this27 keeps it; dynamodb for wizz).
	Registry        string
	DynamoAddr      string // embedded DynamoDB listener (default 127.0.0.1:8000)
	DynamoURL       string // use this DynamoDB endpoint instead of the embedded one
	MongoAddr       string // embedded MongoDB-wire (FerretDB) listener (default 127.0.0.1:27017)
	MongoURI        string // keep the documents on this MongoDB instead of the embedded one
	Preset          string // wizz (default) or this27
	Stage           string // default dev
	Region          string // the region the API's ARNs name (default us-east-1)
	Secret          []byte // HS256 secret for tokens (default auth.DefaultSandboxSecret)
	Demo            int    // simulated clients (0: none)
	IdleTimeout     time.Duration
	MaxDuration     time.Duration
	ManagementRPS   float64
	DropDisconnects float64
	// IncidentShare is the share of order-receiver connections written as the
	// pre-fix backend did (wizz); default 0.2 with demo traffic, else 0.
	IncidentShare float64
	// LogEvents bounds each of the API's log groups to this many events,
	// the oldest dropped (default cwlogs.DefaultMaxEvents, 100,000).
	LogEvents int
	// LiveTail tunes the logs' StartLiveTail (zero: AWS's limits).
	LiveTail cwlogs.LiveTailOptions
	Logger   *slog.Logger
}

// Endpoints are the sandbox's addresses, as `wsops sandbox -o json` prints them.
type Endpoints struct {
	WebSocketURL  string `json:"websocket_url"`
	ManagementURL string `json:"management_url"`
	// DynamoDBURL is where the registry's tables are ("" on MongoDB).
	DynamoDBURL string `json:"dynamodb_url,omitempty"`
	// MongoDBURI is where the registry's documents are, its password
	// redacted ("" on DynamoDB).
	MongoDBURI string `json:"mongodb_uri,omitempty"`
	// APIGatewayURL is the apigatewayv2 BaseEndpoint (read calls).
	APIGatewayURL string `json:"apigateway_url"`
	// CloudWatchURL is the CloudWatch BaseEndpoint (GetMetricData, awsQuery).
	CloudWatchURL string `json:"cloudwatch_url"`
	// LogsURL is the CloudWatch Logs BaseEndpoint (FilterLogEvents,
	// StartLiveTail…, awsJson 1.1).
	LogsURL string `json:"logs_url"`
	// API is the API's name, which a profile's api key takes.
	API    string `json:"api"`
	Stage  string `json:"stage"`
	Preset string `json:"preset"`
}

// Sandbox is a running sandbox.
type Sandbox struct {
	endpoints Endpoints
	gateway   *gateway.Gateway
	logs      *cwlogs.Store
	http      *http.Server
	registry  *registry
	demo      *demo.Fleet // nil: no demo traffic
	served    chan error
	log       *slog.Logger
}

// Start listens, readies the preset's registry (its tables, or its
// collection's indexes, where missing), and serves until Close. It returns once every endpoint answers.
func Start(ctx context.Context, cfg Config) (*Sandbox, error) {
	cfg = withDefaults(cfg)
	if _, ok := data.PresetSchema(cfg.Preset); !ok {
		return nil, fmt.Errorf("preset %q: want one of %v", cfg.Preset, data.PresetNames())
	}
	reg, err := openRegistry(ctx, cfg)
	if err != nil {
		return nil, err
	}
	s := &Sandbox{log: cfg.Logger, served: make(chan error, 1), registry: reg}
	be, err := backend.New(cfg.Preset, backend.Options{
		DB: reg.db, Registry: reg.store, Schema: reg.schema, Secret: cfg.Secret, IncidentShare: cfg.IncidentShare, Logger: cfg.Logger,
	})
	if err != nil {
		reg.stop(ctx)
		return nil, err
	}
	l, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		reg.stop(ctx)
		return nil, fmt.Errorf("gateway: %w", err)
	}
	host := l.Addr().String()
	api, err := control.New(control.Options{
		Preset: cfg.Preset, Stage: cfg.Stage, Region: cfg.Region,
		Endpoint: "ws://" + host, RouteKeys: gateway.RouteKeysOf(be),
	})
	if err != nil {
		_ = l.Close()
		reg.stop(ctx)
		return nil, err
	}
	rec := metrics.New(metrics.Options{APIID: api.ID(), Stage: cfg.Stage})
	s.logs = cwlogs.New(cwlogs.Options{Region: cfg.Region, Account: control.AccountID, MaxEvents: cfg.LogEvents, LiveTail: cfg.LiveTail})
	s.gateway = gateway.New(gateway.Options{
		Stage: cfg.Stage, IdleTimeout: cfg.IdleTimeout, MaxDuration: cfg.MaxDuration,
		ManagementRPS: cfg.ManagementRPS, DropDisconnects: cfg.DropDisconnects, Logger: cfg.Logger,
		Observer: rec,
		RequestLog: stagelog.New(stagelog.Options{
			Store: s.logs, APIID: api.ID(), Stage: cfg.Stage, Region: api.Region(),
			AccessGroup: api.AccessLogGroup(), AccessFormat: control.AccessLogFormat, Functions: api.Functions(),
		}),
	}, be)
	// Half-sent requests are cut after ReadHeaderTimeout, and idle
	// keep-alive connections (management API clients) after IdleTimeout:
	// neither may hold a goroutine and a socket for ever.
	s.http = &http.Server{
		Handler:           newHandler(s.gateway, api, rec.Handler(), s.logs),
		ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
	}
	go func() { s.served <- s.http.Serve(l) }()
	s.endpoints = Endpoints{
		WebSocketURL:  "ws://" + host + "/" + cfg.Stage,
		ManagementURL: "http://" + host + "/" + cfg.Stage,
		DynamoDBURL:   reg.dynamoURL,
		MongoDBURI:    secret.RedactURI(reg.mongoURI),
		APIGatewayURL: "http://" + host + APIGatewayPath,
		CloudWatchURL: "http://" + host + CloudWatchPath,
		LogsURL:       "http://" + host + LogsPath,
		API:           api.Name(),
		Stage:         cfg.Stage,
		Preset:        cfg.Preset,
	}
	if cfg.Demo > 0 {
		s.demo = demo.Start(demo.Options{
			URL: s.endpoints.WebSocketURL, Secret: cfg.Secret, Clients: cfg.Demo,
			Schema: reg.schema, Registry: reg.store, Logger: cfg.Logger,
		})
	}
	return s, nil
}

// DefaultConfig is cfg with every unset field given the value Start uses:
// loopback addresses, the default preset, stage and development secret.
func DefaultConfig(cfg Config) Config { return withDefaults(cfg) }

func withDefaults(cfg Config) Config {
	cfg.Preset = cmp.Or(cfg.Preset, config.DefaultPreset)
	cfg.Addr = cmp.Or(cfg.Addr, config.SandboxAddrOf(cfg.Preset))
	cfg.DynamoAddr = cmp.Or(cfg.DynamoAddr, config.SandboxDynamoAddr)
	cfg.MongoAddr = cmp.Or(cfg.MongoAddr, config.SandboxMongoAddr)
	cfg.Stage = cmp.Or(cfg.Stage, config.SandboxStage)
	cfg.Region = cmp.Or(cfg.Region, control.DefaultRegion)
	if len(cfg.Secret) == 0 {
		cfg.Secret = []byte(auth.DefaultSandboxSecret)
	}
	if cfg.Demo > 0 && cfg.IncidentShare == 0 {
		cfg.IncidentShare = 0.2
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return cfg
}

// dynamoClient is the sandbox's own DynamoDB client (the sandbox is a world
// apart from the console and builds its clients itself).
func dynamoClient(url string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider("sandbox", "sandbox", ""),
		RetryMaxAttempts: 5,
	})
}

// Endpoints returns the sandbox's addresses.
func (s *Sandbox) Endpoints() Endpoints { return s.endpoints }

// Gateway returns the emulated API stage (for in-process benchmarks and tests).
func (s *Sandbox) Gateway() *gateway.Gateway { return s.gateway }

// Logs returns the API's CloudWatch Logs (for in-process benchmarks and tests).
func (s *Sandbox) Logs() *cwlogs.Store { return s.logs }

// Close stops the sandbox within ctx: it closes every connection (each
// client hears 1001 "Going away"), stops the demo clients, the listeners
// and the embedded DynamoDB or MongoDB. Each closed connection's $disconnect
// runs as usual when the registry lives on a store of its own
// (--dynamodb-url, --mongodb-uri); with an embedded one it would vanish
// with the sandbox anyway, so the $disconnects are skipped. When ctx ends first, the connections still open
// are dropped, the $disconnects still running are cut short (their records
// stay, as after a lost $disconnect) and the error says how many.
func (s *Sandbox) Close(ctx context.Context) error {
	s.gateway.BeginShutdown(!s.registry.embedded)
	s.demo.Stop() // its clients leave now, and connect no more
	err := s.gateway.Shutdown(ctx, !s.registry.embedded)
	s.demo.Wait()
	errs := []error{err}
	s.logs.Close() // live tails end: the listener's Shutdown waits for no stream
	if err := s.http.Shutdown(ctx); err != nil {
		_ = s.http.Close() // out of time: management calls still running are cut
	}
	if err := <-s.served; !errors.Is(err, http.ErrServerClosed) {
		errs = append(errs, err)
	}
	s.registry.stop(ctx)
	if err == nil && ctx.Err() != nil {
		errs = append(errs, fmt.Errorf("stopping the listeners: calls still running were cut: %w", ctx.Err()))
	}
	return errors.Join(errs...)
}

// Connections is the number of live connections.
func (s *Sandbox) Connections() int { return s.gateway.Count() }

// Embedded reports whether the registry lives on the sandbox's own embedded
// DynamoDB or MongoDB (and goes with it when it stops).
func (s *Sandbox) Embedded() bool { return s.registry.embedded }
