package mgmt

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// IdentityAPI is the slice of STS that names the caller.
type IdentityAPI interface {
	GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

var _ IdentityAPI = (*sts.Client)(nil)

// Caller returns the ARN of the identity the credentials belong to, for the
// audit log.
func Caller(ctx context.Context, api IdentityAPI) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := api.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", fmt.Errorf("who am I (sts:GetCallerIdentity): %w", err)
	}
	return aws.ToString(out.Arn), nil
}
