package ops_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"wsops/apigw"
	"wsops/data"
	"wsops/internal/testrig"
	"wsops/internal/uitest"
	"wsops/ops"
)

// refuseAll refuses every action: the API report asks for no confirmation.
type refuseAll struct{}

func (refuseAll) Confirm(context.Context, ops.Plan, ops.Policy) error { return ops.ErrNotConfirmed }

// noGateway is a management API the API report never calls.
type noGateway struct{ ops.Gateway }

// apiReport is the API report of an Ops over reg, its API the fake
// control plane's (which earns four warnings of its own).
func apiReport(t *testing.T, reg ops.Registry, ctl *uitest.Control) (*ops.APIReport, error) {
	t.Helper()
	o, _ := uitest.NewOps(t, reg, noGateway{}, "t", refuseAll{}, ctl.Deps)
	return o.API(t.Context(), -1)
}

// indexWarnings are the report's warnings about the registry's indexes.
func indexWarnings(r *ops.APIReport) []apigw.Warning {
	return slices.DeleteFunc(slices.Clone(r.Warnings), func(w apigw.Warning) bool {
		return w.Code != ops.WarnMissingIndex && w.Code != ops.WarnIndexesUnchecked
	})
}

// A MongoDB registry lacking one of its indexes earns one warning, with
// the lookup it slows and the mongosh line; the API's own warnings stay.
func TestAPIReportWarnsOfAMissingIndex(t *testing.T) {
	db := testrig.MongoDatabase(t)
	s := data.This27MongoSchema()
	s.Mongo.Database = db.Name()
	coll := db.Collection(s.Mongo.Collection)
	var models []mongo.IndexModel
	for _, keys := range []bson.D{{{Key: "connectionId", Value: 1}}, {{Key: "rooms", Value: 1}}, {{Key: "app", Value: 1}, {Key: "role", Value: 1}}} {
		models = append(models, mongo.IndexModel{Keys: keys})
	}
	if _, err := coll.Indexes().CreateMany(t.Context(), models); err != nil {
		t.Fatal(err)
	}
	reg, err := data.NewMongoRegistry(db, s, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctl := uitest.NewControl()
	r, err := apiReport(t, reg, ctl)
	if err != nil {
		t.Fatal(err)
	}
	want := []apigw.Warning{{Code: ops.WarnMissingIndex,
		Message: fmt.Sprintf("the registry's collection %s.websocketconnections lacks the index userId_1 (userId): looking up a user's connections scans the whole collection", db.Name()),
		Fix:     fmt.Sprintf("db.getSiblingDB(%q).websocketconnections.createIndex({userId: 1})", db.Name())}}
	if got := indexWarnings(r); !slices.Equal(got, want) {
		t.Errorf("index warnings %+v\nwant %+v", got, want)
	}
	if n := len(r.Warnings); n != 5 {
		t.Errorf("%d warnings, want the API's four and the index's: %+v", n, r.Warnings)
	}

	if _, err := coll.Indexes().CreateOne(t.Context(), mongo.IndexModel{Keys: bson.D{{Key: "userId", Value: 1}}}); err != nil {
		t.Fatal(err)
	}
	if r, err := apiReport(t, reg, ctl); err != nil || len(indexWarnings(r)) != 0 {
		t.Errorf("with every index: %v, %+v", err, r)
	}
}

// describeDenied is DynamoDB refusing DescribeTable to credentials
// without dynamodb:DescribeTable.
type describeDenied struct{ data.DynamoAPI }

func (describeDenied) DescribeTable(context.Context, *dynamodb.DescribeTableInput, ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error) {
	return nil, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "User: arn:aws:iam::123456789012:user/ops is not authorized to perform: dynamodb:DescribeTable"}
}

// Indexes that cannot be read leave one warning that says why, with the
// IAM action to grant, and the rest of the report as it is.
func TestAPIReportSaysWhenTheIndexesCannotBeChecked(t *testing.T) {
	db := testrig.DynamoClient(testrig.MinidynURL(t))
	s := testrig.UniqueSchema(t, db, data.WizzSchema())
	ctl := uitest.NewControl()
	r, err := apiReport(t, data.NewRegistry(describeDenied{db}, s, data.Options{}), ctl)
	if err != nil {
		t.Fatal(err)
	}
	ws := indexWarnings(r)
	if len(ws) != 1 || ws[0].Code != ops.WarnIndexesUnchecked ||
		!strings.HasPrefix(ws[0].Message, "the registry's indexes could not be checked") ||
		!strings.Contains(ws[0].Message, "denied — the credentials lack the IAM action dynamodb:DescribeTable") ||
		!strings.Contains(ws[0].Fix, "grant the profile's credentials the IAM action") {
		t.Errorf("index warnings %+v", ws)
	}
	if len(r.Warnings) != 5 {
		t.Errorf("%d warnings, want the API's four and the unchecked indexes': %+v", len(r.Warnings), r.Warnings)
	}

	// A registry that could not be opened says so in the same warning.
	r, err = apiReport(t, data.Unavailable(s, errors.New("the registry cannot be opened: mongodb_uri is not set")), ctl)
	if ws := indexWarnings(r); err != nil || len(ws) != 1 || ws[0].Code != ops.WarnIndexesUnchecked || !strings.HasSuffix(ws[0].Message, ": the registry cannot be opened: mongodb_uri is not set") {
		t.Errorf("an unavailable registry: %v, %+v", err, ws)
	}

	// The same tables, readable: every index there, no index warning.
	if r, err := apiReport(t, data.NewRegistry(db, s, data.Options{}), ctl); err != nil || len(indexWarnings(r)) != 0 {
		t.Errorf("tables EnsureTables made: %v, %+v", err, r)
	}
}

// An API that cannot be described fails the report, whatever the
// registry's indexes.
func TestAPIReportFailsWithTheAPI(t *testing.T) {
	db := testrig.DynamoClient(testrig.MinidynURL(t))
	s := testrig.UniqueSchema(t, db, data.WizzSchema())
	ctl := uitest.NewControl()
	ctl.Fail(uitest.Denied(), nil)
	if _, err := apiReport(t, data.NewRegistry(describeDenied{db}, s, data.Options{}), ctl); err == nil || !strings.Contains(err.Error(), "apigateway:GET") {
		t.Errorf("a denied apigatewayv2: %v", err)
	}
}
