package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"wsops/internal/testrig"
)

// connectWorld is a sandbox of preset and a config whose sandbox profile
// "sb" points at it, minting with the sandbox's secret.
func connectWorld(t *testing.T, preset string) (*testrig.SandboxWorld, string) {
	t.Helper()
	return connectWorldWith(t, testrig.WorldOptions{Preset: preset})
}

func connectWorldWith(t *testing.T, opts testrig.WorldOptions) (*testrig.SandboxWorld, string) {
	t.Helper()
	preset := opts.Preset
	if preset == "" {
		preset = "wizz"
	}
	w := testrig.StartSandboxWorld(t, opts)
	e := w.Sandbox.Endpoints()
	cfg := fmt.Sprintf("default_profile = \"sb\"\n[profiles.sb]\nsandbox = true\npreset = %q\nwebsocket_url = %q\nmanagement_url = %q\ndynamodb_url = %q\n"+
		"[profiles.plain]\nwebsocket_url = %q\n",
		preset, e.WebSocketURL, e.ManagementURL, e.DynamoDBURL, e.WebSocketURL)
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(SandboxSecretEnv, w.Secret())
	t.Setenv("WSOPS_PROFILE", "")
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	return w, path
}

// runIn is run with stdin.
func runIn(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Execute(context.Background(), args, Streams{In: strings.NewReader(stdin), Out: &out, Err: &errOut})
	return out.String(), errOut.String(), code
}

func TestConnectScripted(t *testing.T) {
	_, wizz := connectWorld(t, "wizz")
	_, this27 := connectWorld(t, "this27")
	for _, c := range []struct {
		name, config string
		args         []string
		code         int
		stdout       []string // lines, in order
		stderr       []string // substrings
	}{
		{
			name: "wizz heartbeat", config: wizz,
			args:   []string{"--send", `{"action":"heartbeat"}`, "--expect", "heartbeat_ack", "--timeout", "10s"},
			stdout: []string{`> {"action":"heartbeat"}`, `< {"type":"heartbeat_ack","ts":`},
			stderr: []string{"as sandbox-user (customers, customer, web; minted)", "connected (connection 1)"},
		},
		{
			name: "this27 subscribeToOrder", config: this27,
			args:   []string{"--as", "user=m-1,app=manager-web", "--send", `{"action":"subscribeToOrder","data":{"orderId":"o-77"}}`, "--expect", "order:o-77"},
			stdout: []string{`> {"action":"subscribeToOrder","data":{"orderId":"o-77"}}`, `< {"type":"subscribed","data":{"room":"order:o-77"}}`},
			stderr: []string{"as m-1 (manager-web, manager, web; minted)"},
		},
		{
			// The timeout also bounds the connect and the heartbeat's round
			// trip the stdout lines need: 2 s, not a few hundred ms, so that a
			// loaded race-enabled run has the time (unloaded it takes ~20 ms).
			name: "an expect that never comes", config: wizz, code: ExitFailed,
			args:   []string{"--send", `{"action":"heartbeat"}`, "--expect", "never-this", "--timeout", "2s"},
			stdout: []string{`> {"action":"heartbeat"}`, `< {"type":"heartbeat_ack"`},
			stderr: []string{`wsops: no message containing "never-this" within 2s`},
		},
		{
			name: "a bad token", config: wizz, code: ExitFailed,
			args:   []string{"--token", "not-a-jwt", "--expect", "x"},
			stderr: []string{"wsops: rejected: 401 Unauthorized"},
		},
		{
			name: "a token of another secret", config: wizz, code: ExitFailed,
			args:   []string{"--token", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJlLW9mLWFub3RoZXItc2VjcmV0", "--send", "{}"},
			stderr: []string{"wsops: rejected: 401 Unauthorized", "token=eyJh…("},
		},
		{
			name: "an unknown app", config: wizz, code: ExitUsage,
			args:   []string{"--as", "app=nope", "--send", "{}"},
			stderr: []string{`app "nope": the wizz preset knows`},
		},
		{
			name: "--as on a profile that is not a sandbox", config: wizz, code: ExitUsage,
			args:   []string{"--profile", "plain", "--as", "user=u", "--send", "{}"},
			stderr: []string{"not a sandbox profile"},
		},
		{
			name: "a profile without a token", config: wizz, code: ExitUsage,
			args:   []string{"--profile", "plain", "--send", "{}"},
			stderr: []string{"profile plain has no token"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, errOut, code := run(t, append([]string{"--config", c.config, "connect"}, c.args...)...)
			if code != c.code {
				t.Fatalf("exit %d, want %d\nstdout %s\nstderr %s", code, c.code, out, errOut)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			for i, want := range c.stdout {
				if i >= len(lines) || !strings.HasPrefix(lines[i], want) {
					t.Errorf("stdout line %d: want prefix %q in\n%s", i, want, out)
				}
			}
			for _, want := range c.stderr {
				if !strings.Contains(errOut, want) {
					t.Errorf("stderr lacks %q:\n%s", want, errOut)
				}
			}
			if strings.Contains(errOut+out, "c2lnbmF0dXJlLW9mLWFub3RoZXItc2VjcmV0") {
				t.Error("the token was printed in full")
			}
		})
	}
}

func TestConnectInteractive(t *testing.T) {
	_, cfg := connectWorld(t, "wizz")
	big := `{"action":"heartbeat","pad":"` + strings.Repeat("x", 200*1024) + `"}`
	stdin := big + "\n\n" + `{"action":"heartbeat"}` + "\n"
	out, errOut, code := runIn(t, stdin, "--config", cfg, "connect", "--as", "user=u-9,app=order-receiver,platform=android", "--expect", "heartbeat_ack")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "limit is 131072 bytes (128 KB): not sent") {
		t.Errorf("the 200 KB line was not refused clearly:\n%s", errOut)
	}
	if want := "> {\"action\":\"heartbeat\"}\n< {\"type\":\"heartbeat_ack\""; !strings.HasPrefix(out, want) {
		t.Errorf("stdout %q, want only the small message and its reply", out)
	}
	if !strings.Contains(errOut, "as u-9 (order-receiver, merchant, android; minted)") || !strings.Contains(errOut, "platform=android") {
		t.Errorf("stderr does not say whom it connects as:\n%s", errOut)
	}

	// The end of stdin closes the connection (1000, by the client): exit 0.
	out, errOut, code = runIn(t, `{"action":"heartbeat"}`+"\n", "--config", cfg, "connect", "-o", "jsonl")
	if code != 0 || !strings.Contains(errOut, "closed: 1000 normal closure") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	var first struct {
		Dir  string
		Size int
		Data string
	}
	if err := json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &first); err != nil || first.Dir != "out" || first.Size != 22 {
		t.Errorf("jsonl %q: %v", out, err)
	}
}

