package repairplan

import (
	"encoding/json"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"wsops/data"
)

// ValueText writes an attribute value for a plan line: strings quoted,
// numbers and booleans as written, "(absent)" for no value, anything else
// as plain JSON. It is not sanitized for a terminal: callers do that.
func ValueText(v types.AttributeValue) string {
	switch v := v.(type) {
	case nil:
		return "(absent)"
	case *types.AttributeValueMemberS:
		return strconv.Quote(v.Value)
	case *types.AttributeValueMemberN:
		return v.Value
	case *types.AttributeValueMemberBOOL:
		return strconv.FormatBool(v.Value)
	}
	b, err := json.Marshal(data.PlainValue(v))
	if err != nil {
		return "(unprintable)"
	}
	return string(b)
}

// KeyText writes a record key as "name=value" pairs, hash key first.
func KeyText(s data.Schema, subscriptions bool, key data.Item) string {
	t := s.Connections.Table
	if subscriptions {
		t = s.Subscriptions.Table
	}
	text := t.HashKey + "=" + plainOrJSON(key[t.HashKey])
	if t.RangeKey != "" {
		text += " " + t.RangeKey + "=" + plainOrJSON(key[t.RangeKey])
	}
	return text
}

func plainOrJSON(v types.AttributeValue) string {
	if s, ok := v.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ValueText(v)
}
