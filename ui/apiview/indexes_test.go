package apiview

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/charmbracelet/x/exp/golden"

	"wsops/data"
	"wsops/internal/testrig"
	"wsops/internal/uitest"
	"wsops/ops"
)

// A registry whose connections table lacks the user index its schema
// declares (the tables made with the SDK, not EnsureTables): the view
// lists that warning among the API's, with the aws CLI line that creates
// the index.
func TestGoldenMissingIndex(t *testing.T) {
	db := testrig.DynamoClient(testrig.MinidynURL(t))
	s := data.WizzSchema()
	str := func(name string) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(name), AttributeType: types.ScalarAttributeTypeS}
	}
	key := func(name string, kind types.KeyType) types.KeySchemaElement {
		return types.KeySchemaElement{AttributeName: aws.String(name), KeyType: kind}
	}
	for _, in := range []*dynamodb.CreateTableInput{
		{TableName: aws.String(s.Connections.Table.Name), BillingMode: types.BillingModePayPerRequest,
			AttributeDefinitions: []types.AttributeDefinition{str("connectionId")},
			KeySchema:            []types.KeySchemaElement{key("connectionId", types.KeyTypeHash)}},
		{TableName: aws.String(s.Subscriptions.Table.Name), BillingMode: types.BillingModePayPerRequest,
			AttributeDefinitions: []types.AttributeDefinition{str("connectionId"), str("subscriptionKey")},
			KeySchema:            []types.KeySchemaElement{key("connectionId", types.KeyTypeHash), key("subscriptionKey", types.KeyTypeRange)},
			GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{IndexName: aws.String("subscriptionKey-index"),
				KeySchema: []types.KeySchemaElement{key("subscriptionKey", types.KeyTypeHash)}, Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}}},
	} {
		if _, err := db.CreateTable(t.Context(), in); err != nil {
			t.Fatal(err)
		}
	}
	ctl := uitest.NewControl()
	m, d := newViewWith(t, func(deps *ops.Deps) {
		ctl.Deps(deps)
		deps.Registry = data.NewRegistry(db, s, data.Options{})
	})
	d.Run(m.Open(""))
	d.Until("the description", func(m *Model) bool { return !m.loading }, (*Model).View)
	v := m.View()
	for _, want := range []string{"Warnings (5)",
		"! the registry's table WizzUser_websocket_connections_dev lacks the index userId-index (userId): looking up a user's",
		"fix: aws dynamodb update-table --table-name WizzUser_websocket_connections_dev",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	if got := m.Note(); got != uitest.APIName+" · 5 warnings" {
		t.Errorf("note %q", got)
	}
	golden.RequireEqual(t, []byte(v))
}
