package ops

import (
	"context"
	"time"

	"wsops/data"
	"wsops/mgmt"
	"wsops/ops/auditlog"
)

// The registry's and the management API's types, as the console reads them
// through Ops: it imports neither data nor mgmt.
type (
	// Connection is a connection record, decoded leniently.
	Connection = data.Connection
	// Subscription is a subscription (or room) record.
	Subscription = data.Subscription
	// Select is what a read asks the registry for (an index query, a filter).
	Select = data.Select
	// Schema maps the registry's tables and attributes.
	Schema = data.Schema
	// AppEntity is one cell of the app × entity type matrix.
	AppEntity = data.AppEntity
	// Page is one page of a connections scan.
	Page = data.Page[data.Connection]
	// SubscriptionPage is one page of a subscriptions read.
	SubscriptionPage = data.Page[data.Subscription]
	// ConnectionInfo is GetConnection's answer about a live connection.
	ConnectionInfo = mgmt.ConnectionInfo
	// Item is a raw registry record.
	Item = data.Item
)

// PlainItem is a raw record as plain JSON values (strings, numbers, lists, maps).
func PlainItem(item Item) map[string]any { return data.PlainItem(item) }

// ErrConflict is a conditional write refused because the record changed
// since it was read.
var ErrConflict = data.ErrConflict

// Connections streams the connection records sel picks, page by page; a
// page with Err ends the stream. Whole records (sel names no Attributes)
// carry, among their problems, what the repair rules would fix.
func (o *Ops) Connections(ctx context.Context, sel Select) <-chan Page {
	pages := o.reg.Connections(ctx, sel)
	if len(sel.Attributes) > 0 {
		return pages
	}
	return marked(ctx, pages, func(conns []Connection) { o.checker().Connections(ctx, o.reg, conns, o.now()) })
}

// SubscriptionPages streams the subscription records sel picks, page by
// page, marked as Connections marks its records.
func (o *Ops) SubscriptionPages(ctx context.Context, sel Select) <-chan SubscriptionPage {
	pages := o.reg.Subscriptions(ctx, sel)
	if len(sel.Attributes) > 0 {
		return pages
	}
	return marked(ctx, pages, func(subs []Subscription) { o.checker().Subscriptions(ctx, o.reg, subs) })
}

// Subscriptions reads every subscription record sel picks, marked as
// SubscriptionPages marks them.
func (o *Ops) Subscriptions(ctx context.Context, sel Select) ([]Subscription, error) {
	return data.Collect(ctx, o.SubscriptionPages(ctx, sel))
}

// marked passes pages on with mark applied to each page's records.
func marked[T any](ctx context.Context, pages <-chan data.Page[T], mark func([]T)) <-chan data.Page[T] {
	out := make(chan data.Page[T])
	go func() {
		defer close(out)
		for pg := range pages {
			mark(pg.Items)
			select {
			case out <- pg:
			case <-ctx.Done():
				for range pages { // the stream ends with ctx: let it
				}
				return
			}
		}
	}()
	return out
}

// Inspection is everything known about one connection; each part's error
// stands in place of what could not be read.
type Inspection struct {
	ID      string
	Conn    Connection
	ConnErr error
	Subs    []Subscription
	SubsErr error
	Live    ConnectionInfo
	LiveErr error
}

// inspectTimeout bounds an inspection: three reads, one of them across the
// management API.
const inspectTimeout = 15 * time.Second

// Inspect reads one connection's record, its subscriptions and its live
// status from GetConnection. It only reads.
func (o *Ops) Inspect(ctx context.Context, id string) Inspection {
	ctx, cancel := context.WithTimeout(ctx, inspectTimeout)
	defer cancel()
	in := Inspection{ID: id}
	in.Conn, in.ConnErr = o.reg.Connection(ctx, id)
	if in.ConnErr == nil {
		conns := []Connection{in.Conn}
		o.checker().Connections(ctx, o.reg, conns, o.now())
		in.Conn = conns[0]
	}
	in.Subs, in.SubsErr = o.reg.SubscriptionsOfMany(ctx, []string{id})
	if in.SubsErr == nil {
		o.checker().Subscriptions(ctx, o.reg, in.Subs)
	}
	in.Live, in.LiveErr = o.gw.Get(ctx, id)
	return in
}

// AuditTail returns the last n entries of the audit log the actions write,
// oldest first.
func (o *Ops) AuditTail(n int) ([]auditlog.Entry, error) {
	entries, _, err := o.audit.Tail(n)
	return entries, err
}

// MaxPayload is API Gateway's limit on one message, in bytes (128 KB).
const MaxPayload = mgmt.MaxPayload

// ErrGone is GetConnection's and PostToConnection's answer for a
// connection that is closed (410).
var ErrGone = mgmt.ErrGone

// StreamIDs offers ids on a channel, for Probe.
func StreamIDs(ids []string) <-chan string { return mgmt.StreamIDs(ids) }
