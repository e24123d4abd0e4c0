package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"wsops/auth"
)

func TestSandboxPrintsEndpointsFirstAndStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var errOut strings.Builder
	done := make(chan int, 1)
	go func() {
		done <- Execute(ctx, []string{"sandbox", "--addr", "127.0.0.1:0", "--mongodb-addr", "127.0.0.1:0", "--preset", "this27", "-o", "json"},
			Streams{In: strings.NewReader(""), Out: pw, Err: &errOut})
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no first line: %v (stderr %q)", err, errOut.String())
	}
	var e map[string]string
	if err := json.Unmarshal([]byte(line), &e); err != nil {
		t.Fatalf("first line %q is not JSON", line)
	}
	for _, k := range []string{"websocket_url", "management_url", "mongodb_uri", "apigateway_url", "cloudwatch_url", "logs_url", "api", "stage", "preset"} {
		if e[k] == "" {
			t.Errorf("endpoints lack %q: %s", k, line)
		}
	}
	if _, ok := e["dynamodb_url"]; ok || !strings.HasPrefix(e["mongodb_uri"], "mongodb://127.0.0.1:") {
		t.Errorf("this27's registry: dynamodb_url %q, mongodb_uri %q; want MongoDB only", e["dynamodb_url"], e["mongodb_uri"])
	}
	host := strings.TrimSuffix(strings.TrimPrefix(e["websocket_url"], "ws://"), "/dev")
	if e["preset"] != "this27" || !strings.HasPrefix(e["websocket_url"], "ws://127.0.0.1:") || !strings.HasSuffix(e["management_url"], "/dev") ||
		e["apigateway_url"] != "http://"+host+"/_aws/apigatewayv2" || e["cloudwatch_url"] != "http://"+host+"/_aws/cloudwatch" ||
		e["logs_url"] != "http://"+host+"/_aws/logs" || e["api"] != "this27-websocket-dev" {
		t.Errorf("endpoints %v", e)
	}
	go io.Copy(io.Discard, pr)
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("sandbox exited %d after cancel: %s", code, errOut.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("sandbox still running 20s after cancel")
	}
}

func TestTokenMintsWhatTheSandboxAccepts(t *testing.T) {
	t.Setenv("WSOPS_CONFIG", "")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir()) // no file: the built-in sandbox profile
	t.Setenv(SandboxSecretEnv, "cli-test-secret")
	t.Setenv("WSOPS_PROFILE", "")
	out, errOut, code := run(t, "token", "--user", "u-9", "--app", "order-receiver", "--business", "b-1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	tok := strings.TrimSpace(out)
	if strings.Count(out, "\n") != 1 {
		t.Fatalf("want the token alone on one line, got %q", out)
	}
	c, err := auth.Verify([]byte("cli-test-secret"), tok, time.Now())
	if err != nil || c.User != "u-9" || c.EntityType != "merchant" || c.BusinessID != "b-1" {
		t.Fatalf("claims %+v, %v", c, err)
	}
	if _, errOut, code := run(t, "token", "--app", "spaceship"); code != ExitUsage || !strings.Contains(errOut, "spaceship") {
		t.Fatalf("unknown app: exit %d %q", code, errOut)
	}
	if _, errOut, code := run(t, "token", "--platform", "windows-phone"); code != ExitUsage || !strings.Contains(errOut, "windows-phone") {
		t.Fatalf("unknown platform: exit %d %q", code, errOut)
	}
	out, _, _ = run(t, "token", "--platform", "ios")
	if c, err := auth.Verify([]byte("cli-test-secret"), strings.TrimSpace(out), time.Now()); err != nil || c.Platform != "ios" {
		t.Fatalf("platform claim %+v, %v", c, err)
	}
}

// A registry flag the preset cannot have is a usage error, said plainly,
// and nothing starts.
func TestSandboxRegistryFlagsAreChecked(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--registry", "redis"}, `--registry "redis": want dynamodb or mongodb`},
		{[]string{"--preset", "wizz", "--registry", "mongodb"}, "only the this27 preset keeps its registry in MongoDB"},
		{[]string{"--preset", "this27", "--dynamodb-url", "http://127.0.0.1:9"}, "the this27 sandbox keeps its registry in MongoDB"},
		{[]string{"--preset", "wizz", "--mongodb-uri", "mongodb://127.0.0.1:9/"}, "the wizz sandbox keeps its registry in DynamoDB"},
	} {
		_, errOut, code := run(t, append([]string{"sandbox", "--addr", "127.0.0.1:0"}, c.args...)...)
		if code != ExitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("sandbox %v: exit %d, %q; want exit %d saying %q", c.args, code, errOut, ExitUsage, c.want)
		}
	}
}
