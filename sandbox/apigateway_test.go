package sandbox_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/coder/websocket"

	"wsops/auth"
	"wsops/sandbox"
)

// apigw is the real apigatewayv2 client (v1.35.2) pointed at the sandbox.
func apigw(e sandbox.Endpoints) *apigatewayv2.Client {
	return apigatewayv2.New(apigatewayv2.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(e.APIGatewayURL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("sandbox", "sandbox", ""),
	})
}

// TestAPIGatewayDescribesTheSandbox: apigatewayv2 describes each preset's
// API as its Serverless service deploys it, with the routes the gateway
// really routes, and the apiEndpoint reaches the sandbox.
func TestAPIGatewayDescribesTheSandbox(t *testing.T) {
	for _, tc := range []struct {
		preset, stage, name string
		routes              []string
		functions           []string
	}{
		{"wizz", "", "WizzUser-WebSocket-dev",
			[]string{"$connect", "$disconnect", "$default", "subscribe_order", "unsubscribe_order", "subscribe_business_status", "unsubscribe_business_status", "heartbeat"},
			[]string{"wizzuser-websocket-dev-connect", "wizzuser-websocket-dev-disconnect", "wizzuser-websocket-dev-default", "wizzuser-websocket-dev-subscribeOrder",
				"wizzuser-websocket-dev-unsubscribeOrder", "wizzuser-websocket-dev-subscribeBusinessStatus", "wizzuser-websocket-dev-unsubscribeBusinessStatus", "wizzuser-websocket-dev-heartbeat"}},
		{"this27", "", "this27-websocket-dev",
			[]string{"$connect", "$disconnect", "$default"},
			[]string{"this27-websocket-dev-websocketConnect", "this27-websocket-dev-websocketDisconnect", "this27-websocket-dev-websocketDefault"}},
		{"this27", "prod", "this27-websocket-prod",
			[]string{"$connect", "$disconnect", "$default"},
			[]string{"this27-websocket-prod-websocketConnect", "this27-websocket-prod-websocketDisconnect", "this27-websocket-prod-websocketDefault"}},
	} {
		t.Run(tc.preset+"/"+tc.stage, func(t *testing.T) {
			w := start(t, sandbox.Config{Preset: tc.preset, Stage: tc.stage})
			e := w.sb.Endpoints()
			stage := e.Stage
			c := apigw(e)
			ctx := context.Background()

			apis, err := c.GetApis(ctx, &apigatewayv2.GetApisInput{})
			if err != nil {
				t.Fatal(err)
			}
			if len(apis.Items) != 1 || apis.NextToken != nil {
				t.Fatalf("GetApis: %d items, token %v; want the one API", len(apis.Items), apis.NextToken)
			}
			api := apis.Items[0]
			host := strings.TrimPrefix(strings.TrimSuffix(e.WebSocketURL, "/"+stage), "ws://")
			if *api.Name != tc.name || api.ProtocolType != types.ProtocolTypeWebsocket || *api.ApiEndpoint != "ws://"+host ||
				*api.RouteSelectionExpression != "$request.body.action" || *api.ApiKeySelectionExpression != "$request.header.x-api-key" ||
				!regexp.MustCompile(`^[a-z0-9]{10}$`).MatchString(*api.ApiId) || api.CreatedDate == nil {
				t.Fatalf("API %+v", api)
			}
			got, err := c.GetApi(ctx, &apigatewayv2.GetApiInput{ApiId: api.ApiId})
			if err != nil || *got.Name != tc.name || *got.ApiId != *api.ApiId {
				t.Fatalf("GetApi: %+v, %v", got, err)
			}
			again := start(t, sandbox.Config{Preset: tc.preset, Stage: tc.stage})
			if other, err := apigw(again.sb.Endpoints()).GetApis(ctx, &apigatewayv2.GetApisInput{}); err != nil || *other.Items[0].ApiId != *api.ApiId {
				t.Fatalf("another sandbox of the preset and stage has another id: %v (%v)", other, err)
			}

			checkStage(t, c, *api.ApiId, stage, tc.name)
			checkRoutes(t, c, *api.ApiId, w.sb.Gateway().RouteKeys(), tc.routes, tc.functions)

			// A client built from apiEndpoint connects.
			tok, err := auth.Mint(w.secret, auth.Claims{User: "u-1", EntityType: "driver", App: "drivers"}, time.Hour, time.Now())
			if tc.preset == "this27" {
				tok, err = auth.Mint(w.secret, auth.Claims{User: "r-1", EntityType: "rider", App: "rider-app"}, time.Hour, time.Now())
			}
			if err != nil {
				t.Fatal(err)
			}
			dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			conn, _, err := websocket.Dial(dctx, *api.ApiEndpoint+"/"+stage+"?"+url.Values{"token": {tok}, "platform": {"web"}}.Encode(), nil)
			if err != nil {
				t.Fatalf("dial apiEndpoint/stage: %v", err)
			}
			conn.CloseNow()
		})
	}
}

