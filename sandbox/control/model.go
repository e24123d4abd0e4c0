package control

// The JSON shapes apigatewayv2 answers with (REST-JSON, camelCase names as
// the AWS API reference and the SDK's deserializers spell them). Fields the
// sandbox has no value for are left out, as AWS leaves them out.

type apiJSON struct {
	APIEndpoint               string            `json:"apiEndpoint"`
	APIID                     string            `json:"apiId"`
	APIKeySelectionExpression string            `json:"apiKeySelectionExpression"`
	CreatedDate               string            `json:"createdDate"`
	Description               string            `json:"description,omitempty"`
	DisableExecuteAPIEndpoint bool              `json:"disableExecuteApiEndpoint"`
	IPAddressType             string            `json:"ipAddressType"`
	Name                      string            `json:"name"`
	ProtocolType              string            `json:"protocolType"`
	RouteSelectionExpression  string            `json:"routeSelectionExpression"`
	Tags                      map[string]string `json:"tags"`
}

type stageJSON struct {
	AccessLogSettings    accessLogJSON                `json:"accessLogSettings"`
	AutoDeploy           bool                         `json:"autoDeploy"`
	CreatedDate          string                       `json:"createdDate"`
	DefaultRouteSettings routeSettingsJSON            `json:"defaultRouteSettings"`
	DeploymentID         string                       `json:"deploymentId"`
	LastUpdatedDate      string                       `json:"lastUpdatedDate"`
	RouteSettings        map[string]routeSettingsJSON `json:"routeSettings"`
	StageName            string                       `json:"stageName"`
	Tags                 map[string]string            `json:"tags"`
}

type accessLogJSON struct {
	DestinationArn string `json:"destinationArn"`
	Format         string `json:"format"`
}

type routeSettingsJSON struct {
	DataTraceEnabled       bool    `json:"dataTraceEnabled"`
	DetailedMetricsEnabled bool    `json:"detailedMetricsEnabled"`
	LoggingLevel           string  `json:"loggingLevel"`
	ThrottlingBurstLimit   int     `json:"throttlingBurstLimit"`
	ThrottlingRateLimit    float64 `json:"throttlingRateLimit"`
}

type routeJSON struct {
	APIKeyRequired    bool   `json:"apiKeyRequired"`
	AuthorizationType string `json:"authorizationType"`
	RouteID           string `json:"routeId"`
	RouteKey          string `json:"routeKey"`
	Target            string `json:"target"`
}

type integrationJSON struct {
	ConnectionType       string `json:"connectionType"`
	IntegrationID        string `json:"integrationId"`
	IntegrationMethod    string `json:"integrationMethod"`
	IntegrationType      string `json:"integrationType"`
	IntegrationURI       string `json:"integrationUri"`
	PassthroughBehavior  string `json:"passthroughBehavior"`
	PayloadFormatVersion string `json:"payloadFormatVersion"`
	TimeoutInMillis      int    `json:"timeoutInMillis"`
}

// domainNameJSON is a custom domain (the sandbox has none).
type domainNameJSON struct {
	DomainName string `json:"domainName"`
}

// pageJSON is every Get* list answer: {"items": [...], "nextToken": "..."}.
type pageJSON[T any] struct {
	Items     []T    `json:"items"`
	NextToken string `json:"nextToken,omitempty"`
}

// errorJSON is the body of apigatewayv2's errors.
type errorJSON struct {
	Message      string `json:"message"`
	ResourceType string `json:"resourceType,omitempty"`
}
