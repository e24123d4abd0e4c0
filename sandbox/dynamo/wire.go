package dynamo

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// maxRequestBytes bounds a request body, as DynamoDB bounds its requests (16 MB).
const maxRequestBytes = 16 << 20

// targetPrefix is the X-Amz-Target prefix of DynamoDB's JSON protocol.
const targetPrefix = "DynamoDB_20120810."

// jsonContentType is what DynamoDB answers with.
const jsonContentType = "application/x-amz-json-1.0"

// errorTypePrefix qualifies DynamoDB's own error types on the wire.
const errorTypePrefix = "com.amazonaws.dynamodb.v20120810#"

// item is one DynamoDB item on the wire: attribute name → typed value JSON.
type item = map[string]json.RawMessage

// request is a JSON request body, kept raw so that forwarding loses nothing.
type request map[string]json.RawMessage

// readRequest decodes the body of r, answering a SerializationException
// itself when it cannot.
func readRequest(w http.ResponseWriter, r *http.Request) (request, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBytes))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "com.amazon.coral.service#SerializationException", "request body unreadable or over 16 MB")
		return nil, false
	}
	var in request
	if err := json.Unmarshal(body, &in); err != nil || in == nil {
		writeError(w, http.StatusBadRequest, "com.amazon.coral.service#SerializationException", "request body is not a JSON object")
		return nil, false
	}
	return in, true
}

func (q request) has(k string) bool { return len(q[k]) > 0 && string(q[k]) != "null" }

// str returns a string member, "" when absent or not a string.
func (q request) str(k string) string {
	var s string
	_ = json.Unmarshal(q[k], &s)
	return s
}

// names returns ExpressionAttributeNames.
func (q request) names() map[string]string {
	n := map[string]string{}
	_ = json.Unmarshal(q["ExpressionAttributeNames"], &n)
	return n
}

// set stores v, which is always a string, number or map of raw JSON or
// strings: it cannot fail to encode.
func (q request) set(k string, v any) {
	b, _ := json.Marshal(v)
	q[k] = b
}

// decode reads the whole request into v.
func (q request) decode(v any) error {
	b, err := json.Marshal(q)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func (q request) clone() request {
	c := make(request, len(q))
	for k, v := range q {
		c[k] = v
	}
	return c
}

// response is one buffered HTTP response, from minidyn or the shim. It is
// the http.ResponseWriter the shim hands minidyn for its own calls.
type response struct {
	status int
	header http.Header
	body   bytes.Buffer
}

func (r *response) Header() http.Header { return r.header }

func (r *response) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

func (r *response) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *response) ok() bool { return r.status == http.StatusOK }

// decode reads a response body into v.
func (r *response) decode(v any) error {
	if err := json.Unmarshal(r.body.Bytes(), v); err != nil {
		return fmt.Errorf("minidyn answered undecodable JSON: %w", err)
	}
	return nil
}

func (r *response) writeTo(w http.ResponseWriter) {
	for k, v := range r.header {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	// DynamoDB sends the CRC32 of every body, and the SDK checks it: without
	// the header it compares against 0 and warns on every response.
	w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(r.body.Bytes())), 10))
	w.WriteHeader(cmp.Or(r.status, http.StatusOK))
	_, _ = w.Write(r.body.Bytes())
}

// call runs one operation against minidyn in-process. The caller holds mu.
func (s *shim) call(op string, in any) *response {
	body, err := json.Marshal(in)
	if err != nil {
		return internalError(err)
	}
	req, err := http.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	if err != nil {
		return internalError(err)
	}
	req.Header.Set("X-Amz-Target", targetPrefix+op)
	req.Header.Set("Content-Type", jsonContentType)
	res := &response{header: http.Header{}}
	s.next.ServeHTTP(res, req)
	if res.status == 0 {
		res.status = http.StatusOK
	}
	if !res.ok() {
		res.qualify()
	}
	return res
}

// qualify rewrites the bare __type of a minidyn error as DynamoDB sends it.
func (r *response) qualify() {
	var body map[string]json.RawMessage
	var typ string
	if json.Unmarshal(r.body.Bytes(), &body) != nil || json.Unmarshal(body["__type"], &typ) != nil {
		return
	}
	body["__type"], _ = json.Marshal(qualified(typ))
	b, err := json.Marshal(body)
	if err != nil {
		return
	}
	r.body.Reset()
	r.body.Write(b)
}

// qualified is an error type as DynamoDB names it on the wire: validation
// errors in coral's validate namespace, protocol errors in its service
// namespace, DynamoDB's own in DynamoDB's.
func qualified(typ string) string {
	if strings.Contains(typ, "#") {
		return typ
	}
	switch typ {
	case "ValidationException":
		return "com.amazon.coral.validate#" + typ
	case "InternalFailure", "SerializationException", "UnknownOperationException", "MissingAuthenticationTokenException":
		return "com.amazon.coral.service#" + typ
	}
	return errorTypePrefix + typ
}

// errorResponse is a typed error as DynamoDB sends it; typ is a bare
// error name (see qualified) or an already qualified one (containing '#').
func errorResponse(status int, typ, msg string) *response {
	res := &response{status: status, header: http.Header{}}
	res.header.Set("Content-Type", jsonContentType)
	enc := json.NewEncoder(&res.body)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(map[string]string{"__type": qualified(typ), "message": msg})
	return res
}

func writeError(w http.ResponseWriter, status int, typ, msg string) {
	errorResponse(status, typ, msg).writeTo(w)
}

// internalError turns a failure of the shim's own bookkeeping into a 500.
func internalError(err error) *response {
	return errorResponse(http.StatusInternalServerError, "InternalServerError", err.Error())
}

// jsonResponse is a successful response with body v.
func jsonResponse(v any) *response {
	res := &response{status: http.StatusOK, header: http.Header{}}
	res.header.Set("Content-Type", jsonContentType)
	enc := json.NewEncoder(&res.body)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return internalError(err)
	}
	return res
}
