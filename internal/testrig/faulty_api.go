package testrig

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
)

// FaultyAPI stands in front of a management API client: it counts every
// call by method ("POST", "GET", "DELETE") and connection id and, where its
// fault function returns an error, fails that call without sending it. It
// is the one such fixture of the tests.
type FaultyAPI struct {
	managementAPI

	mu    sync.Mutex
	calls map[string]int
	fault func(method, id string, call int) error
}

// NewFaultyAPI wraps api; it fails nothing until SetFault.
func NewFaultyAPI(api managementAPI) *FaultyAPI {
	return &FaultyAPI{managementAPI: api, calls: map[string]int{}}
}

// managementAPI is mgmt.API (testrig cannot import mgmt,
// whose tests import testrig).
type managementAPI interface {
	PostToConnection(ctx context.Context, in *apigatewaymanagementapi.PostToConnectionInput, optFns ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.PostToConnectionOutput, error)
	GetConnection(ctx context.Context, in *apigatewaymanagementapi.GetConnectionInput, optFns ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.GetConnectionOutput, error)
	DeleteConnection(ctx context.Context, in *apigatewaymanagementapi.DeleteConnectionInput, optFns ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.DeleteConnectionOutput, error)
}

// SetFault sets which calls fail: fault gets the method, the connection id
// and the call's number for that pair (1 for the first) and returns the
// error to fail it with, or nil to let it through. nil heals every call.
func (a *FaultyAPI) SetFault(fault func(method, id string, call int) error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.fault = fault
}

// FailIDs fails every call of method to the ids with err (nil: heal).
func (a *FaultyAPI) FailIDs(method string, err error, ids ...string) {
	failing := map[string]bool{}
	for _, id := range ids {
		failing[id] = true
	}
	a.SetFault(func(m, id string, _ int) error {
		if m == method && failing[id] {
			return err
		}
		return nil
	})
}

// Calls counts the calls of method to id, failed ones included.
func (a *FaultyAPI) Calls(method, id string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls[method+" "+id]
}

func (a *FaultyAPI) check(method, id string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	key := method + " " + id
	a.calls[key]++
	if a.fault == nil {
		return nil
	}
	return a.fault(method, id, a.calls[key])
}

// PostToConnection counts the call and fails it or passes it on.
func (a *FaultyAPI) PostToConnection(ctx context.Context, in *apigatewaymanagementapi.PostToConnectionInput, opts ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.PostToConnectionOutput, error) {
	if err := a.check("POST", aws.ToString(in.ConnectionId)); err != nil {
		return nil, err
	}
	return a.managementAPI.PostToConnection(ctx, in, opts...)
}

// GetConnection counts the call and fails it or passes it on.
func (a *FaultyAPI) GetConnection(ctx context.Context, in *apigatewaymanagementapi.GetConnectionInput, opts ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.GetConnectionOutput, error) {
	if err := a.check("GET", aws.ToString(in.ConnectionId)); err != nil {
		return nil, err
	}
	return a.managementAPI.GetConnection(ctx, in, opts...)
}

// DeleteConnection counts the call and fails it or passes it on.
func (a *FaultyAPI) DeleteConnection(ctx context.Context, in *apigatewaymanagementapi.DeleteConnectionInput, opts ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.DeleteConnectionOutput, error) {
	if err := a.check("DELETE", aws.ToString(in.ConnectionId)); err != nil {
		return nil, err
	}
	return a.managementAPI.DeleteConnection(ctx, in, opts...)
}
