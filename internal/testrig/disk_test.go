package testrig

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSmallDiskIsFullOnceFilled(t *testing.T) {
	dir := SmallDisk(t, 8192)
	Fill(t, dir)
	if err := os.WriteFile(filepath.Join(dir, "more"), make([]byte, 10000), 0o600); err == nil {
		t.Fatal("a write to the filled disk went through")
	}
}
