package config

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestResolvePath(t *testing.T) {
	home := t.TempDir()
	xdg := t.TempDir()
	tests := []struct {
		name         string
		flag, env    string
		xdg          string
		wantPath     string
		wantExplicit bool
	}{
		{"flag wins", "/etc/wsops.toml", "/env.toml", xdg, "/etc/wsops.toml", true},
		{"env", "", "/env.toml", xdg, "/env.toml", true},
		{"xdg", "", "", xdg, filepath.Join(xdg, "wsops", "config.toml"), false},
		{"relative xdg is ignored", "", "", "relative/dir", filepath.Join(home, ".config", "wsops", "config.toml"), false},
		{"home", "", "", "", filepath.Join(home, ".config", "wsops", "config.toml"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("HOME", home)
			t.Setenv(ConfigEnv, tt.env)
			t.Setenv("XDG_CONFIG_HOME", tt.xdg)
			path, explicit := ResolvePath(tt.flag)
			if path != tt.wantPath || explicit != tt.wantExplicit {
				t.Errorf("ResolvePath(%q) = %q, %v; want %q, %v", tt.flag, path, explicit, tt.wantPath, tt.wantExplicit)
			}
		})
	}
}

func TestLoadFallsBackToBuiltin(t *testing.T) {
	t.Setenv(ConfigEnv, "")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir()) // no wsops/config.toml inside
	cfg, err := Load("")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if !reflect.DeepEqual(cfg, Builtin()) {
		t.Errorf("Load with no file = %+v, want Builtin()", cfg)
	}
}

func TestLoadExplicitMissingFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.toml")
	tests := []struct {
		name      string
		flag, env string
	}{
		{"flag", missing, ""},
		{"environment", "", missing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(ConfigEnv, tt.env)
			cfg, err := Load(tt.flag)
			ce := asConfigError(t, err)
			if cfg != nil {
				t.Error("got a config along with the error")
			}
			if ce.File != missing || !strings.Contains(err.Error(), missing) {
				t.Errorf("error %q does not name %s", err, missing)
			}
			if !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("error %v does not wrap fs.ErrNotExist", err)
			}
		})
	}
}

func TestLoadUnreadableFile(t *testing.T) {
	dir := t.TempDir() // a directory cannot be read as a file
	_, err := Load(dir)
	ce := asConfigError(t, err)
	if ce.File != dir || ce.Err == nil {
		t.Errorf("got %+v, want the directory named and the cause wrapped", ce)
	}
}

func TestBuiltin(t *testing.T) {
	cfg := Builtin()
	if cfg.Path != "" || cfg.DefaultProfile != SandboxProfile || len(cfg.Profiles) != 2 || cfg.Profiles[SandboxThis27Profile] == nil || len(cfg.Warnings) != 0 {
		t.Fatalf("Builtin() = %+v", cfg)
	}
	p, err := cfg.Profile("")
	if err != nil {
		t.Fatal(err)
	}
	want := []Field{
		{"sandbox", "true"}, {"region", "us-east-1"},
		{"api", "WizzUser-WebSocket-dev"}, {"stage", "dev"},
		{"websocket_url", `(found at start from api "WizzUser-WebSocket-dev", stage dev)`},
		{"dynamodb_url", "http://127.0.0.1:8000"}, {"preset", "wizz"},
		{"apigateway_url", "http://127.0.0.1:8787/_aws/apigatewayv2"},
		{"cloudwatch_url", "http://127.0.0.1:8787/_aws/cloudwatch"},
		{"scan_segments", "1"}, {"management_rps", "500"},
	}
	got := map[string]string{}
	for _, f := range p.Describe() {
		got[f.Key] = f.Value
	}
	for _, f := range want {
		if got[f.Key] != f.Value {
			t.Errorf("built-in sandbox %s = %q, want %q", f.Key, got[f.Key], f.Value)
		}
	}
	if err := p.Schema.Validate(); err != nil {
		t.Errorf("built-in schema: %v", err)
	}
}

// A file's profile with only sandbox = true is the built-in sandbox profile.
func TestSandboxProfileDefaultsMatchBuiltin(t *testing.T) {
	got := mustProfile(t, lines("[profiles.sandbox]", "sandbox = true"), "sandbox")
	want, _ := Builtin().Profile("sandbox")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sandbox = true profile:\n got %+v\nwant %+v", got, want)
	}
}

