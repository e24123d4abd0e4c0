package metrics

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// CloudWatch's limits on a GetMetricData request.
const (
	maxQueries       = 500
	maxDimensions    = 30
	defaultMaxPoints = 100800
)

// queryError is a request CloudWatch would refuse: an awsQuery error code
// (Sender) and its message.
type queryError struct {
	code, message string
}

func (e *queryError) Error() string { return e.code + ": " + e.message }

// clip shortens a value a message quotes.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

func invalid(format string, args ...any) error {
	return &queryError{"InvalidParameterValue", fmt.Sprintf(format, args...)}
}

func validation(format string, args ...any) error {
	return &queryError{"ValidationError", fmt.Sprintf(format, args...)}
}

// dataQuery is one MetricDataQueries member.
type dataQuery struct {
	id, label  string
	returnData bool
	stat       metricStat
}

// getMetricData is a parsed GetMetricData request.
type getMetricData struct {
	queries    []dataQuery
	start, end time.Time
	descending bool
	maxPoints  int
	nextToken  string
}

// idPattern is CloudWatch's rule for query ids.
var idPattern = regexp.MustCompile(`^[a-z][a-zA-Z0-9_]{0,254}$`)

const queryPrefix = "MetricDataQueries.member."

// parseGetMetricData reads an awsQuery GetMetricData request's parameters.
func parseGetMetricData(form url.Values) (*getMetricData, error) {
	req := &getMetricData{descending: true, maxPoints: defaultMaxPoints, nextToken: form.Get("NextToken")}
	var err error
	if req.start, err = parseTime(form, "StartTime"); err != nil {
		return nil, err
	}
	if req.end, err = parseTime(form, "EndTime"); err != nil {
		return nil, err
	}
	if !req.start.Before(req.end) {
		return nil, invalid("The parameter StartTime must be less than the parameter EndTime.")
	}
	switch form.Get("ScanBy") {
	case "", "TimestampDescending":
	case "TimestampAscending":
		req.descending = false
	default:
		return nil, validation("1 validation error detected: Value '%s' at 'scanBy' failed to satisfy constraint: Member must satisfy enum value set: [TimestampDescending, TimestampAscending]", clip(form.Get("ScanBy")))
	}
	if s := form.Get("MaxDatapoints"); s != "" {
		if req.maxPoints, err = strconv.Atoi(s); err != nil || req.maxPoints < 1 {
			return nil, invalid("The parameter MaxDatapoints must be a positive integer, got %q.", clip(s))
		}
	}
	members, err := groupMembers(form, queryPrefix, maxQueries, "MetricDataQueries")
	if err != nil {
		return nil, err
	}
	if len(members) == 0 {
		return nil, validation("1 validation error detected: Value null at 'metricDataQueries' failed to satisfy constraint: Member must not be null")
	}
	seen := map[string]bool{}
	for i, member := range members {
		q, err := parseDataQuery(member, fmt.Sprintf("MetricDataQueries.member.%d", i+1))
		if err != nil {
			return nil, err
		}
		if seen[q.id] {
			return nil, invalid("The value %s for field MetricDataQueries.member.%d.Id is not unique.", clip(q.id), i+1)
		}
		seen[q.id] = true
		req.queries = append(req.queries, q)
	}
	return req, nil
}

