package data

import (
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// isoMillis is how a BSON date is written into an item: RFC 3339 in UTC
// with milliseconds, a date's own precision (JavaScript's toISOString).
const isoMillis = "2006-01-02T15:04:05.000Z07:00"

// mongoCodec converts MongoDB documents to items and items back to BSON,
// for one schema. Strings, booleans, arrays (L) and embedded documents (M)
// map one to one; numbers keep their exact digits (N); a date is written
// in the schema's time format (an RFC 3339 string, or epoch milliseconds);
// an ObjectId is its hex string; null is NULL; binary is B. Written back,
// a string is a date where the schema stores a date and an ObjectId in
// _id; conditions match a string in either of those forms, so that an item
// read from a document still finds it.
type mongoCodec struct {
	format TimeFormat
	dates  map[string]bool // top-level fields the schema stores as dates
}

func newMongoCodec(s Schema) mongoCodec {
	c := mongoCodec{format: s.Connections.TimeFormat, dates: map[string]bool{}}
	for _, f := range []string{s.Connections.Attrs.ConnectedAt, s.Connections.Attrs.LastSeenAt} {
		if f != "" {
			c.dates[f] = true
		}
	}
	return c
}

// item converts a whole document. The server validates what it stores:
// should a document still be malformed, the fields before the fault are
// kept and the decoder flags what is missing.
func (c mongoCodec) item(doc bson.Raw) Item {
	elems, _ := doc.Elements()
	item := make(Item, len(elems))
	for _, e := range elems {
		item[e.Key()] = c.attr(e.Value())
	}
	return item
}

// attr converts one BSON value.
func (c mongoCodec) attr(v bson.RawValue) types.AttributeValue {
	switch v.Type {
	case bson.TypeString:
		s, _ := v.StringValueOK()
		return &types.AttributeValueMemberS{Value: s}
	case bson.TypeInt32:
		i, _ := v.Int32OK()
		return &types.AttributeValueMemberN{Value: strconv.FormatInt(int64(i), 10)}
	case bson.TypeInt64:
		i, _ := v.Int64OK()
		return &types.AttributeValueMemberN{Value: strconv.FormatInt(i, 10)}
	case bson.TypeDouble:
		f, _ := v.DoubleOK()
		return &types.AttributeValueMemberN{Value: strconv.FormatFloat(f, 'g', -1, 64)}
	case bson.TypeDecimal128:
		d, _ := v.Decimal128OK()
		return &types.AttributeValueMemberN{Value: d.String()}
	case bson.TypeBoolean:
		b, _ := v.BooleanOK()
		return &types.AttributeValueMemberBOOL{Value: b}
	case bson.TypeDateTime:
		ms, _ := v.DateTimeOK()
		if c.format == EpochMillis {
			return &types.AttributeValueMemberN{Value: strconv.FormatInt(ms, 10)}
		}
		return &types.AttributeValueMemberS{Value: time.UnixMilli(ms).UTC().Format(isoMillis)}
	case bson.TypeObjectID:
		id, _ := v.ObjectIDOK()
		return &types.AttributeValueMemberS{Value: id.Hex()}
	case bson.TypeNull, bson.TypeUndefined:
		return &types.AttributeValueMemberNULL{Value: true}
	case bson.TypeArray:
		arr, _ := v.ArrayOK()
		vals, _ := arr.Values()
		list := make([]types.AttributeValue, len(vals))
		for i, e := range vals {
			list[i] = c.attr(e)
		}
		return &types.AttributeValueMemberL{Value: list}
	case bson.TypeEmbeddedDocument:
		doc, _ := v.DocumentOK()
		return &types.AttributeValueMemberM{Value: c.item(doc)}
	case bson.TypeBinary:
		_, data, _ := v.BinaryOK()
		return &types.AttributeValueMemberB{Value: slices.Clone(data)}
	case bson.TypeTimestamp:
		t, _, _ := v.TimestampOK()
		return &types.AttributeValueMemberN{Value: strconv.FormatUint(uint64(t), 10)}
	}
	return &types.AttributeValueMemberS{Value: v.String()}
}

// bsonTypeName names a BSON type as problems do: "a string", "a number".
func bsonTypeName(t bson.Type) string {
	switch t {
	case bson.TypeString:
		return "a string"
	case bson.TypeInt32, bson.TypeInt64, bson.TypeDouble, bson.TypeDecimal128:
		return "a number"
	case bson.TypeBoolean:
		return "a bool"
	case bson.TypeDateTime:
		return "a date"
	case bson.TypeObjectID:
		return "an ObjectId"
	case bson.TypeNull, bson.TypeUndefined:
		return "null"
	case bson.TypeArray:
		return "an array"
	case bson.TypeEmbeddedDocument:
		return "a document"
	}
	return "a " + t.String()
}

// value converts an attribute value back to BSON, to write it into field
// (a top-level field; "" for an array element or a nested field).
func (c mongoCodec) value(field string, v types.AttributeValue) any {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		if field == "_id" {
			if id, err := bson.ObjectIDFromHex(v.Value); err == nil {
				return id
			}
		}
		if c.dates[field] {
			if t, ok := c.date(v.Value); ok {
				return bson.NewDateTimeFromTime(t)
			}
		}
		return v.Value
	case *types.AttributeValueMemberN:
		return number(v.Value)
	case *types.AttributeValueMemberBOOL:
		return v.Value
	case *types.AttributeValueMemberNULL:
		return nil
	case *types.AttributeValueMemberB:
		return bson.Binary{Data: v.Value}
	case *types.AttributeValueMemberL:
		arr := make(bson.A, len(v.Value))
		for i, e := range v.Value {
			arr[i] = c.value("", e)
		}
		return arr
	case *types.AttributeValueMemberM:
		return c.doc(v.Value)
	case *types.AttributeValueMemberSS:
		arr := make(bson.A, len(v.Value))
		for i, s := range v.Value {
			arr[i] = s
		}
		return arr
	case *types.AttributeValueMemberNS:
		arr := make(bson.A, len(v.Value))
		for i, n := range v.Value {
			arr[i] = number(n)
		}
		return arr
	case *types.AttributeValueMemberBS:
		arr := make(bson.A, len(v.Value))
		for i, b := range v.Value {
			arr[i] = bson.Binary{Data: b}
		}
		return arr
	}
	return nil
}

