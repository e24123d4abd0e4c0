package data

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"wsops/internal/reach"
)

// MissingIndexes lists the global secondary indexes the schema declares
// (its tables' Indexes) that DescribeTable does not show on the tables,
// by name, each with the aws CLI line that creates it (one line an index:
// DynamoDB creates one per UpdateTable). An index being created counts as
// there.
func (r *Registry) MissingIndexes(ctx context.Context) ([]MissingIndex, error) {
	var out []MissingIndex
	for _, t := range []Table{r.schema.Connections.Table, r.schema.Subscriptions.Table} {
		if len(t.Indexes) == 0 {
			continue
		}
		d, err := call(ctx, r, func(ctx context.Context) (*dynamodb.DescribeTableOutput, error) {
			return r.db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(t.Name)})
		})
		if err != nil {
			return nil, reach.Call("dynamodb", "DescribeTable "+t.Name, "dynamodb:DescribeTable", err)
		}
		if d.Table == nil {
			return nil, fmt.Errorf("dynamodb DescribeTable %s: the answer describes no table", t.Name)
		}
		have := map[string]bool{}
		for _, g := range d.Table.GlobalSecondaryIndexes {
			have[aws.ToString(g.IndexName)] = true
		}
		for _, ix := range t.Indexes {
			if have[ix.Name] {
				continue
			}
			fields := []string{ix.HashKey}
			if ix.RangeKey != "" {
				fields = append(fields, ix.RangeKey)
			}
			out = append(out, MissingIndex{Where: "table " + t.Name, Name: ix.Name, Fields: fields,
				Without: r.schema.indexUse(ix.HashKey) + " fails: the registry queries the index, and DynamoDB answers that the table has no such index",
				Create:  updateTableLine(d.Table, t.Name, ix)})
		}
	}
	return out, nil
}

// updateTableLine is the aws CLI line that adds ix to the table d
// describes: its key attributes defined (with the type the table gives
// them, else a string, as EnsureTables makes them), every attribute
// projected, and the table's billing: no throughput on an on-demand table,
// the table's own on a provisioned one.
func updateTableLine(d *types.TableDescription, table string, ix Index) string {
	type attr struct{ AttributeName, AttributeType string }
	type key struct{ AttributeName, KeyType string }
	defined := map[string]string{}
	for _, a := range d.AttributeDefinitions {
		defined[aws.ToString(a.AttributeName)] = string(a.AttributeType)
	}
	var attrs []attr
	keys := []key{{ix.HashKey, string(types.KeyTypeHash)}}
	if ix.RangeKey != "" {
		keys = append(keys, key{ix.RangeKey, string(types.KeyTypeRange)})
	}
	for _, k := range keys {
		typ := defined[k.AttributeName]
		if typ == "" {
			typ = string(types.ScalarAttributeTypeS)
		}
		attrs = append(attrs, attr{k.AttributeName, typ})
	}
	create := map[string]any{
		"IndexName":  ix.Name,
		"KeySchema":  keys,
		"Projection": map[string]string{"ProjectionType": string(types.ProjectionTypeAll)},
	}
	if rcu, wcu, ok := provisioned(d); ok {
		create["ProvisionedThroughput"] = map[string]int64{"ReadCapacityUnits": rcu, "WriteCapacityUnits": wcu}
	}
	defs, _ := json.Marshal(attrs)
	updates, _ := json.Marshal([]map[string]any{{"Create": create}})
	return strings.Join([]string{"aws dynamodb update-table --table-name", shellQuote(table),
		"--attribute-definitions", shellQuote(string(defs)),
		"--global-secondary-index-updates", shellQuote(string(updates))}, " ")
}

// provisioned is the table's read and write capacity when it is billed
// by provisioned capacity; an on-demand table (PAY_PER_REQUEST, whose
// capacity reads 0) has none.
func provisioned(d *types.TableDescription) (rcu, wcu int64, ok bool) {
	if d.BillingModeSummary != nil && d.BillingModeSummary.BillingMode == types.BillingModePayPerRequest {
		return 0, 0, false
	}
	if p := d.ProvisionedThroughput; p != nil {
		rcu, wcu = aws.ToInt64(p.ReadCapacityUnits), aws.ToInt64(p.WriteCapacityUnits)
	}
	if rcu == 0 && wcu == 0 {
		return 0, 0, false
	}
	return max(rcu, 1), max(wcu, 1), true
}
