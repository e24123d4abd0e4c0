package data

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// DynamoAPI is the slice of the DynamoDB API the registry uses, so that any
// DynamoDB-compatible endpoint (or a test double) can stand behind it.
type DynamoAPI interface {
	Scan(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	BatchWriteItem(context.Context, *dynamodb.BatchWriteItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
	BatchGetItem(context.Context, *dynamodb.BatchGetItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	// DescribeTable tells which indexes the tables have (MissingIndexes).
	DescribeTable(context.Context, *dynamodb.DescribeTableInput, ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
}

var _ DynamoAPI = (*dynamodb.Client)(nil)

// Options tune a Registry. Zero values pick the defaults.
type Options struct {
	// Segments is the number of parallel scan segments (default 1). Use 1
	// against endpoints that ignore Segment (a bare minidyn does).
	Segments int
	// PageSize caps the items one Scan or Query call returns (default: no
	// cap, so DynamoDB's 1 MB page limit applies).
	PageSize int32
	// CallTimeout bounds every single DynamoDB call (default 30s).
	CallTimeout time.Duration
	// Now is the clock for age and TTL checks (default time.Now).
	Now func() time.Time
}

// Registry reads and writes the connection registry of one schema.
type Registry struct {
	db     DynamoAPI
	schema Schema
	opt    Options
}

// NewRegistry returns a registry over db for schema s.
func NewRegistry(db DynamoAPI, s Schema, opt Options) *Registry {
	if opt.Segments < 1 {
		opt.Segments = 1
	}
	if opt.CallTimeout <= 0 {
		opt.CallTimeout = DefaultCallTimeout
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Registry{db: db, schema: s, opt: opt}
}

// Schema returns the schema the registry maps records with.
func (r *Registry) Schema() Schema { return r.schema }

// Select picks records. Every non-empty field must match; the registry serves
// each from an index or key where one exists, else from a filter expression.
type Select struct {
	ConnectionID string
	User         string
	App          string
	EntityType   string
	Platform     string
	Topic        string // a subscription key such as order#123
	// BusinessID is a merchant's business (wizz: businessId), where the
	// schema names such an attribute.
	BusinessID string
	// Attributes, when set, limits what is read to these attribute names
	// (plus the table's keys): a ProjectionExpression.
	Attributes []string
}

// Same reports whether s and o read the same records.
func (s Select) Same(o Select) bool {
	return s.ConnectionID == o.ConnectionID && s.User == o.User && s.App == o.App &&
		s.EntityType == o.EntityType && s.Platform == o.Platform && s.Topic == o.Topic && s.BusinessID == o.BusinessID &&
		slices.Equal(s.Attributes, o.Attributes)
}

// DefaultCallTimeout bounds one DynamoDB call, its SDK retries included,
// when Options names no CallTimeout.
const DefaultCallTimeout = 30 * time.Second

// call runs one DynamoDB call under the registry's per-call timeout.
func call[T any](ctx context.Context, r *Registry, f func(context.Context) (T, error)) (T, error) {
	callCtx, cancel := context.WithTimeout(ctx, r.opt.CallTimeout)
	defer cancel()
	v, err := f(callCtx)
	return v, r.timedOut(ctx, err)
}

// timedOut says so when err is the per-call timeout running out (not the
// caller's context): a bare "context deadline exceeded" does not tell an
// operator that DynamoDB did not answer in time.
func (r *Registry) timedOut(ctx context.Context, err error) error {
	if err != nil && errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		return fmt.Errorf("DynamoDB did not answer within %v (unreachable, or throttling that outlasted the retries): %w", r.opt.CallTimeout, err)
	}
	return err
}

// keyFor finds how to read the records whose attribute attr equals a value:
// by the table's own hash key (index ""), by a global secondary index, or not
// at all (ok false: a scan with a filter is needed). rangeKey is the range
// key of the key schema found, which a Query may only constrain in its key
// condition, never in a filter.
func keyFor(t Table, attr string) (index, rangeKey string, ok bool) {
	if attr == "" {
		return "", "", false
	}
	if t.HashKey == attr {
		return "", t.RangeKey, true
	}
	for _, ix := range t.Indexes {
		if ix.HashKey == attr {
			return ix.Name, ix.RangeKey, true
		}
	}
	return "", "", false
}
