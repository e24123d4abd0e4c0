package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"wsops/internal/files"
)

// NewProfile is a profile `wsops discover --write-profile` adds: the API
// and stage it found, and what the profile it ran under sets about where
// to reach AWS.
type NewProfile struct {
	Name    string
	Comment string // one line above the table, without "#"
	Keys    []KeyValue
}

// KeyValue is one key of a new profile, written as a TOML string, bool or
// number by its Go type.
type KeyValue struct {
	Key   string
	Value any
}

// AppendProfile adds np to the config file at path, creating the file (mode
// 0600) when it does not exist. What the file holds stays as it is, comments
// and layout included: the new table is appended. A name the file already
// uses, or a result that does not load, is an error and the file is not
// touched. The file is replaced atomically.
func AppendProfile(path string, np NewProfile) error {
	if !isProfileName(np.Name) {
		return fmt.Errorf("profile name %q: expected letters, digits, '-', '_' and '.'", np.Name)
	}
	old, err := files.Read(path, maxConfigSize)
	mode := fs.FileMode(0o600)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		old = nil
	case err != nil:
		return &Error{File: path, Msg: "cannot read the file: " + errorCause(err), Err: err}
	default:
		if info, err := os.Stat(path); err == nil {
			mode = info.Mode().Perm()
		}
		cfg, _, err := parse(path, old)
		if err != nil {
			return err
		}
		if _, exists := cfg.Profiles[np.Name]; exists {
			return &Error{File: path, Profile: np.Name, Msg: "already exists; choose another name for the new profile"}
		}
	}
	var b bytes.Buffer
	b.Write(old)
	if len(old) > 0 && !bytes.HasSuffix(old, []byte("\n")) {
		b.WriteByte('\n')
	}
	if len(old) > 0 {
		b.WriteByte('\n')
	}
	if np.Comment != "" {
		fmt.Fprintf(&b, "# %s\n", strings.ReplaceAll(np.Comment, "\n", " "))
	}
	fmt.Fprintf(&b, "[profiles.%s]\n", np.Name)
	for _, kv := range np.Keys {
		fmt.Fprintf(&b, "%s = %s\n", kv.Key, tomlValue(kv.Value))
	}
	if _, _, err := parse(path, b.Bytes()); err != nil {
		return fmt.Errorf("the new profile would not load (the file is unchanged): %w", err)
	}
	return replaceFile(path, b.Bytes(), mode)
}

func tomlValue(v any) string {
	switch v := v.(type) {
	case bool:
		return strconv.FormatBool(v)
	case int:
		return strconv.Itoa(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	default:
		return strconv.Quote(fmt.Sprint(v))
	}
}

// replaceFile writes body to path through a temporary file in its
// directory and a rename, so that a crash leaves the old file or the new.
func replaceFile(path string, body []byte, mode fs.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".config-*.toml")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(body)
	serr := tmp.Sync()
	cerr := tmp.Close()
	if err := errors.Join(werr, serr, cerr, os.Chmod(tmp.Name(), mode)); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}
