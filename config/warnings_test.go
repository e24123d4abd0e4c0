package config

import (
	"os"
	"strings"
	"testing"
)

func TestWarnings(t *testing.T) {
	t.Setenv("WSOPS_TEST_TOKEN", plantedJWT)
	tests := []struct {
		name string
		doc  string
		want []string // one substring per expected warning, in order
	}{
		{"env references are fine", profileA("[profiles.a.token]", "value = '${env:WSOPS_TEST_TOKEN}'"), nil},
		{"literal token value", profileA("[profiles.a.token]", "value = 'short-but-literal'"),
			[]string{`profile "a": key "token.value" (line 3): is a literal secret`}},
		{"literal jwt token value warns once", profileA("[profiles.a.token]", "value = '"+plantedJWT+"'"),
			[]string{`key "token.value" (line 3): is a literal secret`}},
		{"secret-looking value in another key", profileA("aws_profile = '" + plantedSecretKey + "'"),
			[]string{`key "aws_profile" (line 2): looks like a literal secret; reference it from the environment`}},
		{"jwt inside a message", profileA("[[profiles.a.messages]]", "name = 'login'", `data = '{"action":"auth","token":"`+plantedJWT+`"}'`),
			[]string{`key "messages[1].data" (line 4): looks like a literal secret`}},
		{"jwt inside a token command", profileA("[profiles.a.token]", "command = 'echo "+plantedJWT+"'"),
			[]string{`key "token.command" (line 3): looks like a literal secret`}},
		{"literal sandbox secret", profileA("sandbox = true", "sandbox_secret = 'devsecret'"),
			[]string{`key "sandbox_secret" (line 3): is a literal secret`}},
		{"sandbox secret outside the sandbox", profileA("sandbox_secret = '${env:WSOPS_TEST_TOKEN}'"),
			[]string{`key "sandbox_secret" (line 2): is ignored unless sandbox = true`}},
		{"region mismatch", profileA("region = 'ap-south-1'", "websocket_url = 'wss://abc.execute-api.us-east-1.amazonaws.com/dev'"),
			[]string{`key "websocket_url" (line 3): is an API in region us-east-1 but the profile's region is ap-south-1`}},
		{"sandbox scanned in segments", profileA("sandbox = true", "scan_segments = 4"),
			[]string{`key "scan_segments" (line 3): is 4 but the sandbox's embedded DynamoDB serves one request at a time`}},
		{"sandbox on another dynamodb", profileA("sandbox = true", "dynamodb_url = 'http://127.0.0.1:4567'", "scan_segments = 4"), nil},
		{"table names are not secrets", profileA("[profiles.a.schema.subscriptions]", "table = 'WizzUser_websocket_subscriptions_dev'"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := mustParse(t, tt.doc)
			if len(cfg.Warnings) != len(tt.want) {
				t.Fatalf("got %d warnings %q, want %d", len(cfg.Warnings), cfg.Warnings, len(tt.want))
			}
			for i, w := range cfg.Warnings {
				if !strings.HasPrefix(w, "test.toml: ") || !strings.Contains(w, tt.want[i]) {
					t.Errorf("warning %q does not contain %q", w, tt.want[i])
				}
				for _, s := range []string{plantedJWT[20:], plantedSecretKey[4:], "short-but-literal", "devsecret"} {
					if strings.Contains(w, s) {
						t.Errorf("warning %q shows the secret", w)
					}
				}
			}
		})
	}
}

func TestWorldReadableWarning(t *testing.T) {
	literal := profileA("[profiles.a.token]", "value = '"+plantedJWT+"'")
	tests := []struct {
		name     string
		doc      string
		perm     os.FileMode
		warnings int
		readable bool
	}{
		{"world readable with a literal", literal, 0o644, 2, true},
		{"group readable with a literal", literal, 0o640, 2, true},
		{"private with a literal", literal, 0o600, 1, false},
		{"world readable without secrets", profileA("region = 'us-east-1'"), 0o644, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.doc, tt.perm)
			cfg, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(cfg.Warnings) != tt.warnings {
				t.Fatalf("got warnings %q, want %d", cfg.Warnings, tt.warnings)
			}
			if tt.readable {
				last := cfg.Warnings[len(cfg.Warnings)-1]
				if !strings.HasPrefix(last, path+": ") || !strings.Contains(last, "readable by group or others") || !strings.Contains(last, "chmod 600") {
					t.Errorf("last warning %q is not the permissions warning for %s", last, path)
				}
			}
			for _, w := range cfg.Warnings {
				if strings.Contains(w, plantedJWT[10:]) {
					t.Errorf("warning %q shows the secret", w)
				}
			}
		})
	}
}
