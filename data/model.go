package data

import (
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Item is a raw DynamoDB item, exactly as the table holds it.
type Item = map[string]types.AttributeValue

// MaxConnectionAge is API Gateway's maximum WebSocket connection duration: a
// record older than this cannot belong to a live connection.
const MaxConnectionAge = 2 * time.Hour

// Sentinel errors of the registry.
var (
	// ErrNotFound means the record does not exist.
	ErrNotFound = errors.New("record not found")
	// ErrConflict means a conditional write failed: the record no longer holds
	// the value the caller expected.
	ErrConflict = errors.New("record changed since it was read")
	// ErrRetried marks an ErrConflict that came on a retry of the write:
	// an earlier attempt whose answer was lost (a response cut short) may
	// have made the write itself, so the record's state may be the
	// caller's own doing.
	ErrRetried = errors.New("refused on a retry: an earlier attempt may have made the write")
	// ErrNoBusinessID means a read asked for a business id (Select.BusinessID)
	// of a schema whose connections carry none (this27).
	ErrNoBusinessID = errors.New("the schema names no business id attribute: business filters need one (wizz: businessId)")
)

// Connection is one record of the connections table, decoded leniently: a
// field that is missing or has the wrong type is left empty and named in
// Problems, never a reason to drop the row.
type Connection struct {
	ID          string
	User        string
	EntityType  string
	App         string
	Platform    string
	ConnectedAt time.Time // zero when missing or unparseable
	// LastSeenAt is when the connection was last heard from; zero when the
	// schema or record has none.
	LastSeenAt time.Time
	TTL        time.Time // zero when the schema or record has none
	SourceIP   string
	UserAgent  string
	BusinessID string
	Item       Item     // the raw record
	Problems   []string // human-readable, e.g. `missing userId`
}

// Subscription is one record of the subscriptions table, decoded leniently.
type Subscription struct {
	ConnectionID string
	Key          string
	User         string
	EntityType   string
	// Active is the record's active flag; true when the schema has no such
	// attribute (membership itself means active, as in this27's rooms).
	Active    bool
	CreatedAt time.Time
	TTL       time.Time
	Item      Item
	Problems  []string
}

// AppEntity is one cell of the app × entityType matrix.
type AppEntity struct {
	App        string
	EntityType string
}
