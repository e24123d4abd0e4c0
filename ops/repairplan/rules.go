package repairplan

import (
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"wsops/config"
	"wsops/data"
)

// Built-in repair rules: every preset's app → entity type rule, and the
// wizz preset's missing business-status subscriptions (ecosystems.md, the
// incident).
const (
	RuleEntityType     = "entity-type"
	RuleBusinessStatus = "business-status"
)

// businessStatus describes the wizz preset's business-status topic: merchant
// connections (the app whose entity type is merchantEntity) with a business
// id must hold an active subscription to businessStatusPrefix + id.
const (
	businessStatusPrefix = "business_status#"
	merchantEntity       = "merchant"
)

// subscribeGrace is how long a merchant connection may go without its
// business-status subscription: the app subscribes once it is connected,
// a moment later. Neither a listing nor a plan holds a younger one's
// missing subscription against it.
const subscribeGrace = 10 * time.Second

// owesBusinessStatus reports whether connection c, a merchant with a
// business id, must hold its business-status subscription at now: it
// connected at least subscribeGrace ago (or says nothing of when).
func owesBusinessStatus(c data.Connection, now time.Time) bool {
	return c.BusinessID != "" && (c.ConnectedAt.IsZero() || now.Sub(c.ConnectedAt) >= subscribeGrace)
}

// joinedPrefix marks a subscription condition read from its connection.
const joinedPrefix = "connection."

type condOp int

const (
	opEqual condOp = iota
	opNotEqual
	opMissing
)

// condition is one test of a record's attribute (or, joined, of its
// connection's attribute).
type condition struct {
	attr   string
	joined bool
	op     condOp
	value  types.AttributeValue
}

// assignment is one attribute a rule sets.
type assignment struct {
	attr  string
	value types.AttributeValue
}

// rule is a repair rule compiled for one table.
type rule struct {
	name  string
	subs  bool
	conds []condition
	set   []assignment
}

// joinedAttrs lists the connection attributes the rule reads.
func (r rule) joinedAttrs() []string {
	var attrs []string
	for _, c := range r.conds {
		if c.joined {
			attrs = append(attrs, c.attr)
		}
	}
	return attrs
}

// matches reports whether a record (and its connection, for joined
// conditions; nil when the connection record is missing) meets every
// condition. A joined condition never matches a missing connection.
func (r rule) matches(item, conn data.Item) bool {
	for _, c := range r.conds {
		src := item
		if c.joined {
			if conn == nil {
				return false
			}
			src = conn
		}
		v, present := src[c.attr]
		var ok bool
		switch c.op {
		case opEqual:
			ok = present && sameValue(v, c.value)
		case opNotEqual:
			ok = !present || !sameValue(v, c.value)
		case opMissing:
			ok = !present
		}
		if !ok {
			return false
		}
	}
	return true
}

// sameValue compares a record's value with a rule's: numbers numerically
// (DynamoDB's own comparison), everything else by type and value.
func sameValue(a, b types.AttributeValue) bool {
	na, okA := a.(*types.AttributeValueMemberN)
	nb, okB := b.(*types.AttributeValueMemberN)
	if okA && okB {
		x, errX := new(big.Float).SetPrec(256).SetString(na.Value)
		y, errY := new(big.Float).SetPrec(256).SetString(nb.Value)
		if errX && errY {
			return x.Cmp(y) == 0
		}
	}
	return data.EqualValues(a, b)
}

