package apigw

import (
	"fmt"
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
