package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"wsops/data"
	"wsops/sandbox"
)

// benchSecret signs the bench clients' sandbox tokens (a throwaway value).
const benchSecret = "wsops-bench-sandbox-secret"

// managementRPS is the bench profiles' management_rps: half the AWS account
// throttle of 10,000/s, as an operator sharing it with the backend might set.
const managementRPS = 5000

// segments is the scan width of both wsops and the bare SDK scan.
const segments = 4

// env is one harness run: dynalite, an in-process sandbox whose tables live
// on that dynalite, a config file for the wsops binary, and the child
// process holding the live clients (started on demand).
type env struct {
	root, wsops string
	dir         string // scratch: config, payloads, the wsops state (audit, journals)
	sizes       Sizes
	quick       bool

	dynaliteURL string
	dynalitePID int // 0: an external dynalite (WSOPS_BENCH_DYNALITE_URL), whose CPU is not measured
	stopDyn     func() error
	db          *dynamodb.Client
	sb          *sandbox.Sandbox
	mgmt        *apigatewaymanagementapi.Client // SDK client straight at the sandbox
	proxy       *delayProxy                     // the emulated in-region round trip
	config      string
	fleet       data.Schema // the sandbox's tables (live clients' records)
	inventory   data.Schema // the inventory table

	clients  *clientFleet
	frames   int64          // bench frames the clients should have received so far
	capacity []capacityStep // each growth of the live fleet
	// plainScan is the bare parallel scan of the inventory (the repair plan's yardstick).
	plainScan time.Duration
	// lastCPU is the user+system CPU time of the last wsops run.
	lastCPU time.Duration
}

func startEnv(ctx context.Context, root, wsops string, sizes Sizes, quick bool) (*env, error) {
	dir, err := os.MkdirTemp("", "wsops-bench-")
	if err != nil {
		return nil, err
	}
	e := &env{root: root, wsops: wsops, dir: dir, sizes: sizes, quick: quick}
	if e.dynaliteURL, e.dynalitePID, e.stopDyn, err = startDynalite(ctx, root); err != nil {
		return nil, err
	}
	e.db = dynamoClient(e.dynaliteURL)
	// Errors only: at teardown thousands of $disconnect writes race the
	// shutdown, and their warnings would bury the harness's own output.
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	e.sb, err = sandbox.Start(ctx, sandbox.Config{
		Addr: "127.0.0.1:0", DynamoURL: e.dynaliteURL, Preset: "wizz", Secret: []byte(benchSecret),
		IdleTimeout: 2 * time.Hour, MaxDuration: 4 * time.Hour, Logger: log,
	})
	if err != nil {
		_ = e.stopDyn()
		return nil, fmt.Errorf("starting the sandbox: %w", err)
	}
	e.mgmt = managementClient(e.sb.Endpoints().ManagementURL)
	if e.proxy, err = startDelayProxy(e.sb.Endpoints().ManagementURL); err != nil {
		_ = e.close()
		return nil, err
	}
	e.fleet, _ = data.PresetSchema("wizz")
	e.inventory, _ = data.PresetSchema("wizz")
	e.inventory.Connections.Table.Name = "bench_inventory_connections"
	e.inventory.Subscriptions.Table.Name = "bench_inventory_subscriptions"
	if err := e.writeConfig(); err != nil {
		_ = e.close()
		return nil, err
	}
	return e, nil
}

// close stops the clients, the proxy, the sandbox and dynalite, and removes the scratch directory.
func (e *env) close() error {
	var errs []error
	if e.clients != nil {
		errs = append(errs, e.clients.close())
	}
	if e.proxy != nil {
		errs = append(errs, e.proxy.close())
	}
	if e.sb != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		errs = append(errs, e.sb.Close(ctx))
		cancel()
	}
	if e.stopDyn != nil {
		errs = append(errs, e.stopDyn())
	}
	errs = append(errs, os.RemoveAll(e.dir))
	return errors.Join(errs...)
}

