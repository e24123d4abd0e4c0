package data

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// and is the conjunction of conditions, each its own document, so that
// two of them may name one field.
func and(conds ...bson.D) bson.D {
	all := bson.A{}
	for _, c := range conds {
		for _, e := range c {
			all = append(all, bson.D{e})
		}
	}
	return bson.D{{Key: "$and", Value: all}}
}

// idCond picks the documents of the connection id in a key or record.
func (m *MongoRegistry) idCond(subscriptions bool, item Item, doing string) (bson.D, error) {
	id := item[m.idKey(subscriptions)]
	if id == nil {
		return nil, fmt.Errorf("%s in %s: the record names no %s", doing, m.where(), m.idKey(subscriptions))
	}
	return bson.D{{Key: m.schema.Connections.Attrs.ID, Value: m.idMatch(id)}}, nil
}

// Update sets (or with New nil removes) one field of a connection document
// only if the document exists and the field still holds Old (is absent,
// for Old nil): the filter carries both, so the check and the write are
// one. Otherwise it returns ErrConflict and leaves the document as it is.
// It returns the document as it was. A room entry has no field of its own:
// a change of a subscription is ErrUnsupported. No refusal is ErrRetried:
// MongoDB's retryable writes answer a retried write with its first
// attempt's result, and without them (a standalone server) a lost answer is
// an error, not a retry.
func (m *MongoRegistry) Update(ctx context.Context, c Change) (before Item, err error) {
	doing := "updating " + c.Attribute
	if c.Subscriptions {
		return nil, fmt.Errorf("%s of a room entry in %s: %w", doing, m.where(), ErrUnsupported)
	}
	id, err := m.idCond(false, c.Key, doing)
	if err != nil {
		return nil, err
	}
	held := bson.D{{Key: c.Attribute, Value: bson.D{{Key: "$exists", Value: false}}}}
	if c.Old != nil {
		held = m.codec.conds(c.Attribute, c.Old)
	}
	upd := bson.D{{Key: "$unset", Value: bson.D{{Key: c.Attribute, Value: ""}}}}
	if c.New != nil {
		upd = bson.D{{Key: "$set", Value: bson.D{{Key: c.Attribute, Value: m.codec.value(c.Attribute, c.New)}}}}
	}
	opts := options.FindOneAndUpdate().SetReturnDocument(options.Before)
	doc, err := mongoCall(ctx, m, func(ctx context.Context) (bson.Raw, error) {
		doc, err := m.coll.FindOneAndUpdate(ctx, and(id, held), upd, opts).Raw()
		return slices.Clone(doc), err
	})
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return nil, fmt.Errorf("%s in %s: %w", doing, m.where(), ErrConflict)
	case err != nil:
		return nil, fmt.Errorf("%s in %s: %w", doing, m.where(), err)
	}
	return m.codec.item(doc), nil
}

// Create writes a connection document only if none has its id (an upsert
// that only inserts; one that names no rooms gets an empty array of them), or adds a room entry to its connection's document
// only if the document does not hold it yet ($addToSet); otherwise it
// returns ErrConflict. A room entry of a connection with no document is
// ErrNotFound: a room cannot be kept without its connection.
func (m *MongoRegistry) Create(ctx context.Context, subscriptions bool, item Item) error {
	if subscriptions {
		return m.joinRoom(ctx, item)
	}
	doing := "creating a document"
	idField := m.schema.Connections.Attrs.ID
	id := item[idField]
	if id == nil {
		return fmt.Errorf("%s in %s: the record names no %s", doing, m.where(), idField)
	}
	filter := bson.D{{Key: idField, Value: m.codec.value(idField, id)}}
	doc := m.codec.doc(item)
	if _, ok := item[m.schema.Mongo.Rooms]; !ok {
		// in no room yet, as a schema's default ([]) writes a new document
		doc = append(doc, bson.E{Key: m.schema.Mongo.Rooms, Value: bson.A{}})
	}
	upd := bson.D{{Key: "$setOnInsert", Value: doc}}
	res, err := mongoCall(ctx, m, func(ctx context.Context) (*mongo.UpdateResult, error) {
		return m.coll.UpdateOne(ctx, filter, upd, options.UpdateOne().SetUpsert(true))
	})
	switch {
	case mongo.IsDuplicateKeyError(err):
		return fmt.Errorf("%s in %s: %w", doing, m.where(), ErrConflict)
	case err != nil:
		return fmt.Errorf("%s in %s: %w", doing, m.where(), err)
	case res.MatchedCount > 0:
		return fmt.Errorf("%s in %s: %w", doing, m.where(), ErrConflict)
	}
	return m.setDropped(ctx, res.UpsertedID, doc)
}

