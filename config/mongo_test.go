package config

import (
	"strings"
	"testing"

	"wsops/data"
)

// plantedPassword is a MongoDB password no output may show.
var plantedPassword = "pw-" + "Zq81xVb3"

func TestRegistryDefaultsAndChoices(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"wizz", profileA("region = 'us-east-1'"), RegistryDynamoDB},
		{"this27", profileA("preset = 'this27'"), RegistryMongoDB},
		{"this27 on its DynamoDB tables", profileA("preset = 'this27'", "registry = 'dynamodb'"), RegistryDynamoDB},
		// The this27 sandbox keeps its registry in MongoDB, unless told.
		{"this27 sandbox", profileA("preset = 'this27'", "sandbox = true"), RegistryMongoDB},
		{"this27 sandbox on DynamoDB", profileA("preset = 'this27'", "sandbox = true", "dynamodb_url = 'http://127.0.0.1:8000'"), RegistryDynamoDB},
		{"wizz on MongoDB", profileA("registry = 'mongodb'", "mongodb_uri = 'mongodb://h/wizz'",
			"[profiles.a.schema.connections]", "collection = 'connections'",
			"[profiles.a.schema.subscriptions]", "rooms = 'topics'",
			"[profiles.a.schema.subscriptions.attributes]", "user = ''", "entity_type = ''", "active = ''", "created_at = ''", "ttl = ''"), RegistryMongoDB},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if p := mustProfile(t, tt.doc, "a"); p.Registry != tt.want {
				t.Errorf("registry %q, want %q", p.Registry, tt.want)
			}
		})
	}
	if p := Builtin().Profiles[SandboxProfile]; p.Registry != RegistryDynamoDB {
		t.Errorf("built-in sandbox registry %q", p.Registry)
	}
	b := Builtin().Profiles[SandboxThis27Profile]
	if uri, _ := b.MongoDB.Resolve(); b.Registry != RegistryMongoDB || uri != "mongodb://127.0.0.1:27017/" || b.Preset != "this27" {
		t.Errorf("built-in this27 sandbox: registry %q at %q, preset %s", b.Registry, uri, b.Preset)
	}
	// A file's this27 sandbox profile is served the same, and its
	// endpoints default to the this27 sandbox's address.
	p := mustProfile(t, profileA("preset = 'this27'", "sandbox = true"), "a")
	if uri, _ := p.MongoDB.Resolve(); uri != "mongodb://127.0.0.1:27017/" || p.APIGatewayURL != b.APIGatewayURL || p.LogsURL != b.LogsURL {
		t.Errorf("this27 sandbox profile: MongoDB %q, apigateway %s, logs %s; want the built-in one's", uri, p.APIGatewayURL, p.LogsURL)
	}
}

func TestRegistryErrors(t *testing.T) {
	tests := []struct {
		name, doc, key, want string
	}{
		{"unknown store", profileA("registry = 'redis'"), "registry", `expected "dynamodb" or "mongodb"`},
		{"not a MongoDB URI", profileA("preset = 'this27'", "mongodb_uri = 'https://db.example'"), "mongodb_uri", "expected a mongodb:// or mongodb+srv:// URI"},
		{"wizz on MongoDB with no collection", profileA("registry = 'mongodb'", "mongodb_uri = 'mongodb://h/x'"), "schema", "collection is not named"},
		{"subscription attributes on MongoDB", profileA("registry = 'mongodb'", "mongodb_uri = 'mongodb://h/x'",
			"[profiles.a.schema.connections]", "collection = 'c'", "[profiles.a.schema.subscriptions]", "rooms = 'r'"), "schema", "may name only connection_id and key"},
		{"dates on DynamoDB", profileA("preset = 'this27'", "registry = 'dynamodb'", "[profiles.a.schema.connections]", "time_format = 'date'"), "schema", `time_format "date" is a MongoDB date`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("test.toml", []byte(tt.doc))
			ce := asConfigError(t, err)
			if ce.Key != tt.key || !strings.Contains(ce.Msg, tt.want) {
				t.Errorf("error %v: want key %q and %q", ce, tt.key, tt.want)
			}
		})
	}
}

