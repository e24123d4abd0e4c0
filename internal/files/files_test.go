package files

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestOnlyRegularFilesWithinTheLimit(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(fifo, 10); err == nil || !strings.Contains(err.Error(), "a named pipe") {
		t.Errorf("a FIFO: %v (it must not block, and must say what it is)", err)
	}
	if _, err := Read("/dev/zero", 10); err == nil || !strings.Contains(err.Error(), "a device") {
		t.Errorf("/dev/zero: %v", err)
	}
	if _, err := Read(dir, 10); err == nil || !strings.Contains(err.Error(), "a directory") {
		t.Errorf("a directory: %v", err)
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, 11), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(big, 10); err == nil || !strings.Contains(err.Error(), "over 10 bytes") {
		t.Errorf("11 bytes with a limit of 10: %v", err)
	}
	if b, err := Read(big, 11); err != nil || len(b) != 11 {
		t.Errorf("11 bytes with a limit of 11: %d, %v", len(b), err)
	}
}
