package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"wsops/internal/files"
)

// ConfigEnv names the environment variable that points at the config file.
const ConfigEnv = "WSOPS_CONFIG"

// ResolvePath finds the config file: the --config flag value, else
// $WSOPS_CONFIG, else $XDG_CONFIG_HOME/wsops/config.toml, else
// ~/.config/wsops/config.toml. explicit is true when the flag or the
// variable named the file, which must then exist. path is "" only when no
// home directory is known.
func ResolvePath(flag string) (path string, explicit bool) {
	if flag != "" {
		return flag, true
	}
	if env := os.Getenv(ConfigEnv); env != "" {
		return env, true
	}
	if xdg := os.Getenv("XDG_CONFIG_HOME"); filepath.IsAbs(xdg) {
		return filepath.Join(xdg, "wsops", "config.toml"), false
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return "", false
	}
	return filepath.Join(home, ".config", "wsops", "config.toml"), false
}

// maxConfigSize bounds a config file: a few kilobytes in practice.
const maxConfigSize = 1 << 20

// Load reads the config file ResolvePath finds for flag. When the file was
// not named explicitly and does not exist, it returns Builtin(). An
// explicitly named file that does not exist is an error. Errors are *Error.
// Besides the warnings of Parse, Load warns when a file holding a literal
// secret is readable by group or others. Only a regular file is read (a
// FIFO would block, /dev/zero never end), of at most maxConfigSize bytes.
func Load(flag string) (*Config, error) {
	path, explicit := ResolvePath(flag)
	if path == "" {
		return Builtin(), nil
	}
	doc, err := files.Read(path, maxConfigSize)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !explicit:
		return Builtin(), nil
	case errors.Is(err, fs.ErrNotExist):
		return nil, &Error{File: path, Msg: "no such file (named by --config or $" + ConfigEnv + ")", Err: err}
	case err != nil:
		return nil, &Error{File: path, Msg: "cannot read the file: " + errorCause(err), Err: err}
	}
	cfg, literalSecret, err := parse(path, doc)
	if err != nil {
		return nil, err
	}
	if literalSecret && runtime.GOOS != "windows" {
		if info, err := os.Stat(path); err == nil && info.Mode().Perm()&0o044 != 0 {
			w := &Error{File: path, Msg: fmt.Sprintf(
				"holds a literal secret and is readable by group or others (mode %04o); move the secret to ${env:NAME} or chmod 600 the file",
				info.Mode().Perm())}
			cfg.Warnings = append(cfg.Warnings, w.Error())
		}
	}
	return cfg, nil
}

// errorCause returns the innermost message of a file system error, without
// the path the *Error already names.
func errorCause(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
