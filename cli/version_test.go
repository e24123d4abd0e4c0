package cli

import (
	"encoding/json"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionFlagAndJSON(t *testing.T) {
	want, errOut, code := run(t, "version")
	if code != 0 || !strings.HasPrefix(want, "wsops ") || strings.Count(want, "\n") != 1 {
		t.Fatalf("wsops version: exit %d, %q (%s)", code, want, errOut)
	}
	for _, args := range [][]string{{"--version"}, {"-v"}} {
		got, errOut, code := run(t, args...)
		if code != 0 || got != want {
			t.Errorf("wsops %s: exit %d, %q (%s); want what wsops version prints, %q", args[0], code, got, errOut, want)
		}
	}

	out, errOut, code := run(t, "version", "-o", "json")
	if code != 0 {
		t.Fatalf("version -o json: exit %d: %s", code, errOut)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil || strings.Count(out, "\n") != 1 {
		t.Fatalf("version -o json printed %q, want one JSON object (%v)", out, err)
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		t.Fatal("no build info in a test binary")
	}
	if v["version"] == "" || v["go_version"] != info.GoVersion || !strings.Contains(want, info.GoVersion) {
		t.Errorf("version -o json: %v, text %q; want a version and Go %s in both", v, want, info.GoVersion)
	}
	for _, s := range info.Settings { // recorded only by builds with VCS stamping
		if s.Key == "vcs.revision" && (v["commit"] != s.Value || !strings.Contains(want, s.Value[:12])) {
			t.Errorf("commit %v, text %q; want the build's vcs.revision %s", v["commit"], want, s.Value)
		}
	}

	if _, errOut, code := run(t, "version", "-o", "yaml"); code != ExitUsage || !strings.Contains(errOut, "yaml") {
		t.Errorf("version -o yaml: exit %d %q, want a usage error naming the format", code, errOut)
	}
}