func TestMongoURIIsResolvedRedactedAndNeverShown(t *testing.T) {
	uri := "mongodb+srv://ops:" + plantedPassword + "@cluster0.example.net/this27?retryWrites=true"
	t.Setenv("WSOPS_TEST_MONGO_URI", uri)
	t.Run("from the environment", func(t *testing.T) {
		cfg := mustParse(t, profileA("preset = 'this27'", "mongodb_uri = '${env:WSOPS_TEST_MONGO_URI}'", "mongodb_database = 'this27_qa'"))
		if len(cfg.Warnings) != 0 {
			t.Errorf("warnings %q for a URI from the environment", cfg.Warnings)
		}
		p := mustProfile(t, profileA("preset = 'this27'", "mongodb_uri = '${env:WSOPS_TEST_MONGO_URI}'", "mongodb_database = 'this27_qa'"), "a")
		got, s, err := p.ResolveMongo()
		if err != nil || got != uri || s.Mongo.Database != "this27_qa" {
			t.Fatalf("resolved %q, database %q, %v", got, s.Mongo.Database, err)
		}
		fields := map[string]string{}
		for _, f := range p.Describe() {
			fields[f.Key] = f.Value
			if strings.Contains(f.Value, plantedPassword) {
				t.Errorf("%s = %q shows the password", f.Key, f.Value)
			}
		}
		if want := "mongodb+srv://ops:****@cluster0.example.net/this27?retryWrites=true"; fields["mongodb_uri"] != want {
			t.Errorf("mongodb_uri described as %q, want %q", fields["mongodb_uri"], want)
		}
		if fields["registry"] != RegistryMongoDB || fields["schema.subscriptions.rooms"] != "rooms" ||
			fields["schema.connections.collection"] != "websocketconnections" || fields["mongodb_database"] != "this27_qa" ||
			!strings.Contains(fields["schema.connections.mongodb_indexes"], "rooms_1 (rooms)") {
			t.Errorf("described %v", fields)
		}
	})
	t.Run("literal in the file", func(t *testing.T) {
		cfg := mustParse(t, profileA("preset = 'this27'", "mongodb_uri = '"+uri+"'"))
		if len(cfg.Warnings) != 1 || !strings.Contains(cfg.Warnings[0], `key "mongodb_uri" (line 3): holds a literal password`) {
			t.Fatalf("warnings %q, want one about the literal password", cfg.Warnings)
		}
		if strings.Contains(cfg.Warnings[0], plantedPassword) {
			t.Errorf("warning %q shows the password", cfg.Warnings[0])
		}
		_, s, err := mustProfile(t, profileA("preset = 'this27'", "mongodb_uri = '"+uri+"'"), "a").ResolveMongo()
		if err != nil || s.Mongo.Database != "this27" {
			t.Errorf("database %q (%v), want the URI's this27", s.Mongo.Database, err)
		}
	})
	t.Run("password alone from the environment", func(t *testing.T) {
		t.Setenv("WSOPS_TEST_MONGO_PASSWORD", plantedPassword)
		cfg := mustParse(t, profileA("preset = 'this27'", "mongodb_uri = 'mongodb://ops:${env:WSOPS_TEST_MONGO_PASSWORD}@db:27017/'"))
		if len(cfg.Warnings) != 0 {
			t.Errorf("warnings %q", cfg.Warnings)
		}
		_, s, _ := cfg.Profiles["a"].ResolveMongo()
		if s.Mongo.Database != "this27" {
			t.Errorf("database %q, want the preset's this27 (the URI names none)", s.Mongo.Database)
		}
	})
	t.Run("unset or missing: an error when the registry is opened", func(t *testing.T) {
		p := mustProfile(t, profileA("preset = 'this27'", "mongodb_uri = '${env:WSOPS_TEST_NO_SUCH_URI}'"), "a")
		if _, _, err := p.ResolveMongo(); err == nil || !strings.Contains(err.Error(), `key "mongodb_uri" (line 3): environment variable WSOPS_TEST_NO_SUCH_URI is not set`) {
			t.Errorf("unset: %v", err)
		}
		p = mustProfile(t, profileA("preset = 'this27'"), "a")
		if _, _, err := p.ResolveMongo(); err == nil || !strings.Contains(err.Error(), `key "mongodb_uri"`) || !strings.Contains(err.Error(), `registry = "mongodb" needs the MongoDB URI`) {
			t.Errorf("missing: %v", err)
		}
	})
}

func TestURIDatabase(t *testing.T) {
	for uri, want := range map[string]string{
		"mongodb://h/this27":                         "this27",
		"mongodb+srv://u:p@c.example.net/db?x=1":     "db",
		"mongodb://u:p/w@h1:1,h2:2/a%2Db?replicaSet": "a-b",
		"mongodb://h":                   "",
		"mongodb://h/?authSource=admin": "",
		"mongodb://h?x=/y":              "",
	} {
		if got := URIDatabase(uri); got != want {
			t.Errorf("URIDatabase(%q) = %q, want %q", uri, got, want)
		}
	}
	if got := data.This27MongoSchema().Mongo.Database; got != "this27" {
		t.Errorf("this27's default database %q", got)
	}
}
