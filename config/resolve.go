package config

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	toml "github.com/pelletier/go-toml/v2"

	"wsops/secret"
)

// Parse decodes and validates a config file's contents; path names the file
// in errors and warnings. It does not look at the file itself (Load does,
// to warn about permissions). Errors are *Error.
func Parse(path string, doc []byte) (*Config, error) {
	cfg, _, err := parse(path, doc)
	return cfg, err
}

// parse is Parse that also reports whether the file holds a literal secret.
func parse(path string, doc []byte) (*Config, bool, error) {
	var raw rawFile
	dec := toml.NewDecoder(bytes.NewReader(doc)).DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return nil, false, decodeError(path, doc, err)
	}
	r := &resolver{file: path, pos: indexPositions(doc)}
	cfg := &Config{Path: path, Profiles: make(map[string]*Profile, len(raw.Profiles))}
	for _, name := range r.inFileOrder(raw.Profiles) {
		rp := raw.Profiles[name]
		if rp == nil {
			rp = &rawProfile{}
		}
		p, err := r.profile(name, rp)
		var unset *unsetEnvError
		switch {
		case errors.As(err, &unset):
			// Only this profile is unusable, and only when it is used.
			cfg.unusable = setErr(cfg.unusable, name, err)
			continue
		case err != nil:
			return nil, false, err
		}
		cfg.Profiles[name] = p
	}
	top := &profileResolver{resolver: r}
	cfg.DefaultProfile = top.str("default_profile", raw.DefaultProfile)
	if top.err == nil && cfg.DefaultProfile != "" && !IsBuiltin(cfg.DefaultProfile) && cfg.Profiles[cfg.DefaultProfile] == nil && cfg.unusable[cfg.DefaultProfile] == nil {
		top.fail("default_profile", "expected the name of a profile in this file; known profiles: %s", quoteAll(cfg.Names()))
	}
	if top.err != nil {
		return nil, false, top.err
	}
	cfg.Warnings = r.warnings
	return cfg, r.literalSecret, nil
}

// resolver carries what resolving the profiles of one file needs.
type resolver struct {
	file          string
	pos           *positions
	warnings      []string
	literalSecret bool
}

// inFileOrder returns the profile names in the order the file defines them,
// so the first error reported is the first in the file.
func (r *resolver) inFileOrder(profiles map[string]*rawProfile) []string {
	names := make([]string, 0, len(profiles))
	for name := range profiles {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int {
		if d := r.pos.line(a, "") - r.pos.line(b, ""); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	return names
}

// profileResolver resolves the values of one profile ("" for the top level
// of the file). The first error sticks: later calls still return values but
// report nothing, so resolution code can run straight through.
type profileResolver struct {
	*resolver
	name string
	err  *Error
}

// errorAt builds an *Error for key in this profile.
func (pr *profileResolver) errorAt(key, msg string) *Error {
	return &Error{File: pr.file, Profile: pr.name, Key: key, Line: pr.pos.line(pr.name, key), Msg: msg}
}

// fail records an error for key unless one is recorded already.
func (pr *profileResolver) fail(key, format string, args ...any) {
	if pr.err == nil {
		pr.err = pr.errorAt(key, fmt.Sprintf(format, args...))
	}
}

// failWrap is fail with an underlying error to wrap.
func (pr *profileResolver) failWrap(key string, err error, format string, args ...any) {
	if pr.err == nil {
		pr.err = pr.errorAt(key, fmt.Sprintf(format, args...))
		pr.err.Err = err
	}
}

// warn adds a warning about key.
func (pr *profileResolver) warn(key, format string, args ...any) {
	pr.warnings = append(pr.warnings, pr.errorAt(key, fmt.Sprintf(format, args...)).Error())
}

// str expands the ${env:NAME} references of a string value and warns when
// its literal part looks like a secret.
func (pr *profileResolver) str(key, raw string) string {
	v, _, err := expandEnv(raw)
	if err != nil {
		pr.failWrap(key, err, "%v", err)
		return ""
	}
	if secret.ContainsSecret(withoutEnvRefs(raw)) {
		pr.literalSecret = true
		pr.warn(key, "looks like a literal secret; reference it from the environment as %sNAME} instead", envRefStart)
	}
	return v
}

// secretStr is str for a value that is a secret whatever its shape: a
// literal one gets a warning.
func (pr *profileResolver) secretStr(key, raw string) string {
	v, referenced, err := expandEnv(raw)
	if err != nil {
		pr.failWrap(key, err, "%v", err)
		return ""
	}
	if raw != "" && !referenced {
		pr.literalSecret = true
		pr.warn(key, "is a literal secret; reference it from the environment as %sNAME} instead", envRefStart)
	}
	return v
}

// isProfileName reports whether name is usable as a profile name.
func isProfileName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range name {
		if !(c == '-' || c == '_' || c == '.' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
			return false
		}
	}
	return true
}

// setErr records err for name in m (made when nil).
func setErr(m map[string]error, name string, err error) map[string]error {
	if m == nil {
		m = map[string]error{}
	}
	m[name] = err
	return m
}
