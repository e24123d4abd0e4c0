package dynamo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"wsops/data"
	"wsops/internal/testrig"
	"wsops/sandbox/dynamo"
)

// The checks of this file run real AWS clients, boto3 and the aws CLI,
// against the sandbox's DynamoDB: their answers must have DynamoDB's shape
// (boto3's batch_writer, for one, fails on a BatchWriteItem answer without
// UnprocessedItems). Missing tools fail the tests: they are never skipped
// (.ci/run installs them).

// serveSandbox serves the sandbox's DynamoDB on a loopback port for this test.
func serveSandbox(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stop := dynamo.Serve(l)
	t.Cleanup(func() {
		c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = stop(c)
	})
	return "http://" + l.Addr().String()
}

// TestBoto3Shapes runs testdata/boto3_shapes.py, one boto3 check of every
// operation the sandbox serves, against the sandbox's DynamoDB and, to keep
// the script's expectations DynamoDB's own, against dynalite.
func TestBoto3Shapes(t *testing.T) {
	python := testrig.Python(t, "boto3")
	for _, target := range []struct{ name, url string }{
		{"sandbox", serveSandbox(t)},
		{"dynalite", testrig.DynaliteURL(t)},
	} {
		t.Run(target.name, func(t *testing.T) {
			prefix := fmt.Sprintf("shapes_%d_%d_", os.Getpid(), time.Now().UnixNano()%1e9)
			// -B: no __pycache__ left in testdata.
			cmd := exec.CommandContext(ctx(t), python, "-B", filepath.Join("testdata", "boto3_shapes.py"), target.url, prefix)
			cmd.Env = testrig.AWSEnv(t)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("boto3_shapes.py against %s: %v\n%s", target.name, err, out)
			}
		})
	}
}

// cli runs one aws CLI command against url and returns its exit code,
// standard output and standard error.
func cli(t *testing.T, aws, url string, env []string, args ...string) (int, []byte, string) {
	t.Helper()
	cmd := exec.CommandContext(ctx(t), aws, append([]string{"--endpoint-url", url, "--output", "json", "dynamodb"}, args...)...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	var exit *exec.ExitError
	if err := cmd.Run(); err != nil && !errors.As(err, &exit) {
		t.Fatalf("aws dynamodb %s: %v", args[0], err)
	}
	return cmd.ProcessState.ExitCode(), stdout.Bytes(), stderr.String()
}

// cliJSON runs a command that must succeed and decodes what it prints.
func cliJSON(t *testing.T, aws, url string, env []string, args ...string) map[string]any {
	t.Helper()
	code, out, stderr := cli(t, aws, url, env, args...)
	var v map[string]any
	if code != 0 || json.Unmarshal(out, &v) != nil {
		t.Fatalf("aws dynamodb %s: exit %d, output %s %s", args[0], code, out, stderr)
	}
	return v
}

// TestAWSCLIShapes drives the sandbox's DynamoDB with the aws CLI, as an
// operator does, on the tables the sandbox itself creates.
func TestAWSCLIShapes(t *testing.T) {
	aws, err := exec.LookPath("aws")
	if err != nil {
		t.Fatalf("the aws CLI is required (Debian: apt-get install awscli; .ci/run installs it): %v", err)
	}
	url, env := serveSandbox(t), testrig.AWSEnv(t)
	s := data.WizzSchema()
	if err := data.EnsureTables(ctx(t), testrig.DynamoClient(url), s); err != nil {
		t.Fatal(err)
	}
	table := s.Connections.Table.Name

	if code, _, stderr := cli(t, aws, url, env, "wait", "table-exists", "--table-name", table); code != 0 {
		t.Errorf("wait table-exists: exit %d: %s", code, stderr)
	}
	d, _ := cliJSON(t, aws, url, env, "describe-table", "--table-name", table)["Table"].(map[string]any)
	gsis, _ := d["GlobalSecondaryIndexes"].([]any)
	if d["TableStatus"] != "ACTIVE" || !strings.HasSuffix(fmt.Sprint(d["TableArn"]), ":table/"+table) ||
		d["AttributeDefinitions"] == nil || d["CreationDateTime"] == nil || len(gsis) != 1 ||
		gsis[0].(map[string]any)["IndexStatus"] != "ACTIVE" || gsis[0].(map[string]any)["Projection"] == nil {
		t.Errorf("describe-table: %v", d)
	}

	// A refused write changes nothing: userId is the S hash key of userId-index.
	refused := `{"connectionId":{"S":"cli-1"},"userId":{"N":"42"}}`
	code, _, stderr := cli(t, aws, url, env, "put-item", "--table-name", table, "--item", refused)
	if code == 0 || !strings.Contains(stderr, "ValidationException") || !strings.Contains(stderr, "Type mismatch for Index Key userId") {
		t.Errorf("put-item %s: exit %d, %q; want a ValidationException", refused, code, stderr)
	}
	code, out, stderr := cli(t, aws, url, env, "get-item", "--table-name", table, "--key", `{"connectionId":{"S":"cli-1"}}`)
	if code != 0 || len(bytes.TrimSpace(out)) != 0 {
		t.Errorf("get-item after the refused put: exit %d, %q %s; want nothing", code, out, stderr)
	}

	batch := fmt.Sprintf(`{%q:[{"PutRequest":{"Item":{"connectionId":{"S":"cli-2"},"userId":{"S":"u"}}}},
		{"PutRequest":{"Item":{"connectionId":{"S":"cli-3"},"userId":{"S":"u"}}}}]}`, table)
	if got := cliJSON(t, aws, url, env, "batch-write-item", "--request-items", batch); fmt.Sprint(got) != "map[UnprocessedItems:map[]]" {
		t.Errorf("batch-write-item: %v, want UnprocessedItems {} alone", got)
	}
	// The CLI pages through a scan itself: a page of one item at a time,
	// resumed from each LastEvaluatedKey.
	scan := cliJSON(t, aws, url, env, "scan", "--table-name", table, "--page-size", "1")
	if items, _ := scan["Items"].([]any); len(items) != 2 || scan["Count"] != 2.0 || scan["ScannedCount"] != 2.0 {
		t.Errorf("scan --page-size 1: %v, want the two items", scan)
	}
}
