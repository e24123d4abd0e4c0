package dynamo

import (
	"encoding/json"
	"fmt"
	"strings"
)

// segmentKeyAlias prefixes the names of key attributes the shim adds to a
// projection, so that it can tell which segment and window an item is in.
const segmentKeyAlias = "#wsopsSegmentKey"

// search answers a Scan or Query: minidyn reads, the shim keeps the items of
// the requested segment and fills in Count, ScannedCount and Select=COUNT.
//
// A filtered read is split in two, because minidyn counts the items a Query's
// key condition rejects toward Limit when a filter is present: the window
// (the same read unfiltered, keys only: which items DynamoDB would evaluate,
// ScannedCount, LastEvaluatedKey) and the filtered read without Limit, whose
// items are kept where they fall inside the window.
func (s *shim) search(op string, in request) *response {
	p, err := segmentOf(op, in)
	if err != nil {
		return validationError(err.Error())
	}
	t, fail := s.table(in.str("TableName"))
	if fail != nil {
		return fail
	}
	if ix := in.str("IndexName"); ix != "" {
		if _, ok := t.index(ix); !ok {
			return validationError("The table does not have the specified index: " + ix)
		}
	}
	keys := t.key
	var planted item
	if in.has("ExclusiveStartKey") {
		if planted, fail = s.plantStart(in, keys); fail != nil {
			return fail
		}
		if planted != nil {
			defer s.call("DeleteItem", map[string]any{"TableName": in.str("TableName"), "Key": planted})
		}
	}
	filtered := in.has("FilterExpression")
	fwd := in.clone()
	for _, k := range []string{"Segment", "TotalSegments", "Select"} {
		delete(fwd, k)
	}
	var win window
	if filtered {
		if win, fail = s.window(op, in, keys, p); fail != nil {
			return fail
		}
		delete(fwd, "Limit")
	}
	var injected []string
	if filtered || p.total > 1 {
		injected = project(fwd, keys.hash, keys.rng)
	}
	res := s.call(op, fwd)
	if !res.ok() {
		return res
	}
	var out map[string]json.RawMessage
	var items []item
	if err := res.decode(&out); err != nil {
		return internalError(err)
	}
	if out["Items"] != nil {
		if err := json.Unmarshal(out["Items"], &items); err != nil {
			return internalError(fmt.Errorf("minidyn's Items: %w", err))
		}
	}
	kept := make([]item, 0, len(items))
	for _, it := range items {
		switch {
		case planted != nil && sameKey(it, planted): // never expected: it is the start key
		case p.total > 1 && segmentOfValue(it[keys.hash], p.total) != p.segment:
		case filtered && !win.keys[keys.of(it)]:
		default:
			for _, a := range injected {
				delete(it, a)
			}
			kept = append(kept, it)
		}
	}
	scanned := len(kept)
	if filtered {
		scanned = win.scanned
		delete(out, "LastEvaluatedKey")
		if win.last != nil {
			out["LastEvaluatedKey"] = win.last
		}
	}
	if strings.EqualFold(in.str("Select"), "COUNT") {
		delete(out, "Items")
	} else if b, err := json.Marshal(kept); err == nil {
		out["Items"] = b
	}
	out["Count"] = json.RawMessage(fmt.Sprint(len(kept)))
	out["ScannedCount"] = json.RawMessage(fmt.Sprint(scanned))
	return jsonResponse(out)
}

// window is the stretch of a table one filtered page covers.
type window struct {
	keys    map[string]bool // keySchema.of each item in it (all segments)
	scanned int             // its items in the requested segment
	last    json.RawMessage // LastEvaluatedKey; nil at the end of the read
}

