package fleet

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"wsops/data"
)

func sub(conn, key, user, entity string, active bool, problems ...string) data.Subscription {
	return data.Subscription{ConnectionID: conn, Key: key, User: user, EntityType: entity, Active: active,
		CreatedAt: now.Add(-time.Minute), Problems: problems}
}

func smallSubs() *Subs {
	s := NewSubs()
	s.Add([]data.Subscription{
		sub("Ca1", "order#42", "driver-0001", "driver", true),
		sub("Cb2", "order#42", "customer-9", "customer", true),
		sub("Cc3", "business_status#b7", "merchant-7", "customer", false, `entityType "customer" but appId order-receiver`),
	})
	s.Add([]data.Subscription{
		sub("Ca0", "order#42", "driver-0003", "driver", true, "ttl expired"),
		sub("Cd4", "order#7", "Ärger-1", "customer", true),
	})
	return s
}

func TestSubsQuery(t *testing.T) {
	snap := smallSubs().Snapshot()
	cases := []struct {
		filter string
		want   string // "connection/key" in order
	}{
		{"", "Cc3/business_status#b7 Ca0/order#42 Ca1/order#42 Cb2/order#42 Cd4/order#7"},
		{"topic:order#42", "Ca0/order#42 Ca1/order#42 Cb2/order#42"},
		{"topic:order#4", ""},
		{"user:customer-9", "Cb2/order#42"},
		{"entity:driver", "Ca0/order#42 Ca1/order#42"},
		{"entity:nobody", ""},
		{"is:problem", "Cc3/business_status#b7 Ca0/order#42"},
		{"is:stale", "Ca0/order#42"},
		{"is:gone", ""},
		{"ORDER#7", "Cd4/order#7"},
		{"ca1", "Ca1/order#42"},
		{"ärger", "Cd4/order#7"},
		{"merchant", "Cc3/business_status#b7"},
		{"customer topic:order#42", "Cb2/order#42"},
		{`"but appid"`, "Cc3/business_status#b7"},
		{"app:drivers platform:ios", "Cc3/business_status#b7 Ca0/order#42 Ca1/order#42 Cb2/order#42 Cd4/order#7"},
	}
	for _, c := range cases {
		q, err := Parse(c.filter)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, i := range snap.Query(q) {
			s := snap.Sub(int(i))
			got = append(got, s.ConnectionID+"/"+s.Key)
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("%q: got %v, want %s", c.filter, got, c.want)
		}
	}
}

func TestSubsSnapshotsAndReset(t *testing.T) {
	s := smallSubs()
	old := s.Snapshot()
	if old.Len() != 5 || old.Sub(5) != nil || old.Sub(-1) != nil {
		t.Fatalf("len %d", old.Len())
	}
	first := *old.Sub(0)
	if first.ConnectionID != "Ca1" || !first.Active || first.CreatedAt != now.Add(-time.Minute).UnixMilli() || first.Entity != "driver" {
		t.Errorf("stored sub %+v", first)
	}
	if s.Snapshot().v != old.v {
		t.Error("unchanged list handed out a new snapshot")
	}
	s.Add([]data.Subscription{sub("Ce5", "order#9", "u", "driver", true)})
	s.Reset()
	s.Add([]data.Subscription{sub("Cf6", "order#1", "u", "driver", true)})
	if old.Len() != 5 || !reflect.DeepEqual(*old.Sub(0), first) {
		t.Error("an old snapshot changed")
	}
	if now := s.Snapshot(); now.Len() != 1 || now.Gen() == old.Gen() || now.Sub(0).ConnectionID != "Cf6" {
		t.Errorf("after reset: len %d", now.Len())
	}
	var zero SubsSnapshot
	if zero.Len() != 0 || zero.Sub(0) != nil || len(zero.Query(Query{})) != 0 {
		t.Error("zero SubsSnapshot is not empty")
	}
}
