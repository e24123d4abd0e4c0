package logs

import (
	"slices"

	"wsops/apigw"
)

// Overrides are a profile's [profiles.P.logs]: groups that replace the
// ones discovery finds ("" / nil: keep them).
type Overrides struct {
	Access    string
	Execution string
	Handlers  []string
}

// GroupsOf are the log groups of stage of api: the access log group from
// the stage's access log destination, the execution log group from the
// API id and stage, and a Lambda group per function the routes' integrations
// invoke; o replaces any of them.
func GroupsOf(api *apigw.API, stage string, o Overrides) Groups {
	g := Groups{Execution: "API-Gateway-Execution-Logs_" + api.ID + "/" + stage}
	if st, ok := api.Stage(stage); ok && st.AccessLog != nil {
		g.Access, g.AccessFormat = st.AccessLog.Group(), st.AccessLog.Format
	}
	for _, r := range api.Routes {
		if r.Integration != nil && r.Integration.Function != "" {
			name := "/aws/lambda/" + r.Integration.Function
			if !slices.Contains(g.Handlers, name) {
				g.Handlers = append(g.Handlers, name)
			}
		}
	}
	slices.Sort(g.Handlers)
	if o.Access != "" {
		g.Access = o.Access
	}
	if o.Execution != "" {
		g.Execution = o.Execution
	}
	if len(o.Handlers) > 0 {
		g.Handlers = slices.Clone(o.Handlers)
	}
	return g
}