func checkStage(t *testing.T, c *apigatewayv2.Client, apiID, stage, apiName string) {
	t.Helper()
	ctx := context.Background()
	stages, err := c.GetStages(ctx, &apigatewayv2.GetStagesInput{ApiId: aws.String(apiID)})
	if err != nil || len(stages.Items) != 1 {
		t.Fatalf("GetStages: %+v, %v", stages, err)
	}
	one, err := c.GetStage(ctx, &apigatewayv2.GetStageInput{ApiId: aws.String(apiID), StageName: aws.String(stage)})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []types.Stage{stages.Items[0], {
		StageName: one.StageName, DefaultRouteSettings: one.DefaultRouteSettings, AccessLogSettings: one.AccessLogSettings,
		CreatedDate: one.CreatedDate, LastUpdatedDate: one.LastUpdatedDate,
	}} {
		d := s.DefaultRouteSettings
		if *s.StageName != stage || d == nil || d.LoggingLevel != types.LoggingLevelInfo || *d.DataTraceEnabled || !*d.DetailedMetricsEnabled ||
			*d.ThrottlingBurstLimit != 5000 || *d.ThrottlingRateLimit != 10000 || s.CreatedDate == nil || s.LastUpdatedDate == nil {
			t.Fatalf("stage %+v, settings %+v", s, d)
		}
		logs := s.AccessLogSettings
		if logs == nil || *logs.DestinationArn != "arn:aws:logs:us-east-1:000000000000:log-group:/aws/apigateway/"+apiName+"-access" {
			t.Fatalf("access log settings %+v", logs)
		}
		for _, field := range []string{`"requestId":"$context.requestId"`, `"connectionId":"$context.connectionId"`, `"eventType":"$context.eventType"`,
			`"routeKey":"$context.routeKey"`, `"status":"$context.status"`, `"integrationRequestId":"$context.awsEndpointRequestId"`,
			`"requestTime":"$context.requestTime"`, `"ip":"$context.identity.sourceIp"`} {
			if !strings.Contains(*logs.Format, field) {
				t.Fatalf("access log format %s lacks %s", *logs.Format, field)
			}
		}
	}
	_, err = c.GetStage(ctx, &apigatewayv2.GetStageInput{ApiId: aws.String(apiID), StageName: aws.String("nope")})
	if _, ok := errors.AsType[*types.NotFoundException](err); !ok {
		t.Fatalf("unknown stage: %v, want NotFoundException", err)
	}
}

// checkRoutes: the routes are the gateway's route keys (and the preset's
// real ones), each with its own Lambda proxy integration.
func checkRoutes(t *testing.T, c *apigatewayv2.Client, apiID string, gatewayKeys, wantKeys, functions []string) {
	t.Helper()
	ctx := context.Background()
	if !slices.Equal(gatewayKeys, wantKeys) {
		t.Fatalf("the gateway routes %v, want %v", gatewayKeys, wantKeys)
	}
	// Paged three at a time, as a client with maxResults pages.
	var routes []types.Route
	p := apigatewayv2.GetRoutesInput{ApiId: aws.String(apiID), MaxResults: aws.String("3")}
	for pages := 0; ; pages++ {
		out, err := c.GetRoutes(ctx, &p)
		if err != nil || pages > 10 {
			t.Fatalf("GetRoutes: %v (page %d)", err, pages)
		}
		routes = append(routes, out.Items...)
		if out.NextToken == nil {
			break
		}
		p.NextToken = out.NextToken
	}
	integrations, err := c.GetIntegrations(ctx, &apigatewayv2.GetIntegrationsInput{ApiId: aws.String(apiID)})
	if err != nil || len(integrations.Items) != len(wantKeys) {
		t.Fatalf("GetIntegrations: %d, %v; want %d", len(integrations.Items), err, len(wantKeys))
	}
	var keys []string
	for i, r := range routes {
		keys = append(keys, *r.RouteKey)
		if r.AuthorizationType != types.AuthorizationTypeNone || !strings.HasPrefix(*r.Target, "integrations/") {
			t.Fatalf("route %+v", r)
		}
		one, err := c.GetRoute(ctx, &apigatewayv2.GetRouteInput{ApiId: aws.String(apiID), RouteId: r.RouteId})
		if err != nil || *one.RouteKey != *r.RouteKey {
			t.Fatalf("GetRoute %s: %+v, %v", *r.RouteId, one, err)
		}
		integ, err := c.GetIntegration(ctx, &apigatewayv2.GetIntegrationInput{ApiId: aws.String(apiID), IntegrationId: aws.String(strings.TrimPrefix(*r.Target, "integrations/"))})
		if err != nil {
			t.Fatalf("GetIntegration of %s: %v", *r.RouteKey, err)
		}
		uri := "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:" + functions[i] + "/invocations"
		if integ.IntegrationType != types.IntegrationTypeAwsProxy || *integ.IntegrationMethod != "POST" || *integ.IntegrationUri != uri ||
			*integ.PayloadFormatVersion != "1.0" || *integ.TimeoutInMillis != 29000 {
			t.Fatalf("integration of %s: %+v, want %s", *r.RouteKey, integ, uri)
		}
	}
	if !slices.Equal(keys, wantKeys) {
		t.Fatalf("GetRoutes lists %v, want %v", keys, wantKeys)
	}
}

