package testrig

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// MotoEnv names the variable through which a moto_server already running
// can be handed to the tests; without it each test binary starts its own.
const MotoEnv = "WSOPS_TEST_MOTO_URL"

var moto struct {
	once  sync.Once
	url   string
	err   error
	stdin io.WriteCloser // held open for the life of the test binary
}

// MotoURL returns the URL of moto (moto 5.2.1, the independent AWS
// emulator: apigatewayv2, CloudWatch, CloudWatch Logs, DynamoDB, the
// management API), started once per test binary by tools/moto/start.py.
// Tests share it: they name what they create uniquely. A missing moto
// fails the test.
func MotoURL(t testing.TB) string {
	t.Helper()
	if u := os.Getenv(MotoEnv); u != "" {
		return u
	}
	moto.once.Do(func() { moto.url, moto.stdin, moto.err = startMoto() })
	if moto.err != nil {
		t.Fatalf("moto: %v", moto.err)
	}
	return moto.url
}

func startMoto() (string, io.WriteCloser, error) {
	python, err := findPython("moto.server")
	if err != nil {
		return "", nil, err
	}
	root, err := repoRoot()
	if err != nil {
		return "", nil, err
	}
	return startLineServer(exec.Command(python, "-B", filepath.Join(root, "tools", "moto", "start.py")))
}

// Boto3 runs tools/moto/SCRIPT (a boto3 seed, with args) under the python
// that has boto3, with AWSEnv and MOTO_URL=url, and returns its stdout; a
// failing script fails the test with its output.
func Boto3(t testing.TB, url, script string, args ...string) []byte {
	t.Helper()
	python := Python(t, "boto3")
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, append([]string{"-B", filepath.Join(root, "tools", "moto", script)}, args...)...)
	cmd.Env = append(AWSEnv(t), "MOTO_URL="+url)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", script, strings.Join(args, " "), err, stderr.String())
	}
	return out
}
