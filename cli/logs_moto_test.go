package cli

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"wsops/internal/testrig"
)

// TestLogsTrailAgainstMoto: a profile that names its API finds the log
// groups from the stage and routes moto holds, and `wsops logs --conn`
// gives exactly that connection's lines, grouped by request, with the
// token in the access log's query string redacted in every output.
func TestLogsTrailAgainstMoto(t *testing.T) {
	w := newMotoWorld(t)
	name := w.prefix + "this27-websocket-dev"
	groups, _ := json.Marshal(map[string]string{
		"access": "/aws/apigateway/" + name + "-access", "execution": "API-Gateway-Execution-Logs_" + w.ids.This27 + "/dev",
		"connect": "/aws/lambda/this27-websocket-dev-websocketConnect", "default": "/aws/lambda/this27-websocket-dev-websocketDefault",
		"format": `{"requestId": "$context.requestId", "connectionId": "$context.connectionId", "eventType": "$context.eventType", "routeKey": "$context.routeKey", "status": "$context.status", "integrationRequestId": "$context.awsEndpointRequestId", "query": "$context.requestOverride.querystring"}`,
		"region": "ap-south-1"})
	start := time.Now().Add(-20 * time.Minute)
	var s struct {
		Token  string
		Trails map[string][]struct {
			Access string
			Lines  []string
		}
	}
	if err := json.Unmarshal(testrig.Boto3(t, w.url, "seed_logs.py", w.prefix[:8], strconv.FormatInt(start.UnixMilli(), 10), string(groups)), &s); err != nil {
		t.Fatal(err)
	}
	cfg := w.config(t, fmt.Sprintf("api = %q", name), `region = "ap-south-1"`, fmt.Sprintf("apigateway_url = %q", w.url),
		fmt.Sprintf("logs_url = %q", w.url), fmt.Sprintf("management_url = %q", w.url), fmt.Sprintf("dynamodb_url = %q", w.url))
	for id, want := range s.Trails {
		out, errOut, code := run(t, "--config", cfg, "logs", "--conn", id, "-o", "jsonl")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var got []string
		requests := 0
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var l struct {
				Kind, Message string
				ConnectionID  string `json:"connection_id"`
			}
			if err := json.Unmarshal([]byte(line), &l); err != nil {
				t.Fatalf("%v: %s", err, line)
			}
			if l.ConnectionID != id {
				t.Errorf("a line of connection %q in the trail of %s: %s", l.ConnectionID, id, line)
			}
			if l.Kind == "access" {
				requests++
				continue
			}
			got = append(got, l.Message)
		}
		var exp []string
		for _, r := range want {
			exp = append(exp, r.Lines...)
		}
		if requests != len(want) || strings.Join(got, "\n") != strings.Join(exp, "\n") {
			t.Errorf("trail of %s: %d requests, lines:\n%s\nwant %d requests, lines:\n%s", id, requests, strings.Join(got, "\n"), len(want), strings.Join(exp, "\n"))
		}
		for _, format := range []string{"jsonl", "json", "table"} {
			out, _, _ := run(t, "--config", cfg, "logs", "--conn", id, "-o", format)
			if strings.Contains(out, s.Token) || strings.Contains(out, strings.Split(s.Token, ".")[1]) {
				t.Errorf("-o %s shows the planted token", format)
			}
		}
		out, _, _ = run(t, "--config", cfg, "logs", "--conn", id, "--route", "$connect")
		if strings.Count(out, "request ") != 1 || !strings.Contains(out, "$connect") {
			t.Errorf("--route $connect:\n%s", out)
		}
	}
}