// compileRules compiles the profile's rules and the schema's built-in ones.
// A "both" rule compiles into one rule per table, both under its name.
func compileRules(s data.Schema, profile []config.RepairRule) ([]rule, error) {
	rules := builtinRules(s)
	for _, pr := range profile {
		if pr.Name == RuleEntityType || pr.Name == RuleBusinessStatus {
			return nil, fmt.Errorf("repair rule %q: the name belongs to a built-in rule; pick another", pr.Name)
		}
		for _, subs := range tablesOf(pr.Table) {
			r := rule{name: pr.Name, subs: subs}
			add := func(attr string, op condOp, v any) error {
				c := condition{attr: attr, op: op}
				if rest, ok := strings.CutPrefix(attr, joinedPrefix); ok {
					if !subs {
						return fmt.Errorf("repair rule %q: %s reads the joined connection, which only subscriptions have", pr.Name, attr)
					}
					c.attr, c.joined = rest, true
				}
				if op != opMissing {
					c.value = attributeOf(v)
				}
				r.conds = append(r.conds, c)
				return nil
			}
			for _, k := range slices.Sorted(maps.Keys(pr.Where)) {
				if err := add(k, opEqual, pr.Where[k]); err != nil {
					return nil, err
				}
			}
			for _, k := range slices.Sorted(maps.Keys(pr.WhereNot)) {
				if err := add(k, opNotEqual, pr.WhereNot[k]); err != nil {
					return nil, err
				}
			}
			for _, k := range pr.WhereMissing {
				if err := add(k, opMissing, nil); err != nil {
					return nil, err
				}
			}
			for _, k := range slices.Sorted(maps.Keys(pr.Set)) {
				r.set = append(r.set, assignment{attr: k, value: attributeOf(pr.Set[k])})
			}
			rules = append(rules, r)
		}
	}
	return rules, nil
}

// tablesOf lists the tables of a rule's table setting (true: subscriptions).
func tablesOf(table string) []bool {
	switch table {
	case config.RepairConnections:
		return []bool{false}
	case config.RepairSubscriptions:
		return []bool{true}
	}
	return []bool{false, true}
}

// attributeOf converts a config value (string, int64, float64, bool).
func attributeOf(v any) types.AttributeValue {
	switch v := v.(type) {
	case bool:
		return &types.AttributeValueMemberBOOL{Value: v}
	case int64:
		return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
	case float64:
		return &types.AttributeValueMemberN{Value: strconv.FormatFloat(v, 'f', -1, 64)}
	}
	return &types.AttributeValueMemberS{Value: fmt.Sprint(v)}
}

// builtinRules are the schema's app rule as repair rules: for every app,
// connections (and, where subscriptions carry an entity type, the
// subscriptions of its connections) whose entity type differs get the app's.
func builtinRules(s data.Schema) []rule {
	ca, sa := s.Connections.Attrs, s.Subscriptions.Attrs
	if ca.App == "" || ca.EntityType == "" {
		return nil
	}
	var rules []rule
	for _, app := range slices.Sorted(maps.Keys(s.AppEntity)) {
		entity := &types.AttributeValueMemberS{Value: s.AppEntity[app]}
		appIs := &types.AttributeValueMemberS{Value: app}
		rules = append(rules, rule{name: RuleEntityType,
			conds: []condition{{attr: ca.App, op: opEqual, value: appIs}, {attr: ca.EntityType, op: opNotEqual, value: entity}},
			set:   []assignment{{attr: ca.EntityType, value: entity}}})
		if sa.EntityType != "" {
			rules = append(rules, rule{name: RuleEntityType, subs: true,
				conds: []condition{{attr: ca.App, joined: true, op: opEqual, value: appIs}, {attr: sa.EntityType, op: opNotEqual, value: entity}},
				set:   []assignment{{attr: sa.EntityType, value: entity}}})
		}
	}
	return rules
}

// merchantApp is the app whose connections must hold a business-status
// subscription, "" when the schema has no such topic (only the wizz preset
// has: business ids on connections, an active flag on subscriptions).
func merchantApp(s data.Schema) string {
	if s.Preset != "wizz" || s.Connections.Attrs.BusinessID == "" || s.Subscriptions.Attrs.Active == "" {
		return ""
	}
	for app, entity := range s.AppEntity {
		if entity == merchantEntity {
			return app
		}
	}
	return ""
}

// RuleNames lists the names of the rules a plan on schema s with the
// profile's rules can use (what Request.Only may name): the built-in ones the
// schema supports and the profile's.
func RuleNames(s data.Schema, profile []config.RepairRule) ([]string, error) {
	rules, err := compileRules(s, profile)
	if err != nil {
		return nil, err
	}
	return ruleNames(s, rules), nil
}

// ruleNames lists the names of the rules available on a schema and profile.
func ruleNames(s data.Schema, rules []rule) []string {
	var names []string
	for _, r := range rules {
		names = append(names, r.name)
	}
	if merchantApp(s) != "" {
		names = append(names, RuleBusinessStatus)
	}
	return slices.Compact(slices.Sorted(slices.Values(names)))
}
