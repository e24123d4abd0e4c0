package data

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// reader pulls typed values out of one raw item and collects what is wrong
// with it. An empty attribute name means the schema has no such attribute: the
// reader returns the zero value and records nothing.
type reader struct {
	item     Item
	problems []string
}

func (r *reader) flag(format string, args ...any) {
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
}

// str reads a string attribute. A number or bool is accepted and flagged;
// any other type is flagged and read as "".
func (r *reader) str(name string, required bool) string {
	if name == "" {
		return ""
	}
	switch v := r.item[name].(type) {
	case nil:
		if required {
			r.flag("missing %s", name)
		}
		return ""
	case *types.AttributeValueMemberS:
		if v.Value == "" && required {
			r.flag("empty %s", name)
		}
		return v.Value
	case *types.AttributeValueMemberN:
		r.flag("%s is a number, expected a string", name)
		return v.Value
	case *types.AttributeValueMemberBOOL:
		r.flag("%s is a bool, expected a string", name)
		return strconv.FormatBool(v.Value)
	default:
		r.flag("%s has type %s, expected a string", name, typeName(v))
		return ""
	}
}

// boolean reads a BOOL attribute. def is the value when the schema has no
// such attribute; a missing attribute in a schema that has one reads as false
// and is flagged.
func (r *reader) boolean(name string, def bool) bool {
	if name == "" {
		return def
	}
	switch v := r.item[name].(type) {
	case nil:
		r.flag("missing %s", name)
		return false
	case *types.AttributeValueMemberBOOL:
		return v.Value
	case *types.AttributeValueMemberS:
		if b, err := strconv.ParseBool(v.Value); err == nil {
			r.flag("%s is a string, expected a bool", name)
			return b
		}
	case *types.AttributeValueMemberN:
		if n, err := strconv.ParseFloat(v.Value, 64); err == nil {
			r.flag("%s is a number, expected a bool", name)
			return n != 0
		}
	}
	r.flag("unparseable %s", name)
	return false
}

// timestamp reads a time stored in the schema's format. The other encoding is
// accepted and flagged; anything else is flagged and read as the zero time.
// A Date (MongoDB) accepts both encodings unflagged: its store flags a
// stored value that is not a date, which an item cannot show.
func (r *reader) timestamp(name string, format TimeFormat, required bool) time.Time {
	if name == "" {
		return time.Time{}
	}
	switch v := r.item[name].(type) {
	case nil:
		if required {
			r.flag("missing %s", name)
		}
		return time.Time{}
	case *types.AttributeValueMemberN:
		t, ok := epochMillis(v.Value)
		if !ok {
			r.flag("unparseable %s", name)
			return time.Time{}
		}
		if format == ISO8601 {
			r.flag("%s is a number, expected an ISO-8601 string", name)
		}
		return t
	case *types.AttributeValueMemberS:
		if t, err := time.Parse(time.RFC3339Nano, v.Value); err == nil {
			if format == EpochMillis {
				r.flag("%s is an ISO-8601 string, expected epoch milliseconds", name)
			}
			return t
		}
		if t, ok := epochMillis(v.Value); ok {
			if format != Date {
				r.flag("%s is a string, expected a number", name)
			}
			return t
		}
		r.flag("unparseable %s", name)
		return time.Time{}
	default:
		r.flag("%s has type %s, expected a timestamp", name, typeName(v))
		return time.Time{}
	}
}

// epochSeconds reads a DynamoDB TTL attribute (a number of seconds).
func (r *reader) epochSeconds(name string) time.Time {
	if name == "" {
		return time.Time{}
	}
	switch v := r.item[name].(type) {
	case nil:
		return time.Time{}
	case *types.AttributeValueMemberN:
		s, err := strconv.ParseFloat(v.Value, 64)
		if err != nil || math.IsNaN(s) || s < 0 || s > maxEpochSeconds {
			r.flag("unparseable %s", name)
			return time.Time{}
		}
		return time.Unix(int64(s), 0).UTC()
	default:
		r.flag("%s has type %s, expected a number", name, typeName(v))
		return time.Time{}
	}
}

// maxEpochSeconds is year 9999; anything larger is garbage, not a time.
const maxEpochSeconds = 253402300799

// epochMillis parses a decimal count of milliseconds since the epoch.
func epochMillis(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		if ms < 0 || ms > maxEpochSeconds*1000 {
			return time.Time{}, false
		}
		return time.UnixMilli(ms).UTC(), true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > maxEpochSeconds*1000 {
		return time.Time{}, false
	}
	return time.UnixMilli(int64(f)).UTC(), true
}

// typeName is the DynamoDB type code of an attribute value (S, N, M, …).
func typeName(v types.AttributeValue) string {
	switch v.(type) {
	case *types.AttributeValueMemberS:
		return "S"
	case *types.AttributeValueMemberN:
		return "N"
	case *types.AttributeValueMemberB:
		return "B"
	case *types.AttributeValueMemberBOOL:
		return "BOOL"
	case *types.AttributeValueMemberNULL:
		return "NULL"
	case *types.AttributeValueMemberM:
		return "M"
	case *types.AttributeValueMemberL:
		return "L"
	case *types.AttributeValueMemberSS:
		return "SS"
	case *types.AttributeValueMemberNS:
		return "NS"
	case *types.AttributeValueMemberBS:
		return "BS"
	}
	return "unknown"
}
