package dynamo

import (
	"encoding/json"
	"fmt"
	"time"
)

// The TableDescription DynamoDB answers CreateTable, DescribeTable,
// UpdateTable and DeleteTable with, field by field (minidyn's has nulls for
// every field it does not know, and lacks what boto3 and the aws CLI show:
// attribute definitions, ARNs, creation time, throughput, billing).
type (
	tableDescription struct {
		AttributeDefinitions      []attrDef
		TableName                 string
		KeySchema                 []keyElement
		TableStatus               string
		CreationDateTime          json.Number
		ProvisionedThroughput     throughputDescription
		TableSizeBytes            int64
		ItemCount                 int64
		TableArn                  string
		TableId                   string
		BillingModeSummary        *billingModeSummary      `json:",omitempty"`
		LocalSecondaryIndexes     []localIndexDescription  `json:",omitempty"`
		GlobalSecondaryIndexes    []globalIndexDescription `json:",omitempty"`
		DeletionProtectionEnabled bool
	}
	throughputDescription struct {
		NumberOfDecreasesToday                int64
		ReadCapacityUnits, WriteCapacityUnits int64
	}
	billingModeSummary struct {
		BillingMode                       string
		LastUpdateToPayPerRequestDateTime json.Number
	}
	localIndexDescription struct {
		IndexName      string
		KeySchema      []keyElement
		Projection     json.RawMessage
		IndexSizeBytes int64
		ItemCount      int64
		IndexArn       string
	}
	globalIndexDescription struct {
		IndexName             string
		KeySchema             []keyElement
		Projection            json.RawMessage
		IndexStatus           string
		ProvisionedThroughput throughputDescription
		IndexSizeBytes        int64
		ItemCount             int64
		IndexArn              string
	}
)

// describe answers {field: TableDescription} for t with the given status
// (indexes are ACTIVE unless the table is going away). Item counts come
// from minidyn; sizes are 0, as DynamoDB reports them until its periodic
// update (about every six hours).
func (s *shim) describe(t *table, field, status string) *response {
	counts := s.itemCounts(t.TableName)
	d := tableDescription{
		AttributeDefinitions:  t.AttributeDefinitions,
		TableName:             t.TableName,
		KeySchema:             t.KeySchema,
		TableStatus:           status,
		CreationDateTime:      epochSeconds(t.created),
		ProvisionedThroughput: provisioned(t.ProvisionedThroughput),
		ItemCount:             counts[""],
		TableArn:              t.arn,
		TableId:               t.id,
	}
	if t.BillingMode == "PAY_PER_REQUEST" {
		d.BillingModeSummary = &billingModeSummary{BillingMode: t.BillingMode, LastUpdateToPayPerRequestDateTime: epochSeconds(t.created)}
	}
	indexStatus := "ACTIVE"
	if status == "DELETING" {
		indexStatus = "DELETING"
	}
	for _, ix := range t.GlobalSecondaryIndexes {
		d.GlobalSecondaryIndexes = append(d.GlobalSecondaryIndexes, globalIndexDescription{
			IndexName: ix.IndexName, KeySchema: ix.KeySchema, Projection: ix.Projection, IndexStatus: indexStatus,
			ProvisionedThroughput: provisioned(ix.ProvisionedThroughput), ItemCount: counts[ix.IndexName],
			IndexArn: t.arn + "/index/" + ix.IndexName,
		})
	}
	for _, ix := range t.LocalSecondaryIndexes {
		d.LocalSecondaryIndexes = append(d.LocalSecondaryIndexes, localIndexDescription{
			IndexName: ix.IndexName, KeySchema: ix.KeySchema, Projection: ix.Projection,
			ItemCount: counts[ix.IndexName], IndexArn: t.arn + "/index/" + ix.IndexName,
		})
	}
	return jsonResponse(map[string]any{field: d})
}

// itemCounts asks minidyn how many items the table ("") and each of its
// indexes hold; what it cannot tell counts 0.
func (s *shim) itemCounts(name string) map[string]int64 {
	var out struct {
		Table struct {
			ItemCount                                     int64
			GlobalSecondaryIndexes, LocalSecondaryIndexes []struct {
				IndexName string
				ItemCount int64
			}
		}
	}
	counts := map[string]int64{}
	if res := s.call("DescribeTable", map[string]string{"TableName": name}); !res.ok() || res.decode(&out) != nil {
		return counts
	}
	counts[""] = out.Table.ItemCount
	for _, ix := range append(out.Table.GlobalSecondaryIndexes, out.Table.LocalSecondaryIndexes...) {
		counts[ix.IndexName] = ix.ItemCount
	}
	return counts
}

func provisioned(t *throughput) throughputDescription {
	if t == nil {
		return throughputDescription{}
	}
	return throughputDescription{ReadCapacityUnits: t.ReadCapacityUnits, WriteCapacityUnits: t.WriteCapacityUnits}
}

// epochSeconds is a timestamp as DynamoDB's JSON carries it: seconds since
// the epoch, with milliseconds.
func epochSeconds(t time.Time) json.Number {
	return json.Number(fmt.Sprintf("%d.%03d", t.Unix(), t.Nanosecond()/1e6))
}
