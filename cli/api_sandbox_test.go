package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"wsops/config"
	"wsops/internal/testrig"
)

// sandboxDiscoveryConfig is a config whose profile "sb" names only what
// the built-in profile names — sandbox, preset, the sandbox's apigatewayv2,
// CloudWatch, CloudWatch Logs and DynamoDB — and finds its URLs from them.
func sandboxDiscoveryConfig(t *testing.T, w *testrig.SandboxWorld, preset string) string {
	e := w.Sandbox.Endpoints()
	cfg := fmt.Sprintf("default_profile = \"sb\"\n[profiles.sb]\nsandbox = true\npreset = %q\napigateway_url = %q\ncloudwatch_url = %q\nlogs_url = %q\ndynamodb_url = %q\n",
		preset, e.APIGatewayURL, e.CloudWatchURL, e.LogsURL, e.DynamoDBURL)
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("WSOPS_PROFILE", "")
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	return path
}

// TestAPIAgainstTheSandbox: wsops api lists the preset's routes as the
// sandbox's apigatewayv2 serves them, for a profile found by discovery.
func TestAPIAgainstTheSandbox(t *testing.T) {
	for _, preset := range []string{"wizz", "this27"} {
		w := testrig.StartSandboxWorld(t, testrig.WorldOptions{Preset: preset})
		cfg := sandboxDiscoveryConfig(t, w, preset)
		out, errOut, code := run(t, "--config", cfg, "api", "-o", "json")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", preset, code, errOut)
		}
		var r struct {
			API struct {
				Name   string
				Routes []struct {
					Key string `json:"route_key"`
				}
				Stages []struct {
					WebSocketURL string `json:"websocket_url"`
				}
			}
			Warnings []struct{ Code string }
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		var keys []string
		for _, rt := range r.API.Routes {
			keys = append(keys, rt.Key)
		}
		want := slices.Sorted(slices.Values(config.APIOf(preset).Routes))
		if r.API.Name != config.APIOf(preset).Name || !slices.Equal(keys, want) {
			t.Errorf("%s: API %q routes %v, want %q %v", preset, r.API.Name, keys, config.APIOf(preset).Name, want)
		}
		if len(r.API.Stages) != 1 || r.API.Stages[0].WebSocketURL != w.Sandbox.Endpoints().WebSocketURL {
			t.Errorf("%s: stages %+v, want the sandbox's %s", preset, r.API.Stages, w.Sandbox.Endpoints().WebSocketURL)
		}
		if len(r.Warnings) != 0 {
			t.Errorf("%s: the sandbox's API has warnings: %+v", preset, r.Warnings)
		}
	}
}

// TestMetricsCountIndependentClients: the connects and messages of
// independent WebSocket clients are what wsops metrics reads back.
func TestMetricsCountIndependentClients(t *testing.T) {
	const clients, messages = 4, 3
	w := testrig.StartSandboxWorld(t, testrig.WorldOptions{Clients: clients})
	for _, id := range w.IDs {
		c := w.Client(id)
		for range messages {
			c.Send(t, `{"action":"heartbeat"}`)
		}
		c.WaitFrames(t, messages) // each answered: each counted before its answer went out
	}
	cfg := sandboxDiscoveryConfig(t, w, "wizz")
	out, errOut, code := run(t, "--config", cfg, "metrics", "--since", "10m", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r struct {
		Series []struct {
			ID     string
			Points []struct{ Value float64 }
		}
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	total := map[string]float64{}
	for _, s := range r.Series {
		for _, p := range s.Points {
			total[s.ID] += p.Value
		}
	}
	if total["connects"] != clients || total["messages"] != clients*messages || total["client_errors"] != 0 {
		t.Errorf("metrics totals %v, want %d connects and %d messages, no client error", total, clients, clients*messages)
	}
}
