package logs

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// DefaultAccessFormat is API Gateway's common-log-like format for a
// WebSocket stage, assumed when a stage's format is empty.
const DefaultAccessFormat = `$context.identity.sourceIp - - [$context.requestTime] "$context.eventType $context.routeKey $context.connectionId" $context.status $context.requestId`

// The $context variables an access line is joined on.
const (
	varRequestID    = "requestId"
	varConnectionID = "connectionId"
	varEventType    = "eventType"
	varRouteKey     = "routeKey"
	varStatus       = "status"
)

// integrationVars name the Lambda's request id in an access log.
var integrationVars = []string{"awsEndpointRequestId", "integration.requestId"}

// contextVar matches one $context variable in a format.
var contextVar = regexp.MustCompile(`\$context\.([A-Za-z0-9_.]+[A-Za-z0-9_])`)

// jsonField matches "key":"$context.var" (or unquoted) in a JSON format.
var jsonField = regexp.MustCompile(`"([^"]+)"\s*:\s*"?\$context\.([A-Za-z0-9_.]+[A-Za-z0-9_])"?`)

// AccessParser reads access lines written in one stage's format.
type AccessParser struct {
	format string
	// json: the key each variable is written under.
	json map[string]string
	// text: a pattern whose groups are vars, in order.
	text *regexp.Regexp
	vars []string
}

// NewAccessParser reads format (DefaultAccessFormat when empty). It fails
// with ErrUntraceable when the format carries no $context.connectionId or
// no $context.requestId: a connection cannot be traced through such a log.
func NewAccessParser(format string) (*AccessParser, error) {
	p, err := newAccessParser(format)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// ErrUntraceable is returned when the stage's access log format carries no
// connection id or no request id.
var ErrUntraceable = errors.New("the access log format carries no $context.connectionId or no $context.requestId: a connection cannot be traced; add both to the stage's access log format (`wsops api` says how)")

// newAccessParser is NewAccessParser, with the parser even when the format
// is untraceable (its lines still give routes and statuses).
func newAccessParser(format string) (*AccessParser, error) {
	if strings.TrimSpace(format) == "" {
		format = DefaultAccessFormat
	}
	p := &AccessParser{format: format}
	if strings.HasPrefix(strings.TrimSpace(format), "{") {
		p.json = map[string]string{}
		for _, m := range jsonField.FindAllStringSubmatch(format, -1) {
			p.json[m[2]] = m[1]
		}
	} else {
		var re strings.Builder
		re.WriteString("^")
		last := 0
		for _, loc := range contextVar.FindAllStringSubmatchIndex(format, -1) {
			re.WriteString(regexp.QuoteMeta(format[last:loc[0]]))
			re.WriteString(`(.*?)`)
			p.vars = append(p.vars, format[loc[2]:loc[3]])
			last = loc[1]
		}
		re.WriteString(regexp.QuoteMeta(format[last:]))
		re.WriteString(`\s*$`)
		p.text = regexp.MustCompile(re.String())
	}
	if !p.has(varConnectionID) || !p.has(varRequestID) {
		return p, ErrUntraceable
	}
	return p, nil
}

func (p *AccessParser) has(v string) bool {
	if p.json != nil {
		_, ok := p.json[v]
		return ok
	}
	for _, x := range p.vars {
		if x == v {
			return true
		}
	}
	return false
}

// Parse fills l's access fields from its message; ok is false when the
// message is not in the format (l is then left as it is).
func (p *AccessParser) Parse(l *Line) bool {
	values := map[string]string{}
	if p.json != nil {
		var obj map[string]any
		if json.Unmarshal([]byte(l.Message), &obj) != nil {
			return false
		}
		for v, key := range p.json {
			if x, ok := obj[key]; ok && x != nil {
				values[v] = strings.TrimSpace(fmt.Sprint(x))
			}
		}
	} else {
		m := p.text.FindStringSubmatch(l.Message)
		if m == nil {
			return false
		}
		for i, v := range p.vars {
			values[v] = m[i+1]
		}
	}
	get := func(v string) string {
		if s := values[v]; s != "-" {
			return s
		}
		return ""
	}
	l.RequestID, l.ConnectionID = get(varRequestID), get(varConnectionID)
	l.EventType, l.Route, l.Status = get(varEventType), get(varRouteKey), get(varStatus)
	for _, v := range integrationVars {
		if s := get(v); s != "" {
			l.IntegrationRequestID = s
			break
		}
	}
	return l.RequestID != "" || l.ConnectionID != ""
}