// writeConfig writes the wsops config: "fleet" (the sandbox's tables, its
// management API), "fleet-rtt" (the same through the delay proxy),
// "inventory" (the inventory table), and the far group's profiles through
// the proxy: "far-R" (management_rps R) and "far-logout".
func (e *env) writeConfig() error {
	ep := e.sb.Endpoints()
	var extra string
	profileAt := func(name, mgmt string, rps float64, extra string) string {
		s := fmt.Sprintf("[profiles.%s]\nsandbox = true\npreset = \"wizz\"\nwebsocket_url = %q\ndynamodb_url = %q\nscan_segments = %d\nmanagement_rps = %g\n",
			name, ep.WebSocketURL, e.dynaliteURL, segments, rps)
		if mgmt != "" {
			s += fmt.Sprintf("management_url = %q\n", mgmt)
		}
		return s + extra + "\n"
	}
	profile := func(name, mgmt string, extra string) string { return profileAt(name, mgmt, managementRPS, extra) }
	far := e.proxy.url + "/" + ep.Stage
	for _, rate := range farRates {
		extra += profileAt(fmt.Sprintf("far-%g", rate), far, rate, "")
	}
	extra += profileAt("far-logout", far, farProfileRPS, "")
	cfg := "default_profile = \"fleet\"\n\n" +
		profile("fleet", "", "") +
		profile("fleet-rtt", e.proxy.url+"/"+ep.Stage, "") +
		profile("inventory", "", fmt.Sprintf("[profiles.inventory.schema.connections]\ntable = %q\n[profiles.inventory.schema.subscriptions]\ntable = %q\n",
			e.inventory.Connections.Table.Name, e.inventory.Subscriptions.Table.Name)) + extra
	e.config = filepath.Join(e.dir, "config.toml")
	return os.WriteFile(e.config, []byte(cfg), 0o600)
}

// wsopsRun runs the wsops binary with the bench config and its state in the
// scratch directory, and returns its stdout and wall time.
func (e *env) wsopsRun(ctx context.Context, stdout io.Writer, args ...string) (time.Duration, error) {
	cmd := exec.CommandContext(ctx, e.wsops, append([]string{"--config", e.config}, args...)...)
	cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+filepath.Join(e.dir, "state"), "WSOPS_PROFILE=")
	cmd.Stdout = stdout
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	if cmd.ProcessState != nil {
		e.lastCPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	if err != nil {
		return took, fmt.Errorf("wsops %s: %w: %s", shortArgs(args), err, strings.TrimSpace(stderr.String()))
	}
	return took, nil
}

// shortArgs is args for an error message: a long one (a logout's 2,000
// connection ids) cut short.
func shortArgs(args []string) string {
	const most = 80
	short := make([]string, len(args))
	for i, a := range args {
		if len(a) > most {
			a = fmt.Sprintf("%s…(%d bytes)", a[:most], len(a))
		}
		short[i] = a
	}
	return strings.Join(short, " ")
}

// startDynalite starts the pinned dynalite (tools/node/start.js) on a free
// loopback port and returns its URL, its process id and the function that
// stops it.
func startDynalite(ctx context.Context, root string) (string, int, func() error, error) {
	if url := os.Getenv("WSOPS_BENCH_DYNALITE_URL"); url != "" {
		return url, 0, func() error { return nil }, nil
	}
	cmd := exec.Command("node", filepath.Join(root, "tools", "node", "start.js"))
	stdin, err := cmd.StdinPipe() // dynalite stops when its stdin closes
	if err != nil {
		return "", 0, nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", 0, nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", 0, nil, fmt.Errorf("starting dynalite (run `make tools` first): %w", err)
	}
	// Killed, not asked to stop: start.js's graceful stop (server.close)
	// waits for every keep-alive connection, which this process's SDK
	// clients hold open for their idle timeout (90 s). dynalite keeps
	// everything in memory, so nothing is lost.
	stop := func() error {
		_ = stdin.Close()
		_ = cmd.Process.Kill()
		err := cmd.Wait()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return nil // killed
		}
		return err
	}
	line := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(stdout)
		if s.Scan() {
			line <- s.Text()
		}
		close(line)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case url, ok := <-line:
		if !ok || !strings.HasPrefix(url, "http://") {
			_ = stop()
			return "", 0, nil, fmt.Errorf("dynalite did not start (is tools/node installed? run `make tools`)")
		}
		return url, cmd.Process.Pid, stop, nil
	case <-time.After(30 * time.Second):
		_ = stop()
		return "", 0, nil, fmt.Errorf("dynalite did not print its URL within 30 s")
	case <-ctx.Done():
		_ = stop()
		return "", 0, nil, ctx.Err()
	}
}

func dynamoClient(url string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider("bench", "bench", ""),
		RetryMaxAttempts: 8,
	})
}

func managementClient(url string) *apigatewaymanagementapi.Client {
	return apigatewaymanagementapi.New(apigatewaymanagementapi.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider("bench", "bench", ""),
		RetryMaxAttempts: 1,
	})
}
