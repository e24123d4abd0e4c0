package demo

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"

	"wsops/auth"
	"wsops/data"
)

// persona is who one simulated client is: user, app, platform, and what it
// subscribes to.
type persona struct {
	preset   string
	claims   auth.Claims
	platform string
	orders   []string
	// statusSub is whether a merchant subscribes to its business status.
	statusSub bool
}

// appWeight makes the fleet look like the reference ones: many drivers and
// customers (riders, customers), fewer merchant tablets (managers).
func appWeight(entity string) int {
	switch entity {
	case "merchant", "manager":
		return 2
	}
	return 4
}

// newPersona draws a persona from the preset's apps.
func newPersona(s data.Schema, rng *rand.Rand) persona {
	apps := slices.Sorted(maps.Keys(s.AppEntity))
	total := 0
	for _, a := range apps {
		total += appWeight(s.AppEntity[a])
	}
	pick := rng.IntN(total)
	app := apps[len(apps)-1]
	for _, a := range apps {
		if pick -= appWeight(s.AppEntity[a]); pick < 0 {
			app = a
			break
		}
	}
	entity := s.AppEntity[app]
	p := persona{
		preset:   s.Preset,
		claims:   auth.Claims{User: fmt.Sprintf("%s-%04d", entity, rng.IntN(400)), EntityType: entity, App: app},
		platform: []string{"ios", "android", "android", "web"}[rng.IntN(4)],
	}
	if app == "manager-web" {
		p.platform = "web"
	}
	if entity == "merchant" {
		p.claims.BusinessID = fmt.Sprintf("biz-%03d", rng.IntN(120))
		p.statusSub = rng.Float64() >= missingStatusShare
	}
	for range 1 + rng.IntN(2) {
		p.orders = append(p.orders, fmt.Sprintf("%d", 10000+rng.IntN(300)))
	}
	return p
}

func (p persona) userAgent() string {
	switch p.platform {
	case "ios":
		return "WizzApp/5.2 CFNetwork/1490 Darwin/23.2.0"
	case "android":
		return "okhttp/4.12.0"
	}
	return "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0"
}

// joinMessages are what the client sends right after connecting.
func (p persona) joinMessages() []string {
	var msgs []string
	if p.preset == "this27" {
		for _, o := range p.orders {
			msgs = append(msgs, fmt.Sprintf(`{"action":"subscribeToOrder","data":{"orderId":"order%s"}}`, o))
		}
		return msgs
	}
	if p.claims.EntityType == "merchant" {
		if p.statusSub {
			msgs = append(msgs, fmt.Sprintf(`{"action":"subscribe_business_status","businessId":%q}`, p.claims.BusinessID))
		}
		return msgs
	}
	for _, o := range p.orders {
		msgs = append(msgs, fmt.Sprintf(`{"action":"subscribe_order","orderId":%q}`, o))
	}
	return msgs
}

// staleRooms are the rooms a this27 connection whose $disconnect was lost
// is left in: a send to its order's room finds it gone.
func (p persona) staleRooms() []string {
	if p.preset != "this27" {
		return nil
	}
	rooms := make([]string, len(p.orders))
	for i, o := range p.orders {
		rooms[i] = "order:order" + o
	}
	return rooms
}

// heartbeat is the preset's keep-alive message.
func (p persona) heartbeat() string {
	if p.preset == "this27" {
		return `{"action":"ping"}`
	}
	return `{"action":"heartbeat"}`
}
