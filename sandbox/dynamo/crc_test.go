package dynamo

import (
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// DynamoDB sends X-Amz-Crc32 with every response and the SDK verifies it
// (warning on every response when it is missing); so must the sandbox, for
// the shim's own answers and minidyn's passed-through ones alike.
func TestEveryResponseCarriesItsCRC32(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	for _, tc := range []struct{ op, body string }{
		{"ListTables", `{}`},
		{"CreateTable", `{"TableName":"t","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"k","AttributeType":"S"}],"KeySchema":[{"AttributeName":"k","KeyType":"HASH"}]}`},
		{"PutItem", `{"TableName":"t","Item":{"k":{"S":"a"}}}`},
		{"GetItem", `{"TableName":"t","Key":{"k":{"S":"a"}}}`},
		{"Scan", `{"TableName":"t"}`},
		{"GetItem", `{"TableName":"missing","Key":{"k":{"S":"a"}}}`},
	} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(tc.body))
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+tc.op)
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10)
		if got := resp.Header.Get("X-Amz-Crc32"); got != want {
			t.Errorf("%s (%d): X-Amz-Crc32 %q, want %q", tc.op, resp.StatusCode, got, want)
		}
	}
}
