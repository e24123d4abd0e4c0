package data

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TableAdmin is the slice of the DynamoDB API that creates tables.
type TableAdmin interface {
	DescribeTable(context.Context, *dynamodb.DescribeTableInput, ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
	CreateTable(context.Context, *dynamodb.CreateTableInput, ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
}

var _ TableAdmin = (*dynamodb.Client)(nil)

// EnsureTables creates the schema's tables and indexes where they are missing
// and waits until they are active. Existing tables are left as they are.
func EnsureTables(ctx context.Context, db TableAdmin, s Schema) error {
	for _, t := range []Table{s.Connections.Table, s.Subscriptions.Table} {
		if err := ensureTable(ctx, db, t); err != nil {
			return fmt.Errorf("table %s: %w", t.Name, err)
		}
	}
	return nil
}

func ensureTable(ctx context.Context, db TableAdmin, t Table) error {
	_, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(t.Name)})
	var missing *types.ResourceNotFoundException
	switch {
	case err == nil:
		return waitActive(ctx, db, t.Name) // it may still be CREATING
	case !errors.As(err, &missing):
		return err
	}
	if _, err := db.CreateTable(ctx, createTableInput(t)); err != nil {
		var inUse *types.ResourceInUseException
		if !errors.As(err, &inUse) { // created meanwhile by someone else: fine
			return err
		}
	}
	return waitActive(ctx, db, t.Name)
}

// waitActive polls DescribeTable until the table and its indexes are ACTIVE.
func waitActive(ctx context.Context, db TableAdmin, name string) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err != nil {
			return err
		}
		if tableActive(out.Table) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

func tableActive(d *types.TableDescription) bool {
	if d == nil || (d.TableStatus != "" && d.TableStatus != types.TableStatusActive) {
		return false
	}
	for _, g := range d.GlobalSecondaryIndexes {
		if g.IndexStatus != "" && g.IndexStatus != types.IndexStatusActive {
			return false
		}
	}
	return true
}

// createTableInput describes t on demand (PAY_PER_REQUEST), with every key
// attribute a string and every index projecting all attributes.
func createTableInput(t Table) *dynamodb.CreateTableInput {
	defined := map[string]bool{}
	var defs []types.AttributeDefinition
	keySchema := func(hash, rng string) []types.KeySchemaElement {
		keys := []types.KeySchemaElement{{AttributeName: aws.String(hash), KeyType: types.KeyTypeHash}}
		if rng != "" {
			keys = append(keys, types.KeySchemaElement{AttributeName: aws.String(rng), KeyType: types.KeyTypeRange})
		}
		for _, k := range []string{hash, rng} {
			if k != "" && !defined[k] {
				defined[k] = true
				defs = append(defs, types.AttributeDefinition{AttributeName: aws.String(k), AttributeType: types.ScalarAttributeTypeS})
			}
		}
		return keys
	}
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(t.Name),
		BillingMode: types.BillingModePayPerRequest,
		KeySchema:   keySchema(t.HashKey, t.RangeKey),
	}
	for _, ix := range t.Indexes {
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName:  aws.String(ix.Name),
			KeySchema:  keySchema(ix.HashKey, ix.RangeKey),
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		})
	}
	in.AttributeDefinitions = defs
	return in
}
