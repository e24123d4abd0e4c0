package dynamo

import (
	"encoding/json"
	"slices"
	"sort"
)

// Every write is validated whole before minidyn applies any of it, because
// minidyn stores an item (PutItem) or its update (UpdateItem) before it
// updates the indexes, so an index key of the wrong type was stored and then
// refused; and it runs a batch one request after another, so a bad request
// left the ones before it written. A write DynamoDB refuses changes nothing.

// keyOf is the primary key of a (validated) item.
func (t *table) keyOf(it item) item {
	key := item{}
	for _, name := range t.key.names() {
		key[name] = it[name]
	}
	return key
}

// decodeItem reads an item or key member of a request; a missing or
// malformed one is an empty item, which validation then refuses.
func decodeItem(raw json.RawMessage) item {
	var it item
	_ = json.Unmarshal(raw, &it)
	return it
}

// putItem validates the item against the table and its indexes, runs
// PutItem and answers as DynamoDB does: no Attributes unless ReturnValues is
// ALL_OLD, and then the item the put replaced (if any), which minidyn does
// not report (it echoes the new item whatever was asked).
func (s *shim) putItem(in request) *response {
	rv := in.str("ReturnValues")
	if !slices.Contains([]string{"", "NONE", "ALL_OLD"}, rv) {
		return validationError("Return values set to invalid value")
	}
	t, fail := s.table(in.str("TableName"))
	if fail != nil {
		return fail
	}
	it := decodeItem(in["Item"])
	if fail := t.checkItem(it); fail != nil {
		return fail
	}
	var old item
	if rv == "ALL_OLD" {
		old = s.getItem(t.TableName, t.keyOf(it))
	}
	res := s.call("PutItem", in)
	if !res.ok() {
		return res
	}
	out := map[string]any{}
	if len(old) > 0 {
		out["Attributes"] = old
	}
	return jsonResponse(out)
}

// getItem reads an item by its (valid) key, consistently; nil when there is none.
func (s *shim) getItem(table string, key item) item {
	res := s.call("GetItem", map[string]any{"TableName": table, "Key": key, "ConsistentRead": true})
	var got struct{ Item item }
	if !res.ok() || res.decode(&got) != nil {
		return nil
	}
	return got.Item
}

// keyed validates the Key of GetItem or DeleteItem, then forwards the request.
func (s *shim) keyed(op string, in request) *response {
	t, fail := s.table(in.str("TableName"))
	if fail != nil {
		return fail
	}
	if fail := t.checkKey(decodeItem(in["Key"])); fail != nil {
		return fail
	}
	if op == "DeleteItem" && !slices.Contains([]string{"", "NONE", "ALL_OLD"}, in.str("ReturnValues")) {
		return validationError("Return values set to invalid value")
	}
	return s.call(op, in)
}

// rehearsalPrefix names the shim's rehearsal copy of a table; '#' is not
// allowed in DynamoDB table names, so it never meets a real one.
const rehearsalPrefix = "#wsops-rehearsal#"

// updateItem rehearses the update on a copy of the item in a table with the
// same primary key and no index, checks the item it would produce against
// the real table's indexes, and only then updates the real one. A rehearsal
// that fails (a failed condition, a bad expression) is the answer as it is:
// minidyn gives the same for the same item, and the real one is not touched.
func (s *shim) updateItem(in request) *response {
	t, fail := s.table(in.str("TableName"))
	if fail != nil {
		return fail
	}
	key := decodeItem(in["Key"])
	if fail := t.checkKey(key); fail != nil {
		return fail
	}
	scratch, fail := s.rehearsal(t)
	if fail != nil {
		return fail
	}
	if cur := s.getItem(t.TableName, key); cur != nil {
		if res := s.call("PutItem", map[string]any{"TableName": scratch, "Item": cur}); !res.ok() {
			return res
		}
	}
	defer s.call("DeleteItem", map[string]any{"TableName": scratch, "Key": key})
	q := in.clone()
	q.set("TableName", scratch)
	q.set("ReturnValues", "ALL_NEW")
	res := s.call("UpdateItem", q)
	if !res.ok() {
		return res
	}
	var out struct{ Attributes item }
	if err := res.decode(&out); err != nil {
		return internalError(err)
	}
	if fail := t.checkItem(out.Attributes); fail != nil {
		return fail
	}
	return s.call("UpdateItem", in)
}

