package config

import (
	"cmp"
	"errors"
	"math"
	"net/url"
	"strings"

	"wsops/apigw"
	"wsops/data"
)

// profile resolves one [profiles.NAME] table into a Profile.
func (r *resolver) profile(name string, raw *rawProfile) (*Profile, error) {
	pr := &profileResolver{resolver: r, name: name}
	if !isProfileName(name) {
		pr.fail("", "expected a profile name of letters, digits, '-', '_' and '.'")
		return nil, pr.err
	}
	p := &Profile{
		Name:       name,
		Sandbox:    raw.Sandbox,
		AWSProfile: pr.str("aws_profile", raw.AWSProfile),
		ReadOnly:   raw.ReadOnly,
		Production: raw.Production,
		Repair:     pr.repairRules(raw.Repair),
		Messages:   pr.messages(raw.Messages),
		Token:      pr.token(raw.Token),
	}
	pr.region(p, raw.Region)
	pr.endpoints(p, raw)
	pr.preset(p, raw)
	pr.limits(p, raw)
	pr.logoutNotice(p, raw.LogoutNotice)
	defaultMessages(p)
	p.SandboxSecret = pr.secretStr("sandbox_secret", raw.SandboxSecret)
	if p.SandboxSecret != "" && !p.Sandbox {
		pr.warn("sandbox_secret", "is ignored unless sandbox = true")
	}
	if pr.err != nil {
		return nil, pr.err
	}
	return p, nil
}

// region sets the profile's AWS region.
func (pr *profileResolver) region(p *Profile, raw string) {
	p.Region = pr.str("region", raw)
	if p.Region == "" {
		p.Region = DefaultRegion
	}
	if !isRegion(p.Region) {
		pr.fail("region", "expected an AWS region such as us-east-1 or ap-south-1")
	}
}

// endpoints sets the WebSocket, management, DynamoDB, apigatewayv2 and
// CloudWatch URLs, applying the sandbox defaults and deriving the
// management URL when it is absent.
func (pr *profileResolver) endpoints(p *Profile, raw *rawProfile) {
	ws := pr.str("websocket_url", raw.WebSocketURL)
	mgmt := pr.str("management_url", raw.ManagementURL)
	dynamo := pr.str("dynamodb_url", raw.DynamoDBURL)
	pr.discovery(p, raw)
	if p.Sandbox {
		if ws == "" && mgmt == "" && p.API == "" {
			// found at start from the sandbox's apigatewayv2, as the
			// built-in profile is: the API its preset deploys
			p.API = APIOf(cmp.Or(raw.Preset, DefaultPreset)).Name
		}
		if dynamo == "" {
			dynamo = "http://" + SandboxDynamoAddr
		}
	}
	var err error
	switch {
	case ws != "" && !p.Sandbox && apigw.MayBeCustomDomain(ws):
		// a custom domain's URL has no stage: its API mapping picks one
		if _, err = checkURL(ws, "wss", "ws"); err != nil {
			pr.failWrap("websocket_url", err, "%v", err)
		}
		p.WebSocketURL = strings.TrimRight(ws, "/")
	case ws != "":
		if p.WebSocketURL, err = checkStageURL(ws, "wss", "ws"); err != nil {
			pr.failWrap("websocket_url", err, "%v", err)
		}
	}
	switch {
	case mgmt == "" && !p.Sandbox && apigw.MayBeCustomDomain(p.WebSocketURL):
		// left "": on a custom domain, the management URL is the mapped
		// API's execute-api URL, which is looked up at start
	case mgmt == "":
		mgmt = managementURLFor(p.WebSocketURL)
	case apigw.IsLocalHost(mgmt):
		// an emulator on this machine may serve @connections at its root (moto does)
		if _, err = checkURL(mgmt, "https", "http"); err != nil {
			pr.failWrap("management_url", err, "%v", err)
		}
		mgmt = strings.TrimRight(mgmt, "/")
	default:
		if mgmt, err = checkStageURL(mgmt, "https", "http"); err != nil {
			pr.failWrap("management_url", err, "%v", err)
		}
	}
	p.ManagementURL = mgmt
	defaultStage(p)
	if dynamo != "" {
		if p.DynamoDBURL, err = checkEndpointURL(dynamo); err != nil {
			pr.failWrap("dynamodb_url", err, "%v", err)
		}
	}
	pr.controlEndpoints(p, raw)
	for _, u := range []struct{ key, url string }{{"websocket_url", p.WebSocketURL}, {"management_url", p.ManagementURL}} {
		if region := executeAPIRegion(u.url); region != "" && region != p.Region {
			pr.warn(u.key, "is an API in region %s but the profile's region is %s; management calls are signed for the profile's region", region, p.Region)
			break
		}
	}
}

