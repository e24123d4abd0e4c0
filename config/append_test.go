package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAppendProfileKeepsTheFileAndRefusesWhatWouldNotLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	old := "# my notes\ndefault_profile = \"a\" # inline comment\n[profiles.a]\nregion = \"us-east-1\"\nwebsocket_url = \"wss://x.execute-api.us-east-1.amazonaws.com/dev\"" // no final newline
	if err := os.WriteFile(path, []byte(old), 0o640); err != nil {
		t.Fatal(err)
	}
	np := NewProfile{Name: "b", Comment: "added", Keys: []KeyValue{{"region", "ap-south-1"}, {"api", "this27-websocket-dev"}, {"stage", "dev"}, {"sandbox", true}}}
	if err := AppendProfile(path, np); err != nil {
		t.Fatal(err)
	}
	body, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(body), old+"\n\n# added\n[profiles.b]\n") {
		t.Fatalf("the file's old text must stay as it was, the new table after it:\n%s", body)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want the file's own 0640", info.Mode().Perm())
	}
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := cfg.Profile("b"); err != nil || p.API != "this27-websocket-dev" || p.Region != "ap-south-1" || !p.Sandbox || !p.NeedsDiscovery() {
		t.Fatalf("profile b = %+v, %v", p, err)
	}

	for name, bad := range map[string]NewProfile{
		"existing name": {Name: "a", Keys: []KeyValue{{"region", "us-east-1"}}},
		"bad name":      {Name: "a b", Keys: nil},
		"bad value":     {Name: "c", Keys: []KeyValue{{"region", "nowhere"}}},
	} {
		if err := AppendProfile(path, bad); err == nil {
			t.Errorf("%s: appended", name)
		}
		if after, _ := os.ReadFile(path); string(after) != string(body) {
			t.Errorf("%s: the file changed", name)
		}
	}

	fresh := filepath.Join(dir, "new", "config.toml")
	if err := AppendProfile(fresh, np); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(fresh); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("a new config file: %v, %v; want mode 0600", info, err)
	}
}
