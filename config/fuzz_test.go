package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad checks that Load never panics on any file content and returns
// either a valid config or an *Error naming the file.
func FuzzLoad(f *testing.F) {
	example, err := os.ReadFile(filepath.Join("..", "config.example.toml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Setenv("WIZZ_TOKEN", plantedJWT)
	f.Setenv("THIS27_TOKEN", "this27-token")
	for _, seed := range []string{
		string(example),
		"",
		"default_profile = 'a'\n[profiles.a]\n",
		"[profiles.a]\nscan_segments = \"four\"\n",
		"[profiles.a]\nregion =\n",
		"[profiles.a]\n[[profiles.a.repair]]\nname = 'r'\n",
		"[profiles.a.token]\nvalue = '${env:WSOPS_FUZZ_UNSET}'\ncommand = 'x'\n",
		"[[profiles]]\n",
		"profiles = [1, {a = 2}]\n",
		"[profiles.a]\nmessages = [{ name = 'm', data = '{' }]\n",
		"[profiles.a.schema.connections.attributes]\nid = ''\n",
		"\xff\xfe[profiles.\x00]",
	} {
		f.Add(seed)
	}
	path := filepath.Join(f.TempDir(), "config.toml")
	f.Fuzz(func(t *testing.T, content string) {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := Load(path)
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("Load returned %T %v, want *config.Error", err, err)
			}
			if cfg != nil {
				t.Fatal("Load returned a config along with an error")
			}
			if !strings.HasPrefix(err.Error(), path+": ") {
				t.Fatalf("error %q does not start with the file", err)
			}
			return
		}
		if cfg == nil {
			t.Fatal("Load returned neither a config nor an error")
		}
		for _, name := range cfg.Names() {
			p, err := cfg.Profile(name)
			var unset *unsetEnvError
			switch {
			case errors.As(err, &unset):
				continue // a profile whose ${env:NAME} is unset fails when used, alone
			case err != nil:
				t.Fatalf("Profile(%q): %v", name, err)
			}
			if err := p.Schema.Validate(); err != nil {
				t.Fatalf("profile %q has an invalid schema: %v", name, err)
			}
			if p.ScanSegments < 1 || p.ScanSegments > MaxScanSegments || !(p.ManagementRPS > 0) {
				t.Fatalf("profile %q has out-of-range limits: %d segments, %v rps", name, p.ScanSegments, p.ManagementRPS)
			}
			_ = p.Describe()
		}
	})
}
