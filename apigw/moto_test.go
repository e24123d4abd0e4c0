package apigw_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"

	"wsops/apigw"
	"wsops/internal/testrig"
)

// seeded is what tools/moto/seed_apis.py created and moto assigned.
type seeded struct {
	This27, Wizz, HTTP, Domain, Region string
}

func seedMoto(t *testing.T) (string, seeded) {
	url := testrig.MotoURL(t)
	prefix := strings.ReplaceAll(t.Name(), "/", "-") + "-"
	out := testrig.Boto3(t, url, "seed_apis.py", prefix)
	var s seeded
	if err := json.Unmarshal(out, &s); err != nil {
		t.Fatalf("seed output %q: %v", out, err)
	}
	return url, s
}

func client(url, region string) *apigatewayv2.Client {
	return apigatewayv2.New(apigatewayv2.Options{Region: region, BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("x", "x", "")})
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// TestDiscoveryAgainstMoto checks List, Find and Describe against APIs an
// independent implementation holds, seeded with boto3.
func TestDiscoveryAgainstMoto(t *testing.T) {
	url, s := seedMoto(t)
	c := client(url, s.Region)
	name := t.Name() + "-this27-websocket-dev"

	apis, err := apigw.List(ctx(t), c, name)
	if err != nil {
		t.Fatal(err)
	}
	if len(apis) != 1 || apis[0].ID != s.This27 {
		t.Fatalf("List(%q) = %+v, want only the WebSocket API %s (not the HTTP API %s)", name, apis, s.This27, s.HTTP)
	}
	a := apis[0]
	if a.RouteSelection != "$request.body.action" || !slices.Equal(a.StageNames(), []string{"dev", "prod"}) {
		t.Errorf("API = %+v", a)
	}
	dev, _ := a.Stage("dev")
	wantWS := "wss://" + s.This27 + ".execute-api." + s.Region + ".amazonaws.com/dev"
	wantMgmt := "https://" + s.This27 + ".execute-api." + s.Region + ".amazonaws.com/dev"
	if dev.WebSocketURL != wantWS || dev.ManagementURL != wantMgmt {
		t.Errorf("stage dev URLs = %s, %s; want %s, %s (moto gives https:// endpoints)", dev.WebSocketURL, dev.ManagementURL, wantWS, wantMgmt)
	}
	if dev.Defaults.LoggingLevel != "INFO" || !dev.Defaults.DetailedMetrics || aws.ToFloat64(dev.Defaults.Rate) != 1000 || aws.ToInt32(dev.Defaults.Burst) != 500 {
		t.Errorf("stage dev settings = %+v", dev.Defaults)
	}
	if dev.AccessLog == nil || dev.AccessLog.Group() != "/aws/apigateway/"+name+"-access" {
		t.Errorf("access log = %+v", dev.AccessLog)
	}

	byID, err := apigw.Find(ctx(t), c, s.Wizz)
	if err != nil || byID.Name != t.Name()+"-WizzUser-WebSocket-dev" {
		t.Errorf("Find by id %s = %+v, %v", s.Wizz, byID, err)
	}
	if _, err := apigw.Find(ctx(t), c, t.Name()+"-nope"); !errors.Is(err, apigw.ErrNotFound) {
		t.Errorf("Find of a missing API: %v, want ErrNotFound", err)
	}

	d, err := apigw.Describe(ctx(t), c, s.This27)
	if err != nil {
		t.Fatal(err)
	}
	var keys, functions []string
	for _, r := range d.Routes {
		keys = append(keys, r.Key)
		if r.Integration != nil {
			functions = append(functions, r.Integration.Function)
		}
	}
	if !slices.Equal(keys, []string{"$connect", "$default", "$disconnect"}) ||
		!slices.Equal(functions, []string{"this27-websocket-dev-websocketConnect", "this27-websocket-dev-websocketDefault", "this27-websocket-dev-websocketDisconnect"}) {
		t.Errorf("routes %v, functions %v", keys, functions)
	}
	if ws := apigw.Check(d, "dev", apigw.Expect{Preset: "this27", RouteSelection: "$request.body.action", Routes: []string{"$connect", "$disconnect", "$default"}, Live: 100}); len(ws) != 0 {
		t.Errorf("a well-configured API has warnings: %+v", ws)
	}
}

// TestCheckWarnsAgainstMoto: logging OFF, no access log, routes of the
// preset missing, throttling below the registry's load.
func TestCheckWarnsAgainstMoto(t *testing.T) {
	url, s := seedMoto(t)
	c := client(url, s.Region)
	d, err := apigw.Describe(ctx(t), c, s.Wizz)
	if err != nil {
		t.Fatal(err)
	}
	wizzRoutes := []string{"$connect", "$disconnect", "$default", "subscribe_order", "unsubscribe_order", "subscribe_business_status", "unsubscribe_business_status", "heartbeat"}
	ws := apigw.Check(d, "dev", apigw.Expect{Preset: "wizz", RouteSelection: "$request.action", Routes: wizzRoutes, Live: 120_000})
	var codes []string
	for _, w := range ws {
		codes = append(codes, w.Code)
	}
	want := []string{"route-selection", "missing-routes", "execution-logging-off", "no-access-log", "throttled-below-load"}
	if !slices.Equal(codes, want) {
		t.Fatalf("warnings %v, want %v: %+v", codes, want, ws)
	}
	if !strings.Contains(ws[1].Message, "subscribe_order, unsubscribe_order, subscribe_business_status, unsubscribe_business_status") {
		t.Errorf("missing routes message: %s", ws[1].Message)
	}
}

// TestCustomDomainAgainstMoto: a websocket_url on a custom domain gives
// the execute-api management URL of the API and stage its mapping reaches.
func TestCustomDomainAgainstMoto(t *testing.T) {
	url, s := seedMoto(t)
	c := client(url, s.Region)
	scope := apigw.Scope{Endpoint: url, Region: s.Region}
	for path, want := range map[string]string{
		"/":          "https://" + s.This27 + ".execute-api." + s.Region + ".amazonaws.com/dev",
		"/wizz":      "https://" + s.Wizz + ".execute-api." + s.Region + ".amazonaws.com/dev",
		"/wizz/more": "https://" + s.Wizz + ".execute-api." + s.Region + ".amazonaws.com/dev",
	} {
		got, err := apigw.ResolveDomain(ctx(t), c, nil, scope, "wss://"+s.Domain+path)
		if err != nil || got.ManagementURL != want {
			t.Errorf("ResolveDomain(wss://%s%s) = %+v, %v; want management %s", s.Domain, path, got, err, want)
		}
	}
	domains, err := apigw.Domains(ctx(t), c)
	if err != nil || !slices.Contains(domains, s.Domain) {
		t.Errorf("Domains = %v, %v; want %s among them", domains, err, s.Domain)
	}
	if _, err := apigw.ResolveDomain(ctx(t), c, nil, scope, "wss://unknown.example.com/"); err == nil {
		t.Error("a domain the account does not have resolved")
	}
}
