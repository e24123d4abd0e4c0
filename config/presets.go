package config

import (
	"encoding/json"
)

// MaxLogoutNotice is the largest logout notice: API Gateway's limit on one
// message (128 KB).
const MaxLogoutNotice = 128 * 1024

// presetDefaults are what a preset's apps understand: the notice a force
// logout posts before the cut, and the saved messages a profile starts
// with when it names none.
type presetDefaults struct {
	logoutNotice string
	messages     []Message
	api          PresetAPI
}

// PresetAPI is the WebSocket API a preset's backend deploys: the name of
// its dev stage's API (the sandbox's), its route selection expression and
// its route keys. `wsops api` warns when an API differs from it.
type PresetAPI struct {
	Name           string
	RouteSelection string
	Routes         []string
}

// APIOf returns the API of preset (wizz's for a preset it does not know).
func APIOf(preset string) PresetAPI { return defaultsOf(preset).api }

// defaultsOf returns a preset's defaults (wizz's for a preset it does not know).
func defaultsOf(preset string) presetDefaults {
	if preset == "this27" {
		// this27's apps read {"type", "data"} and route on "action" ($default).
		return presetDefaults{
			logoutNotice: `{"type":"forceLogout","data":{"reason":"operator"}}`,
			messages: []Message{
				{Name: "ping", Description: "keep-alive; the API answers pong", Data: `{"action":"ping"}`},
				{Name: "subscribe order", Description: "join an order's room", Data: `{"action":"subscribeToOrder","data":{"orderId":"{{orderId}}"}}`},
				{Name: "unsubscribe order", Description: "leave an order's room", Data: `{"action":"unsubscribeFromOrder","data":{"orderId":"{{orderId}}"}}`},
			},
			// every message goes to $default and carries an action
			api: PresetAPI{Name: "this27-websocket-dev", RouteSelection: "$request.body.action",
				Routes: []string{"$connect", "$disconnect", "$default"}},
		}
	}
	return presetDefaults{
		logoutNotice: `{"type":"force_logout","reason":"operator"}`,
		messages: []Message{
			{Name: "heartbeat", Description: "keep-alive; the API answers heartbeat_ack", Data: `{"action":"heartbeat"}`},
			{Name: "subscribe order", Description: "follow an order's updates", Data: `{"action":"subscribe_order","orderId":"{{orderId}}"}`},
			{Name: "subscribe business status", Description: "a merchant's business status topic", Data: `{"action":"subscribe_business_status","businessId":"{{businessId}}"}`},
		},
		api: PresetAPI{Name: "WizzUser-WebSocket-dev", RouteSelection: "$request.body.action",
			Routes: []string{"$connect", "$disconnect", "$default", "subscribe_order", "unsubscribe_order",
				"subscribe_business_status", "unsubscribe_business_status", "heartbeat"}},
	}
}

// logoutNotice sets the profile's logout notice: the file's logout_notice
// (JSON within the message limit), else the preset's.
func (pr *profileResolver) logoutNotice(p *Profile, raw string) {
	p.LogoutNotice = pr.str("logout_notice", raw)
	switch {
	case p.LogoutNotice == "":
		p.LogoutNotice = defaultsOf(p.Preset).logoutNotice
	case len(p.LogoutNotice) > MaxLogoutNotice:
		pr.fail("logout_notice", "expected at most %d bytes (API Gateway's message limit), got %d", MaxLogoutNotice, len(p.LogoutNotice))
	case !json.Valid([]byte(p.LogoutNotice)):
		pr.fail("logout_notice", `expected JSON text, such as '{"type":"force_logout","reason":"operator"}'`)
	}
}

// defaultMessages gives a profile that names no saved messages its preset's.
func defaultMessages(p *Profile) {
	if len(p.Messages) == 0 {
		p.Messages = append([]Message(nil), defaultsOf(p.Preset).messages...)
	}
}
