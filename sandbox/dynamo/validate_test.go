package dynamo

import (
	"encoding/json"
	"strings"
	"testing"
)

// Values boto3 and the aws CLI send as they are given (the Go SDK cannot
// build most of these): each is refused with DynamoDB's message, or accepted.
func TestCheckValue(t *testing.T) {
	for _, tc := range []struct{ value, refusal string }{
		{`{"S":"x"}`, ""},
		{`{"N":"-1.5E3"}`, ""},
		{`{"M":{"a":{"L":[{"NS":["1","2"]},{"NULL":true}]}}}`, ""},
		{`{}`, "Supplied AttributeValue is empty"},
		{`{"S":"x","N":"1"}`, "more than one datatypes"},
		{`{"N":"twelve"}`, "cannot be converted to a numeric value: twelve"},
		{`{"SS":[]}`, "An string set  may not be empty"},
		{`{"SS":["a","b","a"]}`, "Input collection [a, b, a] contains duplicates."},
		{`{"NULL":false}`, "Null attribute value types must have the value of true"},
		{`{"L":[{"M":{"deep":{"NS":["1","x"]}}}]}`, "cannot be converted to a numeric value: x"},
	} {
		got := checkValue(json.RawMessage(tc.value))
		if (tc.refusal == "") != (got == "") || !strings.Contains(got, tc.refusal) {
			t.Errorf("%s: %q, want %q", tc.value, got, tc.refusal)
		}
	}
}
