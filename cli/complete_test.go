package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// complete runs cobra's hidden completion command on args (the last one is
// the word being completed) and returns the offered values, descriptions
// dropped, and the directive line.
func complete(t *testing.T, args ...string) ([]string, string) {
	t.Helper()
	out, errOut, code := run(t, append([]string{"__complete"}, args...)...)
	if code != 0 {
		t.Fatalf("__complete %q: exit %d: %s", args, code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	var values []string
	for _, l := range lines[:len(lines)-1] {
		value, _, _ := strings.Cut(l, "\t")
		values = append(values, value)
	}
	return values, lines[len(lines)-1]
}

func TestFlagValueCompletions(t *testing.T) {
	t.Setenv("WSOPS_PROFILE", "")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	cfg := filepath.Join(t.TempDir(), "config.toml")
	t.Setenv("WSOPS_CONFIG", cfg)
	err := os.WriteFile(cfg, []byte(`
default_profile = "wizz-dev"
[profiles.wizz-dev]
region = "us-east-1"
websocket_url = "wss://abc123.execute-api.us-east-1.amazonaws.com/dev"
[[profiles.wizz-dev.repair]]
name = "legacy-platform-names"
table = "connections"
where = { platform = "iPhone" }
set = { platform = "ios" }
[profiles.this27-prod]
region = "eu-west-1"
preset = "this27"
websocket_url = "wss://def456.execute-api.eu-west-1.amazonaws.com/prod"
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	wizzApps := []string{"customers", "drivers", "order-receiver"}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"send", "--app", ""}, wizzApps},
		{[]string{"conns", "--app", "d"}, []string{"drivers"}},
		{[]string{"subs", "--entity", ""}, []string{"customer", "driver", "merchant"}},
		{[]string{"token", "--app", ""}, wizzApps},
		{[]string{"--profile", "this27-prod", "send", "--app", ""}, []string{"customer-app", "manager-web", "rider-app"}},
		{[]string{"send", "--profile", "this27-prod", "--entity", ""}, []string{"customer", "manager", "rider"}},
		{[]string{"--config", cfg, "conns", "--profile", ""}, []string{"sandbox", "sandbox-this27", "this27-prod", "wizz-dev"}},
		{[]string{"send", "--profile", "t"}, []string{"this27-prod"}},
		{[]string{"repair", "--rule", ""}, []string{"business-status", "entity-type", "legacy-platform-names"}},
		{[]string{"--profile", "this27-prod", "repair", "--rule", ""}, []string{"entity-type"}},
		{[]string{"sandbox", "--preset", ""}, []string{"wizz", "this27"}},
		{[]string{"conns", "-o", ""}, []string{"table", "json", "jsonl"}},
		{[]string{"version", "--output", "j"}, []string{"json", "jsonl"}},
		{[]string{"token", "-o", ""}, nil}, // prints a token, whatever -o says
	} {
		got, directive := complete(t, tc.args...)
		if !slices.Equal(got, tc.want) || directive != ":4" { // 4: ShellCompDirectiveNoFileComp
			t.Errorf("completing %q: %q %s, want %q :4", tc.args, got, directive, tc.want)
		}
	}

	// A config that does not load completes nothing, and says nothing on the terminal.
	if err := os.WriteFile(cfg, []byte("[profiles.broken\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, directive := complete(t, "send", "--app", ""); len(got) != 0 || directive != ":4" {
		t.Errorf("a broken config: completed %q %s, want nothing", got, directive)
	}
}