// setDropped writes the null and empty-array fields of doc into the
// document just inserted as upsertedID: FerretDB drops them from
// $setOnInsert, where MongoDB keeps them.
func (m *MongoRegistry) setDropped(ctx context.Context, upsertedID any, doc bson.D) error {
	dropped := bson.D{}
	for _, e := range doc {
		if a, isArray := e.Value.(bson.A); e.Value == nil || isArray && len(a) == 0 {
			dropped = append(dropped, e)
		}
	}
	if len(dropped) == 0 || upsertedID == nil {
		return nil
	}
	_, err := mongoCall(ctx, m, func(ctx context.Context) (*mongo.UpdateResult, error) {
		return m.coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: upsertedID}}, bson.D{{Key: "$set", Value: dropped}})
	})
	if err != nil {
		return fmt.Errorf("creating a document in %s: setting its null and empty fields: %w", m.where(), err)
	}
	return nil
}

// joinRoom adds a room entry to its connection's document.
func (m *MongoRegistry) joinRoom(ctx context.Context, item Item) error {
	doing := "adding a room entry"
	id, err := m.idCond(true, item, doing)
	if err != nil {
		return err
	}
	rooms := m.schema.Mongo.Rooms
	room := m.codec.value("", item[m.schema.Subscriptions.Attrs.Key])
	filter := and(id, bson.D{{Key: rooms, Value: bson.D{{Key: "$ne", Value: room}}}})
	upd := bson.D{{Key: "$addToSet", Value: bson.D{{Key: rooms, Value: room}}}}
	res, err := mongoCall(ctx, m, func(ctx context.Context) (*mongo.UpdateResult, error) {
		return m.coll.UpdateOne(ctx, filter, upd)
	})
	switch {
	case err != nil:
		return fmt.Errorf("%s in %s: %w", doing, m.where(), err)
	case res.MatchedCount > 0:
		return nil
	}
	if _, err := m.findOne(ctx, id, m.projection([]string{m.schema.Connections.Attrs.ID})); err != nil {
		return fmt.Errorf("%s in %s: no connection document holds it: %w", doing, m.where(), err)
	}
	return fmt.Errorf("%s in %s: %w", doing, m.where(), ErrConflict)
}

// DeleteUnchanged deletes a connection document only if it still holds
// every field of item with the same value (it may hold more), or removes a
// room entry only if its document still holds it; otherwise it returns
// ErrConflict and leaves the document as it is.
func (m *MongoRegistry) DeleteUnchanged(ctx context.Context, subscriptions bool, item Item) error {
	doing := "deleting a document"
	if subscriptions {
		doing = "removing a room entry"
	}
	id, err := m.idCond(subscriptions, item, doing)
	if err != nil {
		return err
	}
	var n int64
	if subscriptions {
		n, err = m.leaveRooms(ctx, id, bson.A{m.codec.value("", item[m.schema.Subscriptions.Attrs.Key])}, false)
	} else {
		conds := []bson.D{id}
		for _, k := range slices.Sorted(maps.Keys(item)) {
			conds = append(conds, m.codec.conds(k, item[k]))
		}
		var res *mongo.DeleteResult
		res, err = mongoCall(ctx, m, func(ctx context.Context) (*mongo.DeleteResult, error) {
			return m.coll.DeleteOne(ctx, and(conds...))
		})
		if err == nil {
			n = res.DeletedCount
		}
	}
	switch {
	case err != nil:
		return fmt.Errorf("%s in %s: %w", doing, m.where(), err)
	case n == 0:
		return fmt.Errorf("%s in %s: %w", doing, m.where(), ErrConflict)
	}
	return nil
}

// leaveRooms removes the room entries rooms from the documents id picks
// and returns how many documents held one: pulled from an array, and a
// rooms field that is one of them as a string is removed whole. With many
// set it acts on every document id picks, else on the first.
func (m *MongoRegistry) leaveRooms(ctx context.Context, id bson.D, rooms bson.A, many bool) (int64, error) {
	models := m.leaveModels(id, rooms, many)
	res, err := mongoCall(ctx, m, func(ctx context.Context) (*mongo.BulkWriteResult, error) {
		return m.coll.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false))
	})
	if err != nil {
		return 0, err
	}
	return res.MatchedCount, nil
}

