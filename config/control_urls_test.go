package config

import (
	"strings"
	"testing"
)

// apigateway_url, cloudwatch_url and logs_url: AWS's by default, the
// sandbox's for a sandbox profile (on its management URL's host), or what
// the file says.
func TestControlEndpoints(t *testing.T) {
	for _, tc := range []struct {
		name                    string
		lines                   []string
		apigateway, cloud, logs string
	}{
		{"aws", []string{"websocket_url = 'wss://abc.execute-api.us-east-1.amazonaws.com/dev'"}, "", "", ""},
		{"sandbox on its own port", []string{"sandbox = true", "websocket_url = 'ws://127.0.0.1:9999/hints'"},
			"http://127.0.0.1:9999/_aws/apigatewayv2", "http://127.0.0.1:9999/_aws/cloudwatch", "http://127.0.0.1:9999/_aws/logs"},
		{"sandbox defaults", []string{"sandbox = true"},
			"http://127.0.0.1:8787/_aws/apigatewayv2", "http://127.0.0.1:8787/_aws/cloudwatch", "http://127.0.0.1:8787/_aws/logs"},
		{"explicit", []string{"websocket_url = 'wss://abc.execute-api.us-east-1.amazonaws.com/dev'",
			"apigateway_url = 'http://127.0.0.1:5000/'", "cloudwatch_url = 'https://monitoring.example.com'", "logs_url = 'https://logs.example.com'"},
			"http://127.0.0.1:5000", "https://monitoring.example.com", "https://logs.example.com"},
	} {
		p := mustProfile(t, profileA(tc.lines...), "a")
		if p.APIGatewayURL != tc.apigateway || p.CloudWatchURL != tc.cloud || p.LogsURL != tc.logs {
			t.Errorf("%s: %q %q %q, want %q %q %q", tc.name, p.APIGatewayURL, p.CloudWatchURL, p.LogsURL, tc.apigateway, tc.cloud, tc.logs)
		}
	}
	if b := Builtin().Profiles[SandboxProfile]; b.LogsURL != "http://"+SandboxAddr+SandboxLogsPath {
		t.Errorf("the built-in sandbox profile's logs_url is %q", b.LogsURL)
	}
	_, err := Parse("/etc/wsops/test.toml", []byte(profileA("cloudwatch_url = 'monitoring.example.com'")))
	if err == nil || !strings.Contains(err.Error(), "cloudwatch_url") {
		t.Fatalf("a URL without a scheme: %v, want an error naming cloudwatch_url", err)
	}
}