func TestConnectVerify(t *testing.T) {
	_, cfg := connectWorld(t, "wizz")
	for _, c := range []struct {
		name   string
		args   []string
		code   int
		stderr []string
	}{
		{"a merchant written right", []string{"--as", "user=m-1,app=order-receiver", "--verify"}, ExitOK,
			[]string{"registry: record ", "user m-1  app order-receiver  entity merchant  platform web", "registry: problems: none", "test broadcast: arrived "}},
		// The backend writes the app's entity type, not the token's: the two disagree.
		{"a token whose entity type the registry does not hold", []string{"--as", "user=m-2,app=order-receiver,entity=customer", "--verify"}, ExitFailed,
			[]string{`registry: problems: registry says entityType "merchant", the token says "customer"`, "test broadcast: arrived ", "wsops: verify: the connection's registry record has problems"}},
		{"read-only", []string{"--read-only", "--as", "user=m-3,app=order-receiver", "--verify"}, ExitOK,
			[]string{"registry: problems: none", "test broadcast: skipped, the profile is read-only"}},
		{"with --send and --expect", []string{"--verify", "--send", `{"action":"heartbeat"}`, "--expect", "heartbeat_ack"}, ExitOK,
			[]string{"registry: problems: none", "test broadcast: arrived "}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, errOut, code := run(t, append([]string{"--config", cfg, "connect"}, c.args...)...)
			if code != c.code {
				t.Fatalf("exit %d, want %d\n%s\n%s", code, c.code, out, errOut)
			}
			for _, want := range c.stderr {
				if !strings.Contains(errOut, want) {
					t.Errorf("stderr lacks %q:\n%s", want, errOut)
				}
			}
		})
	}
}

func TestConnectIdleTimeoutAndReconnect(t *testing.T) {
	_, cfg := connectWorldWith(t, testrig.WorldOptions{IdleTimeout: 200 * time.Millisecond})
	// Without --reconnect the server's close ends the run: exit 1, the code and reason stated.
	out, errOut, code := run(t, "--config", cfg, "connect", "--timeout", "5s")
	if code != ExitFailed || !strings.Contains(errOut, "closed: 1001 going away: Going away") ||
		!strings.Contains(errOut, "wsops: the connection ended: 1001 going away: Going away") {
		t.Fatalf("idle: exit %d\n%s\n%s", code, out, errOut)
	}
	// With --reconnect the client comes back after each close, until the timeout.
	out, errOut, code = run(t, "--config", cfg, "connect", "--reconnect", "--expect", "never", "--timeout", "3s")
	for _, want := range []string{"closed: 1001 going away", "reconnecting in 500ms (attempt 1)", "connected (connection 2)"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("reconnect: stderr lacks %q\n%s", want, errOut)
		}
	}
	if code != ExitFailed {
		t.Errorf("reconnect: exit %d, want 1 (the expect never came)\n%s", code, out)
	}
}

// connect --send to an endpoint nothing answers is a failure (exit 1), even
// without --expect: the message never went out.
func TestConnectSendToAnUnreachableEndpointFails(t *testing.T) {
	addr := testrig.ClosedAddr(t)
	cfg := sandboxConfig(t, "down", "ws://"+addr+"/dev", "http://"+addr+"/dev", "http://"+addr)
	_, errOut, code := run(t, "--config", cfg, "connect", "--send", `{"action":"heartbeat"}`, "--timeout", "2s")
	if code != ExitFailed || !strings.Contains(errOut, "the --send messages were not sent") {
		t.Fatalf("connect --send to nothing: exit %d, %q; want exit %d, saying the messages were not sent", code, errOut, ExitFailed)
	}
}
