package config

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// posKey is a key as errors show it: the profile, and the key relative to
// it ("repair[2].set"), or profile "" for keys outside [profiles].
type posKey struct{ profile, key string }

// header is a table header ([t] or [[t]]) and the line it is on.
type header struct {
	line int
	path []string // display parts: ["profiles", "a", "repair[2]"]
}

// positions maps the keys of a TOML document to the lines they are on, so
// that errors found after decoding can still point at a line.
type positions struct {
	lines      map[posKey]int
	headers    []header
	lineStarts []int // byte offset of each line's first byte
	arrays     map[string]int
}

// indexPositions indexes doc as far as it parses.
func indexPositions(doc []byte) *positions {
	ix := &positions{lines: map[posKey]int{}, arrays: map[string]int{}, lineStarts: []int{0}}
	for i, c := range doc {
		if c == '\n' {
			ix.lineStarts = append(ix.lineStarts, i+1)
		}
	}
	var p unstable.Parser
	p.Reset(doc)
	var table []string
	for p.NextExpression() {
		expr := p.Expression()
		switch expr.Kind {
		case unstable.Table, unstable.ArrayTable:
			table = ix.tablePath(keyParts(expr), expr.Kind == unstable.ArrayTable)
			line := ix.keyLine(expr)
			ix.record(table, line)
			ix.headers = append(ix.headers, header{line: line, path: table})
		case unstable.KeyValue:
			path := append(slices.Clone(table), keyParts(expr)...)
			ix.record(path, ix.keyLine(expr))
			ix.walkValue(path, expr.Value(), ix.keyLine(expr))
		}
	}
	return ix
}

// tablePath turns a table header's key into display parts, numbering the
// elements of arrays of tables: ["profiles","a","repair[2]"].
func (ix *positions) tablePath(raw []string, isArray bool) []string {
	path := make([]string, 0, len(raw))
	for i, part := range raw {
		id := strings.Join(append(slices.Clone(path), part), "\x00")
		if isArray && i == len(raw)-1 {
			ix.arrays[id]++
		}
		if n := ix.arrays[id]; n > 0 {
			part = fmt.Sprintf("%s[%d]", part, n)
		}
		path = append(path, part)
	}
	return path
}

// walkValue records the keys inside an inline table or an array of them.
func (ix *positions) walkValue(path []string, v *unstable.Node, line int) {
	switch v.Kind {
	case unstable.InlineTable:
		it := v.Children()
		for it.Next() {
			kv := it.Node()
			child := append(slices.Clone(path), keyParts(kv)...)
			l := ix.keyLine(kv)
			ix.record(child, l)
			ix.walkValue(child, kv.Value(), l)
		}
	case unstable.Array:
		it := v.Children()
		for i := 1; it.Next(); i++ {
			elem := slices.Clone(path)
			elem[len(elem)-1] = fmt.Sprintf("%s[%d]", elem[len(elem)-1], i)
			ix.record(elem, line)
			ix.walkValue(elem, it.Node(), line)
		}
	}
}

// record notes the line of path and of each of its parents not seen yet.
func (ix *positions) record(path []string, line int) {
	for n := len(path); n > 0; n-- {
		k := toPosKey(path[:n])
		if _, seen := ix.lines[k]; seen {
			return
		}
		ix.lines[k] = line
	}
}

// keyLine is the line of the first part of a node's key.
func (ix *positions) keyLine(n *unstable.Node) int {
	it := n.Key()
	if !it.Next() {
		return 0
	}
	off := int(it.Node().Raw.Offset)
	return sort.Search(len(ix.lineStarts), func(i int) bool { return ix.lineStarts[i] > off })
}

// line returns the line of key in profile, or of its nearest recorded
// parent, or 0.
func (ix *positions) line(profile, key string) int {
	for {
		if l, ok := ix.lines[posKey{profile, key}]; ok {
			return l
		}
		if key == "" {
			if profile == "" {
				return 0
			}
			return ix.lines[posKey{"", "profiles"}]
		}
		key = parentKey(key)
	}
}

// at returns the table whose header is the last one at or before line.
func (ix *positions) at(line int) posKey {
	return toPosKey(ix.tableAt(line))
}

// tableAt returns the display path of the table whose header is the last
// one at or before line; nil for the root table.
func (ix *positions) tableAt(line int) []string {
	var last []string
	for _, h := range ix.headers {
		if h.line > line {
			break
		}
		last = h.path
	}
	return last
}

// isHeaderLine reports whether a table header starts on line.
func (ix *positions) isHeaderLine(line int) bool {
	for _, h := range ix.headers {
		if h.line == line {
			return true
		}
	}
	return false
}

// parentKey strips the last part of a display key: "a[2].b" → "a[2]" → "a" → "".
func parentKey(key string) string {
	i := strings.LastIndexAny(key, ".[")
	if i < 0 {
		return ""
	}
	return key[:i]
}

// toPosKey splits a display path into profile and relative key.
func toPosKey(path []string) posKey {
	if len(path) >= 2 && path[0] == "profiles" {
		return posKey{path[1], strings.Join(path[2:], ".")}
	}
	return posKey{"", strings.Join(path, ".")}
}

// keyParts returns the parts of a node's key.
func keyParts(n *unstable.Node) []string {
	var parts []string
	it := n.Key()
	for it.Next() {
		parts = append(parts, string(it.Node().Data))
	}
	return parts
}
