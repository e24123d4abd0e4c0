package config

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	toml "github.com/pelletier/go-toml/v2"

	"wsops/internal/human"
	"wsops/secret"
)

// Error is a problem with a config file. It names the file, the profile and
// the key (each when known), the line, and what was expected; it never holds
// a secret value. Keys are relative to the profile ("schema.connections.table");
// elements of arrays are numbered from 1 ("repair[2].set").
type Error struct {
	File    string // "" for the built-in config
	Profile string
	Key     string
	Line    int // 0 when unknown
	Msg     string
	// Err is the underlying error, if any (a go-toml or file system error),
	// for errors.Is and errors.As. Its text is not part of Error().
	Err error
}

// Error formats e as
// `config.toml: profile "wizz-dev": key "scan_segments" (line 12): expected …`.
func (e *Error) Error() string {
	var b strings.Builder
	if e.File == "" {
		b.WriteString("built-in config")
	} else {
		b.WriteString(e.File)
	}
	if e.Profile != "" {
		fmt.Fprintf(&b, ": profile %q", e.Profile)
	}
	if e.Key != "" {
		fmt.Fprintf(&b, ": key %q", e.Key)
	}
	if e.Line > 0 {
		if e.Profile == "" && e.Key == "" {
			fmt.Fprintf(&b, ": line %d", e.Line)
		} else {
			fmt.Fprintf(&b, " (line %d)", e.Line)
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// decodeError turns an error of the strict TOML decoder into an *Error.
func decodeError(file string, doc []byte, err error) *Error {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) && len(strict.Errors) > 0 {
		first := &strict.Errors[0]
		e := keyedError(file, first)
		unknown, allowed := unknownKey(first.Key())
		e.Profile, e.Key = splitKey(unknown)
		e.Msg = "unknown key"
		if len(allowed) > 0 {
			e.Msg += "; expected one of " + strings.Join(allowed, ", ")
		}
		if more := len(strict.Errors) - 1; more > 0 {
			e.Msg += fmt.Sprintf(" (and %d more unknown %s)", more, human.Plural(more, "key", "keys"))
		}
		e.Err = err
		return e
	}
	var de *toml.DecodeError
	if !errors.As(err, &de) {
		return &Error{File: file, Msg: "invalid TOML: " + strings.TrimPrefix(err.Error(), "toml: "), Err: err}
	}
	e := keyedError(file, de)
	e.Err = err
	msg := strings.TrimPrefix(de.Error(), "toml: ")
	if len(de.Key()) == 0 {
		// A syntax error: name the table it is in.
		at := indexPositions(doc).at(e.Line)
		e.Profile, e.Key = at.profile, at.key
		e.Msg = "invalid TOML: " + msg
		return e
	}
	if isStructural(msg) {
		// go-toml keys these by the expression alone, relative to the
		// table in effect unless the expression is a table header.
		key := de.Key()
		if ix := indexPositions(doc); !ix.isHeaderLine(e.Line) {
			key = append(slices.Clone(ix.tableAt(e.Line)), key...)
		}
		e.Profile, e.Key = splitKey(key)
		e.Msg = "invalid TOML: " + msg
		return e
	}
	want := expectation(de.Key())
	row, col := de.Position()
	if got, ok := mismatchGot(msg); ok {
		e.Msg = "expected " + want + ", got " + describeGot(got, rawValueAt(doc, row, col), de.Key())
	} else {
		e.Msg = "expected " + want + ": " + msg
	}
	return e
}

// isStructural reports whether a go-toml message is about the document's
// structure (a key defined twice, a table where a value is) rather than
// about a value's type.
func isStructural(msg string) bool {
	for _, s := range []string{"already defined", "already exists", "cannot store a", "cannot store an", "cannot reach element", "too small to store"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// keyedError starts an *Error from a go-toml error's key and position.
func keyedError(file string, de *toml.DecodeError) *Error {
	profile, key := splitKey(de.Key())
	line, _ := de.Position()
	return &Error{File: file, Profile: profile, Key: key, Line: line}
}

// splitKey splits a full TOML key into the profile it is in and the key
// relative to the profile.
func splitKey(parts []string) (profile, key string) {
	if len(parts) >= 2 && parts[0] == "profiles" {
		return parts[1], strings.Join(parts[2:], ".")
	}
	return "", strings.Join(parts, ".")
}

// mismatchGot extracts the TOML type from a go-toml type mismatch message
// ("cannot decode TOML string into …", "cannot store a table in a …").
func mismatchGot(msg string) (tomlType string, ok bool) {
	if rest, found := strings.CutPrefix(msg, "cannot decode TOML "); found {
		tomlType, _, ok = strings.Cut(rest, " into ")
		return tomlType, ok
	}
	if rest, found := strings.CutPrefix(msg, "cannot store "); found {
		tomlType, _, ok = strings.Cut(rest, " in ")
		return strings.TrimPrefix(strings.TrimPrefix(tomlType, "an "), "a "), ok
	}
	return "", false
}

// describeGot says what the file held instead of what was expected: the raw
// value for a short scalar that cannot be a secret, else its TOML type.
func describeGot(tomlType, raw string, key []string) string {
	scalar := tomlType == "string" || tomlType == "integer" || tomlType == "float" || tomlType == "boolean"
	sensitive := slices.Contains(key, "token") || slices.Contains(key, "sandbox_secret")
	if scalar && !sensitive && raw != "" && len(raw) <= 40 && !secret.ContainsSecret(raw) {
		return raw
	}
	return article(tomlType) + " " + tomlType
}

// expectation says what a key must hold, for messages about a wrong type.
func expectation(key []string) string {
	if len(key) == 2 && key[0] == "profiles" {
		return "a table of profile settings, [profiles.NAME]"
	}
	switch key[len(key)-1] {
	case "profiles":
		return "tables of profiles, [profiles.NAME]"
	case "scan_segments":
		return fmt.Sprintf("an integer from 1 to %d", MaxScanSegments)
	case "management_rps", "repair_rps":
		return "a number greater than 0"
	case "sandbox", "read_only", "production":
		return "true or false"
	case "repair":
		return "an array of tables, [[profiles.NAME.repair]]"
	case "messages":
		return "an array of tables, [[profiles.NAME.messages]]"
	case "token":
		return "a table with value or command"
	case "schema", "connections", "subscriptions", "attributes":
		return "a table"
	case "app_entity":
		return "a table of app = entity type, both strings"
	case "where", "where_not", "set":
		return "a table of attribute = value"
	case "where_missing":
		return "an array of attribute names"
	}
	return "a string"
}

// unknownKey finds the first part of key that the config types do not
// accept, by walking the raw config types along the key's path. It returns
// the key up to that part and the keys the table holding it accepts.
func unknownKey(key []string) (unknown []string, allowed []string) {
	t := reflect.TypeFor[rawFile]()
	for i, part := range key {
		t = elem(t)
		switch t.Kind() {
		case reflect.Map:
			t = t.Elem()
			continue
		case reflect.Struct:
			if f, ok := fieldByTag(t, part); ok {
				t = f.Type
				continue
			}
			for f := range t.Fields() {
				allowed = append(allowed, tagName(f))
			}
			slices.Sort(allowed)
			return key[:i+1], allowed
		}
		break
	}
	return key, nil
}

// elem strips pointers and slices from t.
func elem(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	return t
}

// fieldByTag finds the field of struct type t decoded from TOML key name.
func fieldByTag(t reflect.Type, name string) (reflect.StructField, bool) {
	for f := range t.Fields() {
		if tagName(f) == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// tagName is the TOML key of a field.
func tagName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
	return name
}

// rawValueAt returns the value text starting at a 1-based line and byte
// column of doc: a quoted string with its quotes, or a bare word.
func rawValueAt(doc []byte, line, col int) string {
	lines := strings.Split(string(doc), "\n")
	if line < 1 || line > len(lines) || col < 1 || col > len(lines[line-1]) {
		return ""
	}
	text := strings.TrimRight(lines[line-1][col-1:], "\r")
	if q := text[0]; q == '"' || q == '\'' {
		if end := strings.IndexByte(text[1:], q); end >= 0 {
			return text[:end+2]
		}
		return ""
	}
	if end := strings.IndexAny(text, " \t,]}#"); end >= 0 {
		return text[:end]
	}
	return text
}

// article returns "an" or "a" for a word.
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

// quoteAll formats names as a comma-separated list of quoted strings.
func quoteAll(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = strconv.Quote(n)
	}
	return strings.Join(quoted, ", ")
}
