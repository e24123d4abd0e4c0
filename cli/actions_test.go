package cli

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"wsops/auth"
	"wsops/internal/testrig"
)

// actionWorld is a sandbox with u1 on two apps and u2 on one, and a config
// whose profile "sb" points at it.
func actionWorld(t *testing.T) (*testrig.SandboxWorld, string) {
	t.Helper()
	users := []auth.Claims{{User: "u1", App: "drivers"}, {User: "u1", App: "customers"}, {User: "u2", App: "drivers"}}
	w := testrig.StartSandboxWorld(t, testrig.WorldOptions{Clients: 3, Claims: func(n int) auth.Claims { return users[n] }})
	e := w.Sandbox.Endpoints()
	return w, sandboxConfig(t, "sb", e.WebSocketURL, e.ManagementURL, e.DynamoDBURL)
}

// sandboxConfig writes a config whose default profile is a sandbox profile
// at these URLs, and gives the test a state directory of its own.
func sandboxConfig(t *testing.T, profile, websocketURL, managementURL, dynamoURL string) string {
	t.Helper()
	cfg := fmt.Sprintf("default_profile = %q\n[profiles.%s]\nsandbox = true\nwebsocket_url = %q\nmanagement_url = %q\ndynamodb_url = %q\n",
		profile, profile, websocketURL, managementURL, dynamoURL)
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	t.Setenv("WSOPS_PROFILE", "")
	return path
}

func TestActionCommands(t *testing.T) {
	w, cfg := actionWorld(t)
	u1a, u1b, u2 := w.Client(w.IDs[0]), w.Client(w.IDs[1]), w.Client(w.IDs[2])

	out, errOut, code := run(t, "--config", cfg, "send", "--user", "u1", "--data", `{"a":1}`, "--yes", "-o", "json")
	var sum struct {
		Targets, Delivered int
		Journal            string
	}
	if code != 0 || json.Unmarshal([]byte(out), &sum) != nil || sum.Targets != 2 || sum.Delivered != 2 || sum.Journal == "" {
		t.Fatalf("send: exit %d, %q %q", code, out, errOut)
	}
	// Its journal is complete: a resume (no --yes, stdin no terminal) exits 0
	// at once, asks nothing, sends nothing, audits nothing.
	out, errOut, code = run(t, "--config", cfg, "send", "--resume", sum.Journal, "-o", "json")
	if code != 0 || !strings.Contains(out, `"delivered":2`) {
		t.Errorf("resuming a complete send: exit %d %q %q", code, out, errOut)
	}
	w.Settle()
	if len(u1a.Frames()) != 1 || len(u1b.Frames()) != 1 || len(u2.Frames()) != 0 {
		t.Fatalf("frames u1 %d+%d, u2 %d; want 1+1, 0", len(u1a.Frames()), len(u1b.Frames()), len(u2.Frames()))
	}

	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"--read-only", "send", "--user", "u1", "--data", `{}`, "--yes"}, ExitRefused},
		{[]string{"send", "--user", "u1", "--data", `{}`}, ExitRefused}, // stdin is no terminal, no --yes
		{[]string{"send", "--user", "u1", "--data", `not json`, "--yes"}, ExitUsage},
		{[]string{"send", "--data", `{}`, "--yes"}, ExitUsage},
		{[]string{"send", "--user", "u1", "--all", "--data", `{}`, "--yes"}, ExitUsage},
		{[]string{"logout", "--yes"}, ExitUsage},
	} {
		out, errOut, code := run(t, append([]string{"--config", cfg}, c.args...)...)
		if code != c.code || (c.code == ExitRefused && out != "") {
			t.Errorf("%v: exit %d, out %q, err %q; want exit %d and no result", c.args, code, out, errOut, c.code)
		}
	}
	w.Settle()
	if len(u1a.Frames()) != 1 {
		t.Fatalf("a refused or invalid send reached a client")
	}

	out, _, code = run(t, "--config", cfg, "send", "--all", "--data", `{}`, "--dry-run", "-o", "json")
	if code != 0 || !strings.Contains(out, `"targets":3`) {
		t.Fatalf("dry run: exit %d %q", code, out)
	}

	out, errOut, code = run(t, "--config", cfg, "logout", "--user", "u1", "--yes", "-o", "json")
	if code != 0 || !strings.Contains(out, `"disconnected":2`) || !strings.Contains(out, `"records_deleted":2`) {
		t.Fatalf("logout: exit %d %q %q", code, out, errOut)
	}
	for _, c := range []*testrig.WorldClient{u1a, u1b} {
		if got := c.WaitClosed(t); got != websocket.StatusNormalClosure {
			t.Errorf("a logged-out client closed with %v, want 1000", got)
		}
	}
	var logout struct{ Journal string }
	if json.Unmarshal([]byte(out), &logout) != nil || logout.Journal == "" {
		t.Fatalf("logout output names no journal: %q", out)
	}
	// Its journal is complete: a resume does nothing, asks nothing, audits nothing.
	out, errOut, code = run(t, "--config", cfg, "logout", "--resume", logout.Journal, "-o", "json")
	if code != 0 || !strings.Contains(out, `"disconnected":2`) || !strings.Contains(out, `"not_attempted":0`) {
		t.Errorf("resuming a complete logout: exit %d %q %q", code, out, errOut)
	}
	if _, errOut, code = run(t, "--config", cfg, "logout", "--resume", logout.Journal, "--user", "u1"); code != ExitUsage {
		t.Errorf("--resume with targets: exit %d %q, want usage", code, errOut)
	}

	out, _, _ = run(t, "--config", cfg, "audit", "-n", "0", "-o", "jsonl")
	if n := strings.Count(out, "\n"); n != 4 { // send, read-only refusal, unconfirmed refusal, logout
		t.Errorf("%d audit entries, want 4:\n%s", n, out)
	}
	// Each run left a start line and an end line; the refusals one line each.
	raw, err := os.ReadFile(filepath.Join(os.Getenv("XDG_STATE_HOME"), "wsops", "audit.jsonl"))
	if err != nil || strings.Count(string(raw), `"phase":"start"`) != 2 || strings.Count(string(raw), `"phase":"end"`) != 2 {
		t.Errorf("the audit log holds, want 2 start and 2 end lines (%v):\n%s", err, raw)
	}
}

