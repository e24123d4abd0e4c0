package ops

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"wsops/data"
)

// Targets says whom an action reaches: explicit connection ids (marked rows,
// --conn), a selection (a user, a topic, an app × entity group), or all.
type Targets struct {
	Conns  []string
	Select data.Select
	All    bool
}

// ErrNoMatch means a selection (--user, --topic, --app, --entity,
// --platform, --business, --all) matched no record: an action on it does nothing, and
// writes no journal and no audit line.
var ErrNoMatch = errors.New("no connection matches")

// ErrNoTargets means the targeting names nobody.
var ErrNoTargets = errors.New("no targets: name --conn, --user, --topic, --app, --entity, --business or --all")

// Validate reports targeting that names nobody or mixes explicit ids with a selection.
func (t Targets) Validate() error {
	sel := t.selects()
	switch {
	case len(t.Conns) == 0 && !sel && !t.All:
		return ErrNoTargets
	case len(t.Conns) > 0 && (sel || t.All), sel && t.All:
		return errors.New("targets: use one of --conn, a selection (--user, --topic, --app, --entity, --business) or --all")
	}
	return nil
}

func (t Targets) selects() bool {
	s := t.Select
	return s.User != "" || s.Topic != "" || s.App != "" || s.EntityType != "" || s.Platform != "" || s.ConnectionID != "" || s.BusinessID != ""
}

// String describes the targeting for confirmations and audit lines.
func (t Targets) String() string {
	switch len(t.Conns) {
	case 0:
	case 1:
		return "connection " + t.Conns[0]
	default:
		return fmt.Sprintf("%d connection ids", len(t.Conns))
	}
	if t.All {
		return "all connections"
	}
	var parts []string
	for _, f := range []struct{ name, value string }{
		{"user", t.Select.User}, {"topic", t.Select.Topic}, {"app", t.Select.App},
		{"entity", t.Select.EntityType}, {"platform", t.Select.Platform}, {"business", t.Select.BusinessID},
		{"connection", t.Select.ConnectionID},
	} {
		if f.value != "" {
			parts = append(parts, f.name+" "+f.value)
		}
	}
	return strings.Join(parts, ", ")
}

// Target is one connection an action reaches.
type Target struct {
	ID         string `json:"id"`
	User       string `json:"user,omitempty"`
	App        string `json:"app,omitempty"`
	EntityType string `json:"entity_type,omitempty"`
}

// targetOf is the target a connection record describes.
func targetOf(c data.Connection) Target {
	return Target{ID: c.ID, User: c.User, App: c.App, EntityType: c.EntityType}
}

// Radius is the blast radius of an action: its targets by app × entity type.
type Radius struct {
	Total int
	Cells map[data.AppEntity]int
	// Noun names what Total counts (default "connections").
	Noun string
	// LeftOut counts the records an entity type selection leaves out
	// because their entity type breaks the preset's app rule: connections
	// of an app whose connections must carry that entity type, carrying
	// another (what `wsops repair` fixes).
	LeftOut int
}

// String is the radius in one line, biggest cells first:
// "12 connections: drivers × driver 8, customers × customer 4".
func (r Radius) String() string {
	cells := slices.SortedFunc(maps.Keys(r.Cells), func(a, b data.AppEntity) int {
		return cmp.Or(r.Cells[b]-r.Cells[a], strings.Compare(a.App, b.App), strings.Compare(a.EntityType, b.EntityType))
	})
	parts := make([]string, len(cells))
	for i, c := range cells {
		parts[i] = fmt.Sprintf("%s × %s %d", orUnknown(c.App), orUnknown(c.EntityType), r.Cells[c])
	}
	noun := cmp.Or(r.Noun, "connections")
	if r.Total == 1 {
		noun = strings.TrimSuffix(noun, "s")
	}
	s := fmt.Sprintf("%d %s: %s", r.Total, noun, strings.Join(parts, ", "))
	return s + r.leftOut()
}

// leftOut says how many records the selection leaves out because they
// break the preset's rule, or "" when none.
func (r Radius) leftOut() string {
	if r.LeftOut == 0 {
		return ""
	}
	return fmt.Sprintf("; left out: %d records of the entity type's apps whose entity type breaks the preset's rule (wsops repair fixes them)", r.LeftOut)
}

func orUnknown(s string) string { return cmp.Or(s, "?") }

