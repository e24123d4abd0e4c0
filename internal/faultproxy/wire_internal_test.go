package faultproxy

import (
	"encoding/binary"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// message frames body as a wire protocol message with opcode op: for
// OP_MSG, flags 0 and one kind-0 section.
func message(t *testing.T, op uint32, body bson.D) []byte {
	t.Helper()
	doc, err := bson.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	msg := make([]byte, 16, 16+5+len(doc))
	binary.LittleEndian.PutUint32(msg[12:], op)
	msg = append(msg, 0, 0, 0, 0, 0) // flags, section kind 0
	msg = append(msg, doc...)
	binary.LittleEndian.PutUint32(msg[0:], uint32(len(msg)))
	return msg
}

// commandOf names an OP_MSG's command by its body's first key, and
// nothing for another opcode or a message too short to hold one.
func TestCommandOf(t *testing.T) {
	insert := message(t, opMsg, bson.D{{Key: "insert", Value: "websocketconnections"}, {Key: "$db", Value: "this27"}})
	cases := []struct {
		name string
		msg  []byte
		want string
	}{
		{"insert", insert, "insert"},
		{"findAndModify", message(t, opMsg, bson.D{{Key: "findAndModify", Value: "c"}}), "findAndModify"},
		{"OP_QUERY", message(t, 2004, bson.D{{Key: "hello", Value: 1}}), ""},
		{"a document sequence first", append(append([]byte{}, insert[:20]...), append([]byte{1}, insert[21:]...)...), ""},
		{"cut short", insert[:22], ""},
		{"no end to its key", insert[:28], ""},
	}
	for _, c := range cases {
		if got := commandOf(c.msg); got != c.want {
			t.Errorf("%s: commandOf = %q, want %q", c.name, got, c.want)
		}
	}
}
