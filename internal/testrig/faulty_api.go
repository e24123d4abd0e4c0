package testrig

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"

	"wsops/client"
)

// FaultyAPI stands in front of a management API client: it counts every
// call by method ("POST", "GET", "DELETE") and connection id and, where its
// fault function returns an error, fails that call without sending it. It
// is the one such fixture of the tests.
type FaultyAPI struct {
	client.ManagementAPI

	mu    sync.Mutex
	calls map[string]int
	fault func(method, id string, call int) error
}

// NewFaultyAPI wraps api; it fails nothing until SetFault.
func NewFaultyAPI(api client.ManagementAPI) *FaultyAPI {
	return &FaultyAPI{ManagementAPI: api, calls: map[string]int{}}
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

// PostToConnection implements client.ManagementAPI.
func (a *FaultyAPI) PostToConnection(ctx context.Context, in *apigatewaymanagementapi.PostToConnectionInput, opts ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.PostToConnectionOutput, error) {
	if err := a.check("POST", aws.ToString(in.ConnectionId)); err != nil {
		return nil, err
	}
	return a.ManagementAPI.PostToConnection(ctx, in, opts...)
}

// GetConnection implements client.ManagementAPI.
func (a *FaultyAPI) GetConnection(ctx context.Context, in *apigatewaymanagementapi.GetConnectionInput, opts ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.GetConnectionOutput, error) {
	if err := a.check("GET", aws.ToString(in.ConnectionId)); err != nil {
		return nil, err
	}
	return a.ManagementAPI.GetConnection(ctx, in, opts...)
}

// DeleteConnection implements client.ManagementAPI.
func (a *FaultyAPI) DeleteConnection(ctx context.Context, in *apigatewaymanagementapi.DeleteConnectionInput, opts ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.DeleteConnectionOutput, error) {
	if err := a.check("DELETE", aws.ToString(in.ConnectionId)); err != nil {
		return nil, err
	}
	return a.ManagementAPI.DeleteConnection(ctx, in, opts...)
}
