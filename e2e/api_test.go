package e2e

import (
	"strings"
	"testing"
)

// TestConsoleAPIViewOnTheBuiltInSandbox: the built-in profile finds its
// URLs from the sandbox's apigatewayv2; the header's strip shows the
// stage's CloudWatch traffic (the demo fleet's); :api shows the API, its
// routes and its traffic beside the registry's count.
func TestConsoleAPIViewOnTheBuiltInSandbox(t *testing.T) {
	term, _, _ := builtInConsole(t)
	term.waitFor("the fleet in the header", waitLimit, func(s string) bool {
		return strings.Contains(s, "drivers") && strings.Contains(s, "order-receiver")
	})
	term.waitFor("the metrics strip with the demo fleet's traffic", waitLimit, func(s string) bool {
		return strings.Contains(s, "messages/min") && strings.Contains(s, "connects/min") && strings.Contains(s, "CloudWatch, read")
	})
	term.keys(":", "api", "Enter")
	took := term.waitFor("the :api view of the sandbox's API", waitLimit, func(s string) bool {
		return strings.Contains(s, "API WizzUser-WebSocket-dev") && strings.Contains(s, "route selection  $request.body.action") &&
			strings.Contains(s, "Traffic") && strings.Contains(s, "registry (wsops)")
	})
	t.Logf(":api shown after %v", took)
	// The routes are below the traffic: scroll to them.
	term.keys("NPage")
	term.waitFor("the preset's routes and their functions", waitLimit, func(s string) bool {
		return strings.Contains(s, "subscribe_business_status") && strings.Contains(s, "heartbeat") && strings.Contains(s, "AWS_PROXY")
	})
	term.keys("Escape")
	term.waitFor("back on the connections", waitLimit, func(s string) bool { return !strings.Contains(s, "registry (wsops)") })
	term.quit()
}