func TestLoadExample(t *testing.T) {
	t.Setenv("WIZZ_TOKEN", plantedJWT)
	t.Setenv("THIS27_TOKEN", "this27-manager-token")
	t.Setenv("MONGO_URI", "") // unset: resolved when the registry is opened
	cfg, err := Load(filepath.Join("..", "config.example.toml"))
	if err != nil {
		t.Fatalf("Load(config.example.toml): %v", err)
	}
	if len(cfg.Warnings) != 0 {
		t.Errorf("warnings: %q", cfg.Warnings)
	}
	for _, name := range []string{"sandbox", "wizz-dev", "this27-dev"} {
		p, err := cfg.Profile(name)
		if err != nil {
			t.Fatalf("Profile(%q): %v", name, err)
		}
		if err := p.Schema.Validate(); err != nil {
			t.Errorf("%s schema: %v", name, err)
		}
	}
	def, _ := cfg.Profile("")
	if def.Name != "wizz-dev" {
		t.Errorf("default profile = %q, want wizz-dev", def.Name)
	}
	wizz, this27, sandbox := cfg.Profiles["wizz-dev"], cfg.Profiles["this27-dev"], cfg.Profiles["sandbox"]
	checks := []struct{ what, got, want string }{
		{"wizz aws_profile", wizz.AWSProfile, "wizz-merchants-dev"},
		{"wizz management_url", wizz.ManagementURL, "https://REPLACE_API_ID.execute-api.us-east-1.amazonaws.com/dev"},
		{"wizz token", wizz.Token.Value, plantedJWT},
		{"this27 region", this27.Region, "ap-south-1"},
		{"this27 preset", this27.Preset, "this27"},
		{"this27 rooms table", this27.Schema.Subscriptions.Table.Name, "this27_websocket_rooms_dev"},
		{"this27 token", this27.Token.Value, "this27-manager-token"},
		{"sandbox api", sandbox.API, "WizzUser-WebSocket-dev"},
		{"sandbox apigateway_url", sandbox.APIGatewayURL, "http://127.0.0.1:8787/_aws/apigatewayv2"},
		{"this27 registry", this27.Registry, RegistryMongoDB},
		{"this27 collection", this27.Schema.Mongo.Collection, "websocketconnections"},
		{"this27 mongodb_uri", this27.MongoDB.String(), "${env:MONGO_URI} (resolved at start)"},
		{"wizz registry", wizz.Registry, RegistryDynamoDB},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
	if len(wizz.Repair) != 2 || len(wizz.Messages) != 2 {
		t.Errorf("wizz-dev has %d repair rules and %d messages, want 2 and 2", len(wizz.Repair), len(wizz.Messages))
	}
	if got := wizz.Repair[1].Where["connection.appId"]; got != "order-receiver" {
		t.Errorf("subscription rule where connection.appId = %v", got)
	}
}

func TestLoadExampleNeedsItsEnvironment(t *testing.T) {
	t.Setenv("WIZZ_TOKEN", "")
	t.Setenv("THIS27_TOKEN", "x")
	os.Unsetenv("WIZZ_TOKEN")
	cfg, err := Load(filepath.Join("..", "config.example.toml"))
	if err != nil {
		t.Fatalf("an unset token variable failed the whole file: %v", err)
	}
	if _, err := cfg.Profile("sandbox"); err != nil {
		t.Errorf("another profile is broken by WIZZ_TOKEN: %v", err)
	}
	wizz, err := cfg.Profile("wizz-dev")
	if err != nil {
		t.Fatalf("wizz-dev, which needs WIZZ_TOKEN only for its token: %v", err)
	}
	_, err = wizz.Token.Resolve(context.Background())
	ce := asConfigError(t, err)
	if ce.Profile != "wizz-dev" || ce.Key != "token.value" || !strings.Contains(ce.Msg, "WIZZ_TOKEN") || ce.Line == 0 {
		t.Errorf("got %v, want wizz-dev token.value naming WIZZ_TOKEN with a line", err)
	}
}

func TestProfileSelection(t *testing.T) {
	tests := []struct {
		name, doc, ask, want string
		wantErr              []string
	}{
		{"default_profile", lines(`default_profile = "b"`, "[profiles.a]", "[profiles.b]"), "", "b", nil},
		{"only profile", lines("[profiles.solo]"), "", "solo", nil},
		{"sandbox among several", lines("[profiles.a]", "[profiles.sandbox]", "sandbox = true"), "", "sandbox", nil},
		{"no profiles means the built-in sandbox", "", "", "sandbox", nil},
		{"sandbox always resolves", lines("[profiles.a]", "[profiles.b]"), "sandbox", "sandbox", nil},
		{"by name", lines("[profiles.a]", "[profiles.b]"), "a", "a", nil},
		{"ambiguous", lines("[profiles.a]", "[profiles.b]"), "", "", []string{"test.toml", "no profile chosen", `"a", "b", "sandbox"`}},
		{"unknown", lines("[profiles.a]", "[profiles.b]"), "prod", "", []string{"test.toml", `profile "prod"`, "unknown profile", `"a", "b", "sandbox"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := mustParse(t, tt.doc).Profile(tt.ask)
			if tt.wantErr != nil {
				asConfigError(t, err)
				for _, s := range tt.wantErr {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not contain %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Name != tt.want {
				t.Errorf("Profile(%q) = %q, want %q", tt.ask, p.Name, tt.want)
			}
		})
	}
}

func TestManagementURL(t *testing.T) {
	tests := []struct {
		name, settings, want string
	}{
		{"wss derives https", `websocket_url = "wss://abc123.execute-api.us-east-1.amazonaws.com/dev"`, "https://abc123.execute-api.us-east-1.amazonaws.com/dev"},
		{"ws derives http", `websocket_url = "ws://127.0.0.1:9999/test"`, "http://127.0.0.1:9999/test"},
		{"trailing slash dropped", `websocket_url = "wss://abc.execute-api.us-east-1.amazonaws.com/prod/"`, "https://abc.execute-api.us-east-1.amazonaws.com/prod"},
		{"custom domain: looked up at start", `websocket_url = "wss://ws.example.com/prod/"`, ""},
		{"custom domain root", `websocket_url = "wss://ws.example.com"`, ""},
		{"explicit wins", lines(`websocket_url = "wss://ws.example.com/prod"`, `management_url = "https://abc.execute-api.us-east-1.amazonaws.com/prod"`), "https://abc.execute-api.us-east-1.amazonaws.com/prod"},
		{"sandbox default: found from its apigatewayv2 at start", "sandbox = true", ""},
		{"sandbox with its own url", lines("sandbox = true", `websocket_url = "ws://127.0.0.1:9000/qa"`), "http://127.0.0.1:9000/qa"},
		{"none", `aws_profile = "x"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustProfile(t, lines("[profiles.p]", tt.settings), "p")
			if p.ManagementURL != tt.want {
				t.Errorf("ManagementURL = %q, want %q", p.ManagementURL, tt.want)
			}
		})
	}
}

func TestProfileDefaults(t *testing.T) {
	p := mustProfile(t, lines("[profiles.p]", `websocket_url = "wss://abc.execute-api.us-east-1.amazonaws.com/dev"`), "p")
	if p.Region != DefaultRegion || p.Preset != "wizz" || p.ManagementRPS != 500 || p.ScanSegments != 4 ||
		p.Sandbox || p.ReadOnly || p.Production || p.DynamoDBURL != "" || p.Token != (Token{}) {
		t.Errorf("defaults: %+v", p)
	}
	p = mustProfile(t, lines("[profiles.p]", "management_rps = 12.5", "scan_segments = 64", "read_only = true", "production = true"), "p")
	if p.ManagementRPS != 12.5 || p.ScanSegments != 64 || !p.ReadOnly || !p.Production {
		t.Errorf("explicit values: %+v", p)
	}
}

// TestSandboxEndpointsFollowTheSandboxGiven: a sandbox profile that names
// one of its sandbox's endpoints gets the others on the same host.
func TestSandboxEndpointsFollowTheSandboxGiven(t *testing.T) {
	p := mustProfile(t, lines("[profiles.p]", "sandbox = true", `apigateway_url = "http://127.0.0.1:9999/_aws/apigatewayv2"`), "p")
	if p.LogsURL != "http://127.0.0.1:9999"+SandboxLogsPath || p.CloudWatchURL != "http://127.0.0.1:9999"+SandboxCloudWatchPath {
		t.Errorf("logs_url %q, cloudwatch_url %q; want them on 127.0.0.1:9999", p.LogsURL, p.CloudWatchURL)
	}
}
