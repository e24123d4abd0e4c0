package data

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
	have, err := indexedFields(ctx, coll)
	if err != nil {
		return fmt.Errorf("listing the indexes of %s.%s: %w", db.Name(), s.Mongo.Collection, err)
	}
	var models []mongo.IndexModel
	for _, ix := range s.MongoIndexes() {
		if have[strings.Join(ix.Fields, "\x00")] {
			continue
		}
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
