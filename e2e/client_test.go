package e2e

import (
	"bytes"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestTestClient checks the test client's must-shows on the built-in
// sandbox: `wsops connect` headless (a heartbeat round trip, a bad token's
// 401), then the console's :client view connected as a merchant of
// order-receiver, with its registry record and a test broadcast to itself.
func TestTestClient(t *testing.T) {
	term, bin, env := builtInConsole(t)
	term.waitFor("the fleet", 10*time.Second, func(s string) bool { return strings.Contains(s, "order-receiver") })

	connect := func(args ...string) (string, string, int) {
		cmd := exec.Command("env", append(env, append([]string{bin, "connect"}, args...)...)...)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		var exit *exec.ExitError
		switch {
		case errors.As(err, &exit):
			return out.String(), errOut.String(), exit.ExitCode()
		case err != nil:
			t.Fatalf("wsops connect: %v", err)
		}
		return out.String(), errOut.String(), 0
	}
	out, errOut, code := connect("--as", "user=e2e-driver,app=drivers,platform=ios", "--send", `{"action":"heartbeat"}`, "--expect", "heartbeat_ack", "--timeout", "10s")
	if code != 0 || !strings.Contains(out, "> {\"action\":\"heartbeat\"}\n< {\"type\":\"heartbeat_ack\"") {
		t.Fatalf("heartbeat: exit %d\n%s\n%s", code, out, errOut)
	}
	out, errOut, code = connect("--token", "not-a-token", "--send", "{}")
	if code != 1 || !strings.Contains(errOut, "wsops: rejected: 401 Unauthorized") {
		t.Fatalf("bad token: exit %d\n%s\n%s", code, out, errOut)
	}

	term.keys(":", "client user=e2e-merchant,app=order-receiver,platform=android", "Enter")
	took := term.waitFor("the merchant's registry record", 10*time.Second, func(s string) bool {
		return strings.Contains(s, "[1 e2e-merchant@order-receiver open]") && strings.Contains(s, "registry record ") &&
			strings.Contains(s, "user e2e-merchant  app order-receiver") && strings.Contains(s, "problems: ")
	})
	t.Logf("the :client view showed its registry record after %v", took)
	term.keys("b")
	term.waitFor("the test broadcast's arrival", 10*time.Second, func(s string) bool {
		return strings.Contains(s, "test broadcast arrived ") && strings.Contains(s, "wsops_test_broadcast")
	})

	term.quit()
}
