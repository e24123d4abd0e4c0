package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"wsops/ops/auditlog"
	"wsops/sanitize"
)

// runOnTerminal runs wsops as run does, with every stream taken for a
// terminal (as when an operator types the command).
func runOnTerminal(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := execute(context.Background(), args, Streams{In: strings.NewReader(""), Out: &out, Err: &errOut},
		func(g *globals) { g.terminal = func(any) bool { return true } })
	return out.String(), errOut.String(), code
}

func TestTableCellsAreWholeUnlessOnATerminal(t *testing.T) {
	long := "arn:aws:sts::123456789012:assumed-role/OperationsAdministratorAccess/someone@example.com"
	cols := []column{{"ID", 8}, {"CALLER", 10}, {"REST", 0}}
	for _, tc := range []struct {
		terminal bool
		want     []string
	}{
		{false, []string{"ID        CALLER      REST", "short     " + long + "  tail", "x         caller      \\x1b[2J"}},
		{true, []string{"ID        CALLER      REST", "short     arn:aws:s…  tail", "x         caller      \\x1b[2J"}},
	} {
		var b bytes.Buffer
		g := &globals{terminal: func(any) bool { return tc.terminal }}
		w := g.newRowWriter(&b, formatTable, cols)
		if err := errorsOf(w.write(nil, "short", long, "tail"), w.write(nil, "x", "caller", "\x1b[2J"), w.close()); err != nil {
			t.Fatal(err)
		}
		if got := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n"); strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("terminal %v:\n%s\nwant:\n%s", tc.terminal, strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
		}
	}
}

// errorsOf is the first of errs that is not nil.
func errorsOf(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func TestAuditTableIsWholeInAPipe(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	caller := "arn:aws:sts::123456789012:assumed-role/OperationsAdministratorAccess/someone@example.com"
	filter := "app order-receiver, entity customer, user u-0123456789abcdef"
	err := auditlog.New(filepath.Join(state, "wsops", "audit.jsonl")).Append(auditlog.Entry{
		Time: time.Now(), Profile: "wizz-production-eu", Caller: caller, Action: "send", Filter: filter,
		Targets: 3, Result: map[string]int{"delivered": 2, "gone": 1}, DurationMS: 1234567,
	})
	if err != nil {
		t.Fatal(err)
	}
	piped, errOut, code := run(t, "audit")
	if code != 0 {
		t.Fatalf("audit: exit %d: %s", code, errOut)
	}
	for _, whole := range []string{caller, filter, "wizz-production-eu", "1234567ms"} {
		if !strings.Contains(piped, whole) {
			t.Errorf("audit into a pipe cut %q:\n%s", whole, piped)
		}
	}
	if strings.Contains(piped, "…") {
		t.Errorf("audit into a pipe cut a cell:\n%s", piped)
	}
	// On a terminal the columns keep their widths.
	shown, _, _ := runOnTerminal(t, "audit")
	lines := strings.Split(strings.TrimSuffix(shown, "\n"), "\n")
	if len(lines) != 2 || strings.Contains(shown, caller) || !strings.Contains(shown, "…") ||
		sanitize.Width(lines[0][:strings.Index(lines[0], "FILTER")]) != sanitize.Width(lines[1][:strings.Index(lines[1], "app order")]) {
		t.Errorf("audit on a terminal, want aligned columns cut to their widths:\n%s", shown)
	}
}