// TestAPIGatewayRefusals: unknown ids are typed NotFoundException, there
// are no custom domains, unsigned calls get 403, writes 405 and paths the
// sandbox does not serve 404, all in AWS's error shape.
func TestAPIGatewayRefusals(t *testing.T) {
	w := start(t, sandbox.Config{})
	e := w.sb.Endpoints()
	c := apigw(e)
	ctx := context.Background()
	_, err := c.GetApi(ctx, &apigatewayv2.GetApiInput{ApiId: aws.String("nope123456")})
	if nf, ok := errors.AsType[*types.NotFoundException](err); !ok || nf.ResourceType == nil || *nf.ResourceType != "Api" {
		t.Fatalf("unknown API: %v, want NotFoundException", err)
	}
	_, err = c.GetRoutes(ctx, &apigatewayv2.GetRoutesInput{ApiId: aws.String("nope123456")})
	if _, ok := errors.AsType[*types.NotFoundException](err); !ok {
		t.Fatalf("routes of an unknown API: %v, want NotFoundException", err)
	}
	domains, err := c.GetDomainNames(ctx, &apigatewayv2.GetDomainNamesInput{})
	if err != nil || len(domains.Items) != 0 {
		t.Fatalf("GetDomainNames: %+v, %v; want none", domains, err)
	}
	_, err = c.GetApiMappings(ctx, &apigatewayv2.GetApiMappingsInput{DomainName: aws.String("ws.example.com")})
	if _, ok := errors.AsType[*types.NotFoundException](err); !ok {
		t.Fatalf("GetApiMappings of an unknown domain: %v, want NotFoundException", err)
	}
	_, err = c.GetApis(ctx, &apigatewayv2.GetApisInput{NextToken: aws.String("not-a-token")})
	if _, ok := errors.AsType[*types.BadRequestException](err); !ok {
		t.Fatalf("a bad nextToken: %v, want BadRequestException", err)
	}

	signed := http.Header{"Authorization": {"AWS4-HMAC-SHA256 Credential=x"}}
	for _, tc := range []struct {
		method, path string
		header       http.Header
		status       int
		errorType    string
	}{
		{"GET", "/v2/apis", nil, 403, "MissingAuthenticationTokenException"},
		{"POST", "/v2/apis", signed, 405, "MethodNotAllowedException"},
		{"DELETE", "/v2/apis/" + control(t, c) + "/routes", signed, 405, "MethodNotAllowedException"},
		{"GET", "/v2/apis/" + control(t, c) + "/authorizers", signed, 404, "NotFoundException"},
		{"GET", "/v2/vpclinks", signed, 404, "NotFoundException"},
		{"GET", "/v1/restapis", signed, 404, "NotFoundException"},
		{"GET", "", signed, 404, "NotFoundException"},
	} {
		req, err := http.NewRequest(tc.method, e.APIGatewayURL+tc.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range tc.header {
			req.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || resp.Header.Get("X-Amzn-ErrorType") != tc.errorType ||
			resp.Header.Get("X-Amzn-RequestId") == "" || !strings.HasPrefix(string(body), `{"message":`) {
			t.Errorf("%s %s: %d %s %s, want %d %s", tc.method, tc.path, resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), body, tc.status, tc.errorType)
		}
	}
}

// control is the sandbox's API id.
func control(t *testing.T, c *apigatewayv2.Client) string {
	t.Helper()
	out, err := c.GetApis(context.Background(), &apigatewayv2.GetApisInput{})
	if err != nil || len(out.Items) != 1 {
		t.Fatalf("GetApis: %v", err)
	}
	return *out.Items[0].ApiId
}