// doc converts an item to a document, its fields in name order (_id first).
func (c mongoCodec) doc(item Item) bson.D {
	keys := slices.Sorted(maps.Keys(item))
	if i := slices.Index(keys, "_id"); i > 0 {
		keys = append([]string{"_id"}, slices.Delete(keys, i, i+1)...)
	}
	d := make(bson.D, 0, len(keys))
	for _, k := range keys {
		d = append(d, bson.E{Key: k, Value: c.value(k, item[k])})
	}
	return d
}

// date parses a string an item carries for a date field.
func (c mongoCodec) date(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	if c.format == EpochMillis {
		return epochMillis(s)
	}
	return time.Time{}, false
}

// number is a number's digits as BSON: an int64 when it is a whole number
// that fits, else a double, else a Decimal128 (digits a double cannot hold).
func number(s string) any {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f
	}
	if d, err := bson.ParseDecimal128(s); err == nil {
		return d
	}
	return s
}

// conds are the filter conditions that a document whose field holds v
// meets: equality, with a string matching its date or ObjectId form too,
// null matching null only (not a missing field), and an embedded document
// matched field by field (its fields' order in the document is unknown).
func (c mongoCodec) conds(field string, v types.AttributeValue) bson.D {
	switch v := v.(type) {
	case *types.AttributeValueMemberNULL:
		return bson.D{{Key: field, Value: bson.D{{Key: "$type", Value: "null"}}}}
	case *types.AttributeValueMemberM:
		if len(v.Value) == 0 {
			return bson.D{{Key: field, Value: bson.D{}}}
		}
		var d bson.D
		for _, k := range slices.Sorted(maps.Keys(v.Value)) {
			d = append(d, mongoCodec{format: c.format}.conds(field+"."+k, v.Value[k])...)
		}
		return d
	}
	return bson.D{{Key: field, Value: c.match(field, v)}}
}

// match is what field must equal to hold v: v's BSON, or for a string
// that may have been read from a date or an ObjectId, any of its forms.
func (c mongoCodec) match(field string, v types.AttributeValue) any {
	s, ok := v.(*types.AttributeValueMemberS)
	if !ok {
		return c.value(field, v)
	}
	forms := bson.A{s.Value}
	if id, err := bson.ObjectIDFromHex(s.Value); err == nil {
		forms = append(forms, id)
	}
	if c.dates[field] {
		if t, ok := c.date(s.Value); ok {
			forms = append(forms, bson.NewDateTimeFromTime(t))
		}
	}
	if len(forms) == 1 {
		return s.Value
	}
	return bson.D{{Key: "$in", Value: forms}}
}
