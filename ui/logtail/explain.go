package logtail

import (
	"context"
	"errors"

	"wsops/apigw"
	"wsops/internal/reach"
	"wsops/logs"
	"wsops/ops"
)

// Explain says in plain words why the profile's logs cannot be read, or a
// connection cannot be traced through them, and what to do; detail is true
// when the error itself says more and is worth showing after the text.
func Explain(err error) (text string, detail bool) {
	switch {
	case errors.Is(err, ops.ErrNoAPI):
		return "This profile does not say which API it uses, so where its logs are is unknown: set `api` (its name or id) and `stage` in the profile, or name the log groups in [profiles.NAME.logs].", false
	case errors.Is(err, ops.ErrNoLogsClient):
		return "This session has no CloudWatch Logs client: its logs cannot be read.", false
	case errors.Is(err, logs.ErrNoAccessLog):
		return "The stage has no access log, so a connection's requests cannot be found: turn the stage's access log on (the :api view says how), or name its group in [profiles.NAME.logs].", false
	case errors.Is(err, logs.ErrUntraceable):
		return "The stage's access log format carries no connection id (or no request id), so a connection cannot be traced: add $context.connectionId and $context.requestId to the format (the :api view says how).", false
	case reach.Denied(err):
		return "AWS refused the call: the credentials lack the IAM action named below. Ask for it; the rest of the console keeps working.", true
	case errors.Is(err, apigw.ErrNotFound):
		return "API Gateway knows no WebSocket API by the profile's `api` in this account and region, so where its logs are is unknown: check `api`, `region` and `aws_profile` (`wsops discover` lists them).", true
	case reach.Unreachable(err):
		return "CloudWatch Logs' endpoint cannot be reached (nothing answers, its name does not resolve, or its certificate is not trusted): check the profile's region, and its logs_url when it sets one.", true
	case errors.Is(err, context.DeadlineExceeded):
		return "CloudWatch Logs did not answer in time.", true
	}
	return "The logs could not be read.", true
}
