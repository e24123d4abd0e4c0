// Package config loads wsops profiles from a TOML file: endpoints, AWS
// credentials profile, registry schema (a preset plus overrides), safety
// switches, repair rules, saved messages and the token source. Every value
// may reference the environment as ${env:NAME}; every problem is reported as
// an *Error naming the file, the profile and the key.
package config

import (
	"sort"

	"wsops/data"
)

// Addresses of the embedded sandbox, used by the built-in profile and as the
// defaults of any profile with sandbox = true.
const (
	// SandboxAddr is where the sandbox serves WebSocket upgrades and the
	// management API.
	SandboxAddr = "127.0.0.1:8787"
	// SandboxDynamoAddr is where the sandbox serves its DynamoDB endpoint.
	SandboxDynamoAddr = "127.0.0.1:8000"
	// SandboxThis27Addr is where the this27 sandbox listens by default,
	// beside the wizz one.
	SandboxThis27Addr = "127.0.0.1:8788"
	// SandboxMongoAddr is where the sandbox serves its MongoDB-wire
	// endpoint (this27's registry).
	SandboxMongoAddr = "127.0.0.1:27017"
	// SandboxStage is the API stage the sandbox serves.
	SandboxStage = "dev"
	// SandboxProfile is the name of the built-in sandbox profile.
	SandboxProfile = "sandbox"
	// SandboxAPIGatewayPath is where on the sandbox's listener its
	// apigatewayv2 API is served (the SDK's BaseEndpoint is
	// http://SandboxAddr + this path).
	SandboxAPIGatewayPath = "/_aws/apigatewayv2"
	// SandboxCloudWatchPath is where on the sandbox's listener its
	// CloudWatch API (GetMetricData) is served.
	SandboxCloudWatchPath = "/_aws/cloudwatch"
	// SandboxLogsPath is where on the sandbox's listener its CloudWatch
	// Logs API (FilterLogEvents, StartLiveTail…) is served.
	SandboxLogsPath = "/_aws/logs"
)

// Profile defaults.
const (
	// DefaultRegion is the AWS region of a profile that names none.
	DefaultRegion = "us-east-1"
	// DefaultPreset is the schema preset of a profile that names none.
	DefaultPreset = "wizz"
	// DefaultManagementRPS caps management API calls per second.
	DefaultManagementRPS = 500.0
	// DefaultRepairRPS caps repair writes per second: gentle on a table with
	// provisioned capacity, and 5,000 changes still take under a minute.
	DefaultRepairRPS = 100.0
	// DefaultScanSegments is the parallel scan width against DynamoDB.
	DefaultScanSegments = 4
	// SandboxScanSegments is the scan width of sandbox profiles: the
	// sandbox's embedded DynamoDB serves one request at a time and reads the
	// whole table for each segment, so more segments only cost more.
	SandboxScanSegments = 1
	// MaxScanSegments is the largest accepted scan_segments.
	MaxScanSegments = 64
)

// Repair rule tables.
const (
	RepairConnections   = "connections"
	RepairSubscriptions = "subscriptions"
	RepairBoth          = "both"
)

// Config is a loaded configuration file, or the built-in one.
type Config struct {
	// Path is the file the config was read from; "" for the built-in config.
	Path string
	// DefaultProfile is the profile used when none is named; may be "".
	DefaultProfile string
	// Profiles are the file's profiles by name.
	Profiles map[string]*Profile
	// Warnings are problems that do not stop loading, such as literal
	// secrets in the file. They never contain a secret value.
	Warnings []string
	// unusable are the profiles that reference an unset environment
	// variable: asking for one returns why.
	unusable map[string]error
}

