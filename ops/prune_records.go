package ops

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"wsops/data"
)

// sweepBatch is how many connections' records a recordSweep deletes at once
// (DynamoDB's BatchWriteItem limit; their subscriptions go in the same batches).
const sweepBatch = 25

// recordSweep deletes the registry records of closed connections — the
// connection record and its subscriptions — in batches, as the connections'
// ids come in. After the first error it deletes nothing more: the ids it is
// given from then on are reported failed, with their records left in place.
// Logout and prune share it.
type recordSweep struct {
	reg *data.Registry
	// absent holds ids known to have no connection record, so that their
	// (harmless) delete is not counted as a record deleted.
	absent map[string]bool
	// swept, when set, is told after each batch which connections' records
	// are gone and how many records that was.
	swept func(ids []string, records int)

	pending []string
	cleaned int      // connections whose records are gone
	deleted int      // records deleted, connections and subscriptions
	failed  []string // connections whose records may remain
	err     error
}

// add queues id; with flush set, a full batch is deleted at once.
func (s *recordSweep) add(ctx context.Context, id string, flush bool) {
	s.pending = append(s.pending, id)
	if flush && len(s.pending) >= sweepBatch {
		s.flush(ctx)
	}
}

// flush deletes the queued ids' records.
func (s *recordSweep) flush(ctx context.Context) {
	ids := s.pending
	s.pending = nil
	if len(ids) == 0 {
		return
	}
	if s.err != nil {
		s.failed = append(s.failed, ids...)
		return
	}
	res, err := s.reg.DeleteConnections(ctx, ids)
	lost := s.unprocessed(res.Failed)
	if err != nil {
		s.err = fmt.Errorf("deleting the records of %d connections: %w", len(ids), err)
	} else if len(lost) > 0 {
		s.err = fmt.Errorf("deleting records: DynamoDB left %d unprocessed after retries", len(res.Failed))
	}
	records := res.Connections + res.Subscriptions
	var cleaned []string
	for _, id := range ids {
		switch {
		case err != nil || lost[id]:
			s.failed = append(s.failed, id)
			continue
		case s.absent[id]:
			records-- // a delete of nothing
		}
		cleaned = append(cleaned, id)
	}
	s.cleaned += len(cleaned)
	s.deleted += records
	if s.swept != nil && len(cleaned) > 0 {
		s.swept(cleaned, max(0, records))
	}
}

// records is the number of records deleted, connections and subscriptions.
func (s *recordSweep) records() int { return max(0, s.deleted) }

// unprocessed names the connections whose keys DynamoDB left unprocessed: a
// connection key holds the id under the table's hash key, a subscription key
// under the subscriptions' connection id attribute (a key attribute in both
// presets).
func (s *recordSweep) unprocessed(keys []data.Item) map[string]bool {
	if len(keys) == 0 {
		return nil
	}
	schema := s.reg.Schema()
	lost := map[string]bool{}
	for _, key := range keys {
		for _, attr := range []string{schema.Connections.Table.HashKey, schema.Subscriptions.Attrs.ConnectionID} {
			if v, ok := key[attr].(*types.AttributeValueMemberS); ok {
				lost[v.Value] = true
				break
			}
		}
	}
	return lost
}

// joinErrs joins the non-nil errors into one line under prefix, each still
// reachable with errors.Is and errors.As; nil when there are none.
func joinErrs(prefix string, errs ...error) error {
	var verbs []string
	var args []any
	for _, err := range errs {
		if err != nil {
			verbs = append(verbs, "%w")
			args = append(args, err)
		}
	}
	if len(args) == 0 {
		return nil
	}
	return fmt.Errorf(prefix+": "+strings.Join(verbs, "; "), args...)
}
