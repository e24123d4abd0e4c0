package data

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"golang.org/x/sync/errgroup"
)

// Page is one page of decoded records as it arrives from DynamoDB. A page with
// Err set is the last one: the listing stopped there and is incomplete.
type Page[T any] struct {
	Items []T
	Err   error
}

// readPlan is one way to read a table: a Query when keyAttr is set (on the
// table's hash key or on index), else a Scan in segments.
type readPlan struct {
	table      Table
	index      string
	keyAttr    string
	keyValue   string
	rangeAttr  string // set when the query also pins the range key
	rangeValue string
	filter     map[string]string // attribute → value it must equal
	projection []string          // nil: whole items
	segments   int
}

// plan chooses how to read table t for the equality conditions in conds:
// the first condition a key or index serves becomes a Query, the rest filters.
func plan(t Table, conds map[string]string, projection []string, segments int) readPlan {
	p := readPlan{table: t, filter: map[string]string{}, segments: segments}
	var rangeKey string
	for _, attr := range slices.Sorted(maps.Keys(conds)) {
		if index, rk, ok := keyFor(t, attr); ok {
			p.keyAttr, p.keyValue, p.index, rangeKey = attr, conds[attr], index, rk
			break
		}
	}
	for attr, v := range conds {
		switch {
		case attr == p.keyAttr:
		case attr == rangeKey && rangeKey != "":
			p.rangeAttr, p.rangeValue = attr, v
		default:
			p.filter[attr] = v
		}
	}
	if len(projection) > 0 {
		keys := []string{t.HashKey, t.RangeKey}
		p.projection = slices.Compact(slices.Sorted(slices.Values(append(keys, projection...))))
		p.projection = slices.DeleteFunc(p.projection, func(s string) bool { return s == "" })
	}
	return p
}

// stream reads the plan page by page, decodes each item with decode, keeps
// those keep accepts (nil keeps all), and sends the pages on the returned
// channel, which is closed when the read ends. Segments are read in parallel
// and decoded in their own goroutines. When ctx is cancelled the readers stop
// without waiting for the consumer, so a consumer may stop reading after it
// cancels.
func stream[T any](ctx context.Context, r *Registry, p readPlan, decode func(Item) T, keep func(T) bool) <-chan Page[T] {
	out := make(chan Page[T], 2*max(p.segments, 1))
	send := func(ctx context.Context, pg Page[T]) bool {
		select {
		case out <- pg:
			return true
		case <-ctx.Done():
			return false
		}
	}
	emit := func(ctx context.Context, items []Item) bool {
		decoded := make([]T, 0, len(items))
		for _, it := range items {
			if v := decode(it); keep == nil || keep(v) {
				decoded = append(decoded, v)
			}
		}
		return send(ctx, Page[T]{Items: decoded})
	}
	go func() {
		defer close(out)
		exprs, err := p.expressions()
		if err != nil {
			send(ctx, Page[T]{Err: err})
			return
		}
		g, gctx := errgroup.WithContext(ctx)
		if p.keyAttr != "" {
			g.Go(func() error { return r.queryPages(gctx, p, exprs, emit) })
		} else {
			for seg := range max(p.segments, 1) {
				g.Go(func() error { return r.scanPages(gctx, p, exprs, seg, emit) })
			}
		}
		if err := g.Wait(); err != nil && ctx.Err() == nil {
			send(ctx, Page[T]{Err: fmt.Errorf("reading %s: %w", p.table.Name, err)})
		}
	}()
	return out
}

// errStopped ends a pager whose consumer went away.
var errStopped = errors.New("stopped")