// Profile is one deployment the console can operate on, fully resolved:
// defaults applied, ${env:NAME} references expanded, values validated.
type Profile struct {
	Name string
	// Sandbox is true when a wsops sandbox serves the profile: static local
	// credentials are used and tokens are minted with SandboxSecret.
	Sandbox    bool
	Region     string
	AWSProfile string
	// WebSocketURL is ws:// or wss:// with the stage as its path; "" when the
	// file names neither it nor a management URL.
	WebSocketURL string
	// ManagementURL is the @connections API base (http(s)://host/stage),
	// derived from WebSocketURL when the file does not set it.
	ManagementURL string
	// DynamoDBURL overrides the DynamoDB endpoint; "" means AWS's.
	DynamoDBURL string
	// API is the WebSocket API's name or id and Stage its stage: with no
	// websocket_url, the URLs are discovered from them at start (apigw).
	API   string
	Stage string
	// APIGatewayURL and CloudWatchURL override the apigatewayv2 and
	// CloudWatch endpoints; "" means AWS's (or AWS_ENDPOINT_URL_*).
	APIGatewayURL string
	CloudWatchURL string
	// LogsURL overrides the CloudWatch Logs endpoint.
	LogsURL string
	// Logs are log groups that replace the ones discovery finds.
	Logs LogGroups
	// Registry is the store that keeps the registry: RegistryDynamoDB
	// (DynamoDBURL, the schema's tables) or RegistryMongoDB (MongoDB, the
	// schema's Mongo collection).
	Registry string
	// MongoDB is where a MongoDB registry is.
	MongoDB MongoDB
	// Preset is the name of the schema preset the Schema starts from.
	Preset string
	// Schema is the preset's schema with the profile's overrides, validated.
	Schema        data.Schema
	ReadOnly      bool
	Production    bool
	ManagementRPS float64
	// RepairRPS caps repair writes per second (wsops repair --rate).
	RepairRPS    float64
	ScanSegments int
	Repair       []RepairRule
	// Messages are the saved messages of the test client and the send
	// dialog: the file's [[messages]], else the preset's.
	Messages []Message
	// LogoutNotice is the JSON a force logout posts to each target before
	// the cut: the file's logout_notice, else the preset's.
	LogoutNotice string
	Token        Token
	// SandboxSecret signs sandbox tokens; "" means the sandbox's development
	// default. Only meaningful when Sandbox is true.
	SandboxSecret string
}

// LogGroups are [profiles.NAME.logs]: the access and execution log groups
// and the route handlers' Lambda log groups ("" / nil: the ones the API's
// stage and routes name).
type LogGroups struct {
	Access    string
	Execution string
	Handlers  []string
}

// RepairRule rewrites registry records that match its conditions. For
// subscriptions, an attribute written "connection.appId" is read from the
// joined connection record. Values in Where, WhereNot and Set are string,
// int64, float64 or bool; nested TOML tables are flattened into dotted
// attribute names. A rule has a name, a valid Table, at least one condition
// and at least one Set entry.
type RepairRule struct {
	Name string
	// Table is RepairConnections, RepairSubscriptions or RepairBoth.
	Table string
	// Where holds attribute values a record must have.
	Where map[string]any
	// WhereNot holds attribute values a record must not have.
	WhereNot map[string]any
	// WhereMissing lists attributes a record must lack.
	WhereMissing []string
	// Set holds the new attribute values.
	Set map[string]any
}

// Message is a saved message for the test client and the send dialog.
type Message struct {
	Name        string
	Description string
	// Data is JSON text, checked to be valid JSON at load.
	Data string
}

// SandboxThis27Profile is the name of the built-in profile of the this27
// sandbox (its registry in MongoDB), beside the wizz one.
const SandboxThis27Profile = "sandbox-this27"

// SandboxAddrOf is where a sandbox of the preset listens by default: the
// this27 one beside the wizz one, so that both can run at once.
func SandboxAddrOf(preset string) string {
	if preset == "this27" {
		return SandboxThis27Addr
	}
	return SandboxAddr
}

// builtins are the built-in profiles: the sandboxes at their default
// addresses. A config file's profile of the same name replaces one.
var builtins = map[string]func() *Profile{
	SandboxProfile:       builtinSandbox,
	SandboxThis27Profile: builtinThis27Sandbox,
}

