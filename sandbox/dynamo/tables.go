package dynamo

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
)

// tableOp runs CreateTable, DeleteTable or DescribeTable on minidyn and
// repairs the table description it answers with: TableStatus ACTIVE (DELETING
// for DeleteTable), as DynamoDB Local reports a new table, so that waiters
// end; enum fields minidyn leaves as "" are dropped. Created and deleted
// tables are remembered for ListTables.
func (s *shim) tableOp(op string, in request) *response {
	unlock := s.lock()
	res := s.call(op, in)
	unlock()
	if !res.ok() {
		return res
	}
	var out map[string]json.RawMessage
	if err := res.decode(&out); err != nil {
		return internalError(err)
	}
	field, status := "TableDescription", "ACTIVE"
	switch op {
	case "DescribeTable":
		field = "Table"
	case "DeleteTable":
		status = "DELETING"
	}
	var desc map[string]json.RawMessage
	if err := json.Unmarshal(out[field], &desc); err != nil || desc == nil {
		return res
	}
	fixDescription(desc, "TableStatus", status)
	var indexes []map[string]json.RawMessage
	if json.Unmarshal(desc["GlobalSecondaryIndexes"], &indexes) == nil && indexes != nil {
		for _, ix := range indexes {
			fixDescription(ix, "IndexStatus", "ACTIVE")
		}
		desc["GlobalSecondaryIndexes"], _ = json.Marshal(indexes)
	}
	out[field], _ = json.Marshal(desc)

	name := in.str("TableName")
	s.tmu.Lock()
	switch op {
	case "CreateTable":
		s.tables[name] = true
	case "DeleteTable":
		delete(s.tables, name)
	}
	s.tmu.Unlock()
	return jsonResponse(out)
}

// fixDescription drops empty string fields and sets the status field when
// it is missing or empty.
func fixDescription(desc map[string]json.RawMessage, statusField, status string) {
	for k, v := range desc {
		if string(v) == `""` {
			delete(desc, k)
		}
	}
	if _, ok := desc[statusField]; !ok {
		desc[statusField], _ = json.Marshal(status)
	}
}

// listTables answers ListTables from the tables created through the shim,
// in name order, paginated as DynamoDB does (Limit 1..100,
// ExclusiveStartTableName, LastEvaluatedTableName).
func (s *shim) listTables(in request) *response {
	limit := 100
	if in.has("Limit") {
		if json.Unmarshal(in["Limit"], &limit) != nil || limit < 1 || limit > 100 {
			return errorResponse(http.StatusBadRequest, "ValidationException",
				fmt.Sprintf("1 validation error detected: Value '%s' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100", in["Limit"]))
		}
	}
	start := in.str("ExclusiveStartTableName")
	s.tmu.Lock()
	names := make([]string, 0, len(s.tables))
	for n := range s.tables {
		if n > start {
			names = append(names, n)
		}
	}
	s.tmu.Unlock()
	sort.Strings(names)
	out := map[string]any{}
	if len(names) > limit {
		names = names[:limit]
		out["LastEvaluatedTableName"] = names[limit-1]
	}
	out["TableNames"] = names
	return jsonResponse(out)
}

// putItem runs PutItem and answers as DynamoDB does: no Attributes unless
// ReturnValues is ALL_OLD, and then the item the put replaced (if any),
// which minidyn does not report (it echoes the new item whatever was asked).
func (s *shim) putItem(in request) *response {
	rv := in.str("ReturnValues")
	if !slices.Contains([]string{"", "NONE", "ALL_OLD"}, rv) {
		return errorResponse(http.StatusBadRequest, "ValidationException", "Return values set to invalid value")
	}
	defer s.lock()()
	var old item
	if rv == "ALL_OLD" {
		keys, fail := s.keysOf(in.str("TableName"))
		if fail != nil {
			return fail
		}
		var it item
		_ = json.Unmarshal(in["Item"], &it)
		key := item{keys.hash: it[keys.hash]}
		if keys.rng != "" {
			key[keys.rng] = it[keys.rng]
		}
		if complete(key) {
			res := s.call("GetItem", map[string]any{"TableName": in.str("TableName"), "Key": key, "ConsistentRead": true})
			var got struct{ Item item }
			if res.ok() && res.decode(&got) == nil {
				old = got.Item
			}
		}
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

// complete reports whether every attribute of a key has a value.
func complete(key item) bool {
	for _, v := range key {
		if v == nil {
			return false
		}
	}
	return true
}
