package data

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// MongoIndex is an ascending index of a MongoDB registry's collection.
type MongoIndex struct {
	// Name is the index's name: its fields joined MongoDB's way (userId_1).
	Name string
	// Fields are the indexed fields, in order.
	Fields []string
}

// MongoIndexes are the indexes that serve the queries a MongoDB registry
// of schema s makes: by connection id (every write and lookup), by user, by
// room (a topic: a multikey index on the rooms array), by app and entity
// type (the console's filters and the repair rule), and by business id
// where the schema names one. They follow the schema's field names.
func (s Schema) MongoIndexes() []MongoIndex {
	a := s.Connections.Attrs
	var out []MongoIndex
	for _, fields := range [][]string{{a.ID}, {a.User}, {s.Mongo.Rooms}, {a.App, a.EntityType}, {a.BusinessID}} {
		fields = slices.DeleteFunc(slices.Clone(fields), func(f string) bool { return f == "" })
		if len(fields) == 0 {
			continue
		}
		out = append(out, MongoIndex{Name: strings.Join(fields, "_1_") + "_1", Fields: fields})
	}
	return out
}

// EnsureMongoIndexes creates the schema's indexes (MongoIndexes) on its
// collection in db where no index has their fields yet; existing indexes,
// whatever their names, are left as they are.
func EnsureMongoIndexes(ctx context.Context, db *mongo.Database, s Schema) error {
	coll := db.Collection(s.Mongo.Collection)
	missing, err := missingMongoIndexes(ctx, coll, s)
	if err != nil {
		return err
	}
	var models []mongo.IndexModel
	for _, ix := range missing {
		keys := bson.D{}
		for _, f := range ix.Fields {
			keys = append(keys, bson.E{Key: f, Value: 1})
		}
		models = append(models, mongo.IndexModel{Keys: keys, Options: options.Index().SetName(ix.Name)})
	}
	if len(models) == 0 {
		return nil
	}
	if _, err := coll.Indexes().CreateMany(ctx, models); err != nil {
		return fmt.Errorf("creating the indexes of %s.%s: %w", db.Name(), s.Mongo.Collection, err)
	}
	return nil
}

// missingMongoIndexes are the schema's indexes (MongoIndexes) that no
// index of coll has the fields of, in order; an index's name does not
// count.
func missingMongoIndexes(ctx context.Context, coll *mongo.Collection, s Schema) ([]MongoIndex, error) {
	have, err := indexedFields(ctx, coll)
	if err != nil {
		return nil, fmt.Errorf("listing the indexes of %s.%s (MongoDB's listIndexes action): %w", coll.Database().Name(), coll.Name(), err)
	}
	var missing []MongoIndex
	for _, ix := range s.MongoIndexes() {
		if !have[strings.Join(ix.Fields, "\x00")] {
			missing = append(missing, ix)
		}
	}
	return missing, nil
}

// namespaceNotFound is MongoDB's error code for a missing collection.
const namespaceNotFound = 26

// indexedFields lists the field lists of coll's indexes, each joined with
// NUL; a missing collection has none.
func indexedFields(ctx context.Context, coll *mongo.Collection) (map[string]bool, error) {
	cur, err := coll.Indexes().List(ctx)
	var cmd mongo.CommandError
	switch {
	case errors.As(err, &cmd) && cmd.Code == namespaceNotFound:
		return map[string]bool{}, nil
	case err != nil:
		return nil, err
	}
	defer cur.Close(ctx)
	have := map[string]bool{}
	for cur.Next(ctx) {
		key, err := cur.Current.LookupErr("key")
		if err != nil {
			continue
		}
		doc, ok := key.DocumentOK()
		if !ok {
			continue
		}
		elems, _ := doc.Elements()
		fields := make([]string, len(elems))
		for i, e := range elems {
			fields[i] = e.Key()
		}
		have[strings.Join(fields, "\x00")] = true
	}
	return have, cur.Err()
}

// EnsureIndexes creates the schema's indexes on the registry's collection
// where missing (EnsureMongoIndexes).
func (m *MongoRegistry) EnsureIndexes(ctx context.Context) error {
	return EnsureMongoIndexes(ctx, m.coll.Database(), m.schema)
}

// MissingIndexes lists the schema's indexes (MongoIndexes) the collection
// lacks, each with the mongosh line that creates it. An index with the
// same fields under another name counts as there.
func (m *MongoRegistry) MissingIndexes(ctx context.Context) ([]MissingIndex, error) {
	missing, err := mongoCall(ctx, m, func(ctx context.Context) ([]MongoIndex, error) {
		return missingMongoIndexes(ctx, m.coll, m.schema)
	})
	if err != nil {
		return nil, err
	}
	out := make([]MissingIndex, 0, len(missing))
	for _, ix := range missing {
		out = append(out, MissingIndex{Where: "collection " + m.where(), Name: ix.Name, Fields: ix.Fields,
			Without: m.schema.indexUse(ix.Fields[0]) + " scans the whole collection", Create: m.schema.createIndexLine(ix)})
	}
	return out, nil
}

// jsName is a name JavaScript takes as it is: a key or a property.
var jsName = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*$`)

// jsKey is name as a key of a JavaScript object literal.
func jsKey(name string) string {
	if jsName.MatchString(name) {
		return name
	}
	return strconv.Quote(name)
}

// createIndexLine is the mongosh line that creates ix on the schema's
// collection, in its database whichever one mongosh is using:
// db.getSiblingDB("this27").websocketconnections.createIndex({userId: 1}).
// MongoDB names it as MongoIndexes does (userId_1).
func (s Schema) createIndexLine(ix MongoIndex) string {
	coll := "." + s.Mongo.Collection
	if !jsName.MatchString(s.Mongo.Collection) {
		coll = ".getCollection(" + strconv.Quote(s.Mongo.Collection) + ")"
	}
	keys := make([]string, len(ix.Fields))
	for i, f := range ix.Fields {
		keys[i] = jsKey(f) + ": 1"
	}
	return "db.getSiblingDB(" + strconv.Quote(s.Mongo.Database) + ")" + coll + ".createIndex({" + strings.Join(keys, ", ") + "})"
}
