package apigw

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Logging is the settings' execution logging as shown: OFF when unset.
func (s RouteSettings) Logging() string {
	if s.LoggingLevel == "" {
		return "OFF"
	}
	return s.LoggingLevel
}

// Throttling is the settings' limits as shown: "burst 5000, rate
// 10000/s", "none set" when neither is.
func (s RouteSettings) Throttling() string {
	var parts []string
	if s.Burst != nil {
		parts = append(parts, "burst "+strconv.Itoa(int(*s.Burst)))
	}
	if s.Rate != nil {
		parts = append(parts, "rate "+strconv.FormatFloat(*s.Rate, 'f', -1, 64)+"/s")
	}
	if len(parts) == 0 {
		return "none set (the account's limits apply)"
	}
	return strings.Join(parts, ", ")
}

// Summary is the settings in one line: logging, data trace, detailed
// metrics and throttling.
func (s RouteSettings) Summary() string {
	return fmt.Sprintf("logging %s · data trace %s · detailed metrics %s · throttling %s",
		s.Logging(), onOff(s.DataTrace), onOff(s.DetailedMetrics), s.Throttling())
}

// Summary is the access log in one line: its group and the shape of its
// format, "none" for no access log.
func (a *AccessLog) Summary() string {
	if a == nil {
		return "none"
	}
	shape := "common log format"
	if strings.HasPrefix(strings.TrimSpace(a.Format), "{") {
		shape = "JSON"
	}
	if !strings.Contains(a.Format, "$context.connectionId") {
		shape += ", without connection ids"
	}
	return a.Group() + " (" + shape + ")"
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// Behind is what the route invokes, as shown: its integration's type and
// the Lambda function it calls (else its URI); "(none)" and "" when the
// route has no integration.
func (r Route) Behind() (kind, target string) {
	in := r.Integration
	if in == nil {
		return "(none)", ""
	}
	if in.Function != "" {
		return in.Type, in.Function
	}
	return in.Type, in.URI
}

// RouteKeys are the keys of the stage's per-route settings, sorted.
func (s *Stage) RouteKeys() []string {
	return slices.Sorted(maps.Keys(s.PerRoute))
}
