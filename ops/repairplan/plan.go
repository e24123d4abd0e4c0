// Package repairplan plans repairs of registry records: it compiles the
// profile's rules and the presets' built-in ones, reads both tables once,
// and lists every change as table, key, attribute, old → new.
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

// Op is what a repair change does to its record.
type Op string

// The repair operations. A plan holds sets and creates; deletes appear only
// when an applied run is undone (the inverse of a create).
const (
	OpSet    Op = "set"
	OpCreate Op = "create"
	OpDelete Op = "delete"
)

// Change is one planned write: an attribute's old → new value on one
// record, or a whole record created (or deleted, undoing a create).
type Change struct {
	Rule string
	// Subscriptions selects the subscriptions table; false: connections.
	Subscriptions bool
	Op            Op
	Key           data.Item
	// Attribute, Old and New describe a set; Old nil means the attribute was
	// absent, New nil means it is removed.
	Attribute string
	Old, New  types.AttributeValue
	// Record is the record a create writes or a delete removes.
	Record data.Item
	// App and EntityType place the record in the blast radius: its
	// connection's app and its entity type before the change.
	App, EntityType string
	// ConnectionID is the connection a created record belongs to (planning
	// only: the plan leaves out creates for gone connections).
	ConnectionID string
}

// Table names the change's table as design.md's output does.
func (c Change) Table() string {
	if c.Subscriptions {
		return config.RepairSubscriptions
	}
	return config.RepairConnections
}

// Ident is the identity of the attribute (or record) a change writes: two
// changes with one Ident write the same thing.
func (c Change) Ident() string {
	raw, _ := data.MarshalItem(c.Key)
	return c.Table() + "\x00" + string(raw) + "\x00" + c.Attribute
}

// Request selects the rules a repair plans with.
type Request struct {
	// Rules are the profile's [[repair]] rules.
	Rules []config.RepairRule
	// Only restricts the plan to these rule names (empty: every rule).
	Only []string
}

// Plan is a planned repair: every change, in the order found.
type Plan struct {
	Changes []Change
	// Rules names the rules planned with.
	Rules []string
	// SkippedGone lists the connections whose planned creates were left out
	// because GetConnection says they are gone (a subscription for them
	// would never be used).
	SkippedGone []string
}

// WithoutCreatesFor returns p without the creates of subscriptions of the
// connections in gone, which it records in SkippedGone.
func (p Plan) WithoutCreatesFor(gone map[string]bool) Plan {
	out := Plan{Rules: p.Rules, SkippedGone: p.SkippedGone}
	for _, c := range p.Changes {
		if c.Op == OpCreate && gone[c.ConnectionID] {
			out.SkippedGone = append(out.SkippedGone, c.ConnectionID)
			continue
		}
		out.Changes = append(out.Changes, c)
	}
	return out
}

// CountByRule counts the changes of each rule.
func (p Plan) CountByRule() map[string]int {
	counts := map[string]int{}
	for _, c := range p.Changes {
		counts[c.Rule]++
	}
	return counts
}

// Reader is what planning reads of the registry.
type Reader interface {
	Schema() data.Schema
	Connections(ctx context.Context, sel data.Select) <-chan data.Page[data.Connection]
	Subscriptions(ctx context.Context, sel data.Select) <-chan data.Page[data.Subscription]
	KeyOf(subscriptions bool, item data.Item) data.Item
}

// Build reads both tables once and plans every change the rules call for,
// now being the time records are judged at. It only reads.
func Build(ctx context.Context, reg Reader, req Request, now time.Time) (Plan, error) {
	s := reg.Schema()
	rules, err := compileRules(s, req.Rules)
	if err != nil {
		return Plan{}, err
	}
	known := ruleNames(s, rules)
	for _, name := range req.Only {
		if !slices.Contains(known, name) {
			return Plan{}, fmt.Errorf("repair: no rule named %q on this profile (rules: %s)", name, strings.Join(known, ", "))
		}
	}
	want := func(name string) bool { return len(req.Only) == 0 || slices.Contains(req.Only, name) }
	rules = slices.DeleteFunc(rules, func(r rule) bool { return !want(r.name) })
	p := planner{s: s, rules: rules, now: now, plan: Plan{Rules: []string{}}, planned: map[string]bool{}}
	if app := merchantApp(s); app != "" && want(RuleBusinessStatus) {
		p.merchantApp = app
	}
	for _, name := range known {
		if want(name) {
			p.plan.Rules = append(p.plan.Rules, name)
		}
	}
	if err := p.run(ctx, reg); err != nil {
		return Plan{}, fmt.Errorf("repair: %w", err)
	}
	return p.plan, nil
}

// planner holds one planning pass.
type planner struct {
	s           data.Schema
	rules       []rule
	merchantApp string
	now         time.Time
	plan        Plan
	planned     map[string]bool // change targets already planned: the first rule wins
	// joined holds, per connection id, the connection attributes that
	// subscription rules read.
	joined map[string]data.Item
	// merchants are the merchant connections with a business id, by id;
	// subscribed marks those whose business-status subscription exists.
	merchants  map[string]data.Connection
	subscribed map[string]bool
}