// A selection that matches no record is not a success: exit 1, a message
// that says so (naming an app the preset does not know), and nothing done —
// no call, no journal, no audit line.
func TestEmptySelectionIsNotASuccess(t *testing.T) {
	w, cfg := actionWorld(t)
	state := os.Getenv("XDG_STATE_HOME")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"send", "--app", "nonexistent-app", "--data", `{}`, "--yes"},
			`no connection matches app nonexistent-app: no app "nonexistent-app" in the preset (it knows customers, drivers, order-receiver)`},
		{[]string{"send", "--user", "nobody", "--data", `{}`, "--yes"}, "no connection matches user nobody"},
		{[]string{"send", "--topic", "order#doesnotexist", "--data", `{}`, "--yes"}, "no connection matches topic order#doesnotexist"},
		{[]string{"logout", "--user", "nobody", "--yes"}, "no connection matches user nobody"},
		{[]string{"send", "--entity", "merchnat", "--data", `{}`, "--dry-run"}, `no entity type "merchnat" in the preset`},
	}
	for _, c := range cases {
		_, errOut, code := run(t, append([]string{"--config", cfg}, c.args...)...)
		if code != ExitFailed || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args, code, errOut, ExitFailed, c.want)
		}
	}
	w.Settle()
	for _, id := range w.IDs {
		if frames := w.Client(id).Frames(); len(frames) != 0 {
			t.Errorf("client %s received %d frames from an empty selection", id, len(frames))
		}
	}
	var written []string
	filepath.WalkDir(state, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			written = append(written, path)
		}
		return nil
	})
	if len(written) != 0 {
		t.Errorf("empty selections wrote %v (want no journal, no audit line)", written)
	}
}
