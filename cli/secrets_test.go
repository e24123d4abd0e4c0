package cli

import (
	"bufio"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"wsops/internal/testrig"
)

// Planted secrets: a token given through the environment, a sandbox secret
// given through the environment, and a literal token written in the file.
// None may show in any output of any command, nor in the audit log or the
// journals; the literal one must draw a warning that names where it is
// without showing it, and so must the world-readable file that holds it.
const (
	plantedToken   = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwbGFudGVkLXVzZXIifQ.UExBTlRFRC1zaWduYXR1cmUtb2YtdGhlLXRva2Vu"
	plantedSandbox = "planted-sandbox-secret-7c1e9a4f2b8d"
	plantedLiteral = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJsaXRlcmFsIn0.TElURVJBTC1zaWduYXR1cmUtaW4tdGhlLWZpbGU"
)

// secretFragments are the parts of the planted secrets whose appearance
// anywhere counts as a leak (a redacted token keeps its first four characters).
var secretFragments = []string{plantedToken[10:], plantedToken[len(plantedToken)-24:], plantedSandbox, plantedSandbox[8:],
	plantedLiteral[10:], plantedLiteral[len(plantedLiteral)-24:]}

func leaks(s string) string {
	for _, f := range secretFragments {
		if strings.Contains(s, f) {
			return f
		}
	}
	return ""
}

func TestPlantedSecretsNeverLeak(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	t.Setenv("WSOPS_PLANT_TOKEN", plantedToken)
	t.Setenv("WSOPS_PLANT_SANDBOX", plantedSandbox)
	t.Setenv(SandboxSecretEnv, plantedSandbox)
	w := testrig.StartSandboxWorld(t, testrig.WorldOptions{Clients: 2})
	t.Setenv("AWS_ACCESS_KEY_ID", "local")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "local")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("WSOPS_PROFILE", "")
	configPath := filepath.Join(t.TempDir(), "config.toml")
	// Profile dl is the sandbox world (its secret from the environment);
	// profile tok reads the same registry with a token from the environment.
	planted := `default_profile = "dl"
[profiles.dl]
sandbox = true
sandbox_secret = "${env:WSOPS_PLANT_SANDBOX}"
websocket_url = "` + w.Sandbox.Endpoints().WebSocketURL + `"
dynamodb_url = "` + w.Sandbox.Endpoints().DynamoDBURL + `"

[profiles.tok]
region = "us-east-1"
websocket_url = "wss://example.execute-api.us-east-1.amazonaws.com/dev"
management_url = "` + w.ManagementURL + `"
dynamodb_url = "` + w.Sandbox.Endpoints().DynamoDBURL + `"
[profiles.tok.token]
value = "${env:WSOPS_PLANT_TOKEN}"

[profiles.lit]
region = "us-east-1"
websocket_url = "wss://example.execute-api.us-east-1.amazonaws.com/dev"
dynamodb_url = "` + w.ManagementURL + `"
[profiles.lit.token]
value = "` + plantedLiteral + `"
`
	err := os.WriteFile(configPath, []byte(planted), 0o644)
	if err != nil { // world-readable, with a literal secret
		t.Fatal(err)
	}
	if err := os.Chmod(configPath, 0o644); err != nil {
		t.Fatal(err)
	}
	notice := filepath.Join(t.TempDir(), "notice.json")
	if err := os.WriteFile(notice, []byte(`{"token":"`+plantedToken+`"}`), 0o600); err != nil {
		t.Fatal(err)
	}

	runs := [][]string{
		{"config"}, {"config", "-o", "json"}, {"--profile", "tok", "config"}, {"--profile", "lit", "config", "-o", "json"},
		{"conns"}, {"conns", "-o", "json", "--live"}, {"subs"},
		{"--profile", "tok", "conns"}, {"--profile", "lit", "conns"},
		{"send", "--all", "--data", `{"ping":1}`, "--yes"},
		{"send", "--all", "--data", "@" + notice, "--dry-run"},
		{"send", "--conn", "Nope0000000000A=", "--data", `{"secret":"` + plantedToken + `"}`, "--yes"},
		{"send", "--all", "--data", `{"x":` + plantedToken + `}`, "--yes"}, // not JSON: the error must not quote it
		{"logout", "--user", "nobody", "--yes"}, {"logout", "--conn", "Nope0000000000A=", "--notice", `{"t":"` + plantedToken + `"}`, "--yes"},
		{"prune", "--yes"}, {"--profile", "tok", "prune", "--dry-run"},
		{"token", "--user", "u-1"},
		{"--profile", "lit", "token"}, {"--profile", "nosuch", "conns"}, {"audit"}, {"audit", "-o", "json"},
		{"--bogus-flag", plantedToken}, {"send", "--resume", filepath.Join(state, "none.jsonl"), "--yes"},
	}
	for _, args := range runs {
		out, errOut, code := run(t, append([]string{"--config", configPath}, args...)...)
		if frag := leaks(out + errOut); frag != "" {
			t.Errorf("wsops %q (exit %d) printed the secret fragment %q:\n%s\n%s", args, code, frag, out, errOut)
		}
		if testing.Verbose() {
			t.Logf("wsops %q: exit %d\n%.600s\n%.600s", args, code, out, errOut)
		}
	}
	_, errOut, _ := run(t, "--config", configPath, "config")
	if !strings.Contains(errOut, `profile "lit": key "token.value"`) || !strings.Contains(errOut, "literal secret and is readable by group or others") {
		t.Errorf("no warnings about the literal token and the world-readable file:\n%s", errOut)
	}

	// Everything wsops wrote to disk: the audit log and the journals.
	files := 0
	err = filepath.WalkDir(state, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if frag := leaks(string(b)); frag != "" {
			t.Errorf("%s holds the secret fragment %q", path, frag)
		}
		return nil
	})
	if err != nil || files == 0 {
		t.Fatalf("walking the state directory: %d files, %v", files, err)
	}

	// The sandbox's own output and logs, started with the planted secret.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var sbErr strings.Builder
	done := make(chan int, 1)
	go func() {
		done <- Execute(ctx, []string{"sandbox", "--addr", "127.0.0.1:0", "--dynamodb-addr", "127.0.0.1:0", "--secret", plantedSandbox, "--demo", "3"},
			Streams{In: strings.NewReader(""), Out: pw, Err: &sbErr})
		pw.Close()
	}()
	first, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("sandbox: %v %s", err, sbErr.String())
	}
	rest := make(chan string, 1)
	go func() { b, _ := io.ReadAll(pr); rest <- string(b) }()
	cancel()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("sandbox did not stop")
	}
	if frag := leaks(first + <-rest + sbErr.String()); frag != "" {
		t.Errorf("wsops sandbox printed the secret fragment %q", frag)
	}
}