func (p *planner) run(ctx context.Context, reg Reader) error {
	var joinAttrs []string
	subRules := false
	for _, r := range p.rules {
		joinAttrs = append(joinAttrs, r.joinedAttrs()...)
		subRules = subRules || r.subs
	}
	joinAttrs = slices.Compact(slices.Sorted(slices.Values(joinAttrs)))
	needSubs := subRules || p.merchantApp != ""
	p.joined, p.merchants, p.subscribed = map[string]data.Item{}, map[string]data.Connection{}, map[string]bool{}
	connAttrs, subAttrs := p.projections(joinAttrs)
	for page := range reg.Connections(ctx, data.Select{Attributes: connAttrs}) {
		if page.Err != nil {
			return fmt.Errorf("reading connections: %w", page.Err)
		}
		for _, c := range page.Items {
			p.connection(c, joinAttrs, needSubs)
		}
	}
	if !needSubs {
		return ctx.Err()
	}
	for page := range reg.Subscriptions(ctx, data.Select{Attributes: subAttrs}) {
		if page.Err != nil {
			return fmt.Errorf("reading subscriptions: %w", page.Err)
		}
		for _, sub := range page.Items {
			p.subscription(reg, sub)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	p.missingBusinessStatus(reg)
	return nil
}

// projections are the attributes the plan reads of each table: the ones
// the rules test and set, and those the plan itself uses (keys, app, entity
// type, and for business-status creates the user, business id, ttl and
// when it connected).
// Reading no more than that keeps the scan's responses small.
func (p *planner) projections(joinAttrs []string) (conns, subs []string) {
	ca, sa := p.s.Connections.Attrs, p.s.Subscriptions.Attrs
	conns = append(conns, ca.ID, ca.App, ca.EntityType, ca.User, ca.BusinessID, ca.TTL, ca.ConnectedAt)
	conns = append(conns, joinAttrs...)
	subs = append(subs, sa.ConnectionID, sa.Key, sa.EntityType)
	for _, r := range p.rules {
		attrs := &conns
		if r.subs {
			attrs = &subs
		}
		for _, c := range r.conds {
			if !c.joined {
				*attrs = append(*attrs, c.attr)
			}
		}
		for _, a := range r.set {
			*attrs = append(*attrs, a.attr)
		}
	}
	clean := func(a []string) []string {
		a = slices.DeleteFunc(a, func(s string) bool { return s == "" })
		return slices.Compact(slices.Sorted(slices.Values(a)))
	}
	return clean(conns), clean(subs)
}

// connection plans the connection rules for one record and keeps what the
// subscription pass needs.
func (p *planner) connection(c data.Connection, joinAttrs []string, needSubs bool) {
	key := data.Item{p.s.Connections.Table.HashKey: c.Item[p.s.Connections.Table.HashKey]}
	for _, r := range p.rules {
		if !r.subs && r.matches(c.Item, nil) {
			p.sets(r, false, key, c.Item, c.App, c.EntityType)
		}
	}
	if !needSubs {
		return
	}
	if len(joinAttrs) > 0 {
		keep := data.Item{}
		for _, a := range joinAttrs {
			if v, ok := c.Item[a]; ok {
				keep[a] = v
			}
		}
		p.joined[c.ID] = keep
	}
	if p.merchantApp != "" && c.App == p.merchantApp && owesBusinessStatus(c, p.now) {
		p.merchants[c.ID] = data.Connection{ID: c.ID, User: c.User, App: c.App, EntityType: c.EntityType, BusinessID: c.BusinessID, TTL: c.TTL}
	}
}

// subscription plans the subscription rules for one record.
func (p *planner) subscription(reg Reader, sub data.Subscription) {
	if m, ok := p.merchants[sub.ConnectionID]; ok && sub.Key == businessStatusKey(m.BusinessID) {
		p.subscribed[sub.ConnectionID] = true
	}
	conn, joined := p.joined[sub.ConnectionID]
	if !joined {
		conn = nil
	}
	app := ""
	if conn != nil {
		app = plainString(conn[p.s.Connections.Attrs.App])
	}
	for _, r := range p.rules {
		if r.subs && r.matches(sub.Item, conn) {
			p.sets(r, true, reg.KeyOf(true, sub.Item), sub.Item, app, sub.EntityType)
		}
	}
}

// sets plans a rule's assignments on one record, skipping attributes that
// already hold the value and targets an earlier rule planned.
func (p *planner) sets(r rule, subs bool, key, item data.Item, app, entity string) {
	for _, a := range r.set {
		old := item[a.attr]
		if old != nil && data.EqualValues(old, a.value) {
			continue
		}
		c := Change{Rule: r.name, Subscriptions: subs, Op: OpSet, Key: key, Attribute: a.attr,
			Old: old, New: a.value, App: app, EntityType: entity}
		if t := c.Ident(); !p.planned[t] {
			p.planned[t] = true
			p.plan.Changes = append(p.plan.Changes, c)
		}
	}
}

// connectionLifetime is API Gateway's maximum connection duration: the ttl
// of a created subscription whose connection carries none.
const connectionLifetime = 2 * time.Hour

// missingBusinessStatus plans a create of the business-status subscription
// of every merchant connection that lacks one, built from the connection.
func (p *planner) missingBusinessStatus(reg Reader) {
	ids := make([]string, 0, len(p.merchants))
	for id := range p.merchants {
		if !p.subscribed[id] {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		m := p.merchants[id]
		ttl := m.TTL
		if ttl.IsZero() { // the connection has none: a record that never expires is a leak
			ttl = p.now.Add(connectionLifetime)
		}
		rec := p.s.EncodeSubscription(data.Subscription{
			ConnectionID: m.ID, Key: businessStatusKey(m.BusinessID), User: m.User,
			EntityType: merchantEntity, Active: true, CreatedAt: p.now, TTL: ttl,
		})
		p.plan.Changes = append(p.plan.Changes, Change{Rule: RuleBusinessStatus, Subscriptions: true, Op: OpCreate,
			Key: reg.KeyOf(true, rec), Record: rec, App: m.App, EntityType: m.EntityType, ConnectionID: m.ID})
	}
}

// plainString is a string attribute's value, "" for anything else.
func plainString(v types.AttributeValue) string {
	if s, ok := v.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}