func (r *Registry) scanPages(ctx context.Context, p readPlan, e *expression.Expression, seg int, emit func(context.Context, []Item) bool) error {
	in := &dynamodb.ScanInput{TableName: aws.String(p.table.Name)}
	if p.segments > 1 {
		in.Segment, in.TotalSegments = aws.Int32(int32(seg)), aws.Int32(int32(p.segments))
	}
	if r.opt.PageSize > 0 {
		in.Limit = aws.Int32(r.opt.PageSize)
	}
	if e != nil {
		in.FilterExpression, in.ProjectionExpression = e.Filter(), e.Projection()
		in.ExpressionAttributeNames, in.ExpressionAttributeValues = e.Names(), e.Values()
	}
	return r.paginate(ctx, emit, func(ctx context.Context, start Item) ([]Item, Item, error) {
		in.ExclusiveStartKey = start
		out, err := r.db.Scan(ctx, in)
		if err != nil {
			return nil, nil, err
		}
		return out.Items, out.LastEvaluatedKey, nil
	})
}

func (r *Registry) queryPages(ctx context.Context, p readPlan, e *expression.Expression, emit func(context.Context, []Item) bool) error {
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(p.table.Name),
		KeyConditionExpression:    e.KeyCondition(),
		FilterExpression:          e.Filter(),
		ProjectionExpression:      e.Projection(),
		ExpressionAttributeNames:  e.Names(),
		ExpressionAttributeValues: e.Values(),
	}
	if p.index != "" {
		in.IndexName = aws.String(p.index)
	}
	if r.opt.PageSize > 0 {
		in.Limit = aws.Int32(r.opt.PageSize)
	}
	return r.paginate(ctx, emit, func(ctx context.Context, start Item) ([]Item, Item, error) {
		in.ExclusiveStartKey = start
		out, err := r.db.Query(ctx, in)
		if err != nil {
			return nil, nil, err
		}
		return out.Items, out.LastEvaluatedKey, nil
	})
}

// page reads one page from start (nil: the first) and returns its items and
// the key to go on from (empty: the last page).
type page func(ctx context.Context, start Item) (items []Item, next Item, err error)

// paginate reads pages one after another, each under the per-call timeout,
// handing each to emit, until the last page or until emit's consumer is gone.
func (r *Registry) paginate(ctx context.Context, emit func(context.Context, []Item) bool, read page) error {
	var start Item
	for {
		callCtx, cancel := context.WithTimeout(ctx, r.opt.CallTimeout)
		items, next, err := read(callCtx, start)
		cancel()
		if err != nil {
			return r.timedOut(ctx, err)
		}
		if !emit(ctx, items) {
			return errStopped
		}
		if len(next) == 0 {
			return nil
		}
		start = next
	}
}

// expressions builds the plan's key condition, filter and projection; nil
// when the plan is a bare scan.
func (p readPlan) expressions() (*expression.Expression, error) {
	b := expression.NewBuilder()
	empty := true
	if p.keyAttr != "" {
		key := expression.Key(p.keyAttr).Equal(expression.Value(p.keyValue))
		if p.rangeAttr != "" {
			key = key.And(expression.Key(p.rangeAttr).Equal(expression.Value(p.rangeValue)))
		}
		b, empty = b.WithKeyCondition(key), false
	}
	var conds []expression.ConditionBuilder
	for _, attr := range slices.Sorted(maps.Keys(p.filter)) {
		conds = append(conds, expression.Name(attr).Equal(expression.Value(p.filter[attr])))
	}
	switch len(conds) {
	case 0:
	case 1:
		b, empty = b.WithFilter(conds[0]), false
	default:
		b, empty = b.WithFilter(expression.And(conds[0], conds[1], conds[2:]...)), false
	}
	if len(p.projection) > 0 {
		names := make([]expression.NameBuilder, len(p.projection))
		for i, n := range p.projection {
			names[i] = expression.Name(n)
		}
		b, empty = b.WithProjection(expression.NamesList(names[0], names[1:]...)), false
	}
	if empty {
		return nil, nil
	}
	e, err := b.Build()
	if err != nil {
		return nil, fmt.Errorf("building expressions: %w", err)
	}
	return &e, nil
}
