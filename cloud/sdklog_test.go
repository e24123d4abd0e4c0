package cloud_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"wsops/cloud"
	"wsops/config"
	"wsops/internal/testrig"
)

// The SDK's own warnings never reach stderr: on a machine with no
// credentials, the chain asks the instance metadata service, whose token
// refusal the SDK logs as "falling back to IMDSv1" — by default to stderr,
// over the console or into a command's output.
func TestSDKWarningsNeverReachStderr(t *testing.T) {
	imds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "not here", http.StatusForbidden) // a token PUT refused: the SDK warns and falls back
	}))
	t.Cleanup(imds.Close)
	home := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "",
		"AWS_CONFIG_FILE": filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(home, "credentials"),
		"AWS_EC2_METADATA_DISABLED": "", "AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.URL, "AWS_WEB_IDENTITY_TOKEN_FILE": "",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI": "", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
	} {
		t.Setenv(k, v)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := os.Stderr
	os.Stderr = w
	t.Cleanup(func() { os.Stderr = stderr })

	addr := testrig.ClosedAddr(t)
	p := &config.Profile{Name: "aws", Region: "us-east-1", DynamoDBURL: "http://" + addr, ManagementURL: "http://" + addr + "/dev"}
	cl, err := cloud.New(context.Background(), p)
	if err == nil {
		_, err = cl.DynamoDB.ListTables(context.Background(), &dynamodb.ListTablesInput{})
		cl.Close()
	}
	if err == nil {
		t.Fatal("a call without credentials succeeded")
	}
	os.Stderr = stderr
	w.Close()
	written, _ := io.ReadAll(r)
	if len(written) != 0 {
		t.Errorf("the SDK wrote to stderr: %q", written)
	}
}
