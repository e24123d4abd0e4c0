package dynamo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
)

// part is the slice of a (parallel) scan that one request reads.
type part struct{ segment, total int }

// validation is a ValidationException message, worded as DynamoDB words it.
type validation string

func (v validation) Error() string { return string(v) }

// segmentOf validates Segment/TotalSegments as DynamoDB does and returns the
// part a Scan reads; a Query, or a Scan without them, reads all of it.
func segmentOf(op string, in request) (part, error) {
	whole := part{segment: 0, total: 1}
	hasSeg, hasTotal := in.has("Segment"), in.has("TotalSegments")
	switch {
	case op != "Scan" || (!hasSeg && !hasTotal):
		return whole, nil
	case !hasTotal:
		return whole, validation("The TotalSegments parameter is required but was not present in the request when Segment parameter is present")
	case !hasSeg:
		return whole, validation("The Segment parameter is required but was not present in the request when parameter TotalSegments is present")
	}
	var seg, total int64
	if json.Unmarshal(in["Segment"], &seg) != nil || json.Unmarshal(in["TotalSegments"], &total) != nil {
		return whole, validation("Segment and TotalSegments must be integers")
	}
	switch {
	case total < 1 || total > 1000000:
		return whole, validation(fmt.Sprintf("1 validation error detected: Value '%d' at 'totalSegments' failed to satisfy constraint: Member must have value between 1 and 1000000", total))
	case seg < 0:
		return whole, validation(fmt.Sprintf("1 validation error detected: Value '%d' at 'segment' failed to satisfy constraint: Member must have value greater than or equal to 0", seg))
	case seg >= total:
		return whole, validation(fmt.Sprintf("The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: %d is not less than TotalSegments: %d", seg, total))
	}
	return part{segment: int(seg), total: int(total)}, nil
}

// keySchema is a table's primary key.
type keySchema struct{ hash, rng string }

// of identifies an item by its primary key.
func (k keySchema) of(it item) string {
	return compact(it[k.hash]) + "\x00" + compact(it[k.rng])
}

func compact(v json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, v) != nil {
		return string(v)
	}
	return b.String()
}

// segmentOfValue places a partition key value in one of total segments:
// FNV-1a of its type and value. A value the shim cannot read goes to
// segment 0, so no item is ever lost.
func segmentOfValue(v json.RawMessage, total int) int {
	var a struct {
		S, N *string
		B    []byte
	}
	if total <= 1 || json.Unmarshal(v, &a) != nil {
		return 0
	}
	h := fnv.New32a()
	switch {
	case a.S != nil:
		_, _ = h.Write(append([]byte("S"), *a.S...))
	case a.N != nil:
		_, _ = h.Write(append([]byte("N"), *a.N...))
	case a.B != nil:
		_, _ = h.Write(append([]byte("B"), a.B...))
	default:
		return 0
	}
	return int(h.Sum32() % uint32(total))
}

// sameKey reports whether it carries exactly the key attributes of key.
func sameKey(it, key item) bool {
	for k, v := range key {
		if it[k] == nil || compact(it[k]) != compact(v) {
			return false
		}
	}
	return true
}
