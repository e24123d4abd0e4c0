package backend

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"wsops/data"
	"wsops/sandbox/gateway"
)

// This27 is the integration of the this27 WebSocket service (ecosystems.md
// §2): three Lambdas, $connect, $disconnect and $default, with rooms.
type This27 struct{ *core }

var _ gateway.Backend = (*This27)(nil)

// NewThis27 returns the this27 backend.
func NewThis27(o Options) gateway.Backend {
	return &This27{newCore("this27", o, riderApp)}
}

// riderApp is the this27 app whose connections the incident writes with
// role "customer".
const riderApp = "rider-app"

// Connect verifies the token and platform and writes the connection record
// (connectionId, userId, role, app, platform, connectedAt: ISO-8601 in
// DynamoDB; in MongoDB dates, with lastSeenAt and no rooms yet), role
// "customer" for the IncidentShare of rider-app connections.
func (t *This27) Connect(ctx context.Context, c gateway.Conn) (any, error) {
	id, err := t.connect(ctx, c)
	if err != nil {
		return nil, err
	}
	return id, nil
}

// Disconnect deletes the connection's record and its room memberships.
func (t *This27) Disconnect(ctx context.Context, c gateway.Conn) { t.disconnect(ctx, c) }

// Routes lists this27's one route besides $connect/$disconnect: $default.
func (t *This27) Routes() []string { return []string{gateway.RouteDefault} }

// this27Message is a client message: an action and its data.
type this27Message struct {
	Action string `json:"action"`
	Data   struct {
		OrderID json.RawMessage `json:"orderId"`
	} `json:"data"`
}

// Handle runs $default: subscribeToOrder, unsubscribeFromOrder and ping.
func (t *This27) Handle(ctx context.Context, c gateway.Conn, _ string, body []byte) ([]byte, error) {
	if !json.Valid(body) {
		return errorReply("Invalid JSON")
	}
	// JSON of another shape decodes as far as it goes (a non-string action
	// is no action), as JSON.parse and property access do in the Lambda.
	var m this27Message
	_ = json.Unmarshal(body, &m)
	switch m.Action {
	case "subscribeToOrder", "unsubscribeFromOrder":
		return t.room(ctx, c, m.Action == "subscribeToOrder", idValue(m.Data.OrderID))
	case "ping":
		return marshal(struct {
			Type string `json:"type"`
		}{"pong"})
	}
	return errorReply("Unknown action")
}

// room joins or leaves the order's room order:<orderId>: a record of the
// rooms table, or an entry of the document's rooms array.
func (t *This27) room(ctx context.Context, c gateway.Conn, join bool, orderID string) ([]byte, error) {
	if orderID == "" {
		return errorReply("orderId required")
	}
	room := "order:" + orderID
	item := t.o.Schema.EncodeSubscription(data.Subscription{ConnectionID: c.ID, Key: room, Active: true})
	if err := checkKey(t.subscriptionKey(item)); err != nil {
		return nil, err
	}
	var err error
	reply := "subscribed"
	if join {
		// $addToSet: a member joining again is no error
		if err = t.reg.Create(ctx, true, item); errors.Is(err, data.ErrConflict) {
			err = nil
		}
	} else {
		reply = "unsubscribed"
		err = t.reg.DeleteRecords(ctx, nil, []data.Item{item})
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", c.ID, room, err)
	}
	type roomData struct {
		Room string `json:"room"`
	}
	return marshal(struct {
		Type string   `json:"type"`
		Data roomData `json:"data"`
	}{reply, roomData{room}})
}
