package metrics

import (
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"wsops/sandbox/awswire"
)

// xmlns is the namespace of CloudWatch's awsQuery responses.
const xmlns = "http://monitoring.amazonaws.com/doc/2010-08-01/"

// maxBody bounds a request's body.
const maxBody = 1 << 20

// Handler serves CloudWatch's awsQuery protocol (form-encoded POST, or GET
// with a query string; XML answers) at any path: GetMetricData over the
// Recorder's metrics. Other actions are answered InvalidAction, unsigned
// requests 403 MissingAuthenticationToken, as CloudWatch does.
func (r *Recorder) Handler() http.Handler { return http.HandlerFunc(r.serveHTTP) }

func (r *Recorder) serveHTTP(w http.ResponseWriter, req *http.Request) {
	id := awswire.RequestID()
	w.Header().Set("X-Amzn-RequestId", id)
	if !awswire.Signed(req) {
		writeError(w, http.StatusForbidden, id, &queryError{"MissingAuthenticationToken", "Request is missing Authentication Token"})
		return
	}
	if req.Method != http.MethodPost && req.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, id, &queryError{"InvalidAction", "The awsQuery protocol is served on POST (or GET), not " + clip(req.Method) + "."})
		return
	}
	req.Body = http.MaxBytesReader(w, req.Body, maxBody)
	if err := req.ParseForm(); err != nil {
		status, code := http.StatusBadRequest, "MalformedQueryString"
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			status, code = http.StatusRequestEntityTooLarge, "RequestEntityTooLarge"
		}
		writeError(w, status, id, &queryError{code, "The request's parameters do not parse as a form: " + err.Error()})
		return
	}
	switch action := req.Form.Get("Action"); action {
	case "GetMetricData":
		r.getMetricData(w, req, id)
	case "":
		msg := "The request names no Action."
		if req.Header.Get("X-Amz-Target") != "" || req.Header.Get("Smithy-Protocol") != "" {
			msg += " The wsops sandbox's CloudWatch speaks the awsQuery protocol only (form-encoded Action=GetMetricData, as aws-sdk-go-v2 service/cloudwatch up to v1.51.x sends it), not the JSON or CBOR protocols that newer SDKs, boto3 and the aws CLI use."
		}
		writeError(w, http.StatusBadRequest, id, &queryError{"InvalidAction", msg})
	default:
		writeError(w, http.StatusBadRequest, id, &queryError{"InvalidAction",
			fmt.Sprintf("The action %s is not valid for this web service (the wsops sandbox's CloudWatch serves GetMetricData only).", clip(action))})
	}
}

func (r *Recorder) getMetricData(w http.ResponseWriter, req *http.Request, id string) {
	in, err := parseGetMetricData(req.Form)
	if err == nil {
		var out getMetricDataResult
		if out, err = r.answer(in); err == nil {
			writeXML(w, getMetricDataResponse{Xmlns: xmlns, Result: out, RequestID: id})
			return
		}
	}
	qe, ok := errors.AsType[*queryError](err)
	if !ok {
		qe = &queryError{"InternalFailure", err.Error()}
	}
	writeError(w, http.StatusBadRequest, id, qe)
}

// answer computes the results of a parsed request: every query's datapoints
// in ScanBy order, paginated by MaxDatapoints. A NextToken is the number of
// datapoints the pages before have returned; as the current minute keeps
// counting, a later page is computed afresh and may see newer values.
func (r *Recorder) answer(in *getMetricData) (getMetricDataResult, error) {
	skip := 0
	if in.nextToken != "" {
		raw, err := base64.RawURLEncoding.DecodeString(in.nextToken)
		n, convErr := strconv.Atoi(strings.TrimPrefix(string(raw), "skip:"))
		if err != nil || convErr != nil || !strings.HasPrefix(string(raw), "skip:") || n < 0 {
			return getMetricDataResult{}, &queryError{"InvalidNextToken", "The service returned an invalid next token; use the NextToken of the previous page."}
		}
		skip = n
	}
	out := getMetricDataResult{}
	budget, seen := in.maxPoints, 0
	for _, q := range in.queries {
		if !q.returnData {
			continue
		}
		times, values := r.points(q.stat, in.start, in.end)
		if in.descending {
			slices.Reverse(times)
			slices.Reverse(values)
		}
		res := metricDataResult{ID: q.id, Label: q.label, StatusCode: "Complete"}
		lo := min(max(skip-seen, 0), len(times))
		hi := min(lo+budget, len(times))
		seen += len(times)
		for i := lo; i < hi; i++ {
			res.Timestamps.Members = append(res.Timestamps.Members, times[i].Format(time.RFC3339))
			res.Values.Members = append(res.Values.Members, formatValue(values[i]))
		}
		budget -= hi - lo
		if hi < len(times) {
			res.StatusCode = "PartialData"
		}
		out.Results.Members = append(out.Results.Members, res)
	}
	if returned := in.maxPoints - budget; skip+returned < seen {
		out.NextToken = base64.RawURLEncoding.EncodeToString([]byte("skip:" + strconv.Itoa(skip+returned)))
	}
	return out, nil
}

// formatValue writes a value as CloudWatch does (1.0, 12.5).
func formatValue(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// The awsQuery response of GetMetricData.
type getMetricDataResponse struct {
	XMLName   xml.Name            `xml:"GetMetricDataResponse"`
	Xmlns     string              `xml:"xmlns,attr"`
	Result    getMetricDataResult `xml:"GetMetricDataResult"`
	RequestID string              `xml:"ResponseMetadata>RequestId"`
}

type getMetricDataResult struct {
	Results   resultList `xml:"MetricDataResults"`
	NextToken string     `xml:"NextToken,omitempty"`
	Messages  struct{}   `xml:"Messages"`
}

type resultList struct {
	Members []metricDataResult `xml:"member"`
}

type metricDataResult struct {
	ID         string      `xml:"Id"`
	Label      string      `xml:"Label"`
	Timestamps stringsList `xml:"Timestamps"`
	Values     stringsList `xml:"Values"`
	StatusCode string      `xml:"StatusCode"`
}

type stringsList struct {
	Members []string `xml:"member"`
}

// errorResponse is awsQuery's error document.
type errorResponse struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

// writeError answers an awsQuery error: Sender for a 4xx, Receiver else.
func writeError(w http.ResponseWriter, status int, requestID string, e *queryError) {
	body := errorResponse{Xmlns: xmlns, RequestID: requestID}
	body.Error.Type = "Sender"
	if status >= 500 {
		body.Error.Type = "Receiver"
	}
	body.Error.Code, body.Error.Message = e.code, e.message
	writeXMLStatus(w, status, body)
}

func writeXML(w http.ResponseWriter, v any) { writeXMLStatus(w, http.StatusOK, v) }

func writeXMLStatus(w http.ResponseWriter, status int, v any) {
	b, err := xml.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`<ErrorResponse xmlns="` + xmlns + `"><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>encoding the response failed</Message></Error></ErrorResponse>`)
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(b)
}
