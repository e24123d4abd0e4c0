package dynamo

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// The validation messages DynamoDB answers with, word for word.
const (
	msgKeySchema   = "The provided key element does not match the schema"
	msgDuplicates  = "Provided list of item keys contains duplicates"
	msgNoDatatype  = "One or more parameter values were invalid: Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
	msgTwoDatatype = "One or more parameter values were invalid: Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"
)

// validationError is a ValidationException response.
func validationError(msg string) *response {
	return errorResponse(http.StatusBadRequest, "ValidationException", msg)
}

// datatypes are the members of an AttributeValue.
var datatypes = []string{"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"}

// number is DynamoDB's number syntax.
var number = regexp.MustCompile(`^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$`)

// datatype returns the one datatype of an AttributeValue and its member,
// or the message DynamoDB refuses it with.
func datatype(v json.RawMessage) (string, json.RawMessage, string) {
	var m map[string]json.RawMessage
	if json.Unmarshal(v, &m) != nil {
		return "", nil, msgNoDatatype
	}
	typ := ""
	for k := range m {
		if !slices.Contains(datatypes, k) {
			continue
		}
		if typ != "" {
			return "", nil, msgTwoDatatype
		}
		typ = k
	}
	if typ == "" {
		return "", nil, msgNoDatatype
	}
	return typ, m[typ], ""
}

// checkValue validates an AttributeValue and everything nested in it as
// DynamoDB does before it writes: one datatype each, numbers that parse,
// sets that are neither empty nor hold a member twice. It returns the
// refusal's message, "" when the value is valid.
func checkValue(v json.RawMessage) string {
	typ, member, msg := datatype(v)
	if msg != "" {
		return msg
	}
	switch typ {
	case "NULL":
		if string(member) != "true" {
			return "One or more parameter values were invalid: Null attribute value types must have the value of true"
		}
	case "N":
		var n string
		if json.Unmarshal(member, &n) != nil || !number.MatchString(n) {
			return "The parameter cannot be converted to a numeric value: " + strings.Trim(string(member), `"`)
		}
	case "SS", "NS", "BS":
		var set []string
		if json.Unmarshal(member, &set) != nil || len(set) == 0 {
			return map[string]string{
				"SS": "One or more parameter values were invalid: An string set  may not be empty",
				"NS": "One or more parameter values were invalid: An number set  may not be empty",
				"BS": "One or more parameter values were invalid: Binary sets should not be empty",
			}[typ]
		}
		for i, s := range set {
			if typ == "NS" && !number.MatchString(s) {
				return "The parameter cannot be converted to a numeric value: " + s
			}
			if slices.Contains(set[:i], s) {
				return fmt.Sprintf("One or more parameter values were invalid: Input collection [%s] contains duplicates.", strings.Join(set, ", "))
			}
		}
	case "L":
		var l []json.RawMessage
		_ = json.Unmarshal(member, &l)
		for _, e := range l {
			if msg := checkValue(e); msg != "" {
				return msg
			}
		}
	case "M":
		var m map[string]json.RawMessage
		_ = json.Unmarshal(member, &m)
		for _, e := range m {
			if msg := checkValue(e); msg != "" {
				return msg
			}
		}
	}
	return ""
}

// emptyKey returns how DynamoDB names the empty value of a key attribute
// ("string value", "binary value"), which no table or index key may hold;
// "" when the value is not empty.
func emptyKey(typ string, member json.RawMessage) string {
	switch {
	case string(member) != `""`:
		return ""
	case typ == "B":
		return "binary value"
	}
	return "string value"
}

// checkItem validates an item to be written whole (PutItem, a
// BatchWriteItem put, the result of an UpdateItem) against t: its values,
// its primary key, and every index key attribute it carries. It returns the
// refusal as DynamoDB words it, nil when the item may be stored. minidyn
// stores an item before it updates the indexes, so an index key of the
// wrong type would otherwise be stored and refused at once.
func (t *table) checkItem(it item) *response {
	for _, name := range slices.Sorted(maps.Keys(it)) {
		if msg := checkValue(it[name]); msg != "" {
			return validationError(msg)
		}
	}
	for _, name := range t.key.names() {
		v, ok := it[name]
		if !ok {
			return validationError("One or more parameter values were invalid: Missing the key " + name + " in the item")
		}
		typ, member, _ := datatype(v)
		if want := t.types[name]; typ != want {
			return validationError(fmt.Sprintf("One or more parameter values were invalid: Type mismatch for key %s expected: %s actual: %s", name, want, typ))
		}
		if empty := emptyKey(typ, member); empty != "" {
			return validationError("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty " + empty + ". Key: " + name)
		}
	}
	for _, ix := range t.indexes() {
		for _, name := range keySchemaOf(ix.KeySchema).names() {
			v, ok := it[name]
			if !ok || t.key.has(name) {
				continue // indexes are sparse; the table's own key is checked above
			}
			typ, member, _ := datatype(v)
			if want := t.types[name]; typ != want {
				return validationError(fmt.Sprintf("One or more parameter values were invalid: Type mismatch for Index Key %s Expected: %s Actual: %s IndexName: %s", name, want, typ, ix.IndexName))
			}
			if empty := emptyKey(typ, member); empty != "" {
				return validationError(fmt.Sprintf("One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty %s. IndexName: %s, IndexKey: %s", empty, ix.IndexName, name))
			}
		}
	}
	return nil
}

// checkKey validates the Key of GetItem, DeleteItem, UpdateItem or a batch:
// exactly the table's key attributes, of their defined types, not empty.
func (t *table) checkKey(key item) *response {
	names := t.key.names()
	if len(key) != len(names) {
		return validationError(msgKeySchema)
	}
	for _, name := range names {
		v, ok := key[name]
		if !ok {
			return validationError(msgKeySchema)
		}
		typ, member, msg := datatype(v)
		if msg != "" {
			return validationError(msg)
		}
		if typ != t.types[name] {
			return validationError(msgKeySchema)
		}
		if empty := emptyKey(typ, member); empty != "" {
			return validationError("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty " + empty + ". Key: " + name)
		}
	}
	return nil
}
