package cloud

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"wsops/config"
	"wsops/internal/testrig"
)

// TestCustomDomainsAgainstMoto: a websocket_url on a custom domain gets
// its API's execute-api management URL from the domain's API mapping, and
// a management_url on a custom domain gets a warning that says why it
// fails and what to use — against moto, seeded with boto3.
func TestCustomDomainsAgainstMoto(t *testing.T) {
	url := testrig.MotoURL(t)
	var s struct{ This27, Wizz, Domain, Region string }
	if err := json.Unmarshal(testrig.Boto3(t, url, "seed_apis.py", t.Name()+"-"), &s); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "x")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "x")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	load := func(lines ...string) *config.Profile {
		path := filepath.Join(t.TempDir(), "config.toml")
		cfg := "[profiles.p]\nregion = \"ap-south-1\"\napigateway_url = \"" + url + "\"\n" + strings.Join(lines, "\n") + "\n"
		if err := writeFile(path, cfg); err != nil {
			t.Fatal(err)
		}
		c, err := config.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		p, err := c.Profile("p")
		if err != nil {
			t.Fatal(err)
		}
		return p
	}

	c, err := New(context.Background(), load(`websocket_url = "wss://`+s.Domain+`/wizz"`))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	want := "https://" + s.Wizz + ".execute-api.ap-south-1.amazonaws.com/dev"
	if c.Profile.ManagementURL != want || c.Profile.API != s.Wizz || c.Profile.Stage != "dev" {
		t.Errorf("custom-domain websocket_url resolved to %s (api %s, stage %s), want %s", c.Profile.ManagementURL, c.Profile.API, c.Profile.Stage, want)
	}

	c2, err := New(context.Background(), load(`websocket_url = "wss://`+s.Domain+`"`, `management_url = "https://`+s.Domain+`/dev"`))
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	right := "https://" + s.This27 + ".execute-api.ap-south-1.amazonaws.com/dev"
	if len(c2.Warnings) != 1 || !strings.Contains(c2.Warnings[0], "403 Forbidden") || !strings.Contains(c2.Warnings[0], right) {
		t.Errorf("management_url on the custom domain: warnings %q, want one that says 403 and names %s", c2.Warnings, right)
	}

	if _, err := New(context.Background(), load(`websocket_url = "wss://nowhere.example.com/"`)); err == nil || !strings.Contains(err.Error(), "set management_url") {
		t.Errorf("a domain the account lacks: %v; want an error that says to set management_url", err)
	}
}

func writeFile(path, body string) error { return os.WriteFile(path, []byte(body), 0o600) }

// TestDiscoveryHonoursTheSDKsEndpointVariable: with no apigateway_url,
// AWS_ENDPOINT_URL_APIGATEWAYV2 points discovery elsewhere, as it does
// for the aws CLI.
func TestDiscoveryHonoursTheSDKsEndpointVariable(t *testing.T) {
	url := testrig.MotoURL(t)
	var s struct{ This27, Region string }
	if err := json.Unmarshal(testrig.Boto3(t, url, "seed_apis.py", t.Name()+"-"), &s); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "x")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "x")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("AWS_ENDPOINT_URL_APIGATEWAYV2", url)
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := writeFile(path, "[profiles.p]\nregion = \"ap-south-1\"\napi = \""+t.Name()+"-this27-websocket-dev\"\n"); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := cfg.Profile("p")
	c, err := New(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if want := "wss://" + s.This27 + ".execute-api.ap-south-1.amazonaws.com/dev"; c.Profile.WebSocketURL != want {
		t.Errorf("websocket_url = %q, want %q", c.Profile.WebSocketURL, want)
	}
}
