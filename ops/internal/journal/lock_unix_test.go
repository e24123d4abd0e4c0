//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package journal

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestAJournalInUseIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	j, err := Create(path, map[string]string{"format": "test"})
	if err != nil {
		t.Fatal(err)
	}
	// The run that created it holds it.
	if _, _, err := Open(path); !errors.Is(err, ErrInUse) {
		t.Errorf("open while the creating run holds it: %v, want ErrInUse", err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}

	// Another process holds it.
	held, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(held.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Open(path); !errors.Is(err, ErrInUse) {
		t.Errorf("open while another holds it: %v, want ErrInUse", err)
	}
	held.Close()
	again, lines, err := Open(path)
	if err != nil || len(lines) != 1 {
		t.Fatalf("open once released: %d lines, %v", len(lines), err)
	}
	if err := again.Close(); err != nil {
		t.Fatal(err)
	}
}
