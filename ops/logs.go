package ops

import (
	"context"
	"errors"

	"wsops/apigw"
	"wsops/logs"
)

// ErrNoLogsClient is returned when the session has no CloudWatch Logs
// client to read the API's logs with.
var ErrNoLogsClient = errors.New("no CloudWatch Logs client")

// LogReader is the reader of the profile's API stage's logs: the groups
// its stage and routes name (or the profile's [logs] overrides), read
// through CloudWatch Logs.
func (o *Ops) LogReader(ctx context.Context) (*logs.Reader, error) {
	ov := o.control.LogGroups
	describe := ov.Access == "" || ov.Execution == "" || len(ov.Handlers) == 0
	switch {
	case describe && (o.control.Gateway == nil || o.control.API == ""):
		return nil, ErrNoAPI
	case o.control.Logs == nil:
		return nil, ErrNoLogsClient
	}
	api := &apigw.API{}
	if describe {
		described, err := apigw.Describe(ctx, o.control.Gateway, o.control.API)
		if err != nil {
			return nil, err
		}
		api = described
	}
	return logs.NewReader(o.control.Logs, logs.GroupsOf(api, o.control.Stage, ov))
}

// FollowOptions are logs.FollowOptions with the profile's endpoint.
func (o *Ops) FollowOptions(f logs.FollowOptions) logs.FollowOptions {
	f.CustomEndpoint = o.control.CustomLogsEndpoint
	if f.Now == nil {
		f.Now = o.now
	}
	return f
}
