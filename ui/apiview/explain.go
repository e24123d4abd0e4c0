package apiview

import (
	"context"
	"errors"

	"wsops/apigw"
	"wsops/internal/reach"
	"wsops/ops"
)

// explain says in plain words why service (apigatewayv2, CloudWatch) could
// not be read, and what to do; the error itself is shown after it, when it
// says more (detail).
func explain(service string, err error) (text string, detail bool) {
	if errors.Is(err, ops.ErrNoAPI) {
		return "This profile does not say which API it uses: set `api` (its name or id) and `stage` in the profile, or a websocket_url on its execute-api host.", false
	}
	return why(service, err), true
}

func why(service string, err error) string {
	switch {
	case reach.Denied(err):
		return "AWS refused the call: the credentials lack the IAM action named below. Ask for it; every other view keeps working."
	case errors.Is(err, apigw.ErrNotFound):
		return "API Gateway knows no WebSocket API by the profile's `api` in this account and region: check `api`, `region` and `aws_profile` (`wsops discover` lists them)."
	case reach.Unreachable(err):
		return service + "'s endpoint cannot be reached (nothing answers, its name does not resolve, or its certificate is not trusted): check the profile's region, and its apigateway_url and cloudwatch_url when it sets them."
	case errors.Is(err, context.DeadlineExceeded):
		return service + " did not answer in time."
	}
	return service + " could not be read."
}
