package cloud

import (
	"bytes"
	"fmt"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
)

// managementOptions configures the management API client of a profile whose
// management URL is endpoint: that endpoint, one attempt per call (the
// fan-out engine owns throttling and backoff, and the SDK's retries would
// bypass its rate limit), and small request bodies sent with their headers
// (oneWriteBodies).
func managementOptions(endpoint string) func(*apigatewaymanagementapi.Options) {
	return func(o *apigatewaymanagementapi.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.RetryMaxAttempts = 1
		o.HTTPClient = oneWriteBodies{next: o.HTTPClient} // set by New before the options run
	}
}

// oneWriteMax is the largest request body oneWriteBodies copies: the size of
// net/http's write buffer (Transport.WriteBufferSize's default), beyond which
// the headers and the body take more than one write anyway.
const oneWriteMax = 4 << 10

// oneWriteBodies is the management client's HTTP client: it hands net/http
// the body of a small request as a *bytes.Reader, so that the request line,
// the headers and the body leave in one write.
//
// The SDK wraps every request body in a reader of its own (smithy-go's
// safeReadCloser). net/http cannot tell that such a body is already in
// memory, so it flushes the headers in a write of their own before it copies
// the body (http.transferWriter.FlushHeaders): every PostToConnection cost
// two write system calls, and the server two reads and two wake-ups. The
// copy is of the bytes the SDK hashed and signed; nothing else changes.
type oneWriteBodies struct {
	next aws.HTTPClient
}

// Do sends r through the wrapped client, with r's body, when it has at most
// oneWriteMax bytes, read into memory first.
func (c oneWriteBodies) Do(r *http.Request) (*http.Response, error) {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength <= 0 || r.ContentLength > oneWriteMax {
		return c.next.Do(r)
	}
	body := make([]byte, r.ContentLength)
	_, err := io.ReadFull(r.Body, body)
	closeErr := r.Body.Close() // an HTTP client closes the body it was given, as net/http does
	if err != nil {
		return nil, fmt.Errorf("reading the %d-byte request body: %w", r.ContentLength, err)
	}
	if closeErr != nil {
		return nil, fmt.Errorf("closing the request body: %w", closeErr)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return c.next.Do(r)
}
