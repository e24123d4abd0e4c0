package apigw

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Expect is what the profile's preset and registry expect of an API.
type Expect struct {
	Preset string
	// RouteSelection and Routes are the preset's route selection
	// expression and route keys ("" / nil: not checked).
	RouteSelection string
	Routes         []string
	// Live is the registry's count of connections; < 0 when unknown.
	Live int
}

// Warning is one thing about an API's configuration an operator should fix.
type Warning struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Fix     string `json:"fix,omitempty"`
}

// accessLogFields are the access log variables `wsops logs` joins on.
var accessLogFields = []string{"$context.connectionId", "$context.requestId", "$context.eventType", "$context.routeKey", "$context.status"}

// messagesPerMinute is the traffic a live connection is assumed to make at
// least: one heartbeat a minute (API Gateway's idle timeout is 10 minutes,
// so apps that keep connections open send something more often than that).
const messagesPerMinute = 1

// Check returns the warnings about stage of api: logging, access log,
// routes against the preset, and throttling against the registry's load.
func Check(api *API, stage string, e Expect) []Warning {
	var ws []Warning
	add := func(code, fix, format string, args ...any) {
		ws = append(ws, Warning{Code: code, Message: fmt.Sprintf(format, args...), Fix: fix})
	}
	if e.RouteSelection != "" && api.RouteSelection != e.RouteSelection {
		add("route-selection", "check the preset (`preset` in the profile) or the API's route selection expression",
			"the route selection expression is %q; preset %s routes on %q", api.RouteSelection, e.Preset, e.RouteSelection)
	}
	if api.Routes != nil {
		if missing := missingRoutes(api, e.Routes); len(missing) > 0 {
			add("missing-routes", "deploy the routes, or pick the preset the API was built for",
				"routes the %s preset uses are missing: %s", e.Preset, strings.Join(missing, ", "))
		}
		for _, r := range api.Routes {
			if r.Target == "" {
				add("no-integration", "give the route an integration (a Lambda function)",
					"route %s has no integration: API Gateway answers its messages with an error", r.Key)
			}
		}
	}
	st, ok := api.Stage(stage)
	if !ok {
		add("no-stage", "set the profile's stage to one of the API's stages",
			"the API has no stage %q (its stages: %s)", stage, strings.Join(api.StageNames(), ", "))
		return ws
	}
	if lvl := st.Defaults.LoggingLevel; lvl == "" || lvl == "OFF" {
		add("execution-logging-off", "set the stage's default route settings' logging level to ERROR or INFO (the account needs a CloudWatch Logs role for API Gateway)",
			"execution logging is OFF on stage %s: failed $connect and route calls leave no execution log", st.Name)
	}
	checkAccessLog(st, add)
	checkThrottling(st, e.Live, add)
	return ws
}

func missingRoutes(api *API, want []string) []string {
	var missing []string
	for _, key := range want {
		if !slices.ContainsFunc(api.Routes, func(r Route) bool { return r.Key == key }) {
			missing = append(missing, key)
		}
	}
	return missing
}

func checkAccessLog(st *Stage, add func(code, fix, format string, args ...any)) {
	fix := "set the stage's access log (AccessLogSettings) to a log group, in JSON with " + strings.Join(accessLogFields, ", ")
	if st.AccessLog == nil {
		add("no-access-log", fix, "stage %s has no access log: a connection's requests cannot be traced", st.Name)
		return
	}
	var lacking []string
	for _, f := range accessLogFields {
		if !strings.Contains(st.AccessLog.Format, f) {
			lacking = append(lacking, f)
		}
	}
	if len(lacking) > 0 {
		add("access-log-format", fix, "stage %s's access log format lacks %s: tracing a connection needs them", st.Name, strings.Join(lacking, ", "))
	}
}

func checkThrottling(st *Stage, live int, add func(code, fix, format string, args ...any)) {
	check := func(where string, rs RouteSettings) {
		if rs.Rate != nil && *rs.Rate == 0 || rs.Burst != nil && *rs.Burst == 0 {
			add("throttled-to-zero", "raise the throttling limits, or remove them to inherit the account's",
				"%s is throttled to 0: API Gateway answers every request with 429", where)
			return
		}
		need := float64(live) * messagesPerMinute / 60
		if rs.Rate != nil && live > 0 && *rs.Rate < need {
			add("throttled-below-load", "raise the stage's throttling rate limit",
				"%s allows %g requests/s, below what the registry's %d connections send at one message a minute each (%.0f/s)", where, *rs.Rate, live, math.Ceil(need))
		}
	}
	check("stage "+st.Name, st.Defaults)
	for _, k := range st.RouteKeys() {
		check("route "+k, st.PerRoute[k])
	}
}
