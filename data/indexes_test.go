package data_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"wsops/data"
	"wsops/internal/faultproxy"
	"wsops/internal/reach"
	"wsops/internal/testrig"
)

// missingNames are the names of what MissingIndexes found, in its order.
func missingNames(t *testing.T, reg data.Store) ([]string, []data.MissingIndex) {
	t.Helper()
	missing, err := reg.MissingIndexes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range missing {
		names = append(names, m.Name)
	}
	return names, missing
}

// A MongoDB registry lacks an index when no index of its collection has
// the declared fields in order, whatever its name: every one on a missing
// or bare collection, the rest once some were made by hand, none once
// EnsureMongoIndexes ran. Each comes with its mongosh line.
func TestMongoMissingIndexesAreFoundByTheirFields(t *testing.T) {
	ctx := context.Background()
	db := testrig.MongoDatabase(t)
	s := mongoSchema(data.This27Schema(), db.Name())
	reg, err := data.NewMongoRegistry(db, s, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	coll := db.Collection(s.Mongo.Collection)
	line := func(keys string) string {
		return fmt.Sprintf("db.getSiblingDB(%q).websocketconnections.createIndex({%s})", db.Name(), keys)
	}
	lines := map[string]string{"connectionId_1": line("connectionId: 1"), "userId_1": line("userId: 1"),
		"rooms_1": line("rooms: 1"), "app_1_role_1": line("app: 1, role: 1")}
	all := []string{"connectionId_1", "userId_1", "rooms_1", "app_1_role_1"}
	check := func(stage string, want ...string) {
		t.Helper()
		names, missing := missingNames(t, reg)
		if !slices.Equal(names, want) {
			t.Fatalf("%s: missing %v, want %v", stage, names, want)
		}
		for _, m := range missing {
			if m.Create != lines[m.Name] || m.Where != "collection "+db.Name()+".websocketconnections" ||
				strings.Join(m.Fields, "_1_")+"_1" != m.Name || !strings.HasSuffix(m.Without, " scans the whole collection") {
				t.Errorf("%s: %+v", stage, m)
			}
		}
	}

	check("no collection", all...)
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "connectionId", Value: "a"}, {Key: "userId", Value: "u"}}); err != nil {
		t.Fatal(err)
	}
	check("a collection with no index but _id's", all...)
	_, missing := missingNames(t, reg)
	if i := slices.IndexFunc(missing, func(m data.MissingIndex) bool { return m.Name == "rooms_1" }); i < 0 ||
		missing[i].Without != "looking up a topic's subscribers (a room's members) scans the whole collection" {
		t.Errorf("the rooms index is said to serve: %+v", missing)
	}

	// By hand: userId under a name of its own, rooms as MongoDB names it,
	// and app and role in the other order, which is another index.
	if _, err := coll.Indexes().CreateMany(ctx, []mongo.IndexModel{
		{Keys: bson.D{{Key: "userId", Value: 1}}, Options: options.Index().SetName("by_user")},
		{Keys: bson.D{{Key: "rooms", Value: 1}}},
		{Keys: bson.D{{Key: "role", Value: 1}, {Key: "app", Value: 1}}},
	}); err != nil {
		t.Fatal(err)
	}
	check("some made by hand", "connectionId_1", "app_1_role_1")

	if err := data.EnsureMongoIndexes(ctx, db, s); err != nil {
		t.Fatal(err)
	}
	check("after EnsureMongoIndexes")
	specs, err := coll.Indexes().ListSpecifications(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, sp := range specs {
		names = append(names, sp.Name)
	}
	slices.Sort(names)
	if want := []string{"_id_", "app_1_role_1", "by_user", "connectionId_1", "role_1_app_1", "rooms_1"}; !slices.Equal(names, want) {
		t.Errorf("indexes %v, want %v: EnsureMongoIndexes made only the missing ones", names, want)
	}

	// Names JavaScript does not take bare are quoted in the line.
	s.Mongo.Collection, s.Connections.Attrs.User = "ws-conns", "user.id"
	if reg, err = data.NewMongoRegistry(db, s, data.Options{}); err != nil {
		t.Fatal(err)
	}
	_, missing = missingNames(t, reg)
	want := fmt.Sprintf(`db.getSiblingDB(%q).getCollection("ws-conns").createIndex({"user.id": 1})`, db.Name())
	if i := slices.IndexFunc(missing, func(m data.MissingIndex) bool { return m.Name == "user.id_1" }); i < 0 || missing[i].Create != want {
		t.Errorf("a collection and a field to quote: %+v, want %s", missing, want)
	}
}

