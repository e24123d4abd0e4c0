package config

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	toml "github.com/pelletier/go-toml/v2"
)

// profileA starts a document with [profiles.a] on line 1.
func profileA(ls ...string) string { return lines(append([]string{"[profiles.a]"}, ls...)...) }

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		profile string
		key     string
		line    int
		msg     string // a part of the message
	}{
		// Decoding: unknown keys, wrong types, syntax.
		{"unknown top-level key", lines("default_profile = 'a'", "colour = 'blue'", "[profiles.a]"), "", "colour", 2, "unknown key; expected one of default_profile, profiles"},
		{"misspelled profiles table", lines("[profile.a]", "region = 'us-east-1'"), "", "profile", 1, "expected one of default_profile, profiles"},
		{"unknown profile key", profileA("region = 'us-east-1'", "scan_segment = 4"), "a", "scan_segment", 3, "unknown key; expected one of apigateway_url, aws_profile"},
		{"unknown token key", profileA("[profiles.a.token]", "valu = 'x'"), "a", "token.valu", 3, "expected one of command, value"},
		{"unknown attribute", profileA("[profiles.a.schema.connections.attributes]", "user_id = 'x'"), "a", "schema.connections.attributes.user_id", 3, "expected one of app, business_id"},
		{"unknown repair key", profileA("[[profiles.a.repair]]", "name = 'r'", "when = { a = 1 }"), "a", "repair.when", 4, "expected one of name, set, table, where, where_missing, where_not"},
		{"several unknown keys", profileA("bogus1 = 1", "bogus2 = 2"), "a", "bogus1", 2, "and 1 more unknown key"},
		{"string for integer", profileA("region = 'us-east-1'", `scan_segments = "four"`), "a", "scan_segments", 3, `expected an integer from 1 to 64, got "four"`},
		{"float for integer", profileA("scan_segments = 1.5"), "a", "scan_segments", 2, "expected an integer from 1 to 64, got 1.5"},
		{"huge integer", profileA("scan_segments = 99999999999999999999"), "a", "scan_segments", 2, "expected an integer from 1 to 64"},
		{"string for number", profileA("management_rps = 'fast'"), "a", "management_rps", 2, `expected a number greater than 0, got 'fast'`},
		{"string for boolean", profileA(`read_only = "yes"`), "a", "read_only", 2, `expected true or false, got "yes"`},
		{"number for string", profileA("region = 1"), "a", "region", 2, "expected a string, got 1"},
		{"string for token table", profileA("token = 'abc'"), "a", "token", 2, "expected a table with value or command, got a string"},
		{"table for repair array", profileA("repair = { name = 'x' }"), "a", "repair", 2, "expected an array of tables, [[profiles.NAME.repair]], got an inline table"},
		{"number for profile", lines("[profiles]", "a = 1"), "a", "", 2, "expected a table of profile settings"},
		{"number for app_entity value", profileA("[profiles.a.schema.app_entity]", "drivers = 1"), "a", "schema.app_entity.drivers", 3, "expected a string, got 1"},
		{"number for inline app_entity value", profileA("schema.app_entity = { drivers = 1 }"), "a", "schema.app_entity", 2, "expected a table of app = entity type, both strings"},
		{"syntax error", profileA("region = 'us-east-1'", "[profiles.a.token]", "value ="), "a", "token", 4, "invalid TOML"},
		{"duplicate key", profileA("region = 'us-east-1'", "region = 'us-east-2'"), "a", "region", 3, "invalid TOML: key region is already defined"},
		{"duplicate key in array table", profileA("[[profiles.a.repair]]", "name = 'r'", "name = 's'"), "a", "repair[1].name", 4, "already defined"},
		{"duplicate table", profileA("region = 'us-east-1'", "[profiles.a]"), "a", "", 3, "invalid TOML: table a already exists"},
		{"table in a string", profileA("region = 'us-east-1'", "region.x = 1"), "a", "region.x", 3, "invalid TOML"},
		// Validation.
		{"bad preset", profileA("preset = 'wizzz'"), "a", "preset", 2, `expected one of "wizz", "this27"`},
		{"bad region", profileA("region = 'us-east1'"), "a", "region", 2, "expected an AWS region"},
		{"bad profile name", lines(`[profiles."my prod"]`), "my prod", "", 1, "expected a profile name"},
		{"websocket_url scheme", profileA("websocket_url = 'https://abc.execute-api.us-east-1.amazonaws.com/dev'"), "a", "websocket_url", 2, `expected a wss:// or ws:// URL, got scheme "https"`},
		{"websocket_url without stage", profileA("websocket_url = 'wss://abc.execute-api.us-east-1.amazonaws.com'"), "a", "websocket_url", 2, "expected the stage as the URL path"},
		{"websocket_url without host", profileA("websocket_url = 'wss:///dev'"), "a", "websocket_url", 2, "with a host"},
		{"websocket_url with query", profileA("websocket_url = 'wss://x.example.com/dev?platform=web'"), "a", "websocket_url", 2, "without a query string"},
		{"websocket_url with credentials", profileA("websocket_url = 'wss://user:pw@x.example.com/dev'"), "a", "websocket_url", 2, "without user or password"},
		{"management_url scheme", profileA("management_url = 'wss://x.example.com/dev'"), "a", "management_url", 2, "expected a https:// or http:// URL"},
		{"dynamodb_url scheme", profileA("dynamodb_url = '127.0.0.1:8000'"), "a", "dynamodb_url", 2, "expected a http:// or https:// URL"},
		{"management_rps zero", profileA("management_rps = 0"), "a", "management_rps", 2, "expected a number greater than 0, got 0"},
		{"management_rps negative", profileA("management_rps = -5"), "a", "management_rps", 2, "greater than 0, got -5"},
		{"repair_rps zero", profileA("repair_rps = 0"), "a", "repair_rps", 2, "expected a number greater than 0, got 0"},
		{"repair_rps string", profileA("repair_rps = 'slow'"), "a", "repair_rps", 2, "expected a number greater than 0, got 'slow'"},
		{"management_rps nan", profileA("management_rps = nan"), "a", "management_rps", 2, "greater than 0"},
		{"management_rps inf", profileA("management_rps = inf"), "a", "management_rps", 2, "greater than 0"},
		{"scan_segments zero", profileA("scan_segments = 0"), "a", "scan_segments", 2, "expected an integer from 1 to 64, got 0"},
		{"scan_segments too many", profileA("scan_segments = 65"), "a", "scan_segments", 2, "expected an integer from 1 to 64, got 65"},
		{"message data not json", profileA("[[profiles.a.messages]]", "name = 'm'", "data = '{action: heartbeat}'"), "a", "messages[1].data", 4, "expected JSON text"},
		{"message without data", profileA("[[profiles.a.messages]]", "name = 'm'"), "a", "messages[1].data", 2, "expected JSON text"},
		{"message without name", profileA("[[profiles.a.messages]]", "name = 'm'", "data = '1'", "[[profiles.a.messages]]", "data = '2'"), "a", "messages[2].name", 5, "expected a name"},
		{"duplicate message", profileA("messages = [{ name = 'm', data = '1' },", "  { name = 'm', data = '2' }]"), "a", "messages[2].name", 3, "unique name"},
		{"token value and command", profileA("[profiles.a.token]", "value = '${env:WSOPS_TEST_TOKEN}'", "command = 'echo x'"), "a", "token", 2, "either value or command, not both"},
		{"repair without name", profileA("[[profiles.a.repair]]", "table = 'both'", "where = { appId = 'x' }", "set = { entityType = 'y' }"), "a", "repair[1].name", 2, "expected a name"},
		{"repair without set", profileA("[[profiles.a.repair]]", "name = 'r'", "table = 'both'", "where = { appId = 'x' }"), "a", "repair[1].set", 2, "expected at least one attribute = value to set"},
		{"repair bad table", profileA("[[profiles.a.repair]]", "name = 'r'", "table = 'connection'", "where = { appId = 'x' }", "set = { entityType = 'y' }"), "a", "repair[1].table", 4, `expected "connections", "subscriptions" or "both"`},
		{"repair without table", profileA("[[profiles.a.repair]]", "name = 'r'", "where = { appId = 'x' }", "set = { entityType = 'y' }"), "a", "repair[1].table", 2, `expected "connections"`},
		{"repair without condition", profileA("[[profiles.a.repair]]", "name = 'r'", "table = 'both'", "set = { entityType = 'y' }"), "a", "repair[1]", 2, "at least one condition"},
		{"repair sets joined connection", profileA("[[profiles.a.repair]]", "name = 'r'", "table = 'subscriptions'", "where = { appId = 'x' }", "set = { connection.appId = 'y' }"), "a", "repair[1].set.connection.appId", 6, "cannot be set"},
		{"repair array value", profileA("[[profiles.a.repair]]", "name = 'r'", "table = 'both'", "where = { appId = ['x', 'y'] }", "set = { entityType = 'y' }"), "a", "repair[1].where.appId", 5, "expected a string, a number or a boolean, got an array"},
		{"repair empty where_missing", profileA("[[profiles.a.repair]]", "name = 'r'", "table = 'both'", "where_missing = ['']", "set = { entityType = 'y' }"), "a", "repair[1].where_missing[1]", 5, "expected an attribute name"},
		{"duplicate repair", profileA("[[profiles.a.repair]]", "name = 'r'", "table = 'both'", "where = { a = 1 }", "set = { b = 2 }", "[[profiles.a.repair]]", "name = 'r'", "table = 'both'", "where = { a = 1 }", "set = { b = 2 }"), "a", "repair[2].name", 8, "unique name"},
		{"unknown default_profile", lines("default_profile = 'prod'", "[profiles.a]"), "", "default_profile", 1, `expected the name of a profile in this file; known profiles: "a", "sandbox"`},
		{"bad time_format", profileA("[profiles.a.schema.connections]", "time_format = 'epoch_s'"), "a", "schema.connections.time_format", 3, `expected "epoch_ms"`},
		{"empty table name", profileA("[profiles.a.schema.subscriptions]", "table = ''"), "a", "schema", 2, "subscriptions table name is empty"},
		{"index on a removed attribute", profileA("[profiles.a.schema.connections]", "user_index = 'u-index'", "[profiles.a.schema.connections.attributes]", "user = ''"), "a", "schema.connections.user_index", 3, "no user attribute"},
		{"malformed env reference", profileA("aws_profile = '${env:AWS PROFILE}'"), "a", "aws_profile", 2, "malformed ${env:NAME} reference"},
		{"unclosed env reference", profileA("aws_profile = '${env:AWS_PROFILE'"), "a", "aws_profile", 2, "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("WSOPS_TEST_TOKEN", "tok")
			cfg, err := Parse("/etc/wsops/test.toml", []byte(tt.doc))
			ce := asConfigError(t, err)
			if cfg != nil {
				t.Error("got a config along with the error")
			}
			if ce.File != "/etc/wsops/test.toml" || ce.Profile != tt.profile || ce.Key != tt.key || ce.Line != tt.line {
				t.Errorf("got file %q profile %q key %q line %d; want profile %q key %q line %d\n%v",
					ce.File, ce.Profile, ce.Key, ce.Line, tt.profile, tt.key, tt.line, err)
			}
			text := err.Error()
			for _, want := range []string{"/etc/wsops/test.toml: ", fmt.Sprintf("line %d", tt.line), tt.msg} {
				if !strings.Contains(text, want) {
					t.Errorf("error %q does not contain %q", text, want)
				}
			}
			if tt.profile != "" && !strings.Contains(text, fmt.Sprintf("profile %q", tt.profile)) {
				t.Errorf("error %q does not name profile %q", text, tt.profile)
			}
			if tt.key != "" && !strings.Contains(text, fmt.Sprintf("key %q", tt.key)) {
				t.Errorf("error %q does not name key %q", text, tt.key)
			}
		})
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		err  Error
		want string
	}{
		{Error{File: "config.toml", Profile: "wizz-dev", Key: "scan_segments", Line: 12, Msg: `expected an integer from 1 to 64, got "four"`},
			`config.toml: profile "wizz-dev": key "scan_segments" (line 12): expected an integer from 1 to 64, got "four"`},
		{Error{File: "config.toml", Line: 3, Msg: "invalid TOML: x"}, "config.toml: line 3: invalid TOML: x"},
		{Error{File: "config.toml", Profile: "p", Msg: "unknown profile"}, `config.toml: profile "p": unknown profile`},
		{Error{Profile: "p", Msg: "unknown profile"}, `built-in config: profile "p": unknown profile`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestDecodeErrorsUnwrap(t *testing.T) {
	_, err := Parse("t.toml", []byte(profileA("scan_segments = 'four'")))
	var de *toml.DecodeError
	if !errors.As(err, &de) {
		t.Errorf("%v does not wrap *toml.DecodeError", err)
	}
	_, err = Parse("t.toml", []byte(profileA("bogus = 1")))
	var se *toml.StrictMissingError
	if !errors.As(err, &se) {
		t.Errorf("%v does not wrap *toml.StrictMissingError", err)
	}
}

func TestMissingEnvironmentVariable(t *testing.T) {
	t.Setenv("WSOPS_TEST_EMPTY", "")
	tests := []struct {
		name, doc, key, msg string
		line                int
	}{
		{"unset", profileA("aws_profile = 'x'", "[profiles.a.token]", "value = '${env:WSOPS_TEST_UNSET_VAR}'"), "token.value", "environment variable WSOPS_TEST_UNSET_VAR is not set", 4},
		{"empty", profileA("[profiles.a.schema.connections]", "table = 'conns_${env:WSOPS_TEST_EMPTY}'"), "schema.connections.table", "environment variable WSOPS_TEST_EMPTY is empty", 3},
		{"in a repair value", profileA("[[profiles.a.repair]]", "name = 'r'", "table = 'both'", "where = { appId = '${env:WSOPS_TEST_UNSET_VAR}' }", "set = { b = 2 }"), "repair[1].where.appId", "WSOPS_TEST_UNSET_VAR is not set", 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The file loads: the reference fails when its profile (or,
			// for a token, the token) is used.
			cfg, err := Parse("test.toml", []byte(tt.doc))
			if err != nil {
				t.Fatalf("an unset variable failed the whole file: %v", err)
			}
			p, err := cfg.Profile("a")
			if err == nil {
				_, err = p.Token.Resolve(context.Background())
			}
			ce := asConfigError(t, err)
			if ce.Profile != "a" || ce.Key != tt.key || ce.Line != tt.line || !strings.Contains(ce.Msg, tt.msg) {
				t.Errorf("got %v; want profile a, key %q, line %d, %q", err, tt.key, tt.line, tt.msg)
			}
		})
	}
}

// No error message repeats a secret, whatever key it was put in.
func TestErrorsNeverShowSecrets(t *testing.T) {
	t.Setenv("WSOPS_TEST_JWT", plantedJWT)
	docs := map[string]string{
		"secret as token table":    profileA("token = '" + plantedJWT + "'"),
		"secret for an integer":    profileA("scan_segments = '" + plantedJWT + "'"),
		"secret for a boolean":     profileA("read_only = '" + plantedSecretKey + "'"),
		"secret in a URL query":    profileA("websocket_url = 'wss://x.example.com/dev?token=" + plantedJWT + "'"),
		"secret in URL userinfo":   profileA("websocket_url = 'wss://user:" + plantedSecretKey + "@x.example.com/dev'"),
		"secret in bad JSON":       profileA("[[profiles.a.messages]]", "name = 'm'", "data = '{token: "+plantedJWT+"}'"),
		"env secret in bad URL":    profileA("websocket_url = 'wss://x.example.com/dev?token=${env:WSOPS_TEST_JWT}'"),
		"env secret in bad region": profileA("region = '${env:WSOPS_TEST_JWT}'"),
		"secret in a syntax error": profileA("[profiles.a.token]", "value = '"+plantedJWT),
	}
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("test.toml", []byte(doc))
			asConfigError(t, err)
			for _, s := range []string{plantedJWT, plantedSecretKey, plantedJWT[10:30], plantedSecretKey[10:30]} {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q shows a secret", err)
				}
			}
		})
	}
}

func TestRawValueAt(t *testing.T) {
	doc := []byte("a = \"four\" # c\nb = 'x y', c = 1.5}\nd = \"unterminated\n")
	tests := []struct {
		line, col int
		want      string
	}{
		{1, 5, `"four"`}, {2, 5, "'x y'"}, {2, 16, "1.5"}, {3, 5, ""}, {9, 1, ""}, {1, 99, ""}, {0, 0, ""},
	}
	for _, tt := range tests {
		if got := rawValueAt(doc, tt.line, tt.col); got != tt.want {
			t.Errorf("rawValueAt(%d, %d) = %q, want %q", tt.line, tt.col, got, tt.want)
		}
	}
}