// Builtin returns the configuration used when there is no config file: the
// built-in profiles, "sandbox" (wizz, the default) and "sandbox-this27".
func Builtin() *Config {
	c := &Config{DefaultProfile: SandboxProfile, Profiles: map[string]*Profile{}}
	for name, p := range builtins {
		c.Profiles[name] = p()
	}
	return c
}

// IsBuiltin reports whether name is a built-in profile's.
func IsBuiltin(name string) bool { return builtins[name] != nil }

// builtinSandbox returns the built-in sandbox profile: the wizz sandbox,
// its registry on the embedded DynamoDB.
func builtinSandbox() *Profile {
	p := sandboxProfile(SandboxProfile, DefaultPreset)
	p.Registry = RegistryDynamoDB
	p.DynamoDBURL = "http://" + SandboxDynamoAddr
	p.Schema = data.WizzSchema()
	return p
}

// builtinThis27Sandbox returns the built-in profile of the this27 sandbox,
// its registry in the embedded MongoDB as this27 keeps it.
func builtinThis27Sandbox() *Profile {
	p := sandboxProfile(SandboxThis27Profile, "this27")
	p.Registry = RegistryMongoDB
	p.MongoDB = MongoDB{uri: sandboxMongoURI}
	p.Schema = data.This27MongoSchema()
	return p
}

// sandboxMongoURI is the sandbox's embedded MongoDB.
const sandboxMongoURI = "mongodb://" + SandboxMongoAddr + "/"

// sandboxProfile is what the built-in profiles share: a sandbox of the
// preset at its default address, found at start by discovery.
func sandboxProfile(name, preset string) *Profile {
	base := "http://" + SandboxAddrOf(preset)
	p := &Profile{
		Name:    name,
		Sandbox: true,
		Region:  DefaultRegion,
		// found at start, as a profile for AWS finds its API
		API:           APIOf(preset).Name,
		Stage:         SandboxStage,
		APIGatewayURL: base + SandboxAPIGatewayPath,
		CloudWatchURL: base + SandboxCloudWatchPath,
		LogsURL:       base + SandboxLogsPath,
		Preset:        preset,
		ManagementRPS: DefaultManagementRPS,
		RepairRPS:     DefaultRepairRPS,
		ScanSegments:  SandboxScanSegments,
		LogoutNotice:  defaultsOf(preset).logoutNotice,
	}
	defaultMessages(p)
	return p
}

// Profile returns the named profile. An empty name means the default
// profile: default_profile if set, else the only profile, else the one named
// "sandbox". The name "sandbox" always resolves: to the file's sandbox
// profile if it defines one, else to the built-in one. An unknown name is an
// *Error listing the known names.
func (c *Config) Profile(name string) (*Profile, error) {
	if name == "" {
		name = c.defaultName()
	}
	if p, ok := c.Profiles[name]; ok {
		return p, nil
	}
	if err := c.unusable[name]; err != nil {
		return nil, err
	}
	if b := builtins[name]; b != nil {
		return b(), nil
	}
	e := &Error{File: c.Path, Profile: name, Msg: "unknown profile; known profiles: " + quoteAll(c.Names())}
	if name == "" {
		e.Msg = "no profile chosen: set default_profile or pass --profile; known profiles: " + quoteAll(c.Names())
	}
	return nil, e
}

// defaultName is the profile Profile("") resolves, or "" when it is ambiguous.
func (c *Config) defaultName() string {
	switch {
	case c.DefaultProfile != "":
		return c.DefaultProfile
	case len(c.Profiles) == 1:
		for name := range c.Profiles {
			return name
		}
	case len(c.Profiles) == 0:
		return SandboxProfile
	}
	if _, ok := c.Profiles[SandboxProfile]; ok {
		return SandboxProfile
	}
	return ""
}

// Names returns the names Profile accepts, sorted: the file's profiles and
// the built-in ones.
func (c *Config) Names() []string {
	names := make([]string, 0, len(c.Profiles)+len(builtins))
	for name := range c.Profiles {
		names = append(names, name)
	}
	for name := range builtins {
		if _, ok := c.Profiles[name]; !ok {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}
