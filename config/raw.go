package config

// The raw* types mirror the TOML file one to one. They are decoded strictly
// (unknown keys are errors) and then resolved into Profile. Pointers mark
// keys whose absence differs from their zero value.

// rawFile is the whole config file.
type rawFile struct {
	DefaultProfile string                 `toml:"default_profile"`
	Profiles       map[string]*rawProfile `toml:"profiles"`
}

// rawProfile is one [profiles.NAME] table.
type rawProfile struct {
	Sandbox         bool         `toml:"sandbox"`
	Region          string       `toml:"region"`
	AWSProfile      string       `toml:"aws_profile"`
	WebSocketURL    string       `toml:"websocket_url"`
	ManagementURL   string       `toml:"management_url"`
	DynamoDBURL     string       `toml:"dynamodb_url"`
	Registry        string       `toml:"registry"`
	MongoDBURI      string       `toml:"mongodb_uri"`
	MongoDBDatabase string       `toml:"mongodb_database"`
	API             string       `toml:"api"`
	Stage           string       `toml:"stage"`
	APIGatewayURL   string       `toml:"apigateway_url"`
	CloudWatchURL   string       `toml:"cloudwatch_url"`
	LogsURL         string       `toml:"logs_url"`
	Logs            rawLogs      `toml:"logs"`
	Preset          string       `toml:"preset"`
	Schema          rawSchema    `toml:"schema"`
	ReadOnly        bool         `toml:"read_only"`
	Production      bool         `toml:"production"`
	ManagementRPS   *float64     `toml:"management_rps"`
	RepairRPS       *float64     `toml:"repair_rps"`
	LogoutNotice    string       `toml:"logout_notice"`
	ScanSegments    *int         `toml:"scan_segments"`
	Repair          []rawRepair  `toml:"repair"`
	Messages        []rawMessage `toml:"messages"`
	Token           rawToken     `toml:"token"`
	SandboxSecret   string       `toml:"sandbox_secret"`
}

// rawSchema is [profiles.NAME.schema]: overrides of the preset's schema.
type rawSchema struct {
	Connections   rawConnections    `toml:"connections"`
	Subscriptions rawSubscriptions  `toml:"subscriptions"`
	AppEntity     map[string]string `toml:"app_entity"`
}

// rawConnections is [profiles.NAME.schema.connections].
type rawConnections struct {
	Table      *string            `toml:"table"`
	HashKey    *string            `toml:"hash_key"`
	RangeKey   *string            `toml:"range_key"`
	UserIndex  *string            `toml:"user_index"`
	TimeFormat *string            `toml:"time_format"`
	Collection *string            `toml:"collection"`
	Attributes rawConnectionAttrs `toml:"attributes"`
}

// rawConnectionAttrs is [profiles.NAME.schema.connections.attributes].
type rawConnectionAttrs struct {
	ID          *string `toml:"id"`
	User        *string `toml:"user"`
	EntityType  *string `toml:"entity_type"`
	App         *string `toml:"app"`
	Platform    *string `toml:"platform"`
	ConnectedAt *string `toml:"connected_at"`
	TTL         *string `toml:"ttl"`
	SourceIP    *string `toml:"source_ip"`
	UserAgent   *string `toml:"user_agent"`
	BusinessID  *string `toml:"business_id"`
	LastSeenAt  *string `toml:"last_seen_at"`
}

// rawSubscriptions is [profiles.NAME.schema.subscriptions].
type rawSubscriptions struct {
	Table      *string              `toml:"table"`
	HashKey    *string              `toml:"hash_key"`
	RangeKey   *string              `toml:"range_key"`
	KeyIndex   *string              `toml:"key_index"`
	TimeFormat *string              `toml:"time_format"`
	Rooms      *string              `toml:"rooms"`
	Attributes rawSubscriptionAttrs `toml:"attributes"`
}

// rawSubscriptionAttrs is [profiles.NAME.schema.subscriptions.attributes].
type rawSubscriptionAttrs struct {
	ConnectionID *string `toml:"connection_id"`
	Key          *string `toml:"key"`
	User         *string `toml:"user"`
	EntityType   *string `toml:"entity_type"`
	Active       *string `toml:"active"`
	CreatedAt    *string `toml:"created_at"`
	TTL          *string `toml:"ttl"`
}

// rawRepair is one [[profiles.NAME.repair]] rule.
type rawRepair struct {
	Name         string         `toml:"name"`
	Table        string         `toml:"table"`
	Where        map[string]any `toml:"where"`
	WhereNot     map[string]any `toml:"where_not"`
	WhereMissing []string       `toml:"where_missing"`
	Set          map[string]any `toml:"set"`
}

// rawMessage is one [[profiles.NAME.messages]] entry.
type rawMessage struct {
	Name        string `toml:"name"`
	Description string `toml:"description"`
	Data        string `toml:"data"`
}

// rawToken is [profiles.NAME.token].
// rawLogs is [profiles.NAME.logs]: log groups that replace the ones
// discovery finds.
type rawLogs struct {
	Access    string   `toml:"access"`
	Execution string   `toml:"execution"`
	Handlers  []string `toml:"handlers"`
}

type rawToken struct {
	Value   string `toml:"value"`
	Command string `toml:"command"`
}
