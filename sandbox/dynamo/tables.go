package dynamo

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

// keyElement, attrDef, throughput and indexDef are the parts of a
// CreateTable request the shim keeps, as DynamoDB's JSON names them.
type (
	keyElement struct{ AttributeName, KeyType string }
	attrDef    struct{ AttributeName, AttributeType string }
	throughput struct{ ReadCapacityUnits, WriteCapacityUnits int64 }
	indexDef   struct {
		IndexName             string
		KeySchema             []keyElement
		Projection            json.RawMessage
		ProvisionedThroughput *throughput `json:",omitempty"`
	}
)

// tableDef is a CreateTable request.
type tableDef struct {
	TableName              string
	AttributeDefinitions   []attrDef
	KeySchema              []keyElement
	BillingMode            string
	ProvisionedThroughput  *throughput
	GlobalSecondaryIndexes []indexDef
	LocalSecondaryIndexes  []indexDef
}

// table is what the shim knows of a table: its definition, which minidyn
// does not report back (no attribute definitions, projections as given,
// ARN or creation time), kept as created and as UpdateTable changed it.
type table struct {
	tableDef
	types   map[string]string // AttributeDefinitions: name → S, N or B
	key     keySchema
	created time.Time
	id, arn string
}

// keySchemaOf reads a KeySchema.
func keySchemaOf(elems []keyElement) keySchema {
	var ks keySchema
	for _, e := range elems {
		switch e.KeyType {
		case "HASH":
			ks.hash = e.AttributeName
		case "RANGE":
			ks.rng = e.AttributeName
		}
	}
	return ks
}

// names lists the key's attributes, hash first.
func (k keySchema) names() []string {
	if k.rng == "" {
		return []string{k.hash}
	}
	return []string{k.hash, k.rng}
}

func (k keySchema) has(name string) bool { return name == k.hash || (k.rng != "" && name == k.rng) }

// indexes lists the table's global then local secondary indexes.
func (t *table) indexes() []indexDef {
	return slices.Concat(t.GlobalSecondaryIndexes, t.LocalSecondaryIndexes)
}

func (t *table) index(name string) (indexDef, bool) {
	for _, ix := range t.indexes() {
		if ix.IndexName == name {
			return ix, true
		}
	}
	return indexDef{}, false
}

// define (re)derives the attribute types and primary key from tableDef.
func (t *table) define() {
	t.types = map[string]string{}
	for _, a := range t.AttributeDefinitions {
		t.types[a.AttributeName] = a.AttributeType
	}
	t.key = keySchemaOf(t.KeySchema)
}

// check validates a CreateTable request as DynamoDB does before it creates
// anything, returning the refusal's message or "".
func (d *tableDef) check() string {
	switch {
	case d.TableName == "":
		return "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null"
	case keySchemaOf(d.KeySchema).hash == "":
		return "1 validation error detected: Value null at 'keySchema' failed to satisfy constraint: Member must not be null"
	}
	defined := map[string]bool{}
	var names []string
	for i, a := range d.AttributeDefinitions {
		if !slices.Contains([]string{"S", "N", "B"}, a.AttributeType) {
			return fmt.Sprintf("1 validation error detected: Value '%s' at 'attributeDefinitions.%d.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]", a.AttributeType, i+1)
		}
		defined[a.AttributeName] = true
		names = append(names, a.AttributeName)
	}
	used := map[string]bool{}
	var undefined []string
	for _, keys := range append([][]keyElement{d.KeySchema}, indexKeys(d)...) {
		for _, k := range keys {
			if !defined[k.AttributeName] && !slices.Contains(undefined, k.AttributeName) {
				undefined = append(undefined, k.AttributeName)
			}
			used[k.AttributeName] = true
		}
	}
	if len(undefined) > 0 {
		return fmt.Sprintf("One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [%s], AttributeDefinitions: [%s]",
			strings.Join(undefined, ", "), strings.Join(names, ", "))
	}
	if len(used) != len(defined) {
		return "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions"
	}
	if d.BillingMode == "PAY_PER_REQUEST" {
		if d.ProvisionedThroughput != nil {
			return "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"
		}
		return ""
	}
	if d.ProvisionedThroughput == nil {
		return "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED"
	}
	for _, ix := range d.GlobalSecondaryIndexes {
		if ix.ProvisionedThroughput == nil {
			return "One or more parameter values were invalid: ProvisionedThroughput must be specified for index: " + ix.IndexName
		}
	}
	return ""
}

func indexKeys(d *tableDef) [][]keyElement {
	var keys [][]keyElement
	for _, ix := range slices.Concat(d.GlobalSecondaryIndexes, d.LocalSecondaryIndexes) {
		keys = append(keys, ix.KeySchema)
	}
	return keys
}

// table looks a table up; a missing one is answered as DynamoDB answers
// an item operation on it.
func (s *shim) table(name string) (*table, *response) {
	if t := s.tables[name]; t != nil {
		return t, nil
	}
	return nil, errorResponse(http.StatusBadRequest, "ResourceNotFoundException", "Requested resource not found")
}

