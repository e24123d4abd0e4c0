package cli

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"wsops/auth"
	"wsops/config"
	"wsops/sandbox"
	"wsops/sandbox/cwlogs"
	"wsops/secret"
)

// SandboxSecretEnv overrides the sandbox's token secret.
const SandboxSecretEnv = "WSOPS_SANDBOX_SECRET"

func newSandboxCmd(g *globals) *cobra.Command {
	var cfg sandbox.Config
	var secret string
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Run the local API Gateway WebSocket sandbox in the foreground",
		Long: `Run an AWS-faithful local API Gateway WebSocket API: WebSocket upgrades at
/{stage}, the management API at /{stage}/@connections/{id}, the preset's registry
(wizz: tables on an embedded DynamoDB, or --dynamodb-url; this27: documents on an
embedded MongoDB-wire server, FerretDB, or --mongodb-uri), the reference backends' routes,
and with --demo N simulated clients. On the same listener, apigatewayv2's read
calls (under /_aws/apigatewayv2) describe the API, CloudWatch's GetMetricData
(under /_aws/cloudwatch) serves its AWS/ApiGateway metrics, and CloudWatch Logs
(under /_aws/logs: FilterLogEvents, StartLiveTail…) serves the access, execution
and Lambda logs a deployment writes, each group its newest --log-events events.
Listens on loopback unless told otherwise.
The token secret is --secret, else $WSOPS_SANDBOX_SECRET, else a development default.`,
		Example: `  wsops sandbox --demo 300
  wsops sandbox --preset this27 -o json
  wsops sandbox --preset this27 --mongodb-uri "$MONGO_URI"
  wsops sandbox --dynamodb-url http://127.0.0.1:4567 --drop-disconnects 0.1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out, err := g.format()
			if err != nil {
				return err
			}
			cfg.Secret = []byte(sandboxSecret(secret, ""))
			// Warnings ($disconnect failures, say) go to stderr; the rest is quiet.
			cfg.Logger = slog.New(slog.NewTextHandler(g.streams.Err, &slog.HandlerOptions{Level: slog.LevelWarn}))
			return runSandbox(cmd.Context(), g, out, cfg, secret != "")
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Addr, "addr", "", "WebSocket and management API address (default "+config.SandboxAddr+", this27: "+config.SandboxThis27Addr+")")
	f.StringVar(&cfg.Registry, "registry", "", "the registry's store: dynamodb or mongodb (default: mongodb for this27, as this27 keeps it; dynamodb for wizz)")
	f.StringVar(&cfg.DynamoAddr, "dynamodb-addr", config.SandboxDynamoAddr, "embedded DynamoDB address")
	f.StringVar(&cfg.DynamoURL, "dynamodb-url", "", "keep the tables on this DynamoDB endpoint instead of the embedded one")
	f.StringVar(&cfg.MongoAddr, "mongodb-addr", config.SandboxMongoAddr, "embedded MongoDB-wire (FerretDB) address: any MongoDB client can connect")
	f.StringVar(&cfg.MongoURI, "mongodb-uri", "", "keep the documents on this MongoDB instead of the embedded one (mongodb://…; its path names the database, default this27)")
	f.StringVar(&cfg.Preset, "preset", "wizz", "backend and schema: wizz or this27")
	f.StringVar(&cfg.Stage, "stage", config.SandboxStage, "stage name (the URL path)")
	f.IntVar(&cfg.Demo, "demo", 0, "run N simulated clients")
	f.StringVar(&secret, "secret", "", "HS256 token secret (default $"+SandboxSecretEnv+", else the development default)")
	f.DurationVar(&cfg.IdleTimeout, "idle-timeout", 10*time.Minute, "close connections idle this long (AWS: 10m)")
	f.DurationVar(&cfg.MaxDuration, "max-duration", 2*time.Hour, "close connections older than this (AWS: 2h)")
	f.Float64Var(&cfg.ManagementRPS, "management-rps", 0, "answer 429 beyond this many management calls per second (0: no limit)")
	f.Float64Var(&cfg.DropDisconnects, "drop-disconnects", 0, "lose this share (0..1) of $disconnect events, leaving stale records")
	f.IntVar(&cfg.LogEvents, "log-events", cwlogs.DefaultMaxEvents, "keep this many events per log group (the oldest are dropped)")
	return cmd
}

// sandboxSecret picks the token secret: a flag, the environment, a profile's
// sandbox_secret, or the development default.
func sandboxSecret(flag, profile string) string {
	for _, s := range []string{flag, os.Getenv(SandboxSecretEnv), profile} {
		if s != "" {
			return s
		}
	}
	return auth.DefaultSandboxSecret
}

// stopBudget bounds how long Ctrl+C takes to stop the sandbox: connections
// not closed by then are dropped and their $disconnects cut short, which
// takes a moment more for thousands (the process is gone within 5 s).
const stopBudget = 3 * time.Second

func runSandbox(ctx context.Context, g *globals, out format, cfg sandbox.Config, secretFlag bool) error {
	if cfg.DropDisconnects < 0 || cfg.DropDisconnects > 1 {
		return usageError(fmt.Errorf("--drop-disconnects %v: want a share from 0 to 1", cfg.DropDisconnects))
	}
	if cfg.Demo < 0 || cfg.ManagementRPS < 0 {
		return usageError(fmt.Errorf("--demo and --management-rps must not be negative"))
	}
	if cfg.LogEvents < 1 {
		return usageError(fmt.Errorf("--log-events %d: want at least 1", cfg.LogEvents))
	}
	switch reg := sandbox.RegistryOf(cfg); {
	case reg != config.RegistryDynamoDB && reg != config.RegistryMongoDB:
		return usageError(fmt.Errorf("--registry %q: want %s or %s", reg, config.RegistryDynamoDB, config.RegistryMongoDB))
	case reg == config.RegistryMongoDB && cfg.Preset != "this27":
		return usageError(fmt.Errorf("--registry %s: only the this27 preset keeps its registry in MongoDB", reg))
	case reg == config.RegistryMongoDB && cfg.DynamoURL != "":
		return usageError(fmt.Errorf("--dynamodb-url: the %s sandbox keeps its registry in MongoDB (--mongodb-uri), or give --registry %s", cfg.Preset, config.RegistryDynamoDB))
	case reg == config.RegistryDynamoDB && cfg.MongoURI != "":
		return usageError(fmt.Errorf("--mongodb-uri: the %s sandbox keeps its registry in DynamoDB (--dynamodb-url)", cfg.Preset))
	}
	sb, err := sandbox.Start(ctx, cfg)
	if err != nil {
		return failed(err)
	}
	e := sb.Endpoints()
	where := cmp.Or(e.DynamoDBURL, e.MongoDBURI)
	if out == formatTable {
		printBanner(g.streams.Out, e, cfg.Demo, secretFlag)
	} else if err := writeJSON(g.streams.Out, e); err != nil {
		return failed(err)
	}
	<-ctx.Done()
	how := "the embedded DynamoDB's tables go with it"
	if e.MongoDBURI != "" {
		how = "the embedded MongoDB's documents go with it"
	}
	if !sb.Embedded() {
		how = "running their $disconnect on " + where
	}
	fmt.Fprintf(g.streams.Err, "wsops sandbox: stopping: closing %d connections (%s)…\n", sb.Connections(), how)
	stop, cancel := context.WithTimeout(context.Background(), stopBudget)
	defer cancel()
	if err := sb.Close(stop); err != nil {
		if !sb.Embedded() {
			err = fmt.Errorf("%w; the records of the connections cut short stay on %s (wsops prune deletes them)", err, where)
		}
		return failed(fmt.Errorf("stopping the sandbox: %w", err))
	}
	return nil
}

// printBanner prints where the sandbox listens (the addresses its listeners
// hold: a port the system chose for :0 included) and how to use it. The
// commands it names reach this sandbox: through the built-in sandbox profile
// when the sandbox is at that profile's addresses (and preset), else through
// a profile it prints for the config file.
func printBanner(w io.Writer, e sandbox.Endpoints, demo int, secretFlag bool) {
	fmt.Fprintf(w, "wsops sandbox: preset %s, stage %s\n", e.Preset, e.Stage)
	store := fmt.Sprintf("  dynamodb    %s\n", e.DynamoDBURL)
	if e.MongoDBURI != "" {
		store = fmt.Sprintf("  mongodb     %s\n", e.MongoDBURI)
	}
	fmt.Fprintf(w, "  websocket   %s\n  management  %s\n%s  apigateway  %s\n  cloudwatch  %s\n  logs        %s\n",
		e.WebSocketURL, e.ManagementURL, store, e.APIGatewayURL, e.CloudWatchURL, e.LogsURL)
	if demo > 0 {
		fmt.Fprintf(w, "  demo        %d simulated clients\n", demo)
	}
	// A built-in profile finds its URLs in the sandbox's apigatewayv2: it
	// fits a sandbox at its apigatewayv2, registry, preset and stage.
	profile := builtinFor(e)
	if profile == "" {
		profile = sandboxProfileName(e)
		fmt.Fprintf(w, "\nThe built-in sandbox profiles expect the sandboxes at their default addresses (wsops sandbox --help).\n"+
			"For this sandbox, add this profile to the config file ($%s, else ~/.config/wsops/config.toml):\n", config.ConfigEnv)
		fmt.Fprintf(w, "  [profiles.%s]\n  sandbox = true\n  preset = %q\n  api = %q\n  websocket_url = %q\n", profile, e.Preset, e.API, e.WebSocketURL)
		if uri := e.MongoDBURI; uri != "" {
			if strings.Contains(uri, ":"+secret.URIMask+"@") {
				uri = "${env:MONGO_URI}" // its password stays where it is
			}
			fmt.Fprintf(w, "  registry = %q\n  mongodb_uri = %q\n", config.RegistryMongoDB, uri)
		} else {
			fmt.Fprintf(w, "  registry = %q\n  dynamodb_url = %q\n", config.RegistryDynamoDB, e.DynamoDBURL)
		}
		fmt.Fprintf(w, "  apigateway_url = %q\n  cloudwatch_url = %q\n  logs_url = %q\n", e.APIGatewayURL, e.CloudWatchURL, e.LogsURL)
	}
	if secretFlag {
		fmt.Fprintf(w, "\nStarted with --secret: wsops token and wsops connect --as sign with $%s, else the\n"+
			"profile's sandbox_secret: give them the same secret.\n", SandboxSecretEnv)
	}
	fmt.Fprintf(w, "\nConnect a client:\n  wscat -c \"%s?token=$(wsops token --profile %s --user u-1)&platform=ios\"\n", e.WebSocketURL, profile)
	msg, reply := `{"action":"heartbeat"}`, "heartbeat_ack"
	if e.Preset == "this27" {
		msg, reply = `{"action":"ping"}`, "pong"
	}
	fmt.Fprintf(w, "Test the round trip (a test client; drop --send for an interactive one):\n  wsops connect --profile %s --as user=u-1,platform=ios --send '%s' --expect %s\n", profile, msg, reply)
	fmt.Fprintf(w, "List the fleet:\n  wsops conns --profile %s\n", profile)
	fmt.Fprintf(w, "Read the API's access, execution and Lambda logs (--follow: live):\n  wsops logs --profile %s --since 10m\nCtrl+C stops the sandbox.\n", profile)
}

// builtinFor is the built-in profile that reaches the sandbox at e, or "".
func builtinFor(e sandbox.Endpoints) string {
	for name, b := range config.Builtin().Profiles {
		uri, _ := b.MongoDB.Resolve()
		if b.APIGatewayURL == e.APIGatewayURL && b.CloudWatchURL == e.CloudWatchURL && b.LogsURL == e.LogsURL &&
			b.Preset == e.Preset && b.Stage == e.Stage && b.DynamoDBURL == e.DynamoDBURL && uri == e.MongoDBURI {
			return name
		}
	}
	return ""
}

// sandboxProfileName names a profile for a sandbox away from the built-in
// profile's addresses: "sandbox-" and its port.
func sandboxProfileName(e sandbox.Endpoints) string {
	if u, err := url.Parse(e.WebSocketURL); err == nil && u.Port() != "" {
		return config.SandboxProfile + "-" + u.Port()
	}
	return config.SandboxProfile + "-" + e.Preset
}
