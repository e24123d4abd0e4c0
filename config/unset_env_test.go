package config

import (
	"context"
	"os"
	"strings"
	"testing"
)

// An unset ${env:NAME} breaks only the profile that holds it, and only when
// it is used; a token's reference is resolved when the token is asked for,
// so a command that needs no token works without it.
func TestUnsetEnvBreaksOnlyItsProfile(t *testing.T) {
	t.Setenv("WSOPS_TEST_URL", "")
	os.Unsetenv("WSOPS_TEST_URL")
	os.Unsetenv("WSOPS_TEST_TOKEN")
	doc := []byte(`default_profile = "prod"
[profiles.prod]
websocket_url = "wss://abc.execute-api.eu-west-1.amazonaws.com/prod"
region = "eu-west-1"
[profiles.prod.token]
value = "${env:WSOPS_TEST_TOKEN}"
[profiles.other]
websocket_url = "${env:WSOPS_TEST_URL}"
region = "eu-west-1"
`)
	cfg, err := Parse("test.toml", doc)
	if err != nil {
		t.Fatalf("one profile's unset variable failed the file: %v", err)
	}
	p, err := cfg.Profile("prod")
	if err != nil {
		t.Fatalf("prod, whose only unset reference is its token: %v", err)
	}
	if !p.Token.Set() {
		t.Error("the token reference is forgotten")
	}
	if _, err := p.Token.Resolve(context.Background()); err == nil || !strings.Contains(err.Error(), "WSOPS_TEST_TOKEN is not set") {
		t.Errorf("resolving the token: %v, want its variable named", err)
	}
	t.Setenv("WSOPS_TEST_TOKEN", "tok-123")
	if tok, err := p.Token.Resolve(context.Background()); err != nil || tok != "tok-123" {
		t.Errorf("the token once set: %q, %v", tok, err)
	}
	if _, err := cfg.Profile("other"); err == nil || !strings.Contains(err.Error(), "WSOPS_TEST_URL is not set") {
		t.Errorf("the profile with an unset URL: %v, want its variable named", err)
	}
	if _, err := cfg.Profile("sandbox"); err != nil {
		t.Errorf("the built-in sandbox profile: %v", err)
	}
}
