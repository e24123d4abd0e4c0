package config

import (
	"strings"
	"testing"
)

// A profile's logout notice and saved messages are the file's, else its
// preset's: this27's apps read another notice and ping, not heartbeat.
func TestPresetDefaultsAndTheirOverrides(t *testing.T) {
	doc := lines(
		`[profiles.w]`, `preset = "wizz"`,
		`[profiles.t]`, `preset = "this27"`,
		`[profiles.own]`, `preset = "this27"`, `logout_notice = '{"type":"bye"}'`,
		`[[profiles.own.messages]]`, `name = "hello"`, `data = '{"action":"hello"}'`,
	)
	cfg := mustParse(t, doc)
	for _, c := range []struct {
		profile, notice, firstMessage string
	}{
		{"w", `{"type":"force_logout","reason":"operator"}`, `{"action":"heartbeat"}`},
		{"t", `{"type":"forceLogout","data":{"reason":"operator"}}`, `{"action":"ping"}`},
		{"own", `{"type":"bye"}`, `{"action":"hello"}`},
	} {
		p, err := cfg.Profile(c.profile)
		if err != nil {
			t.Fatal(err)
		}
		if p.LogoutNotice != c.notice || len(p.Messages) == 0 || p.Messages[0].Data != c.firstMessage {
			t.Errorf("%s: notice %s, messages %+v; want %s and first %s", c.profile, p.LogoutNotice, p.Messages, c.notice, c.firstMessage)
		}
	}
	if p := mustProfile(t, lines(`[profiles.own]`, `logout_notice = '{"type":"bye"}'`), "own"); len(p.Messages) != 3 {
		t.Errorf("a profile with a notice of its own lost the preset's messages: %+v", p.Messages)
	}
	for _, bad := range []string{`logout_notice = 'bye'`, `logout_notice = '"` + strings.Repeat("x", MaxLogoutNotice) + `"'`} {
		_, err := Parse("test.toml", []byte(lines(`[profiles.x]`, bad)))
		if ce := asConfigError(t, err); !strings.Contains(ce.Error(), "logout_notice") {
			t.Errorf("%.40s: %v, want a logout_notice error", bad, ce)
		}
	}
}
