package data

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// tableDescriber is the DescribeTable call, which the registry's client
// has when it is the SDK's.
type tableDescriber interface {
	DescribeTable(context.Context, *dynamodb.DescribeTableInput, ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
}

// EstimatedConnections is the store's own count of connection records,
// without reading them: DynamoDB's ItemCount, which AWS refreshes about
// every six hours, so an estimate.
func (r *Registry) EstimatedConnections(ctx context.Context) (int64, error) {
	d, ok := r.db.(tableDescriber)
	if !ok {
		return 0, errors.New("the registry's client cannot describe tables")
	}
	out, err := call(ctx, r, func(ctx context.Context) (*dynamodb.DescribeTableOutput, error) {
		return d.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(r.schema.Connections.Table.Name)})
	})
	if err != nil {
		return 0, err
	}
	return aws.ToInt64(out.Table.ItemCount), nil
}
