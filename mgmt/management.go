// Package mgmt holds wsops's outward clients: the API Gateway management API
// (post, get, delete a connection) and the fan-out engine that drives it for many
// connections at once under a rate limit.
//
// Errors from AWS are mapped here, at the boundary, to the sentinels ErrGone,
// ErrForbidden, ErrThrottled and ErrPayloadTooLarge; callers test them with errors.Is.
package mgmt

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
	"github.com/aws/smithy-go"
)

// MaxPayload is the largest message API Gateway delivers to a WebSocket client (128 KB).
const MaxPayload = 128 * 1024

// DefaultCallTimeout bounds every management API call made by a Client.
const DefaultCallTimeout = 10 * time.Second

// Sentinel errors for the management API's typed failures. Errors returned by
// Client and reported by the fan-out engine wrap them.
var (
	// ErrGone: the connection no longer exists (410 GoneException).
	ErrGone = errors.New("connection gone (410)")
	// ErrForbidden: the caller may not act on this connection (403 ForbiddenException).
	ErrForbidden = errors.New("forbidden (403)")
	// ErrThrottled: the account's management API throttle refused the call (429 LimitExceededException).
	ErrThrottled = errors.New("throttled (429)")
	// ErrPayloadTooLarge: the message exceeds MaxPayload (413 PayloadTooLargeException).
	ErrPayloadTooLarge = errors.New("payload too large (413)")
)

// ManagementAPI is the slice of the SDK client wsops uses, so tests and the
// sandbox can stand in for AWS.
type API interface {
	PostToConnection(ctx context.Context, in *apigatewaymanagementapi.PostToConnectionInput, optFns ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.PostToConnectionOutput, error)
	GetConnection(ctx context.Context, in *apigatewaymanagementapi.GetConnectionInput, optFns ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.GetConnectionOutput, error)
	DeleteConnection(ctx context.Context, in *apigatewaymanagementapi.DeleteConnectionInput, optFns ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.DeleteConnectionOutput, error)
}

var _ API = (*apigatewaymanagementapi.Client)(nil)

// ConnectionInfo is what GetConnection tells about a live connection.
type ConnectionInfo struct {
	ConnectedAt  time.Time
	LastActiveAt time.Time
	SourceIP     string
	UserAgent    string
}

// Client posts to, inspects and closes WebSocket connections through the
// management API, with a timeout on every call and AWS errors mapped to sentinels.
type Client struct {
	api     API
	timeout time.Duration
}

// New wraps api; each call gets DefaultCallTimeout.
func New(api API) *Client {
	return &Client{api: api, timeout: DefaultCallTimeout}
}

// WithCallTimeout returns a copy of m whose calls time out after d (d <= 0 keeps m's timeout).
func (m *Client) WithCallTimeout(d time.Duration) *Client {
	copied := *m
	if d > 0 {
		copied.timeout = d
	}
	return &copied
}

// Post sends payload to the connection id. Payloads over MaxPayload are refused
// with ErrPayloadTooLarge before any call is made.
func (m *Client) Post(ctx context.Context, id string, payload []byte) error {
	if len(payload) > MaxPayload {
		return fmt.Errorf("post to connection %s: %w: %d bytes, limit %d", id, ErrPayloadTooLarge, len(payload), MaxPayload)
	}
	ctx, cancel := context.WithTimeout(ctx, m.timeout)
	defer cancel()
	_, err := m.api.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: &id, Data: payload})
	return wrapCallError("post to connection", id, err)
}

// Get returns what the management API knows about the connection id; ErrGone when it is closed.
func (m *Client) Get(ctx context.Context, id string) (ConnectionInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, m.timeout)
	defer cancel()
	out, err := m.api.GetConnection(ctx, &apigatewaymanagementapi.GetConnectionInput{ConnectionId: &id})
	if err != nil {
		return ConnectionInfo{}, wrapCallError("get connection", id, err)
	}
	var info ConnectionInfo
	if out.ConnectedAt != nil {
		info.ConnectedAt = *out.ConnectedAt
	}
	if out.LastActiveAt != nil {
		info.LastActiveAt = *out.LastActiveAt
	}
	if out.Identity != nil {
		info.SourceIP = deref(out.Identity.SourceIp)
		info.UserAgent = deref(out.Identity.UserAgent)
	}
	return info, nil
}

// Delete closes the connection id (the client sees close code 1000); ErrGone when it is already closed.
func (m *Client) Delete(ctx context.Context, id string) error {
	ctx, cancel := context.WithTimeout(ctx, m.timeout)
	defer cancel()
	_, err := m.api.DeleteConnection(ctx, &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: &id})
	return wrapCallError("delete connection", id, err)
}

// wrapCallError names the operation and the connection, and adds the matching
// sentinel while keeping the SDK error reachable through errors.As.
func wrapCallError(operation, id string, err error) error {
	if err == nil {
		return nil
	}
	if sentinel := sentinelFor(err); sentinel != nil {
		return fmt.Errorf("%s %s: %w: %w", operation, id, sentinel, err)
	}
	return fmt.Errorf("%s %s: %w", operation, id, err)
}

// sentinelFor maps an SDK error to a sentinel: by its modeled type, else by the
// error code an endpoint sent, else by the HTTP status of an untyped response.
func sentinelFor(err error) error {
	var (
		gone      *types.GoneException
		forbidden *types.ForbiddenException
		limited   *types.LimitExceededException
		tooLarge  *types.PayloadTooLargeException
	)
	switch {
	case errors.As(err, &gone):
		return ErrGone
	case errors.As(err, &forbidden):
		return ErrForbidden
	case errors.As(err, &limited):
		return ErrThrottled
	case errors.As(err, &tooLarge):
		return ErrPayloadTooLarge
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		if sentinel := sentinelForCode(apiErr.ErrorCode()); sentinel != nil {
			return sentinel
		}
	}
	var withStatus interface{ HTTPStatusCode() int }
	if errors.As(err, &withStatus) {
		return sentinelForStatus(withStatus.HTTPStatusCode())
	}
	return nil
}

func sentinelForCode(code string) error {
	switch code {
	case "GoneException":
		return ErrGone
	case "ForbiddenException":
		return ErrForbidden
	case "LimitExceededException", "TooManyRequestsException", "ThrottlingException":
		return ErrThrottled
	case "PayloadTooLargeException":
		return ErrPayloadTooLarge
	}
	return nil
}

func sentinelForStatus(status int) error {
	switch status {
	case http.StatusGone:
		return ErrGone
	case http.StatusForbidden:
		return ErrForbidden
	case http.StatusTooManyRequests:
		return ErrThrottled
	case http.StatusRequestEntityTooLarge:
		return ErrPayloadTooLarge
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
