package apigw

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	"wsops/internal/reach"
)

// Client is the part of the apigatewayv2 client this package calls
// (*apigatewayv2.Client satisfies it).
type Client interface {
	GetApis(context.Context, *apigatewayv2.GetApisInput, ...func(*apigatewayv2.Options)) (*apigatewayv2.GetApisOutput, error)
	GetStages(context.Context, *apigatewayv2.GetStagesInput, ...func(*apigatewayv2.Options)) (*apigatewayv2.GetStagesOutput, error)
	GetRoutes(context.Context, *apigatewayv2.GetRoutesInput, ...func(*apigatewayv2.Options)) (*apigatewayv2.GetRoutesOutput, error)
	GetIntegrations(context.Context, *apigatewayv2.GetIntegrationsInput, ...func(*apigatewayv2.Options)) (*apigatewayv2.GetIntegrationsOutput, error)
	GetDomainNames(context.Context, *apigatewayv2.GetDomainNamesInput, ...func(*apigatewayv2.Options)) (*apigatewayv2.GetDomainNamesOutput, error)
	GetApiMappings(context.Context, *apigatewayv2.GetApiMappingsInput, ...func(*apigatewayv2.Options)) (*apigatewayv2.GetApiMappingsOutput, error)
}

var _ Client = (*apigatewayv2.Client)(nil)

// pageSize is the page size asked of every list call (AWS's maximum is 500).
const pageSize = "100"

// List returns the account's WebSocket APIs (HTTP APIs are left out) whose
// name or id equals ref, every one when ref is "", with their stages,
// sorted by name.
func List(ctx context.Context, c Client, ref string) ([]API, error) {
	var apis []API
	var token *string
	for {
		out, err := c.GetApis(ctx, &apigatewayv2.GetApisInput{MaxResults: aws.String(pageSize), NextToken: token})
		if err != nil {
			return nil, callError("GetApis", err)
		}
		for _, a := range out.Items {
			if a.ProtocolType != types.ProtocolTypeWebsocket {
				continue
			}
			if ref != "" && aws.ToString(a.Name) != ref && aws.ToString(a.ApiId) != ref {
				continue
			}
			apis = append(apis, apiOf(a))
		}
		if token = out.NextToken; aws.ToString(token) == "" {
			break
		}
	}
	for i := range apis {
		stages, err := stagesOf(ctx, c, &apis[i])
		if err != nil {
			return nil, err
		}
		apis[i].Stages = stages
	}
	slices.SortFunc(apis, func(a, b API) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID)) })
	return apis, nil
}

// Find returns the one WebSocket API whose name or id is ref, with its
// stages. A name two APIs share is an error that lists their ids.
func Find(ctx context.Context, c Client, ref string) (*API, error) {
	apis, err := List(ctx, c, ref)
	if err != nil {
		return nil, err
	}
	switch len(apis) {
	case 0:
		return nil, fmt.Errorf("%w: no WebSocket API is named %q or has that id", ErrNotFound, ref)
	case 1:
		return &apis[0], nil
	}
	ids := make([]string, len(apis))
	for i, a := range apis {
		ids[i] = a.ID
	}
	return nil, fmt.Errorf("%d WebSocket APIs are named %q (%s): set api to one of these ids", len(apis), ref, strings.Join(ids, ", "))
}

// Describe is Find with the API's routes and the integration behind each.
func Describe(ctx context.Context, c Client, ref string) (*API, error) {
	api, err := Find(ctx, c, ref)
	if err != nil {
		return nil, err
	}
	integrations, err := integrationsOf(ctx, c, api.ID)
	if err != nil {
		return nil, err
	}
	var token *string
	for {
		out, err := c.GetRoutes(ctx, &apigatewayv2.GetRoutesInput{ApiId: &api.ID, MaxResults: aws.String(pageSize), NextToken: token})
		if err != nil {
			return nil, callError("GetRoutes", err)
		}
		for _, r := range out.Items {
			route := Route{Key: aws.ToString(r.RouteKey), ID: aws.ToString(r.RouteId),
				Authorization: string(r.AuthorizationType), Target: aws.ToString(r.Target)}
			if id, ok := strings.CutPrefix(route.Target, "integrations/"); ok {
				if in, ok := integrations[id]; ok {
					route.Integration = &in
				}
			}
			api.Routes = append(api.Routes, route)
		}
		if token = out.NextToken; aws.ToString(token) == "" {
			break
		}
	}
	slices.SortFunc(api.Routes, func(a, b Route) int { return cmp.Compare(a.Key, b.Key) })
	return api, nil
}

