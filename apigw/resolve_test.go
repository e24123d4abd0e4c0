package apigw_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/smithy-go"

	"wsops/apigw"
)

// fakeGateway answers GetApis and GetStages for one API and counts calls;
// fail, when set, is every call's error.
type fakeGateway struct {
	apigw.Client
	calls int
	fail  error
}

func (f *fakeGateway) GetApis(context.Context, *apigatewayv2.GetApisInput, ...func(*apigatewayv2.Options)) (*apigatewayv2.GetApisOutput, error) {
	f.calls++
	if f.fail != nil {
		return nil, f.fail
	}
	return &apigatewayv2.GetApisOutput{Items: []types.Api{{ApiId: aws.String("abc123defg"), Name: aws.String("WizzUser-WebSocket-dev"),
		ProtocolType: types.ProtocolTypeWebsocket, ApiEndpoint: aws.String("wss://abc123defg.execute-api.us-east-1.amazonaws.com")}}}, nil
}

func (f *fakeGateway) GetStages(context.Context, *apigatewayv2.GetStagesInput, ...func(*apigatewayv2.Options)) (*apigatewayv2.GetStagesOutput, error) {
	f.calls++
	if f.fail != nil {
		return nil, f.fail
	}
	return &apigatewayv2.GetStagesOutput{Items: []types.Stage{{StageName: aws.String("dev")}}}, nil
}

func TestResolveCachesAndFallsBackToAStaleAnswer(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	cache := &apigw.Cache{Path: filepath.Join(t.TempDir(), "wsops", "apigateway.json"), TTL: time.Hour, Now: func() time.Time { return now }}
	scope := apigw.Scope{Region: "us-east-1", AWSProfile: "wizz"}
	gw := &fakeGateway{}
	want := apigw.Target{APIID: "abc123defg", APIName: "WizzUser-WebSocket-dev", Stage: "dev",
		WebSocketURL: "wss://abc123defg.execute-api.us-east-1.amazonaws.com/dev", ManagementURL: "https://abc123defg.execute-api.us-east-1.amazonaws.com/dev"}

	for i := range 3 {
		got, err := apigw.Resolve(context.Background(), gw, cache, scope, "WizzUser-WebSocket-dev", "dev")
		if err != nil || got != want {
			t.Fatalf("resolve %d = %+v, %v; want %+v", i, got, err, want)
		}
	}
	if gw.calls != 2 { // GetApis + GetStages, once
		t.Fatalf("%d control-plane calls for three starts within the TTL, want 2", gw.calls)
	}
	// Another account's scope does not see the entry.
	if _, err := apigw.Resolve(context.Background(), gw, cache, apigw.Scope{Region: "us-east-1", AWSProfile: "other"}, "WizzUser-WebSocket-dev", "dev"); err != nil || gw.calls != 4 {
		t.Fatalf("another scope: %v, %d calls; want a lookup of its own", err, gw.calls)
	}

	// Past the TTL it asks again; when that fails, the old answer stands, marked stale.
	now = now.Add(2 * time.Hour)
	gw.fail = errors.New("dial tcp: connection refused")
	got, err := apigw.Resolve(context.Background(), gw, cache, scope, "WizzUser-WebSocket-dev", "dev")
	if err != nil || got.APIID != want.APIID || !strings.Contains(got.Stale, "connection refused") {
		t.Fatalf("expired entry with the control plane down = %+v, %v; want the old answer marked stale", got, err)
	}
	// With no entry at all the failure is the answer.
	if _, err := apigw.Resolve(context.Background(), gw, cache, scope, "this27-websocket-dev", "dev"); err == nil {
		t.Fatal("no entry and the control plane down resolved")
	}
	// A stage the API lacks is an error that lists its stages.
	gw.fail = nil
	if _, err := apigw.Resolve(context.Background(), gw, nil, scope, "WizzUser-WebSocket-dev", "prod"); !errors.Is(err, apigw.ErrNotFound) || !strings.Contains(err.Error(), "its stages: dev") {
		t.Fatalf("missing stage: %v", err)
	}
}

func TestDeniedCallNamesTheMissingAction(t *testing.T) {
	gw := &fakeGateway{fail: &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "User: arn:aws:iam::1:user/op is not authorized to perform: apigateway:GET"}}
	_, err := apigw.List(context.Background(), gw, "")
	if err == nil || !strings.Contains(err.Error(), "lack the IAM action apigateway:GET") {
		t.Fatalf("denied GetApis: %v; want it to name apigateway:GET", err)
	}
}
