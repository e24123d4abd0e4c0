package reach

import (
	"errors"
	"fmt"

	"github.com/aws/smithy-go"
)

// deniedCodes are the error codes AWS services answer a call the
// credentials may not make with.
var deniedCodes = map[string]bool{
	"AccessDenied": true, "AccessDeniedException": true, "UnauthorizedOperation": true,
	"UnauthorizedException": true, "NotAuthorized": true,
}

// Denied reports whether err is AWS refusing a call for lack of permission.
func Denied(err error) bool {
	var api smithy.APIError
	return errors.As(err, &api) && deniedCodes[api.ErrorCode()]
}

// Call wraps the error of one AWS call: "service Call: err", and when the
// call was denied, the IAM action the credentials lack, so that the
// operator knows what to ask for.
func Call(service, call, action string, err error) error {
	if Denied(err) {
		return fmt.Errorf("%s %s: denied — the credentials lack the IAM action %s: %w", service, call, action, err)
	}
	return fmt.Errorf("%s %s: %w", service, call, err)
}
