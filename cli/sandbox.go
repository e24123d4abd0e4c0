package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/spf13/cobra"

	"wsops/auth"
	"wsops/config"
	"wsops/sandbox"
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
tables on an embedded DynamoDB (or --dynamodb-url), the reference backends' routes,
and with --demo N simulated clients. Listens on loopback unless told otherwise.
The token secret is --secret, else $WSOPS_SANDBOX_SECRET, else a development default.`,
		Example: `  wsops sandbox --demo 300
  wsops sandbox --preset this27 -o json
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
			return runSandbox(cmd.Context(), g, out, cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Addr, "addr", config.SandboxAddr, "WebSocket and management API address")
	f.StringVar(&cfg.DynamoAddr, "dynamodb-addr", config.SandboxDynamoAddr, "embedded DynamoDB address")
	f.StringVar(&cfg.DynamoURL, "dynamodb-url", "", "keep the tables on this DynamoDB endpoint instead of the embedded one")
	f.StringVar(&cfg.Preset, "preset", "wizz", "backend and schema: wizz or this27")
	f.StringVar(&cfg.Stage, "stage", config.SandboxStage, "stage name (the URL path)")
	f.IntVar(&cfg.Demo, "demo", 0, "run N simulated clients")
	f.StringVar(&secret, "secret", "", "HS256 token secret (default $"+SandboxSecretEnv+", else the development default)")
	f.DurationVar(&cfg.IdleTimeout, "idle-timeout", 10*time.Minute, "close connections idle this long (AWS: 10m)")
	f.DurationVar(&cfg.MaxDuration, "max-duration", 2*time.Hour, "close connections older than this (AWS: 2h)")
	f.Float64Var(&cfg.ManagementRPS, "management-rps", 0, "answer 429 beyond this many management calls per second (0: no limit)")
	f.Float64Var(&cfg.DropDisconnects, "drop-disconnects", 0, "lose this share (0..1) of $disconnect events, leaving stale records")
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

func runSandbox(ctx context.Context, g *globals, out format, cfg sandbox.Config) error {
	if cfg.DropDisconnects < 0 || cfg.DropDisconnects > 1 {
		return usageError(fmt.Errorf("--drop-disconnects %v: want a share from 0 to 1", cfg.DropDisconnects))
	}
	if cfg.Demo < 0 || cfg.ManagementRPS < 0 {
		return usageError(fmt.Errorf("--demo and --management-rps must not be negative"))
	}
	sb, err := sandbox.Start(ctx, cfg)
	if err != nil {
		return failed(err)
	}
	e := sb.Endpoints()
	if out == formatTable {
		printBanner(g, e, cfg.Demo)
	} else if err := writeJSON(g.streams.Out, e); err != nil {
		return failed(err)
	}
	<-ctx.Done()
	stop, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := sb.Close(stop); err != nil {
		return failed(fmt.Errorf("stopping the sandbox: %w", err))
	}
	return nil
}

func printBanner(g *globals, e sandbox.Endpoints, demo int) {
	w := g.streams.Out
	fmt.Fprintf(w, "wsops sandbox: preset %s, stage %s\n", e.Preset, e.Stage)
	fmt.Fprintf(w, "  websocket   %s\n  management  %s\n  dynamodb    %s\n", e.WebSocketURL, e.ManagementURL, e.DynamoDBURL)
	if demo > 0 {
		fmt.Fprintf(w, "  demo        %d simulated clients\n", demo)
	}
	fmt.Fprintf(w, "\nConnect a client:\n  wscat -c \"%s?token=$(wsops token --user u-1)&platform=ios\"\n", e.WebSocketURL)
	msg, reply := `{"action":"heartbeat"}`, "heartbeat_ack"
	if e.Preset == "this27" {
		msg, reply = `{"action":"ping"}`, "pong"
	}
	fmt.Fprintf(w, "Test the round trip (a test client; drop --send for an interactive one):\n  wsops connect --as user=u-1,platform=ios --send '%s' --expect %s\n", msg, reply)
	fmt.Fprintf(w, "List the fleet:\n  wsops conns\nCtrl+C stops the sandbox.\n")
}
