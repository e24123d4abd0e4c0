package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"wsops/ops/auditlog"
)

func TestAuditShowsTheLastEntries(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	t.Setenv("WSOPS_CONFIG", "")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	path, _ := auditlog.DefaultPath()
	if path != filepath.Join(state, "wsops", "audit.jsonl") {
		t.Fatalf("audit path %s", path)
	}
	log := auditlog.New(path)
	for i, action := range []string{"send", "logout", "prune"} {
		if err := log.Append(auditlog.Entry{Time: time.Unix(int64(i), 0), Profile: "sandbox", Caller: "sandbox",
			Action: action, Targets: i, Result: map[string]int{"done": i}}); err != nil {
			t.Fatal(err)
		}
	}
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("not json\n")
	f.Close()

	out, errOut, code := run(t, "audit", "-n", "2", "-o", "jsonl")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var last auditlog.Entry
	if len(lines) != 2 || json.Unmarshal([]byte(lines[1]), &last) != nil || last.Action != "prune" {
		t.Fatalf("want the last 2 entries, got %q", out)
	}
	if !strings.Contains(errOut, "1 lines") {
		t.Errorf("the garbage line was not reported: %q", errOut)
	}
	out, _, _ = run(t, "audit")
	if !strings.Contains(out, "logout") || !strings.Contains(out, "done 2") {
		t.Errorf("table:\n%s", out)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("audit log mode %v, want 0600", fi.Mode().Perm())
	}
}