func apiOf(a types.Api) API {
	return API{ID: aws.ToString(a.ApiId), Name: aws.ToString(a.Name), Endpoint: aws.ToString(a.ApiEndpoint),
		RouteSelection: aws.ToString(a.RouteSelectionExpression), Created: aws.ToTime(a.CreatedDate)}
}

func stagesOf(ctx context.Context, c Client, api *API) ([]Stage, error) {
	var stages []Stage
	var token *string
	for {
		out, err := c.GetStages(ctx, &apigatewayv2.GetStagesInput{ApiId: &api.ID, MaxResults: aws.String(pageSize), NextToken: token})
		if err != nil {
			return nil, callError("GetStages", err)
		}
		for _, s := range out.Items {
			stages = append(stages, stageOf(api, s))
		}
		if token = out.NextToken; aws.ToString(token) == "" {
			break
		}
	}
	slices.SortFunc(stages, func(a, b Stage) int { return cmp.Compare(a.Name, b.Name) })
	return stages, nil
}

func stageOf(api *API, s types.Stage) Stage {
	name := aws.ToString(s.StageName)
	st := Stage{Name: name, WebSocketURL: WebSocketURL(api.Endpoint, name), ManagementURL: ManagementURL(api.Endpoint, name),
		Defaults: settingsOf(s.DefaultRouteSettings), Updated: aws.ToTime(s.LastUpdatedDate), Variables: s.StageVariables}
	for key, rs := range s.RouteSettings {
		if st.PerRoute == nil {
			st.PerRoute = map[string]RouteSettings{}
		}
		st.PerRoute[key] = settingsOf(&rs)
	}
	if a := s.AccessLogSettings; a != nil && aws.ToString(a.DestinationArn) != "" {
		st.AccessLog = &AccessLog{Destination: aws.ToString(a.DestinationArn), Format: aws.ToString(a.Format)}
	}
	return st
}

func settingsOf(rs *types.RouteSettings) RouteSettings {
	if rs == nil {
		return RouteSettings{}
	}
	return RouteSettings{LoggingLevel: string(rs.LoggingLevel), DataTrace: aws.ToBool(rs.DataTraceEnabled),
		DetailedMetrics: aws.ToBool(rs.DetailedMetricsEnabled), Burst: rs.ThrottlingBurstLimit, Rate: rs.ThrottlingRateLimit}
}

func integrationsOf(ctx context.Context, c Client, apiID string) (map[string]Integration, error) {
	all := map[string]Integration{}
	var token *string
	for {
		out, err := c.GetIntegrations(ctx, &apigatewayv2.GetIntegrationsInput{ApiId: &apiID, MaxResults: aws.String(pageSize), NextToken: token})
		if err != nil {
			return nil, callError("GetIntegrations", err)
		}
		for _, in := range out.Items {
			id := aws.ToString(in.IntegrationId)
			all[id] = Integration{ID: id, Type: string(in.IntegrationType), URI: aws.ToString(in.IntegrationUri),
				Function: lambdaFunction(aws.ToString(in.IntegrationUri)), TimeoutMS: aws.ToInt32(in.TimeoutInMillis)}
		}
		if token = out.NextToken; aws.ToString(token) == "" {
			break
		}
	}
	return all, nil
}

// ErrNotFound is wrapped by the errors of an API, stage or domain that does
// not exist.
var ErrNotFound = errors.New("not found")

// callError wraps the error of an apigatewayv2 call; a denied call names
// the action it needs (apigateway:GET).
func callError(call string, err error) error {
	return reach.Call("apigatewayv2", call, "apigateway:GET", err)
}