// A listIndexes that gets no answer is an error naming the collection
// and the action, not an empty list.
func TestMongoMissingIndexesFailWhenTheIndexesCannotBeListed(t *testing.T) {
	db := testrig.MongoDatabase(t)
	s := mongoSchema(data.This27Schema(), db.Name())
	host := strings.TrimSuffix(strings.TrimPrefix(testrig.MongoURL(t), "mongodb://"), "/")
	w := faultproxy.StartWire(t, host)
	reg, err := data.DialMongo("mongodb://"+w.Addr()+"/?retryReads=false", s, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close(context.Background())
	w.Add(faultproxy.WireRule{Command: "listIndexes", Nth: 1, Action: faultproxy.Drop})
	missing, err := reg.MissingIndexes(context.Background())
	if err == nil || !strings.Contains(err.Error(), "listing the indexes of "+db.Name()+".websocketconnections (MongoDB's listIndexes action)") {
		t.Errorf("listIndexes dropped: %v, %v; want an error naming the collection", missing, err)
	}
	if fired := w.Fired(); len(fired) != 1 {
		t.Errorf("rules fired: %v", fired)
	}
}

// tableSeq numbers the tables the aws CLI creates here.
var tableSeq atomic.Int64

// cliTables is the wizz schema with table names of its own, whose tables
// the aws CLI creates at url: the connections table billed as billing
// and without its user index, the subscriptions table with its index.
func cliTables(t *testing.T, url, billing string) data.Schema {
	t.Helper()
	s := data.WizzSchema()
	suffix := fmt.Sprintf("_ix_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6, tableSeq.Add(1))
	s.Connections.Table.Name += suffix
	s.Subscriptions.Table.Name += suffix
	conns := []string{"dynamodb", "create-table", "--table-name", s.Connections.Table.Name,
		"--attribute-definitions", "AttributeName=connectionId,AttributeType=S",
		"--key-schema", "AttributeName=connectionId,KeyType=HASH", "--billing-mode", billing}
	if billing == "PROVISIONED" {
		conns = append(conns, "--provisioned-throughput", "ReadCapacityUnits=3,WriteCapacityUnits=4")
	}
	awsCLI(t, url, conns...)
	awsCLI(t, url, "dynamodb", "create-table", "--table-name", s.Subscriptions.Table.Name,
		"--attribute-definitions", "AttributeName=connectionId,AttributeType=S", "AttributeName=subscriptionKey,AttributeType=S",
		"--key-schema", "AttributeName=connectionId,KeyType=HASH", "AttributeName=subscriptionKey,KeyType=RANGE",
		"--billing-mode", "PAY_PER_REQUEST", "--global-secondary-indexes",
		`[{"IndexName":"subscriptionKey-index","KeySchema":[{"AttributeName":"subscriptionKey","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}]`)
	return s
}

// awsCLI runs the aws CLI against url and wants it to succeed.
func awsCLI(t *testing.T, url string, args ...string) {
	t.Helper()
	path, err := exec.LookPath("aws")
	if err != nil {
		t.Fatalf("the aws CLI is required (Debian: apt-get install awscli; .ci/run installs it): %v", err)
	}
	cmd := exec.Command(path, append(args, "--endpoint-url", url)...)
	cmd.Env = testrig.AWSEnv(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("aws %v: %v: %s", args, err, out)
	}
}

// A DynamoDB registry lacks the indexes the schema declares that its
// tables do not have by name; each comes with the aws CLI line that
// creates it, billed as its table is — and that line, run, creates it.
func TestDynamoMissingIndexesAreFoundByName(t *testing.T) {
	const onDemand = `aws dynamodb update-table --table-name %s --attribute-definitions '[{"AttributeName":"userId","AttributeType":"S"}]' ` +
		`--global-secondary-index-updates '[{"Create":{"IndexName":"userId-index","KeySchema":[{"AttributeName":"userId","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}}]'`
	const provisioned = `aws dynamodb update-table --table-name %s --attribute-definitions '[{"AttributeName":"userId","AttributeType":"S"}]' ` +
		`--global-secondary-index-updates '[{"Create":{"IndexName":"userId-index","KeySchema":[{"AttributeName":"userId","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"},"ProvisionedThroughput":{"ReadCapacityUnits":3,"WriteCapacityUnits":4}}}]'`
	for _, b := range testrig.SandboxBackends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := testrig.DynamoClient(b.URL)
			for _, c := range []struct{ billing, line string }{{"PAY_PER_REQUEST", onDemand}, {"PROVISIONED", provisioned}} {
				s := cliTables(t, b.URL, c.billing)
				reg := data.NewRegistry(db, s, data.Options{})
				names, missing := missingNames(t, reg)
				if !slices.Equal(names, []string{"userId-index"}) {
					t.Fatalf("%s: missing %v, want only userId-index", c.billing, names)
				}
				m := missing[0]
				if want := fmt.Sprintf(c.line, s.Connections.Table.Name); m.Create != want {
					t.Errorf("%s: the fix\n%s\nwant\n%s", c.billing, m.Create, want)
				}
				if m.Where != "table "+s.Connections.Table.Name || !slices.Equal(m.Fields, []string{"userId"}) ||
					!strings.HasPrefix(m.Without, "looking up a user's connections fails") {
					t.Errorf("%s: %+v", c.billing, m)
				}
				if b.Name == "dynalite" {
					continue // dynalite validates a new index but never creates it
				}
				run := exec.Command("sh", "-c", m.Create+" --endpoint-url "+b.URL)
				run.Env = testrig.AWSEnv(t)
				if out, err := run.CombinedOutput(); err != nil {
					t.Fatalf("%s: running the fix: %v: %s", c.billing, err, out)
				}
				if names, _ := missingNames(t, reg); len(names) != 0 {
					t.Errorf("%s: after the fix, missing %v", c.billing, names)
				}
			}

			s := testrig.UniqueSchema(t, db, data.WizzSchema()) // made by EnsureTables
			if names, _ := missingNames(t, data.NewRegistry(db, s, data.Options{})); len(names) != 0 {
				t.Errorf("tables EnsureTables made: missing %v", names)
			}

			s.Connections.Table.Name += "_absent"
			if _, err := data.NewRegistry(db, s, data.Options{}).MissingIndexes(context.Background()); err == nil ||
				!strings.Contains(err.Error(), "DescribeTable "+s.Connections.Table.Name) {
				t.Errorf("a missing table: %v, want DescribeTable's error", err)
			}
		})
	}
}

// describeDenied is DynamoDB refusing DescribeTable, as it does to
// credentials without dynamodb:DescribeTable.
type describeDenied struct{ data.DynamoAPI }

func (describeDenied) DescribeTable(context.Context, *dynamodb.DescribeTableInput, ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error) {
	return nil, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "User: arn:aws:iam::123456789012:user/ops is not authorized to perform: dynamodb:DescribeTable"}
}

// A denied DescribeTable is an error that stays a denial and names the
// IAM action the credentials lack.
func TestDynamoMissingIndexesNameTheIAMActionWhenDenied(t *testing.T) {
	db := testrig.DynamoClient(testrig.MinidynURL(t))
	s := testrig.UniqueSchema(t, db, data.WizzSchema())
	_, err := data.NewRegistry(describeDenied{db}, s, data.Options{}).MissingIndexes(context.Background())
	if !reach.Denied(err) || !strings.Contains(err.Error(), "denied — the credentials lack the IAM action dynamodb:DescribeTable") {
		t.Errorf("denied: %v", err)
	}
}