// Plan resolves targets into the plan an action would carry out, reading
// the registry only (what --dry-run prints; it runs on read-only profiles too).
func (o *Ops) Plan(ctx context.Context, action string, t Targets, payloadSize int) ([]Target, Plan, error) {
	targets, radius, err := Resolve(ctx, o.reg, t)
	if err != nil {
		return nil, Plan{}, fmt.Errorf("%s: %w", action, err)
	}
	return targets, Plan{Action: action, Filter: t.String(), Radius: radius, PayloadSize: payloadSize}, nil
}

// Resolve reads whom the targeting reaches from the registry, and the blast
// radius. An explicit id with no registry record is still a target (the
// management API may know it), counted in the "? × ?" cell.
func Resolve(ctx context.Context, reg Registry, t Targets) ([]Target, Radius, error) {
	if err := t.Validate(); err != nil {
		return nil, Radius{}, err
	}
	var targets []Target
	if len(t.Conns) > 0 {
		for _, id := range slices.Compact(slices.Sorted(slices.Values(t.Conns))) {
			c, err := reg.Connection(ctx, id)
			if err != nil && !errors.Is(err, data.ErrNotFound) {
				return nil, Radius{}, err
			}
			target := targetOf(c) // c is zero when there is no record
			target.ID = id
			targets = append(targets, target)
		}
	} else {
		conns, err := data.Collect(ctx, reg.Connections(ctx, t.Select))
		if err != nil {
			return nil, Radius{}, fmt.Errorf("reading the targets: %w", err)
		}
		for _, c := range conns {
			targets = append(targets, targetOf(c))
		}
		leftOut, err := breakingTheRule(ctx, reg, t.Select)
		if err != nil {
			return nil, Radius{}, fmt.Errorf("reading the records the selection leaves out: %w", err)
		}
		if len(targets) == 0 {
			why := unknownValues(reg.Schema(), t.Select) + Radius{LeftOut: leftOut}.leftOut()
			return nil, Radius{}, fmt.Errorf("%w %s%s", ErrNoMatch, t.String(), why)
		}
		r := RadiusOf(targets)
		r.LeftOut = leftOut
		return targets, r, nil
	}
	return targets, RadiusOf(targets), nil
}

// breakingTheRule counts the records an entity type selection leaves out
// because they break the preset's app rule: the connections of the apps
// whose connections must carry that entity type (within the rest of the
// selection) that carry another.
func breakingTheRule(ctx context.Context, reg Registry, sel data.Select) (int, error) {
	if sel.EntityType == "" {
		return 0, nil
	}
	s := reg.Schema()
	n := 0
	for _, app := range slices.Sorted(maps.Keys(s.AppEntity)) {
		if s.AppEntity[app] != sel.EntityType || (sel.App != "" && sel.App != app) {
			continue
		}
		other := sel
		other.App, other.EntityType = app, ""
		other.Attributes = []string{s.Connections.Attrs.ID, s.Connections.Attrs.EntityType}
		conns, err := data.Collect(ctx, reg.Connections(ctx, other))
		if err != nil {
			return 0, err
		}
		for _, c := range conns {
			if c.EntityType != sel.EntityType {
				n++
			}
		}
	}
	return n, nil
}

// unknownValues names an app or entity type the preset does not know, with
// the ones it knows: the likely typo behind an empty selection.
func unknownValues(s data.Schema, sel data.Select) string {
	apps := slices.Sorted(maps.Keys(s.AppEntity))
	entities := slices.Compact(slices.Sorted(maps.Values(s.AppEntity)))
	var hints []string
	if sel.App != "" && len(apps) > 0 && !slices.Contains(apps, sel.App) {
		hints = append(hints, fmt.Sprintf("no app %q in the preset (it knows %s)", sel.App, strings.Join(apps, ", ")))
	}
	if sel.EntityType != "" && len(entities) > 0 && !slices.Contains(entities, sel.EntityType) {
		hints = append(hints, fmt.Sprintf("no entity type %q in the preset (it knows %s)", sel.EntityType, strings.Join(entities, ", ")))
	}
	if len(hints) == 0 {
		return ""
	}
	return ": " + strings.Join(hints, "; ")
}

// RadiusOf counts targets by app × entity type.
func RadiusOf(targets []Target) Radius {
	r := Radius{Total: len(targets), Cells: map[data.AppEntity]int{}}
	for _, t := range targets {
		r.Cells[data.AppEntity{App: t.App, EntityType: t.EntityType}]++
	}
	return r
}

// IDs returns the targets' connection ids.
func IDs(targets []Target) []string {
	ids := make([]string, len(targets))
	for i, t := range targets {
		ids[i] = t.ID
	}
	return ids
}
