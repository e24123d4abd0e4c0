package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"wsops/internal/testrig"
)

// motoWorld is moto (the independent AWS emulator) seeded with boto3: the
// APIs of tools/moto/seed_apis.py, and the AWS settings of this process
// pointed at nothing real.
type motoWorld struct {
	url    string
	prefix string
	ids    struct{ This27, Wizz, HTTP, Domain, Region string }
}

func newMotoWorld(t *testing.T) motoWorld {
	w := motoWorld{url: testrig.MotoURL(t), prefix: strings.ReplaceAll(t.Name(), "/", "-") + "-"}
	if err := json.Unmarshal(testrig.Boto3(t, w.url, "seed_apis.py", w.prefix), &w.ids); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "x")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "x")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("WSOPS_PROFILE", "")
	return w
}

// config writes a config file of one profile "m" of the given lines.
func (w motoWorld) config(t *testing.T, lines ...string) string {
	path := filepath.Join(t.TempDir(), "config.toml")
	body := "# operator's notes stay\ndefault_profile = \"m\"\n\n[profiles.m]\n" + strings.Join(lines, "\n") + "\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDiscoverAgainstMoto(t *testing.T) {
	w := newMotoWorld(t)
	cfg := w.config(t, `region = "ap-south-1"`, fmt.Sprintf("apigateway_url = %q", w.url))
	name := w.prefix + "this27-websocket-dev"
	out, errOut, code := run(t, "--config", cfg, "discover", "--name", name, "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var apis []struct {
		ID     string `json:"id"`
		Name   string `json:"name"`
		Stages []struct {
			Name          string `json:"name"`
			WebSocketURL  string `json:"websocket_url"`
			ManagementURL string `json:"management_url"`
		} `json:"stages"`
	}
	if err := json.Unmarshal([]byte(out), &apis); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(apis) != 1 || apis[0].ID != w.ids.This27 || apis[0].Name != name {
		t.Fatalf("discover = %s, want only API %s (moto's id), not the HTTP API %s", out, w.ids.This27, w.ids.HTTP)
	}
	host := w.ids.This27 + ".execute-api.ap-south-1.amazonaws.com"
	dev := apis[0].Stages[0]
	if dev.Name != "dev" || dev.WebSocketURL != "wss://"+host+"/dev" || dev.ManagementURL != "https://"+host+"/dev" {
		t.Errorf("stage dev = %+v, want wss://%s/dev and https://%s/dev", dev, host, host)
	}

	// --write-profile appends a working profile and keeps what the file held.
	_, errOut, code = run(t, "--config", cfg, "discover", "--name", name, "--write-profile", "t27")
	if code != 0 {
		t.Fatalf("write-profile: exit %d: %s", code, errOut)
	}
	body, _ := os.ReadFile(cfg)
	if !strings.HasPrefix(string(body), "# operator's notes stay\n") || !strings.Contains(string(body), "[profiles.t27]") ||
		!strings.Contains(string(body), `preset = "this27"`) || !strings.Contains(string(body), `api = "`+name+`"`) {
		t.Errorf("config after --write-profile:\n%s", body)
	}
	out, errOut, code = run(t, "--config", cfg, "--profile", "t27", "api", "-o", "json")
	if code != 0 || !strings.Contains(out, `"id":"`+w.ids.This27+`"`) || !strings.Contains(out, `"websocket_url":"wss://`+host+`/dev"`) {
		t.Errorf("the new profile does not find the API (exit %d): %s %s", code, out, errOut)
	}
	if _, errOut, code = run(t, "--config", cfg, "discover", "--name", name, "--write-profile", "t27"); code != ExitUsage || !strings.Contains(errOut, "already exists") {
		t.Errorf("a second --write-profile t27: exit %d, %s", code, errOut)
	}
}

// TestDiscoveredProfileRunsAgainstMoto: a profile with only api, stage,
// region and endpoint overrides lists the registry, sends, and reads the
// API's metrics, all against moto.
func TestDiscoveredProfileRunsAgainstMoto(t *testing.T) {
	w := newMotoWorld(t)
	user := fmt.Sprintf("u-moto-%d", time.Now().UnixNano()%1e6)
	var ids []string
	if err := json.Unmarshal(testrig.Boto3(t, w.url, "seed_registry.py", user, "3"), &ids); err != nil {
		t.Fatal(err)
	}
	cfg := w.config(t, fmt.Sprintf("api = %q", w.prefix+"this27-websocket-dev"), `stage = "dev"`, `region = "ap-south-1"`,
		fmt.Sprintf("apigateway_url = %q", w.url), fmt.Sprintf("cloudwatch_url = %q", w.url),
		fmt.Sprintf("dynamodb_url = %q", w.url), fmt.Sprintf("management_url = %q", w.url))

	out, errOut, code := run(t, "--config", cfg, "conns", "--user", user, "-o", "jsonl")
	if code != 0 {
		t.Fatalf("conns: exit %d: %s", code, errOut)
	}
	var listed []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var row struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal([]byte(line), &row); err != nil {
			t.Fatalf("%v: %q", err, line)
		}
		listed = append(listed, row.ID)
	}
	slices.Sort(listed)
	slices.Sort(ids)
	if !slices.Equal(listed, ids) {
		t.Errorf("conns --user %s = %v, want the seeded %v", user, listed, ids)
	}

	out, errOut, code = run(t, "--config", cfg, "send", "--user", user, "--data", `{"type":"ping"}`, "--yes", "-o", "json")
	if code != 0 {
		t.Fatalf("send: exit %d: %s %s", code, out, errOut)
	}
	var sent struct {
		Targets, Delivered int
	}
	if err := json.Unmarshal([]byte(out), &sent); err != nil || sent.Targets != 3 || sent.Delivered != 3 {
		t.Errorf("send = %s (%v), want 3 targets delivered", out, err)
	}

	now := time.Now()
	var want map[string]map[string]float64
	if err := json.Unmarshal(testrig.Boto3(t, w.url, "seed_metrics.py", w.ids.This27, strconv.FormatInt(now.Unix(), 10), "ap-south-1"), &want); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = run(t, "--config", cfg, "metrics", "--since", "10m", "-o", "json")
	if code != 0 {
		t.Fatalf("metrics: exit %d: %s", code, errOut)
	}
	var r struct {
		APIID  string `json:"api_id"`
		Series []struct {
			Metric, Stat string
			Points       []struct {
				Time  time.Time
				Value float64
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.APIID != w.ids.This27 {
		t.Fatalf("metrics = %s (%v), want API %s", out, err, w.ids.This27)
	}
	checked := 0
	for _, s := range r.Series {
		if s.Stat != "Sum" {
			continue
		}
		for _, p := range s.Points {
			if got, exp := p.Value, want[s.Metric][strconv.FormatInt(p.Time.Unix(), 10)]; got != exp {
				t.Errorf("%s at %s = %g, want the seeded %g", s.Metric, p.Time.Format("15:04"), got, exp)
			}
			checked++
		}
	}
	if checked < 5*10 {
		t.Errorf("checked %d points, want 10 minutes of 5 sums", checked)
	}
}
