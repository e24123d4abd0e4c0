package data

import (
	"time"
)

// DecodeConnection maps a raw connections-table item onto a Connection. It
// never fails: whatever is missing, mistyped or inconsistent is listed in the
// result's Problems. now is the reference time for age and TTL checks.
func (s Schema) DecodeConnection(item Item, now time.Time) Connection {
	a := s.Connections.Attrs
	r := reader{item: item}
	c := Connection{
		ID:          r.str(a.ID, true),
		User:        r.str(a.User, true),
		EntityType:  r.str(a.EntityType, true),
		App:         r.str(a.App, true),
		Platform:    r.str(a.Platform, false),
		ConnectedAt: r.timestamp(a.ConnectedAt, s.Connections.TimeFormat, true),
		LastSeenAt:  r.timestamp(a.LastSeenAt, s.Connections.TimeFormat, false),
		TTL:         r.epochSeconds(a.TTL),
		SourceIP:    r.str(a.SourceIP, false),
		UserAgent:   r.str(a.UserAgent, false),
		BusinessID:  r.str(a.BusinessID, false),
		Item:        item,
	}
	s.checkEntity(&r, c.App, c.EntityType)
	checkTimes(&r, c.ConnectedAt, c.TTL, now)
	c.Problems = r.problems
	return c
}

// DecodeSubscription maps a raw subscriptions-table item onto a Subscription,
// leniently, as DecodeConnection does.
func (s Schema) DecodeSubscription(item Item, now time.Time) Subscription {
	a := s.Subscriptions.Attrs
	r := reader{item: item}
	sub := Subscription{
		ConnectionID: r.str(a.ConnectionID, true),
		Key:          r.str(a.Key, true),
		User:         r.str(a.User, true),
		EntityType:   r.str(a.EntityType, true),
		Active:       r.boolean(a.Active, true),
		CreatedAt:    r.timestamp(a.CreatedAt, s.Subscriptions.TimeFormat, false),
		TTL:          r.epochSeconds(a.TTL),
		Item:         item,
	}
	if sub.EntityType != "" && a.EntityType != "" && !s.KnownEntityType(sub.EntityType) {
		r.flag("unknown %s %q", a.EntityType, sub.EntityType)
	}
	checkTimes(&r, time.Time{}, sub.TTL, now)
	sub.Problems = r.problems
	return sub
}

// checkEntity flags an entity type that breaks the preset's app rule, and
// apps or entity types the rule does not know.
func (s Schema) checkEntity(r *reader, app, entity string) {
	a := s.Connections.Attrs
	if len(s.AppEntity) == 0 || app == "" || entity == "" {
		return
	}
	want, knownApp := s.AppEntity[app]
	if knownApp {
		if entity != want {
			r.flag("%s %q but %s %s", a.EntityType, entity, a.App, app)
		}
		return
	}
	r.flag("unknown %s %q", a.App, app)
	if !s.KnownEntityType(entity) {
		r.flag("unknown %s %q", a.EntityType, entity)
	}
}

// The problems that make a record stale: it cannot belong to a live
// connection any more.
const (
	ProblemTooOld     = "older than 2h"
	ProblemTTLExpired = "ttl expired"
)

// checkTimes flags records too old to belong to a live connection and records
// whose TTL has passed (DynamoDB deletes expired items lazily, up to days later).
func checkTimes(r *reader, connectedAt, ttl, now time.Time) {
	if !connectedAt.IsZero() && now.Sub(connectedAt) > MaxConnectionAge {
		r.flag(ProblemTooOld)
	}
	if !ttl.IsZero() && ttl.Before(now) {
		r.flag(ProblemTTLExpired)
	}
}
