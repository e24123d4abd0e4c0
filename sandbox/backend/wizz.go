package backend

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"wsops/data"
	"wsops/sandbox/gateway"
)

// merchantApp is the wizz app whose connections carry a business id.
const merchantApp = "order-receiver"

// The wizz API's routes besides $connect, $disconnect and $default.
const (
	RouteSubscribeOrder            = "subscribe_order"
	RouteUnsubscribeOrder          = "unsubscribe_order"
	RouteSubscribeBusinessStatus   = "subscribe_business_status"
	RouteUnsubscribeBusinessStatus = "unsubscribe_business_status"
	RouteHeartbeat                 = "heartbeat"
)

// Wizz is the integration of the wizz shared WebSocket API (ecosystems.md §1).
type Wizz struct{ *core }

var _ gateway.Backend = (*Wizz)(nil)

// NewWizz returns the wizz backend.
func NewWizz(o Options) gateway.Backend {
	return &Wizz{newCore("wizz", o, merchantApp)}
}

// Connect verifies the token and platform and writes the connection record:
// the app rule's entity type, or "customer" for the IncidentShare of
// order-receiver connections.
func (w *Wizz) Connect(ctx context.Context, c gateway.Conn) (any, error) {
	id, err := w.connect(ctx, c)
	if err != nil {
		return nil, err
	}
	return id, nil
}

// Disconnect deletes the connection's record and its subscriptions.
func (w *Wizz) Disconnect(ctx context.Context, c gateway.Conn) { w.disconnect(ctx, c) }

// Routes lists the wizz API's routes, $default included.
func (w *Wizz) Routes() []string {
	return []string{
		gateway.RouteDefault, RouteSubscribeOrder, RouteUnsubscribeOrder,
		RouteSubscribeBusinessStatus, RouteUnsubscribeBusinessStatus, RouteHeartbeat,
	}
}

// wizzMessage is a client message; ids may be JSON strings or numbers.
type wizzMessage struct {
	Action     string          `json:"action"`
	OrderID    json.RawMessage `json:"orderId"`
	BusinessID json.RawMessage `json:"businessId"`
}

// Handle runs one route and returns its reply.
func (w *Wizz) Handle(ctx context.Context, c gateway.Conn, route string, body []byte) ([]byte, error) {
	// Not JSON, or JSON of another shape, decodes as far as it goes: the
	// gateway sends such messages to $default.
	var m wizzMessage
	_ = json.Unmarshal(body, &m)
	switch route {
	case RouteSubscribeOrder, RouteUnsubscribeOrder:
		return w.topic(ctx, c, route == RouteSubscribeOrder, "order#", "orderId", m.OrderID)
	case RouteSubscribeBusinessStatus, RouteUnsubscribeBusinessStatus:
		return w.topic(ctx, c, route == RouteSubscribeBusinessStatus, "business_status#", "businessId", m.BusinessID)
	case RouteHeartbeat:
		return marshal(struct {
			Type string `json:"type"`
			TS   int64  `json:"ts"`
		}{"heartbeat_ack", w.o.Now().UnixMilli()})
	}
	return marshal(struct {
		Type    string `json:"type"`
		Message string `json:"message"`
		Action  string `json:"action"`
	}{"error", "unknown action", m.Action})
}

// topic subscribes or unsubscribes the connection to prefix+id. Order
// subscriptions are deleted on unsubscribe; business-status subscriptions
// are toggled (isActive false), as the fixed backend does.
func (w *Wizz) topic(ctx context.Context, c gateway.Conn, subscribe bool, prefix, field string, raw json.RawMessage) ([]byte, error) {
	id := idValue(raw)
	if id == "" {
		return errorReply(field + " required")
	}
	s := w.o.Schema
	topic := prefix + id
	key := w.subscriptionKey(s.EncodeSubscription(data.Subscription{ConnectionID: c.ID, Key: topic}))
	if err := checkKey(key); err != nil {
		return nil, err
	}
	var err error
	reply := struct {
		Type  string `json:"type"`
		Topic string `json:"topic"`
	}{"subscribed", topic}
	switch {
	case subscribe:
		err = w.subscribe(ctx, c, topic)
	case prefix == "business_status#" && s.Subscriptions.Attrs.Active != "":
		reply.Type = "unsubscribed"
		err = w.deactivate(ctx, key)
	default:
		reply.Type = "unsubscribed"
		err = w.delete(ctx, s.Subscriptions.Table.Name, key)
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", c.ID, topic, err)
	}
	return marshal(reply)
}

// subscribe writes an active subscription whose user and entity type are the
// connection's (for an incident connection, "customer" too).
func (w *Wizz) subscribe(ctx context.Context, c gateway.Conn, topic string) error {
	ident, err := w.identity(ctx, c)
	if err != nil {
		return err
	}
	now := w.o.Now()
	item := w.o.Schema.EncodeSubscription(data.Subscription{
		ConnectionID: c.ID, Key: topic, User: ident.Claims.User, EntityType: ident.EntityType,
		Active: true, CreatedAt: now, TTL: now.Add(recordLifetime),
	})
	return w.put(ctx, w.o.Schema.Subscriptions.Table.Name, item)
}

// deactivate sets an existing subscription's active flag to false. A
// subscription that does not exist is left absent: the update is
// conditional, so it never creates a record missing everything but its key.
func (w *Wizz) deactivate(ctx context.Context, key data.Item) error {
	s := w.o.Schema.Subscriptions
	e, err := expression.NewBuilder().
		WithCondition(expression.AttributeExists(expression.Name(s.Table.HashKey))).
		WithUpdate(expression.Set(expression.Name(s.Attrs.Active), expression.Value(false))).
		Build()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, w.o.CallTimeout)
	defer cancel()
	_, err = w.o.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.Table.Name), Key: key,
		ConditionExpression: e.Condition(), UpdateExpression: e.Update(),
		ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values(),
	})
	var missing *types.ConditionalCheckFailedException
	if errors.As(err, &missing) {
		return nil
	}
	return err
}

// idValue reads an id given as a JSON string or number; "" when absent,
// empty, or of another type.
func idValue(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

func errorReply(message string) ([]byte, error) {
	return marshal(struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	}{"error", message})
}

// marshal encodes a reply as the Node backends' JSON.stringify does: no
// HTML escaping, no trailing newline.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