// controlEndpoints sets the apigatewayv2, CloudWatch and CloudWatch Logs
// URLs: a sandbox profile is served them on the host of its management
// URL, under the sandbox's paths, unless the file says otherwise.
func (pr *profileResolver) controlEndpoints(p *Profile, raw *rawProfile) {
	for _, e := range []struct {
		key, raw, sandboxPath string
		dst                   *string
	}{
		{"apigateway_url", raw.APIGatewayURL, SandboxAPIGatewayPath, &p.APIGatewayURL},
		{"cloudwatch_url", raw.CloudWatchURL, SandboxCloudWatchPath, &p.CloudWatchURL},
		{"logs_url", raw.LogsURL, SandboxLogsPath, &p.LogsURL},
	} {
		v := pr.str(e.key, e.raw)
		if v == "" && p.Sandbox && e.sandboxPath != "" {
			v = sandboxBase(raw.Preset, p.ManagementURL, raw.APIGatewayURL, raw.CloudWatchURL, raw.LogsURL) + e.sandboxPath
		}
		if v == "" {
			continue
		}
		var err error
		if *e.dst, err = checkEndpointURL(v); err != nil {
			pr.failWrap(e.key, err, "%v", err)
		}
	}
}

// sandboxBase is the scheme and host a sandbox profile's missing endpoints
// default to: those of the first of urls that has a host (its management
// URL, then its other sandbox endpoints), else the default address of a
// sandbox of the preset.
func sandboxBase(preset string, urls ...string) string {
	for _, raw := range urls {
		if u, err := url.Parse(raw); err == nil && u.Host != "" {
			return u.Scheme + "://" + u.Host
		}
	}
	return "http://" + SandboxAddrOf(preset)
}

// preset sets the preset name and the registry's store, and builds the
// schema from the preset (its MongoDB shape for a MongoDB registry) and
// the profile's overrides.
func (pr *profileResolver) preset(p *Profile, raw *rawProfile) {
	p.Preset = pr.str("preset", raw.Preset)
	if p.Preset == "" {
		p.Preset = DefaultPreset
	}
	base, ok := data.PresetSchema(p.Preset)
	if !ok {
		pr.fail("preset", "expected one of %s", quoteAll(data.PresetNames()))
		return
	}
	pr.registry(p, raw)
	if p.Registry == RegistryMongoDB {
		base, _ = data.MongoPresetSchema(p.Preset)
	}
	p.Schema = pr.schema(base, raw.Schema)
	pr.mongo(p, raw)
	pr.mongoSchema(p, raw.Schema)
}

// limits sets the management rate and the scan width.
func (pr *profileResolver) limits(p *Profile, raw *rawProfile) {
	p.ManagementRPS = DefaultManagementRPS
	if raw.ManagementRPS != nil {
		p.ManagementRPS = *raw.ManagementRPS
		if !(p.ManagementRPS > 0) || math.IsInf(p.ManagementRPS, 0) {
			pr.fail("management_rps", "expected a number greater than 0, got %v", p.ManagementRPS)
		}
	}
	p.RepairRPS = DefaultRepairRPS
	if raw.RepairRPS != nil {
		p.RepairRPS = *raw.RepairRPS
		if !(p.RepairRPS > 0) || math.IsInf(p.RepairRPS, 0) {
			pr.fail("repair_rps", "expected a number greater than 0, got %v", p.RepairRPS)
		}
	}
	p.ScanSegments = DefaultScanSegments
	if p.Sandbox {
		p.ScanSegments = SandboxScanSegments
	}
	if raw.ScanSegments != nil {
		p.ScanSegments = *raw.ScanSegments
		if p.ScanSegments < 1 || p.ScanSegments > MaxScanSegments {
			pr.fail("scan_segments", "expected an integer from 1 to %d, got %d", MaxScanSegments, p.ScanSegments)
		}
	}
	if p.Sandbox && p.ScanSegments > 1 && strings.HasSuffix(p.DynamoDBURL, "//"+SandboxDynamoAddr) {
		pr.warn("scan_segments", "is %d but the sandbox's embedded DynamoDB serves one request at a time and reads the whole table for each segment, so a scan costs %d times as much; use 1 unless the sandbox runs with --dynamodb-url", p.ScanSegments, p.ScanSegments)
	}
}

// token resolves [profiles.NAME.token]. A value whose ${env:NAME} is unset
// is resolved when the token is asked for: a command that needs no token
// works without it.
func (pr *profileResolver) token(raw rawToken) Token {
	var t Token
	var unset *unsetEnvError
	if _, _, err := expandEnv(raw.Value); errors.As(err, &unset) {
		t.ref, t.refAt = raw.Value, pr.errorAt("token.value", "")
	} else {
		t.Value = pr.secretStr("token.value", raw.Value)
	}
	t.Command = pr.str("token.command", raw.Command)
	if raw.Value != "" && t.Command != "" {
		pr.fail("token", "expected either value or command, not both")
	}
	return t
}