// leaveModels are the writes that remove rooms from the documents id
// picks (every one with many, else the first): a $pullAll from an array
// (what $pull with $in does, on every server that speaks the protocol), an
// $unset of a rooms string that is one of them.
func (m *MongoRegistry) leaveModels(id bson.D, rooms bson.A, many bool) []mongo.WriteModel {
	f := m.schema.Mongo.Rooms
	in := bson.D{{Key: f, Value: bson.D{{Key: "$in", Value: rooms}}}}
	// An array that holds one of rooms has an element 0; a string has none.
	// ({$type: "array"} would do on MongoDB, not on every server that
	// speaks its protocol.)
	first := func(exists bool) bson.D {
		return bson.D{{Key: f + ".0", Value: bson.D{{Key: "$exists", Value: exists}}}}
	}
	writes := []struct{ filter, update bson.D }{
		{and(id, in, first(true)), bson.D{{Key: "$pullAll", Value: bson.D{{Key: f, Value: rooms}}}}},
		{and(id, in, first(false)), bson.D{{Key: "$unset", Value: bson.D{{Key: f, Value: ""}}}}},
	}
	models := make([]mongo.WriteModel, len(writes))
	for i, w := range writes {
		if many {
			models[i] = mongo.NewUpdateManyModel().SetFilter(w.filter).SetUpdate(w.update)
		} else {
			models[i] = mongo.NewUpdateOneModel().SetFilter(w.filter).SetUpdate(w.update)
		}
	}
	return models
}

// DeleteRecords deletes connection documents (by the id of each record in
// conns) and room entries (subs: each its connection id and key) with
// deleteMany and bulk updates, a thousand ids at a time. A record already
// absent is no error. Documents go first (their room entries with them),
// then the room entries of documents that stay.
func (m *MongoRegistry) DeleteRecords(ctx context.Context, conns, subs []Item) error {
	var ids []types.AttributeValue
	for _, c := range conns {
		if id := c[m.schema.Connections.Attrs.ID]; id != nil {
			ids = append(ids, id)
		}
	}
	if _, err := m.deleteDocuments(ctx, ids); err != nil {
		return err
	}
	sa := m.schema.Subscriptions.Attrs
	byID := map[string]bson.A{}
	idOf := map[string]types.AttributeValue{}
	for _, s := range subs {
		id, room := s[sa.ConnectionID], s[sa.Key]
		if id == nil || room == nil {
			continue
		}
		k, _ := MarshalValue(id)
		byID[string(k)] = append(byID[string(k)], m.codec.value("", room))
		idOf[string(k)] = id
	}
	var models []mongo.WriteModel
	for _, k := range slices.Sorted(maps.Keys(byID)) {
		id := bson.D{{Key: m.schema.Connections.Attrs.ID, Value: m.idMatch(idOf[k])}}
		models = append(models, m.leaveModels(id, byID[k], true)...)
	}
	for chunk := range slices.Chunk(models, keysPerQuery) {
		_, err := mongoCall(ctx, m, func(ctx context.Context) (*mongo.BulkWriteResult, error) {
			return m.coll.BulkWrite(ctx, chunk, options.BulkWrite().SetOrdered(false))
		})
		if err != nil {
			return fmt.Errorf("removing room entries in %s: %w", m.where(), err)
		}
	}
	return nil
}

// deleteDocuments deletes the documents of ids, a thousand at a time, and
// says how many it deleted.
func (m *MongoRegistry) deleteDocuments(ctx context.Context, ids []types.AttributeValue) (int64, error) {
	var n int64
	for chunk := range slices.Chunk(ids, keysPerQuery) {
		res, err := mongoCall(ctx, m, func(ctx context.Context) (*mongo.DeleteResult, error) {
			return m.coll.DeleteMany(ctx, m.idsFilter(chunk))
		})
		if err != nil {
			return n, fmt.Errorf("deleting documents in %s: %w", m.where(), err)
		}
		n += res.DeletedCount
	}
	return n, nil
}

// DeleteConnections deletes the documents of the given connections, their
// room entries with them. A connection with no document is no error.
func (m *MongoRegistry) DeleteConnections(ctx context.Context, ids []string) (DeleteResult, error) {
	var res DeleteResult
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	subs, err := m.SubscriptionsOfMany(ctx, ids)
	if err != nil {
		return res, err
	}
	rooms := map[string]int{}
	for _, s := range subs {
		rooms[s.ConnectionID]++
	}
	for chunk := range slices.Chunk(ids, keysPerQuery) {
		keys := make([]types.AttributeValue, len(chunk))
		for i, id := range chunk {
			keys[i] = &types.AttributeValueMemberS{Value: id}
		}
		n, err := m.deleteDocuments(ctx, keys)
		res.Connections += int(n)
		if err != nil {
			return res, err
		}
		for _, id := range chunk {
			res.Subscriptions += rooms[id]
		}
	}
	return res, nil
}
