package data

import "context"

// Unavailable returns a Store for schema s that could not be opened (its
// MongoDB URI unset, say): every call fails with err, so that what needs
// no registry still works and what needs one says why it cannot.
func Unavailable(s Schema, err error) Store { return unavailable{s: s, err: err} }

// unavailable is the Store Unavailable returns.
type unavailable struct {
	s   Schema
	err error
}

var _ Store = unavailable{}

func (u unavailable) Schema() Schema { return u.s }
func (u unavailable) Connections(context.Context, Select) <-chan Page[Connection] {
	return failed[Connection](u.err)
}
func (u unavailable) Connection(context.Context, string) (Connection, error) {
	return Connection{}, u.err
}
func (u unavailable) ConnectionsOf(context.Context, string) ([]Connection, error) { return nil, u.err }
func (u unavailable) Subscriptions(context.Context, Select) <-chan Page[Subscription] {
	return failed[Subscription](u.err)
}
func (u unavailable) SubscriptionsOf(context.Context, string) ([]Subscription, error) {
	return nil, u.err
}
func (u unavailable) SubscriptionsOfMany(context.Context, []string) ([]Subscription, error) {
	return nil, u.err
}
func (u unavailable) DeleteConnections(context.Context, []string) (DeleteResult, error) {
	return DeleteResult{}, u.err
}
func (u unavailable) DeleteRecords(context.Context, []Item, []Item) error { return u.err }
func (u unavailable) Update(context.Context, Change) (Item, error)        { return nil, u.err }
func (u unavailable) Create(context.Context, bool, Item) error            { return u.err }
func (u unavailable) DeleteUnchanged(context.Context, bool, Item) error   { return u.err }
func (u unavailable) Record(context.Context, bool, Item) (Item, error)    { return nil, u.err }
func (u unavailable) KeyOf(subscriptions bool, item Item) Item {
	if subscriptions {
		return keyOf(u.s.Subscriptions.Table, item)
	}
	return keyOf(u.s.Connections.Table, item)
}
func (u unavailable) Records(context.Context, bool, []Item, []string) ([]Item, error) {
	return nil, u.err
}
func (u unavailable) EstimatedConnections(context.Context) (int64, error)    { return 0, u.err }
func (u unavailable) MissingIndexes(context.Context) ([]MissingIndex, error) { return nil, u.err }
