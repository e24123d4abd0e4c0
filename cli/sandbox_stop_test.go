package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"wsops/data"
	"wsops/internal/testrig"
)

// stopWithin is how long Ctrl+C may take to stop a sandbox, however large.
const stopWithin = 5 * time.Second

// Ctrl+C on a sandbox with a large demo fleet says what it is doing and
// exits within 5 s: the wsops binary, a real SIGINT.
func TestSandboxInterruptedWithALargeFleetStopsWithin5s(t *testing.T) {
	const fleet = 2000
	bin := filepath.Join(t.TempDir(), "wsops")
	if out, err := exec.Command("go", "build", "-o", bin, "wsops").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "sandbox", "--demo", strconv.Itoa(fleet), "--addr", "127.0.0.1:0", "--dynamodb-addr", "127.0.0.1:0", "-o", "json")
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+t.TempDir(), "WSOPS_CONFIG=", "XDG_STATE_HOME="+t.TempDir())
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr testrig.LockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	var endpoints struct {
		DynamoDBURL string `json:"dynamodb_url"`
	}
	first, err := bufio.NewReader(stdout).ReadString('\n')
	go func() { exited <- cmd.Wait() }() // after the read: Wait closes the pipe
	running := true
	defer func() {
		if running {
			_ = cmd.Process.Kill()
			<-exited
		}
	}()
	if err != nil || json.Unmarshal([]byte(first), &endpoints) != nil {
		t.Fatalf("first line %q (%v), want the endpoints; stderr %s", first, err, stderr.String())
	}

	// The fleet is up once its clients' records are in the registry.
	db := testrig.DynamoClient(endpoints.DynamoDBURL)
	table := data.WizzSchema().Connections.Table.Name
	up := time.Now().Add(30 * time.Second)
	for n := 0; n < fleet; {
		out, err := db.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(table), Select: types.SelectCount})
		if err == nil {
			n = int(out.Count)
		}
		if time.Now().After(up) {
			t.Fatalf("%d of %d demo clients registered after 30 s (%v); stderr %s", n, fleet, err, stderr.String())
		}
		time.Sleep(100 * time.Millisecond) // polling an external process's registry, not a synchronisation
	}

	began := time.Now()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	deadline := time.NewTimer(stopWithin)
	defer deadline.Stop()
	select {
	case err := <-exited:
		running = false
		took := time.Since(began)
		if err != nil {
			t.Errorf("the sandbox exited with %v after %v; stderr:\n%s", err, took, stderr.String())
		}
		t.Logf("stopped %d demo clients in %v", fleet, took.Round(time.Millisecond))
	case <-deadline.C:
		t.Fatalf("the sandbox still runs %v after Ctrl+C; stderr:\n%s", stopWithin, stderr.String())
	}
	m := regexp.MustCompile(`wsops sandbox: stopping: closing (\d+) connections \(.+\)…`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("Ctrl+C did not say what the sandbox does; stderr:\n%s", stderr.String())
	}
	if n, _ := strconv.Atoi(m[1]); n < fleet*9/10 {
		t.Errorf("stopping %d connections, want about %d (the demo fleet): %s", n, fleet, m[0])
	}
}