// tableNotFound is DescribeTable's and DeleteTable's answer for a missing table.
func tableNotFound(name string) *response {
	return errorResponse(http.StatusBadRequest, "ResourceNotFoundException", "Requested resource not found: Table: "+name+" not found")
}

// createTable validates the request, has minidyn create the table and keeps
// its definition. The answer says ACTIVE, as DynamoDB Local's does: the
// table is usable at once, and waiters end.
func (s *shim) createTable(in request, region string) *response {
	var def tableDef
	if err := in.decode(&def); err != nil {
		return validationError(err.Error())
	}
	if msg := def.check(); msg != "" {
		return validationError(msg)
	}
	if s.tables[def.TableName] != nil {
		return errorResponse(http.StatusBadRequest, "ResourceInUseException", "Table already exists: "+def.TableName)
	}
	if res := s.call("CreateTable", in); !res.ok() {
		return res
	}
	t := &table{tableDef: def, created: time.Now(), id: newTableID(),
		arn: fmt.Sprintf("arn:aws:dynamodb:%s:000000000000:table/%s", region, def.TableName)}
	t.define()
	s.tables[t.TableName] = t
	return s.describe(t, "TableDescription", "ACTIVE")
}

// deleteTable drops the table (and the shim's rehearsal copy of it).
func (s *shim) deleteTable(in request) *response {
	name := in.str("TableName")
	t := s.tables[name]
	if t == nil {
		return tableNotFound(name)
	}
	res := s.describe(t, "TableDescription", "DELETING")
	if del := s.call("DeleteTable", in); !del.ok() {
		return del
	}
	s.dropRehearsal(name)
	delete(s.tables, name)
	return res
}

func (s *shim) describeTable(in request) *response {
	name := in.str("TableName")
	t := s.tables[name]
	if t == nil {
		return tableNotFound(name)
	}
	return s.describe(t, "Table", "ACTIVE")
}

// updateTable has minidyn apply the change, then records it: attribute
// definitions, billing, and index creations, deletions and throughput.
func (s *shim) updateTable(in request) *response {
	name := in.str("TableName")
	t := s.tables[name]
	if t == nil {
		return tableNotFound(name)
	}
	var upd struct {
		AttributeDefinitions        []attrDef
		BillingMode                 string
		ProvisionedThroughput       *throughput
		GlobalSecondaryIndexUpdates []struct {
			Create *indexDef
			Update *indexDef
			Delete *struct{ IndexName string }
		}
	}
	if err := in.decode(&upd); err != nil {
		return validationError(err.Error())
	}
	if res := s.call("UpdateTable", in); !res.ok() {
		return res
	}
	for _, a := range upd.AttributeDefinitions {
		i := slices.IndexFunc(t.AttributeDefinitions, func(d attrDef) bool { return d.AttributeName == a.AttributeName })
		if i < 0 {
			t.AttributeDefinitions = append(t.AttributeDefinitions, a)
		} else {
			t.AttributeDefinitions[i] = a
		}
	}
	if upd.BillingMode != "" {
		t.BillingMode = upd.BillingMode
	}
	if upd.ProvisionedThroughput != nil {
		t.ProvisionedThroughput = upd.ProvisionedThroughput
	}
	for _, u := range upd.GlobalSecondaryIndexUpdates {
		switch {
		case u.Create != nil:
			t.GlobalSecondaryIndexes = append(t.GlobalSecondaryIndexes, *u.Create)
		case u.Delete != nil:
			t.GlobalSecondaryIndexes = slices.DeleteFunc(t.GlobalSecondaryIndexes, func(ix indexDef) bool { return ix.IndexName == u.Delete.IndexName })
		case u.Update != nil:
			for i := range t.GlobalSecondaryIndexes {
				if t.GlobalSecondaryIndexes[i].IndexName == u.Update.IndexName {
					t.GlobalSecondaryIndexes[i].ProvisionedThroughput = u.Update.ProvisionedThroughput
				}
			}
		}
	}
	t.define()
	s.dropRehearsal(name) // its key attribute definitions may have changed
	return s.describe(t, "TableDescription", "ACTIVE")
}

// listTables answers ListTables from the tables created through the shim,
// in name order, paginated as DynamoDB does (Limit 1..100,
// ExclusiveStartTableName, LastEvaluatedTableName).
func (s *shim) listTables(in request) *response {
	limit := 100
	if in.has("Limit") {
		if json.Unmarshal(in["Limit"], &limit) != nil || limit < 1 || limit > 100 {
			return validationError(fmt.Sprintf("1 validation error detected: Value '%s' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100", in["Limit"]))
		}
	}
	start := in.str("ExclusiveStartTableName")
	names := make([]string, 0, len(s.tables))
	for n := range s.tables {
		if n > start {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	out := map[string]any{}
	if len(names) > limit {
		names = names[:limit]
		out["LastEvaluatedTableName"] = names[limit-1]
	}
	out["TableNames"] = names
	return jsonResponse(out)
}

// newTableID is a random UUID, as DynamoDB's TableId.
func newTableID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
