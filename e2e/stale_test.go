package e2e

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// staleCount reads "connections T   stale N of M probed" from the
// console's header.
var staleCount = regexp.MustCompile(`connections ([\d,]+)\s+stale (\d+) of ([\d,]+) probed`)

// seededStale is how many records of connections long gone the console's
// built-in sandbox seeds: one per 30 of its 300 demo clients.
const seededStale = 10

// The console's stale count, its is:stale rows and `wsops conns --stale`
// agree once the background probe has passed over the whole fleet: all of
// the sandbox's seeded stale records, and nothing else.
func TestStaleCountsAgreeAfterTheProbe(t *testing.T) {
	term, bin, env := builtInConsole(t)

	// Every record probed: the first pass, then the top-ups of the records
	// the demo's clients and its seeding add.
	var header []string
	took := term.waitFor("every record probed", 60*time.Second, func(s string) bool {
		header = staleCount.FindStringSubmatch(s)
		return header != nil && header[1] == header[3] && header[2] == strconv.Itoa(seededStale)
	})
	stale, _ := strconv.Atoi(header[2])
	t.Logf("after %v the header says %q", took, header[0])

	term.keys("/", "is:stale", "Enter")
	want := "filter: is:stale  " + strconv.Itoa(stale) + " rows"
	term.waitFor("the is:stale rows", waitLimit, func(s string) bool { return strings.Contains(s, want) })

	out, err := exec.Command("env", append(env, bin, "conns", "--stale", "-o", "jsonl")...).Output()
	if err != nil {
		t.Fatalf("wsops conns --stale: %v", err)
	}
	var ids []string
	for line := range bytes.Lines(bytes.TrimSpace(out)) {
		var c struct{ ID string }
		if err := json.Unmarshal(line, &c); err != nil {
			t.Fatalf("conns --stale line %q: %v", line, err)
		}
		ids = append(ids, c.ID)
	}
	if len(ids) != stale {
		t.Fatalf("conns --stale lists %d records %v, the console counts %d stale:\n%s", len(ids), ids, stale, term.screen())
	}
	screen := term.screen()
	for _, id := range ids[:min(len(ids), 5)] {
		if !strings.Contains(screen, id) {
			t.Errorf("conns --stale lists %s, which the console's is:stale rows do not show:\n%s", id, screen)
		}
	}
	term.quit()
}
