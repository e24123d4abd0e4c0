package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"wsops/data"
	"wsops/internal/testrig"
)

// A profile whose management_url points at another sandbox: every probe
// answers gone, as it would for another stage, API or account. prune
// deletes nothing and says why; --force deletes, and --undo puts back every
// record as it was.
func TestPruneGuardsAgainstAWrongManagementURL(t *testing.T) {
	here := testrig.StartSandboxWorld(t, testrig.WorldOptions{Clients: 12})
	elsewhere := testrig.StartSandboxWorld(t, testrig.WorldOptions{})
	e := here.Sandbox.Endpoints()
	path := sandboxConfig(t, "wrong", e.WebSocketURL, elsewhere.ManagementURL, e.DynamoDBURL)
	reg := data.NewRegistry(testrig.DynamoClient(e.DynamoDBURL), data.WizzSchema(), data.Options{})
	records := func() int {
		conns, err := data.Collect(t.Context(), reg.Connections(t.Context(), data.Select{}))
		if err != nil {
			t.Fatal(err)
		}
		return len(conns)
	}
	if n := records(); n != 12 {
		t.Fatalf("%d records before the prune, want 12", n)
	}

	out, errOut, code := run(t, "--config", path, "prune", "--grace", "0s", "--yes", "-o", "json")
	if code != ExitRefused || !strings.Contains(errOut, "12 of 12 probed connections answer gone") || !strings.Contains(errOut, "management_url") {
		t.Fatalf("prune through the wrong management URL: exit %d, %q %q; want a refusal naming management_url", code, out, errOut)
	}
	if n := records(); n != 12 {
		t.Fatalf("the refused prune deleted %d records of live connections", 12-n)
	}

	out, errOut, code = run(t, "--config", path, "prune", "--grace", "0s", "--yes", "--force", "-o", "json")
	var res struct {
		Deleted, Records int
		Journal          string
	}
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || res.Deleted != 12 || res.Journal == "" {
		t.Fatalf("--force: exit %d, %q %q", code, out, errOut)
	}
	if n := records(); n != 0 {
		t.Fatalf("--force left %d records", n)
	}
	out, errOut, code = run(t, "--config", path, "prune", "--undo", res.Journal, "--yes")
	if code != 0 || !strings.Contains(out, "restored the records of 12 connections") {
		t.Fatalf("--undo: exit %d, %q %q", code, out, errOut)
	}
	if n := records(); n != 12 {
		t.Fatalf("the undo left %d of 12 records", n)
	}
}
