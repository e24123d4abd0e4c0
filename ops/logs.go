package ops

import (
	"context"
	"errors"

	"wsops/apigw"
	"wsops/logs"
)

// LogReader is the reader of the profile's API stage's logs: the groups
// its stage and routes name (or the profile's [logs] overrides), read
// through CloudWatch Logs.
func (o *Ops) LogReader(ctx context.Context) (*logs.Reader, error) {
	if o.control.Logs == nil {
		return nil, errors.New("no CloudWatch Logs client")
	}
	ov := o.control.LogGroups
	api := &apigw.API{}
	if ov.Access == "" || ov.Execution == "" || len(ov.Handlers) == 0 {
		if o.control.Gateway == nil || o.control.API == "" {
			return nil, ErrNoAPI
		}
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