// window reads the stretch a filtered read covers: the same read (start
// key, limit, index, key condition) without the filter, keys only.
func (s *shim) window(op string, in request, keys keySchema, p part) (window, *response) {
	q := request{}
	for _, k := range []string{"TableName", "IndexName", "ExclusiveStartKey", "Limit", "ConsistentRead", "ScanIndexForward", "KeyConditions"} {
		if in.has(k) {
			q[k] = in[k]
		}
	}
	names := map[string]string{}
	if kc := in.str("KeyConditionExpression"); op == "Query" && kc != "" {
		q.set("KeyConditionExpression", kc)
		used := placeholders(kc)
		for alias, name := range in.names() {
			if used[alias] {
				names[alias] = name
			}
		}
		var values map[string]json.RawMessage
		_ = json.Unmarshal(in["ExpressionAttributeValues"], &values)
		for ph := range values {
			if !used[ph] {
				delete(values, ph)
			}
		}
		if len(values) > 0 {
			q.set("ExpressionAttributeValues", values)
		}
	}
	proj := segmentKeyAlias + "0"
	names[proj] = keys.hash
	if keys.rng != "" {
		names[segmentKeyAlias+"1"] = keys.rng
		proj += ", " + segmentKeyAlias + "1"
	}
	q.set("ExpressionAttributeNames", names)
	q.set("ProjectionExpression", proj)
	res := s.call(op, q)
	if !res.ok() {
		return window{}, res
	}
	var out struct {
		Items            []item
		LastEvaluatedKey json.RawMessage
	}
	if err := res.decode(&out); err != nil {
		return window{}, internalError(err)
	}
	w := window{keys: make(map[string]bool, len(out.Items))}
	if len(out.LastEvaluatedKey) > 0 && string(out.LastEvaluatedKey) != "null" && string(out.LastEvaluatedKey) != "{}" {
		w.last = out.LastEvaluatedKey
	}
	for _, it := range out.Items {
		w.keys[keys.of(it)] = true
		if p.total <= 1 || segmentOfValue(it[keys.hash], p.total) == p.segment {
			w.scanned++
		}
	}
	return w, nil
}

// plantStart makes a read resume correctly after its start key's item was
// deleted. minidyn resumes by finding the start key among the stored keys,
// so a deleted one ends the read early with no error: the rest of the table
// is silently skipped. When the item is gone, the shim puts a placeholder
// with exactly the start key's attributes (so it sorts where the deleted item
// did, in the table and in any index the key names), and the caller deletes
// it after the read. The caller holds mu exclusively, so no other request
// sees it. It returns the placeholder's key, nil when none was needed.
func (s *shim) plantStart(in request, keys keySchema) (item, *response) {
	var esk item
	if json.Unmarshal(in["ExclusiveStartKey"], &esk) != nil {
		return nil, nil
	}
	key := item{keys.hash: esk[keys.hash]}
	if keys.rng != "" {
		key[keys.rng] = esk[keys.rng]
	}
	if !complete(key) {
		return nil, nil // not a start key minidyn can resume from either way
	}
	table := in.str("TableName")
	res := s.call("GetItem", map[string]any{"TableName": table, "Key": key, "ConsistentRead": true})
	if !res.ok() {
		return nil, res
	}
	var got struct{ Item item }
	if err := res.decode(&got); err != nil {
		return nil, internalError(err)
	}
	if len(got.Item) > 0 {
		return nil, nil
	}
	if !s.call("PutItem", map[string]any{"TableName": table, "Item": esk}).ok() {
		return nil, nil // minidyn answers the read as it can
	}
	return key, nil
}

// project adds the key attributes attrs to a projection that leaves them
// out, so that the shim can place each item in its segment and window; it
// returns the attributes to strip from the results again. Without a
// projection whole items come back, keys included, and nothing is added.
func project(q request, attrs ...string) []string {
	expr := q.str("ProjectionExpression")
	if expr == "" {
		return nil
	}
	names := q.names()
	have := map[string]bool{}
	for _, path := range strings.Split(expr, ",") {
		top := strings.TrimSpace(path)
		if i := strings.IndexAny(top, ".["); i >= 0 {
			top = top[:i]
		}
		if n, ok := names[top]; ok {
			top = n
		}
		have[top] = true
	}
	var added []string
	for _, a := range attrs {
		if a == "" || have[a] {
			continue
		}
		alias := fmt.Sprintf("%s%d", segmentKeyAlias, len(added))
		names[alias] = a
		expr += ", " + alias
		added = append(added, a)
	}
	if len(added) > 0 {
		q.set("ExpressionAttributeNames", names)
		q.set("ProjectionExpression", expr)
	}
	return added
}

// placeholders lists the #name and :value tokens an expression uses.
func placeholders(expr string) map[string]bool {
	used := map[string]bool{}
	for i := 0; i < len(expr); i++ {
		if expr[i] != '#' && expr[i] != ':' {
			continue
		}
		j := i + 1
		for j < len(expr) && (expr[j] == '_' || isAlnum(expr[j])) {
			j++
		}
		used[expr[i:j]] = true
		i = j - 1
	}
	return used
}

func isAlnum(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}