// rehearsal returns the name of t's rehearsal table, creating it on first use.
func (s *shim) rehearsal(t *table) (string, *response) {
	name := rehearsalPrefix + t.TableName
	if s.rehearsals[name] {
		return name, nil
	}
	defs := make([]attrDef, 0, 2)
	for _, k := range t.key.names() {
		defs = append(defs, attrDef{AttributeName: k, AttributeType: t.types[k]})
	}
	res := s.call("CreateTable", map[string]any{
		"TableName": name, "BillingMode": "PAY_PER_REQUEST", "KeySchema": t.KeySchema, "AttributeDefinitions": defs,
	})
	if !res.ok() {
		return "", res
	}
	s.rehearsals[name] = true
	return name, nil
}

// dropRehearsal deletes a table's rehearsal copy, if it has one.
func (s *shim) dropRehearsal(table string) {
	name := rehearsalPrefix + table
	if s.rehearsals[name] {
		s.call("DeleteTable", map[string]string{"TableName": name})
		delete(s.rehearsals, name)
	}
}

// writeRequest is one request of a BatchWriteItem.
type writeRequest struct {
	PutRequest    *struct{ Item item }
	DeleteRequest *struct{ Key item }
}

// batchWriteItem validates every request of the batch (tables, items, keys,
// no key twice) before minidyn writes any, and answers with
// UnprocessedItems, {} when everything was written, as DynamoDB always does
// (boto3's batch_writer reads it unconditionally).
func (s *shim) batchWriteItem(in request) *response {
	var batch map[string][]writeRequest
	if err := json.Unmarshal(in["RequestItems"], &batch); err != nil || len(batch) == 0 {
		return validationError("1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must not be null")
	}
	n := 0
	for _, name := range sortedNames(batch) {
		t, fail := s.table(name)
		if fail != nil {
			return fail
		}
		seen := map[string]bool{}
		for _, r := range batch[name] {
			n++
			var key item
			switch {
			case (r.PutRequest == nil) == (r.DeleteRequest == nil):
				return validationError("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
			case r.PutRequest != nil:
				if fail := t.checkItem(r.PutRequest.Item); fail != nil {
					return fail
				}
				key = t.keyOf(r.PutRequest.Item)
			default:
				if fail := t.checkKey(r.DeleteRequest.Key); fail != nil {
					return fail
				}
				key = r.DeleteRequest.Key
			}
			id := t.key.of(key)
			if seen[id] {
				return validationError(msgDuplicates)
			}
			seen[id] = true
		}
	}
	if n > 25 {
		return validationError("Too many items requested for the BatchWriteItem call")
	}
	return alwaysHas(s.call("BatchWriteItem", in), "UnprocessedItems")
}

// batchGetItem validates every key before minidyn reads, and answers with
// Responses for every table asked (an empty list where nothing was found)
// and UnprocessedKeys, {} when everything was read, as DynamoDB does.
func (s *shim) batchGetItem(in request) *response {
	var batch map[string]struct{ Keys []item }
	if err := json.Unmarshal(in["RequestItems"], &batch); err != nil || len(batch) == 0 {
		return validationError("1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must not be null")
	}
	n := 0
	for _, name := range sortedNames(batch) {
		t, fail := s.table(name)
		if fail != nil {
			return fail
		}
		seen := map[string]bool{}
		for _, key := range batch[name].Keys {
			n++
			if fail := t.checkKey(key); fail != nil {
				return fail
			}
			id := t.key.of(key)
			if seen[id] {
				return validationError(msgDuplicates)
			}
			seen[id] = true
		}
	}
	if n > 100 {
		return validationError("Too many items requested for the BatchGetItem call")
	}
	res := alwaysHas(s.call("BatchGetItem", in), "UnprocessedKeys")
	if !res.ok() {
		return res
	}
	var out map[string]json.RawMessage
	var responses map[string]json.RawMessage
	if res.decode(&out) != nil || json.Unmarshal(out["Responses"], &responses) != nil {
		return res
	}
	if responses == nil {
		responses = map[string]json.RawMessage{}
	}
	for name := range batch {
		if responses[name] == nil || string(responses[name]) == "null" {
			responses[name] = json.RawMessage("[]")
		}
	}
	out["Responses"], _ = json.Marshal(responses)
	return jsonResponse(out)
}

// alwaysHas adds an empty map as member field of a successful answer that
// lacks it (minidyn omits empty maps).
func alwaysHas(res *response, field string) *response {
	if !res.ok() {
		return res
	}
	var out map[string]json.RawMessage
	if err := res.decode(&out); err != nil {
		return internalError(err)
	}
	if out == nil {
		out = map[string]json.RawMessage{}
	}
	if len(out[field]) == 0 || string(out[field]) == "null" {
		out[field] = json.RawMessage("{}")
	}
	return jsonResponse(out)
}

func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// complete reports whether every attribute of a key has a value.
func complete(key item) bool {
	for _, v := range key {
		if v == nil {
			return false
		}
	}
	return true
}
