package data

import (
	"encoding/json"
	"slices"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// AppendPlainJSON appends the JSON of PlainItem(item) to b, byte for byte
// what json.Marshal(PlainItem(item)) writes (keys sorted, strings escaped as
// encoding/json escapes them), without building the map: listing 100,000
// records spent a third of its CPU building and reflecting over those maps.
// Strings, numbers, booleans and nulls take the fast path; binary, sets,
// lists and maps go through json.Marshal.
func AppendPlainJSON(b []byte, item Item) []byte {
	keys := make([]string, 0, len(item))
	for k := range item {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendJSONString(b, k)
		b = append(b, ':')
		b = appendPlainValue(b, item[k])
	}
	return append(b, '}')
}

func appendPlainValue(b []byte, v types.AttributeValue) []byte {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return AppendJSONString(b, v.Value)
	case *types.AttributeValueMemberN:
		if isJSONNumber(v.Value) {
			return append(b, v.Value...)
		}
		return AppendJSONString(b, v.Value)
	case *types.AttributeValueMemberBOOL:
		if v.Value {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	case *types.AttributeValueMemberM:
		return AppendPlainJSON(b, v.Value)
	}
	out, err := json.Marshal(PlainValue(v))
	if err != nil { // plain values always marshal; keep the output valid regardless
		return append(b, "null"...)
	}
	return append(b, out...)
}

// AppendJSONString appends s as a JSON string exactly as json.Marshal
// writes it (HTML characters, control characters, U+2028/U+2029 and
// invalid UTF-8 escaped its way).
func AppendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c >= utf8.RuneSelf {
			out, _ := json.Marshal(s) // a string always marshals
			return append(b, out...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
