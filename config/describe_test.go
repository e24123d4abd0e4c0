package config

import (
	"strings"
	"testing"

	"wsops/secret"
)

func TestDescribeRedactsTokens(t *testing.T) {
	t.Setenv("WSOPS_TEST_TOKEN", plantedJWT)
	t.Setenv("WSOPS_TEST_SANDBOX_SECRET", plantedSecretKey)
	tests := []struct {
		name, doc, wantToken string
	}{
		{"value from the environment", profileA("[profiles.a.token]", "value = '${env:WSOPS_TEST_TOKEN}'"), "value: " + secret.Redact(plantedJWT)},
		{"literal value", profileA("[profiles.a.token]", "value = '"+plantedJWT+"'"), "value: " + secret.Redact(plantedJWT)},
		{"command", profileA("[profiles.a.token]", "command = 'aws secretsmanager get-secret-value --secret-id wsops/dev'"), "command: aws secretsmanager get-secret-value --secret-id wsops/dev"},
		{"command holding a secret", profileA("[profiles.a.token]", "command = 'curl -H \"x-api-key: ${env:WSOPS_TEST_TOKEN}\" https://x/login'"), "command: curl -H \"x-api-key: " + secret.Redact(plantedJWT) + "\" https://x/login"},
		{"sandbox secret", profileA("sandbox = true", "sandbox_secret = '${env:WSOPS_TEST_SANDBOX_SECRET}'"), "minted by the sandbox"},
		{"no token", profileA("region = 'us-east-1'"), "none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fields := mustProfile(t, tt.doc, "a").Describe()
			for _, f := range fields {
				if f.Key == "token" && f.Value != tt.wantToken {
					t.Errorf("token = %q, want %q", f.Value, tt.wantToken)
				}
				if f.Key == "sandbox_secret" && f.Value != secret.Redact(plantedSecretKey) {
					t.Errorf("sandbox_secret = %q, want %q", f.Value, secret.Redact(plantedSecretKey))
				}
				for _, s := range []string{plantedJWT, plantedSecretKey, plantedJWT[4:], plantedSecretKey[4:]} {
					if strings.Contains(f.Value, s) {
						t.Errorf("field %s = %q shows a secret", f.Key, f.Value)
					}
				}
			}
		})
	}
}

func TestDescribeFields(t *testing.T) {
	p := mustProfile(t, profileA(
		"aws_profile = 'wizz-merchants-dev'",
		"websocket_url = 'wss://abc.execute-api.us-east-1.amazonaws.com/dev'",
		"management_rps = 250.5",
		"repair_rps = 40",
		"[[profiles.a.repair]]", "name = 'fix'", "table = 'both'", "where = { a = 1 }", "set = { b = 2 }",
		"[[profiles.a.messages]]", "name = 'ping'", "data = '{}'",
	), "a")
	fields := p.Describe()
	got := map[string]string{}
	for i, f := range fields {
		if _, dup := got[f.Key]; dup {
			t.Errorf("key %q appears twice", f.Key)
		}
		got[f.Key] = f.Value
		if i == 0 && f.Key != "profile" {
			t.Errorf("first field is %q, want profile", f.Key)
		}
	}
	want := map[string]string{
		"profile": "a", "region": "us-east-1", "aws_profile": "wizz-merchants-dev",
		"websocket_url":              "wss://abc.execute-api.us-east-1.amazonaws.com/dev",
		"management_url":             "https://abc.execute-api.us-east-1.amazonaws.com/dev",
		"dynamodb_url":               "",
		"preset":                     "wizz",
		"schema.connections.table":   "WizzUser_websocket_connections_dev",
		"schema.connections.indexes": "userId-index (userId)",
		"schema.connections.attributes.entity_type": "entityType",
		"schema.subscriptions.range_key":            "subscriptionKey",
		"schema.subscriptions.attributes.active":    "isActive",
		"schema.subscriptions.time_format":          "epoch_ms",
		"schema.app_entity":                         "customers → customer, drivers → driver, order-receiver → merchant",
		"read_only":                                 "false",
		"production":                                "false",
		"management_rps":                            "250.5",
		"repair_rps":                                "40",
		"scan_segments":                             "4",
		"repair":                                    "fix",
		"messages":                                  "ping",
		"token":                                     "none",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if _, ok := got["sandbox_secret"]; ok {
		t.Error("sandbox_secret described for a profile that is not a sandbox")
	}
	if len(fields) < 40 {
		t.Errorf("only %d fields; every table, attribute and index name should be listed", len(fields))
	}
}
