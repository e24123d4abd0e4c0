package backend

import "fmt"

// String is the identity as the backends' $connect handlers log it (the
// sandbox's Lambda logs print it): user, app, entity type, platform and,
// for a merchant, the business — never the token.
func (i Identity) String() string {
	s := fmt.Sprintf("userId=%s appId=%s entityType=%s platform=%s", i.Claims.User, i.Claims.App, i.EntityType, i.Platform)
	if i.Claims.BusinessID != "" {
		s += " businessId=" + i.Claims.BusinessID
	}
	return s
}
