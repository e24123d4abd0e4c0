package apigw

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
)

// Mapping is one API mapping of a custom domain: requests to
// DOMAIN/KEY go to the API's stage.
type Mapping struct {
	Domain string `json:"domain"`
	Key    string `json:"key"`
	APIID  string `json:"api_id"`
	Stage  string `json:"stage"`
}

// Domains are the custom domain names of the account and region.
func Domains(ctx context.Context, c Client) ([]string, error) {
	var names []string
	var token *string
	for {
		out, err := c.GetDomainNames(ctx, &apigatewayv2.GetDomainNamesInput{MaxResults: aws.String(pageSize), NextToken: token})
		if err != nil {
			return nil, callError("GetDomainNames", err)
		}
		for _, d := range out.Items {
			names = append(names, aws.ToString(d.DomainName))
		}
		if token = out.NextToken; aws.ToString(token) == "" {
			return names, nil
		}
	}
}

// MappingFor finds the API mapping that rawURL, a URL on a custom domain,
// reaches: the domain is the URL's host, and the mapping the one whose key
// is the longest leading part of the URL's path (the empty key maps the
// domain's root).
func MappingFor(ctx context.Context, c Client, rawURL string) (*Mapping, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%q does not parse as a URL", rawURL)
	}
	domain := u.Hostname()
	path := strings.Trim(u.Path, "/")
	var best *Mapping
	var token *string
	for {
		out, err := c.GetApiMappings(ctx, &apigatewayv2.GetApiMappingsInput{DomainName: &domain, MaxResults: aws.String(pageSize), NextToken: token})
		if err != nil {
			return nil, callError("GetApiMappings", err)
		}
		for _, m := range out.Items {
			key := strings.Trim(aws.ToString(m.ApiMappingKey), "/")
			if !pathHasPrefix(path, key) || (best != nil && len(key) <= len(best.Key)) {
				continue
			}
			best = &Mapping{Domain: domain, Key: key, APIID: aws.ToString(m.ApiId), Stage: aws.ToString(m.Stage)}
		}
		if token = out.NextToken; aws.ToString(token) == "" {
			break
		}
	}
	if best == nil {
		return nil, fmt.Errorf("%w: no API mapping of domain %s covers the path /%s", ErrNotFound, domain, path)
	}
	return best, nil
}

// pathHasPrefix reports whether key is "" or path's leading segments.
func pathHasPrefix(path, key string) bool {
	return key == "" || path == key || strings.HasPrefix(path, key+"/")
}