// parseDataQuery reads one query's fields (keys relative to the member).
func parseDataQuery(f url.Values, at string) (dataQuery, error) {
	q := dataQuery{id: f.Get("Id"), label: f.Get("Label"), returnData: true}
	if !idPattern.MatchString(q.id) {
		return q, invalid("The value %q for parameter %s.Id is not valid: an id starts with a lowercase letter and holds only letters, digits and underscores.", clip(q.id), at)
	}
	if s := f.Get("ReturnData"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return q, invalid("The value %q for parameter %s.ReturnData is not a boolean.", clip(s), at)
		}
		q.returnData = b
	}
	if f.Get("Expression") != "" {
		return q, validation("%s: Expression queries (metric math, Metrics Insights) are not supported by the wsops sandbox's CloudWatch; use MetricStat queries.", at)
	}
	stat := subValues(f, "MetricStat.")
	if len(stat) == 0 {
		return q, invalid("The parameter %s must contain exactly one of MetricStat or Expression.", at)
	}
	at += ".MetricStat"
	ms := metricStat{
		namespace: stat.Get("Metric.Namespace"),
		name:      stat.Get("Metric.MetricName"),
		unit:      stat.Get("Unit"),
	}
	switch {
	case ms.namespace == "":
		return q, validation("The parameter %s.Metric.Namespace is required.", at)
	case ms.name == "":
		return q, validation("The parameter %s.Metric.MetricName is required.", at)
	}
	period := stat.Get("Period")
	p, err := strconv.ParseInt(period, 10, 64)
	switch {
	case period == "":
		return q, validation("The parameter %s.Period is required.", at)
	case err != nil || p < 60 || p%60 != 0:
		return q, invalid("The parameter %s.Period must be a multiple of 60 (the sandbox's metrics are standard resolution), got %q.", at, clip(period))
	}
	ms.period = p
	var ok bool
	if ms.stat, ok = parseStatistic(stat.Get("Stat")); !ok {
		return q, invalid("The value %q for parameter %s.Stat is not a supported statistic: Sum, Average, SampleCount, Minimum, Maximum or a percentile pNN (p0 to p100).", clip(stat.Get("Stat")), at)
	}
	dims, err := groupMembers(stat, "Metric.Dimensions.member.", maxDimensions, at+".Metric.Dimensions")
	if err != nil {
		return q, err
	}
	ms.dims = map[string]string{}
	for i, d := range dims {
		name, value := d.Get("Name"), d.Get("Value")
		if name == "" || value == "" {
			return q, validation("The parameter %s.Metric.Dimensions.member.%d must have a Name and a Value.", at, i+1)
		}
		ms.dims[name] = value
	}
	q.stat = ms
	if q.label == "" {
		q.label = ms.name
	}
	return q, nil
}

// groupMembers splits the parameters prefix.N.rest into one url.Values per
// N (keyed by rest), in order of N; N runs from 1 to limit without gaps.
func groupMembers(form url.Values, prefix string, limit int, what string) ([]url.Values, error) {
	byIndex := map[int]url.Values{}
	for key, vals := range form {
		rest, ok := strings.CutPrefix(key, prefix)
		if !ok {
			continue
		}
		num, field, ok := strings.Cut(rest, ".")
		n, err := strconv.Atoi(num)
		if !ok || err != nil || n < 1 || strconv.Itoa(n) != num {
			return nil, validation("The parameter %s is not a valid member of %s.", clip(key), what)
		}
		if n > limit {
			return nil, invalid("The collection %s must not have more than %d members.", what, limit)
		}
		if byIndex[n] == nil {
			byIndex[n] = url.Values{}
		}
		byIndex[n][field] = vals
	}
	members := make([]url.Values, len(byIndex))
	for n, v := range byIndex {
		if n > len(members) {
			return nil, validation("The members of %s must be numbered from 1 without gaps (member %d is given, not all before it).", what, n)
		}
		members[n-1] = v
	}
	return members, nil
}

// subValues is the parameters under prefix, with the prefix removed.
func subValues(f url.Values, prefix string) url.Values {
	out := url.Values{}
	for key, vals := range f {
		if rest, ok := strings.CutPrefix(key, prefix); ok {
			out[rest] = vals
		}
	}
	return out
}

// parseTime reads an ISO 8601 timestamp parameter, as awsQuery sends them.
func parseTime(form url.Values, name string) (time.Time, error) {
	s := form.Get(name)
	if s == "" {
		return time.Time{}, validation("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", strings.ToLower(name[:1])+name[1:])
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, invalid("The parameter %s must be an ISO 8601 timestamp such as 2024-01-02T15:04:05Z, got %q.", name, clip(s))
	}
	return t, nil
}
