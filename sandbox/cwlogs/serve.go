package cwlogs

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"wsops/sandbox/awswire"
)

// targetPrefix is the X-Amz-Target prefix of CloudWatch Logs' operations.
const targetPrefix = "Logs_20140328."

// contentType is the awsJson 1.1 protocol's.
const contentType = "application/x-amz-json-1.1"

// maxBody bounds a request's body.
const maxBody = 1 << 20

// apiError is an error answered in AWS's JSON shape.
type apiError struct {
	status int
	name   string
	msg    string
}

func (e *apiError) Error() string { return e.name + ": " + e.msg }

// invalid is an InvalidParameterException.
func invalid(format string, args ...any) error {
	return &apiError{http.StatusBadRequest, "InvalidParameterException", fmt.Sprintf(format, args...)}
}

// notFound is a ResourceNotFoundException.
func notFound(msg string) error {
	return &apiError{http.StatusBadRequest, "ResourceNotFoundException", msg}
}

// ServeHTTP answers CloudWatch Logs' awsJson 1.1 protocol at any path
// (POST, the operation in X-Amz-Target): DescribeLogGroups,
// DescribeLogStreams, FilterLogEvents, GetLogEvents and StartLiveTail.
// Unsigned requests get MissingAuthenticationTokenException, other
// operations UnknownOperationException, errors AWS's JSON shape
// ({"__type","message"} with X-Amzn-ErrorType).
func (s *Store) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := awswire.RequestID()
	w.Header().Set("X-Amzn-RequestId", id)
	if !awswire.Signed(r) {
		writeError(w, &apiError{http.StatusBadRequest, "MissingAuthenticationTokenException", "Missing Authentication Token"})
		return
	}
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	if r.Method != http.MethodPost || !ok {
		writeError(w, &apiError{http.StatusBadRequest, "UnknownOperationException",
			"The wsops sandbox's CloudWatch Logs answers POST requests whose X-Amz-Target is " + targetPrefix + "{Operation}"})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	var err error
	switch op {
	case "DescribeLogGroups":
		err = serve(w, r, s.describeLogGroups)
	case "DescribeLogStreams":
		err = serve(w, r, s.describeLogStreams)
	case "FilterLogEvents":
		err = serve(w, r, s.filterLogEvents)
	case "GetLogEvents":
		err = serve(w, r, s.getLogEvents)
	case "StartLiveTail":
		var in startLiveTailInput
		if err = decode(r, &in); err == nil {
			err = s.startLiveTail(w, r, id, in)
		}
	default:
		err = &apiError{http.StatusBadRequest, "UnknownOperationException",
			fmt.Sprintf("The wsops sandbox's CloudWatch Logs does not serve %s: it serves DescribeLogGroups, DescribeLogStreams, FilterLogEvents, GetLogEvents and StartLiveTail", clip(op))}
	}
	if err != nil {
		writeError(w, err)
	}
}

// serve decodes the request into In, runs op and writes its answer.
func serve[In, Out any](w http.ResponseWriter, r *http.Request, op func(In) (Out, error)) error {
	var in In
	if err := decode(r, &in); err != nil {
		return err
	}
	out, err := op(in)
	if err != nil {
		return err
	}
	body, err := json.Marshal(out)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", contentType)
	_, _ = w.Write(body)
	return nil
}

// decode reads the request's JSON body into v.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	err := dec.Decode(v)
	if err == nil {
		_, err = io.Copy(io.Discard, r.Body) // read to the end before answering
	}
	if err != nil {
		if errors.As(err, new(*http.MaxBytesError)) {
			return &apiError{http.StatusRequestEntityTooLarge, "SerializationException", "The request body is over 1 MB"}
		}
		return &apiError{http.StatusBadRequest, "SerializationException", "The request body does not decode: " + err.Error()}
	}
	return nil
}

// writeError answers err: an apiError as itself, anything else as a
// ServiceUnavailableException.
func writeError(w http.ResponseWriter, err error) {
	var e *apiError
	if !errors.As(err, &e) {
		e = &apiError{http.StatusInternalServerError, "ServiceUnavailableException", err.Error()}
	}
	body, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{e.name, e.msg})
	w.Header().Set("X-Amzn-ErrorType", e.name)
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(e.status)
	_, _ = w.Write(body)
}

// groupFor resolves a request's log group, given by name or identifier
// (a name or an ARN, without the trailing :* DescribeLogGroups' arn has).
func (s *Store) groupFor(name, identifier string) (*group, error) {
	switch {
	case name != "" && identifier != "":
		return nil, invalid("LogGroup name and LogGroup ARN are mutually exclusive parameters.")
	case name == "" && identifier == "":
		return nil, invalid("Should provide either a log group name or a log group identifier.")
	case identifier != "":
		n, err := s.nameOf(identifier)
		if err != nil {
			return nil, err
		}
		name = n
	}
	g := s.lookup(name)
	if g == nil {
		return nil, notFound("The specified log group does not exist.")
	}
	return g, nil
}

// nameOf is the group name an identifier (a name or an ARN) names.
func (s *Store) nameOf(identifier string) (string, error) {
	if !strings.HasPrefix(identifier, "arn:") {
		return identifier, nil
	}
	if strings.HasSuffix(identifier, "*") {
		return "", invalid("The log group identifier %s must not end with *.", clip(identifier))
	}
	prefix := fmt.Sprintf("arn:aws:logs:%s:%s:log-group:", s.o.Region, s.o.Account)
	name, ok := strings.CutPrefix(identifier, prefix)
	if !ok || name == "" {
		return "", notFound(fmt.Sprintf("The specified log group does not exist: %s is not a log group of account %s in %s.", clip(identifier), s.o.Account, s.o.Region))
	}
	return name, nil
}

// arn is the ARN of group name, without DescribeLogGroups' trailing :*.
func (s *Store) arn(name string) string {
	return fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", s.o.Region, s.o.Account, name)
}
