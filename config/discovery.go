package config

import (
	"net/url"
	"strings"

	"wsops/apigw"
)

// DefaultStage is the stage a profile with `api` and no `stage` uses.
const DefaultStage = "dev"

// discovery sets the API and stage that the URLs are discovered from, and
// the log group overrides.
func (pr *profileResolver) discovery(p *Profile, raw *rawProfile) {
	pr.logGroups(p, raw.Logs)
	p.API = strings.TrimSpace(pr.str("api", raw.API))
	p.Stage = pr.str("stage", raw.Stage)
	if strings.ContainsAny(p.Stage, "/?# ") {
		pr.fail("stage", "expected a stage name such as dev or prod, without '/', '?', '#' or spaces")
	}
}

// logGroups sets the profile's log group overrides.
func (pr *profileResolver) logGroups(p *Profile, raw rawLogs) {
	p.Logs = LogGroups{Access: pr.str("logs.access", raw.Access), Execution: pr.str("logs.execution", raw.Execution)}
	for _, h := range raw.Handlers {
		if h = strings.TrimSpace(h); h == "" {
			pr.fail("logs.handlers", "expected log group names such as /aws/lambda/FUNCTION, got an empty one")
			continue
		}
		p.Logs.Handlers = append(p.Logs.Handlers, h)
	}
}

// defaultStage gives a profile without `stage` the stage of its
// websocket_url (the first segment of its path), else DefaultStage. A
// custom domain's path is a mapping key, not a stage: its mapping says.
func defaultStage(p *Profile) {
	if p.Stage != "" {
		return
	}
	p.Stage = DefaultStage
	if u, err := url.Parse(p.WebSocketURL); err == nil && p.WebSocketURL != "" && !apigw.MayBeCustomDomain(p.WebSocketURL) {
		if first, _, _ := strings.Cut(strings.Trim(u.Path, "/"), "/"); first != "" {
			p.Stage = first
		}
	}
}

// NeedsDiscovery reports whether the profile's URLs must be discovered at
// start: it names an API but no WebSocket URL.
func (p *Profile) NeedsDiscovery() bool { return p.WebSocketURL == "" && p.API != "" }

// APIRef is how to find the profile's API in apigatewayv2: its `api` key,
// else the API id in an execute-api websocket_url or management_url, else
// "" (a custom domain: its API mapping names the API).
func (p *Profile) APIRef() string {
	if p.API != "" {
		return p.API
	}
	for _, u := range []string{p.WebSocketURL, p.ManagementURL} {
		if id := executeAPIID(u); id != "" {
			return id
		}
	}
	return ""
}
