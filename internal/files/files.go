// Package files reads the files an operator names (a config, a journal, a
// payload) safely: only regular files — a FIFO would block forever, a
// device like /dev/zero never ends — and never more than a limit.
package files

import (
	"fmt"
	"io"
	"os"
)

// Regular returns an error unless path is a regular file (symbolic links
// followed).
func Regular(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file (%s)", path, kind(fi.Mode()))
	}
	return nil
}

// Read reads the regular file at path, refusing one over limit bytes.
func Read(path string, limit int64) ([]byte, error) {
	if err := Regular(path); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is over %d bytes", path, limit)
	}
	return b, nil
}

// kind names a file mode that is not a regular file's.
func kind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeDevice != 0:
		return "a device"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return m.Type().String()
}
