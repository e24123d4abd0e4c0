package testrig

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// AWSEnv is the environment of a python or aws process: this one's without
// any AWS setting, plus dummy credentials, a region and an empty home, so
// that no profile, config file or instance metadata of the machine counts.
func AWSEnv(t testing.TB) []string {
	home := t.TempDir()
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "BOTO_") {
			env = append(env, kv)
		}
	}
	return append(env, "HOME="+home,
		"AWS_CONFIG_FILE="+filepath.Join(home, "no-config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "no-credentials"),
		"AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=x", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=")
}

// Python finds a python3 that imports module (boto3, moto): $WSOPS_PYTHON,
// the one on PATH, or Debian's (where python3-boto3 installs boto3). A
// missing one fails the test, never skips it.
func Python(t testing.TB, module string) string {
	t.Helper()
	path, err := findPython(module)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return path
}

func findPython(module string) (string, error) {
	var tried []string
	for _, p := range []string{os.Getenv("WSOPS_PYTHON"), "python3", "/usr/bin/python3"} {
		if p == "" {
			continue
		}
		path, err := exec.LookPath(p)
		if err != nil {
			tried = append(tried, p+": not found")
			continue
		}
		out, err := exec.Command(path, "-c", "import "+module).CombinedOutput()
		if err == nil {
			return path, nil
		}
		tried = append(tried, fmt.Sprintf("%s: %v %s", path, err, bytes.TrimSpace(out)))
	}
	return "", fmt.Errorf("no python3 imports %s (boto3: apt-get install python3-boto3, which .ci/run does; moto: pip install 'moto[server]==5.2.1'): %s",
		module, strings.Join(tried, "; "))
}
