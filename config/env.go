package config

import (
	"fmt"
	"os"
	"strings"
)

// envRefStart opens a reference to an environment variable: ${env:NAME}.
const envRefStart = "${env:"

// expandEnv replaces every ${env:NAME} in s with the value of the variable
// NAME and reports whether s held any reference. A variable that is unset or
// empty is an error, and so is a malformed reference; errors name the
// variable, never its value.
func expandEnv(s string) (expanded string, referenced bool, err error) {
	if !strings.Contains(s, envRefStart) {
		return s, false, nil
	}
	var b strings.Builder
	rest := s
	for {
		before, after, found := strings.Cut(rest, envRefStart)
		b.WriteString(before)
		if !found {
			return b.String(), true, nil
		}
		name, tail, closed := strings.Cut(after, "}")
		if !closed || !isEnvName(name) {
			return "", true, fmt.Errorf("malformed %sNAME} reference: NAME must be letters, digits and _, not starting with a digit, and the reference must end with }", envRefStart)
		}
		value, set := os.LookupEnv(name)
		switch {
		case !set:
			return "", true, &unsetEnvError{fmt.Sprintf("environment variable %s is not set (referenced as %s%s})", name, envRefStart, name)}
		case value == "":
			return "", true, &unsetEnvError{fmt.Sprintf("environment variable %s is empty (referenced as %s%s})", name, envRefStart, name)}
		}
		b.WriteString(value)
		rest = tail
	}
}

// withoutEnvRefs returns s with its ${env:NAME} references removed, to check
// the literal rest of a value for secrets.
func withoutEnvRefs(s string) string {
	var b strings.Builder
	for {
		before, after, found := strings.Cut(s, envRefStart)
		b.WriteString(before)
		if !found {
			return b.String()
		}
		_, tail, closed := strings.Cut(after, "}")
		if !closed {
			return b.String()
		}
		s = tail
	}
}

// isEnvName reports whether name is a valid environment variable name.
func isEnvName(name string) bool {
	if name == "" || (name[0] >= '0' && name[0] <= '9') {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			return false
		}
	}
	return true
}

// unsetEnvError is a reference to a variable that is unset or empty: the
// profile (or token) that holds it fails when it is used, not the file.
type unsetEnvError struct{ msg string }

func (e *unsetEnvError) Error() string { return e.msg }
