package repairplan

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"wsops/config"
	"wsops/data"
)

// Lookup is what checking listed records reads of the registry: records by key.
type Lookup interface {
	Schema() data.Schema
	KeyOf(subscriptions bool, item data.Item) data.Item
	Records(ctx context.Context, subscriptions bool, keys []data.Item, attrs []string) ([]data.Item, error)
}

// Checker marks listed records with the problems a repair would fix, by the
// rules the plan applies (Build): a record a rule would change, and a
// merchant connection without its business-status subscription. The
// built-in entity-type rule on connections is not repeated: decoding flags
// those records already (data.Schema.DecodeConnection).
type Checker struct {
	s           data.Schema
	conns, subs []rule
	join        []string // connection attributes the subscription rules read
	merchantApp string
}

// NewChecker compiles the schema's and the profile's rules for checking.
func NewChecker(s data.Schema, profile []config.RepairRule) (*Checker, error) {
	rules, err := compileRules(s, profile)
	if err != nil {
		return nil, err
	}
	k := &Checker{s: s, merchantApp: merchantApp(s)}
	for _, r := range rules {
		switch {
		case r.subs:
			k.subs = append(k.subs, r)
			k.join = append(k.join, r.joinedAttrs()...)
		case r.name != RuleEntityType:
			k.conns = append(k.conns, r)
		}
	}
	if len(k.join) > 0 {
		k.join = slices.Compact(slices.Sorted(slices.Values(append(k.join, s.Connections.Attrs.ID))))
	}
	return k, nil
}

// Connections appends to each connection's Problems what the rules would
// fix, at now. Whether a merchant holds its business-status subscription is
// read from the registry, by key, for the merchants among conns that owe
// one (connected subscribeGrace ago at least). On a failed read those
// merchants are flagged as not checked.
func (k *Checker) Connections(ctx context.Context, reg Lookup, conns []data.Connection, now time.Time) {
	var merchants []int
	for i := range conns {
		c := &conns[i]
		for _, r := range k.conns {
			if p := describe(r, c.Item, nil, k.s); p != "" {
				c.Problems = append(c.Problems, p)
			}
		}
		if k.merchantApp != "" && c.App == k.merchantApp && owesBusinessStatus(*c, now) {
			merchants = append(merchants, i)
		}
	}
	if len(merchants) == 0 {
		return
	}
	keys := make([]data.Item, len(merchants))
	for j, i := range merchants {
		keys[j] = reg.KeyOf(true, k.s.EncodeSubscription(data.Subscription{ConnectionID: conns[i].ID, Key: businessStatusKey(conns[i].BusinessID)}))
	}
	found, err := reg.Records(ctx, true, keys, []string{k.s.Subscriptions.Attrs.ConnectionID, k.s.Subscriptions.Attrs.Key})
	if err != nil {
		for _, i := range merchants {
			conns[i].Problems = append(conns[i].Problems, RuleBusinessStatus+" not checked: "+err.Error())
		}
		return
	}
	held := map[string]bool{}
	for _, it := range found {
		held[plainString(it[k.s.Subscriptions.Attrs.ConnectionID])+"\x00"+plainString(it[k.s.Subscriptions.Attrs.Key])] = true
	}
	for _, i := range merchants {
		key := businessStatusKey(conns[i].BusinessID)
		if !held[conns[i].ID+"\x00"+key] {
			conns[i].Problems = append(conns[i].Problems, MissingBusinessStatus(key))
		}
	}
}

// Subscriptions appends to each subscription's Problems what the rules would
// fix, reading the connection attributes the rules join from the registry,
// by key. On a failed read the subscriptions are flagged as not checked.
func (k *Checker) Subscriptions(ctx context.Context, reg Lookup, subs []data.Subscription) {
	if len(k.subs) == 0 || len(subs) == 0 {
		return
	}
	ca := k.s.Connections.Attrs
	var joined map[string]data.Item
	if len(k.join) > 0 {
		ids := make([]string, 0, len(subs))
		for _, s := range subs {
			ids = append(ids, s.ConnectionID)
		}
		ids = slices.Compact(slices.Sorted(slices.Values(ids)))
		keys := make([]data.Item, len(ids))
		for i, id := range ids {
			keys[i] = reg.KeyOf(false, data.Item{ca.ID: &types.AttributeValueMemberS{Value: id}})
		}
		found, err := reg.Records(ctx, false, keys, k.join)
		if err != nil {
			for i := range subs {
				subs[i].Problems = append(subs[i].Problems, "repair rules not checked: "+err.Error())
			}
			return
		}
		joined = make(map[string]data.Item, len(found))
		for _, it := range found {
			joined[plainString(it[ca.ID])] = it
		}
	}
	for i := range subs {
		s := &subs[i]
		conn := joined[s.ConnectionID] // nil when the connection has no record
		for _, r := range k.subs {
			if p := describe(r, s.Item, conn, k.s); p != "" {
				s.Problems = append(s.Problems, p)
			}
		}
	}
}

// MissingBusinessStatus is the problem of a merchant connection without its
// business-status subscription key.
func MissingBusinessStatus(key string) string { return "no " + key + " subscription" }

func businessStatusKey(businessID string) string { return businessStatusPrefix + businessID }

// describe says what rule r would change on item (and its connection's
// record conn), "" when nothing: the rule does not match, or the record
// holds what it sets already. The built-in subscription rule reads as
// decoding words its connection twin:
// `entityType "customer" but connection's appId order-receiver`.
func describe(r rule, item, conn data.Item, s data.Schema) string {
	if !r.matches(item, conn) {
		return ""
	}
	if r.name == RuleEntityType && r.subs {
		sa, ca := s.Subscriptions.Attrs, s.Connections.Attrs
		return fmt.Sprintf("%s %s but connection's %s %s", sa.EntityType, shown(item[sa.EntityType]), ca.App, plainString(conn[ca.App]))
	}
	var parts []string
	for _, a := range r.set {
		if old := item[a.attr]; old == nil || !data.EqualValues(old, a.value) {
			parts = append(parts, fmt.Sprintf("%s %s → %s", a.attr, shown(old), shown(a.value)))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "rule " + r.name + ": " + strings.Join(parts, ", ")
}

// shown is a value in a problem's text: a quoted string, or the plain value.
func shown(v types.AttributeValue) string {
	switch v := v.(type) {
	case nil:
		return "missing"
	case *types.AttributeValueMemberS:
		return fmt.Sprintf("%q", v.Value)
	}
	return fmt.Sprint(data.PlainItem(data.Item{"v": v})["v"])
}
