package ops

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestJournalBuffersAndFlushesEveryHundredLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journals", "j.jsonl")
	j, err := createJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.close()
	size := func() int64 {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return st.Size()
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("journal mode %v, want 0600", st.Mode().Perm())
	}
	if st, _ := os.Stat(filepath.Dir(path)); st.Mode().Perm() != 0o700 {
		t.Errorf("journal directory mode %v, want 0700", st.Mode().Perm())
	}
	j.flushed = j.flushed.Add(journalFlushEvery) // keep the time-based flush out of the way
	for range journalFlushLines - 1 {
		if err := j.append(sendEntry{ID: "a", Outcome: "delivered", Attempts: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if n := size(); n != 0 {
		t.Errorf("%d bytes written before %d lines", n, journalFlushLines)
	}
	if err := j.append(sendEntry{ID: "a", Outcome: "delivered", Attempts: 1}); err != nil {
		t.Fatal(err)
	}
	line := int64(len(`{"id":"a","outcome":"delivered","attempts":1}` + "\n"))
	if n := size(); n != journalFlushLines*line {
		t.Errorf("%d bytes after %d lines, want %d", n, journalFlushLines, journalFlushLines*line)
	}
	if _, err := createJournal(path); !errors.Is(err, fs.ErrExist) {
		t.Errorf("creating over an existing journal: %v", err)
	}
}

func TestOpenJournalCutsOffATornLastLine(t *testing.T) {
	for _, tc := range []struct {
		name, content string
		lines         int
	}{
		{"empty", "", 0},
		{"torn header", `{"format":"wsops-se`, 0},
		{"complete", "{\"a\":1}\n{\"b\":2}\n", 2},
		{"torn outcome", "{\"a\":1}\n{\"b\":2}\n{\"id\":\"x\",\"out", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "j.jsonl")
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			j, lines, err := openJournal(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(lines) != tc.lines {
				t.Errorf("%d lines %q, want %d", len(lines), lines, tc.lines)
			}
			if err := j.append(map[string]int{"c": 3}); err != nil {
				t.Fatal(err)
			}
			if err := j.close(); err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(path)
			kept := tc.content[:strings.LastIndexByte(tc.content, '\n')+1]
			if want := kept + "{\"c\":3}\n"; string(got) != want {
				t.Errorf("journal %q, want %q", got, want)
			}
		})
	}
}
