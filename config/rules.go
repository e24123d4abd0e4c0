package config

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// joinedConnectionPrefix marks a subscription condition read from the
// subscription's connection record.
const joinedConnectionPrefix = "connection."

// repairRules resolves the [[profiles.NAME.repair]] rules.
func (pr *profileResolver) repairRules(raw []rawRepair) []RepairRule {
	var rules []RepairRule
	seen := map[string]bool{}
	for i, rr := range raw {
		at := fmt.Sprintf("repair[%d]", i+1)
		rule := RepairRule{
			Name:     pr.str(at+".name", rr.Name),
			Table:    pr.str(at+".table", rr.Table),
			Where:    pr.values(at+".where", rr.Where),
			WhereNot: pr.values(at+".where_not", rr.WhereNot),
			Set:      pr.values(at+".set", rr.Set),
		}
		for j, attr := range rr.WhereMissing {
			key := fmt.Sprintf("%s.where_missing[%d]", at, j+1)
			if attr = pr.str(key, attr); attr == "" {
				pr.fail(key, "expected an attribute name, got an empty string")
			}
			rule.WhereMissing = append(rule.WhereMissing, attr)
		}
		switch {
		case rule.Name == "":
			pr.fail(at+".name", "expected a name for the repair rule (wsops repair --rule NAME)")
		case seen[rule.Name]:
			pr.fail(at+".name", "expected a unique name; another repair rule is named %q", rule.Name)
		}
		seen[rule.Name] = true
		if rule.Table != RepairConnections && rule.Table != RepairSubscriptions && rule.Table != RepairBoth {
			pr.fail(at+".table", "expected %q, %q or %q", RepairConnections, RepairSubscriptions, RepairBoth)
		}
		if len(rule.Where)+len(rule.WhereNot)+len(rule.WhereMissing) == 0 {
			pr.fail(at, "expected at least one condition (where, where_not or where_missing): a rule without one would rewrite every record")
		}
		if len(rule.Set) == 0 {
			pr.fail(at+".set", "expected at least one attribute = value to set")
		}
		for _, attr := range slices.Sorted(maps.Keys(rule.Set)) {
			if strings.HasPrefix(attr, joinedConnectionPrefix) {
				pr.fail(at+".set."+attr, "expected an attribute of the record itself: %q attributes are read from the joined connection and cannot be set", joinedConnectionPrefix+"…")
			}
		}
		rules = append(rules, rule)
	}
	return rules
}

// values resolves a table of attribute = value. Nested tables flatten into
// dotted names, so `connection.appId = "x"` and `"connection.appId" = "x"`
// mean the same. Values must be strings, numbers or booleans.
func (pr *profileResolver) values(at string, raw map[string]any) map[string]any {
	if len(raw) == 0 {
		return nil
	}
	out := make(map[string]any, len(raw))
	pr.flatten(at, "", raw, out)
	return out
}

// flatten adds the values of raw to out under prefix.
func (pr *profileResolver) flatten(at, prefix string, raw map[string]any, out map[string]any) {
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		name, key := prefix+k, at+"."+prefix+k
		if k == "" {
			pr.fail(key, "expected an attribute name, got an empty key")
			continue
		}
		switch v := raw[k].(type) {
		case map[string]any:
			pr.flatten(at, name+".", v, out)
		case string:
			out[name] = pr.str(key, v)
		case int64, float64, bool:
			out[name] = v
		default:
			pr.fail(key, "expected a string, a number or a boolean, got %s", tomlKind(v))
		}
	}
}

// tomlKind names the TOML type of a decoded value, for messages.
func tomlKind(v any) string {
	switch v.(type) {
	case []any:
		return "an array"
	case map[string]any:
		return "a table"
	}
	return "a date or time"
}

// messages resolves the [[profiles.NAME.messages]] saved messages.
func (pr *profileResolver) messages(raw []rawMessage) []Message {
	var msgs []Message
	seen := map[string]bool{}
	for i, rm := range raw {
		at := fmt.Sprintf("messages[%d]", i+1)
		m := Message{
			Name:        pr.str(at+".name", rm.Name),
			Description: pr.str(at+".description", rm.Description),
			Data:        pr.str(at+".data", rm.Data),
		}
		switch {
		case m.Name == "":
			pr.fail(at+".name", "expected a name for the message")
		case seen[m.Name]:
			pr.fail(at+".name", "expected a unique name; another message is named %q", m.Name)
		}
		seen[m.Name] = true
		if !json.Valid([]byte(m.Data)) {
			pr.fail(at+".data", `expected JSON text, such as '{"action":"heartbeat"}'`)
		}
		msgs = append(msgs, m)
	}
	return msgs
}
