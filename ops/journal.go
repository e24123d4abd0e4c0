package ops

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// A journal is the local record of a bulk action: one JSON line with the plan
// (the header), then one line per outcome as outcomes arrive, so that an
// interrupted run can be resumed without redoing what was done. It is a
// private file (0600 in a 0700 directory), never overwritten, and locked
// while a run writes it, so two runs of one journal cannot interleave.
//
// Lines are buffered: a crash (not a cancellation, which syncs) loses at
// most the last journalFlushLines lines or journalFlushEvery of outcomes,
// and may leave the last line cut short; readers ignore such a line and
// appenders cut it off first.

// Buffering of journal lines: flushed to the file every journalFlushLines
// lines or journalFlushEvery, whichever comes first, and on sync.
const (
	journalFlushLines = 100
	journalFlushEvery = time.Second
)

// ErrJournalInUse means another run holds the journal.
var ErrJournalInUse = errors.New("journal is in use by another run")

// DefaultJournalPath is where an action's journal goes when the caller has
// no better place: $XDG_STATE_HOME/wsops/journals/<action>-<time>.jsonl
// (~/.local/state when XDG_STATE_HOME is unset), the time in UTC to the
// millisecond.
func DefaultJournalPath(action string, now time.Time) (string, error) {
	audit, err := DefaultAuditPath()
	if err != nil {
		return "", fmt.Errorf("journal: %w", err)
	}
	name := fmt.Sprintf("%s-%s.jsonl", action, now.UTC().Format("20060102T150405.000Z"))
	return filepath.Join(filepath.Dir(audit), "journals", name), nil
}

// journalFile is an open, locked journal being appended to.
type journalFile struct {
	path    string
	f       *os.File
	w       *bufio.Writer
	pending int       // lines written to w since the last flush
	flushed time.Time // when w was last flushed
	err     error     // the first write error; every later append returns it
}

// createJournal creates a new journal at path (its directory too) and locks
// it; an existing file is an error, never overwritten.
func createJournal(path string) (*journalFile, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	return newJournalFile(path, f), nil
}

// openJournal opens an existing journal for appending: it locks it, reads
// its complete lines, and cuts off a last line left incomplete by a crash.
func openJournal(path string) (*journalFile, [][]byte, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("journal: %w", err)
	}
	fail := func(err error) (*journalFile, [][]byte, error) {
		f.Close()
		return nil, nil, fmt.Errorf("journal %s: %w", path, err)
	}
	if err := lockFile(f); err != nil {
		return fail(err)
	}
	content, err := io.ReadAll(f)
	if err != nil {
		return fail(err)
	}
	complete := bytes.LastIndexByte(content, '\n') + 1
	if complete < len(content) {
		if err := f.Truncate(int64(complete)); err != nil {
			return fail(fmt.Errorf("cutting off the incomplete last line: %w", err))
		}
	}
	if _, err := f.Seek(int64(complete), io.SeekStart); err != nil {
		return fail(err)
	}
	lines := bytes.SplitAfter(content[:complete], []byte{'\n'})
	if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	return newJournalFile(path, f), lines, nil
}

func newJournalFile(path string, f *os.File) *journalFile {
	return &journalFile{path: path, f: f, w: bufio.NewWriterSize(f, 64<<10), flushed: time.Now()}
}

// append writes v as one JSON line, flushing when enough lines or time
// have gone by. After a write error it writes nothing more.
func (j *journalFile) append(v any) error {
	if j.err != nil {
		return j.err
	}
	line, err := json.Marshal(v)
	if err != nil {
		return j.fail(err)
	}
	if _, err := j.w.Write(append(line, '\n')); err != nil {
		return j.fail(err)
	}
	j.pending++
	if j.pending >= journalFlushLines || time.Since(j.flushed) >= journalFlushEvery {
		return j.flush()
	}
	return nil
}

func (j *journalFile) flush() error {
	if j.err != nil {
		return j.err
	}
	if err := j.w.Flush(); err != nil {
		return j.fail(err)
	}
	j.pending, j.flushed = 0, time.Now()
	return nil
}

// sync flushes the buffered lines and makes them durable (fsync).
func (j *journalFile) sync() error {
	if err := j.flush(); err != nil {
		return err
	}
	if err := j.f.Sync(); err != nil {
		return j.fail(err)
	}
	return nil
}

// close syncs and closes the journal, which releases its lock.
func (j *journalFile) close() error {
	err := j.sync()
	return errors.Join(err, j.f.Close())
}

func (j *journalFile) fail(err error) error {
	j.err = fmt.Errorf("writing journal %s: %w", j.path, err)
	return j.err
}

// sharedJournal is a journal appended to from several goroutines.
type sharedJournal struct {
	mu sync.Mutex
	j  *journalFile
}

func (s *sharedJournal) append(v any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.j.append(v)
}

// readJournalHeader parses a journal's first line into header, which must
// name format (say "wsops-send-journal/1", a journal of kind "send").
func readJournalHeader(path string, lines [][]byte, format, kind string, header any) error {
	var head struct {
		Format string `json:"format"`
	}
	if len(lines) == 0 || json.Unmarshal(lines[0], &head) != nil || head.Format != format {
		return fmt.Errorf("journal %s: not a %s journal (line 1 is not a %s header)", path, kind, format)
	}
	if err := json.Unmarshal(lines[0], header); err != nil {
		return fmt.Errorf("journal %s line 1: %w", path, err)
	}
	return nil
}

// readJournalEntries parses every line after the header as an E and hands
// it to apply, in order. A line that does not parse, or that apply refuses,
// makes the journal unusable: a resume must trust it entirely.
func readJournalEntries[E any](path string, lines [][]byte, apply func(E) error) error {
	for n := 1; n < len(lines); n++ {
		var e E
		if err := json.Unmarshal(lines[n], &e); err != nil {
			return fmt.Errorf("journal %s line %d: %w", path, n+1, err)
		}
		if err := apply(e); err != nil {
			return fmt.Errorf("journal %s line %d: %w", path, n+1, err)
		}
	}
	return nil
}

// journalTarget is one target of a send's or a logout's plan.
type journalTarget struct {
	ID         string `json:"id"`
	User       string `json:"user,omitempty"`
	App        string `json:"app,omitempty"`
	EntityType string `json:"entity_type,omitempty"`
}

// journalTargets converts a plan's targets for its journal's header.
func journalTargets(targets []Target) []journalTarget {
	out := make([]journalTarget, len(targets))
	for i, t := range targets {
		out[i] = journalTarget(t)
	}
	return out
}

// resumeJournal opens the journal at path to carry on with it (a resume, an
// undo) on profile: locked, replayed into a state, and written on that same
// profile. The caller closes the journal.
func resumeJournal[S any](path, profile string, replay func(string, [][]byte) (S, error), profileOf func(S) string) (*journalFile, S, error) {
	var zero S
	j, lines, err := openJournal(path)
	if err != nil {
		return nil, zero, err
	}
	st, err := replay(path, lines)
	if err == nil && profileOf(st) != profile {
		err = fmt.Errorf("journal %s was written on profile %s, not %s", path, profileOf(st), profile)
	}
	if err != nil {
		return nil, zero, errors.Join(err, j.close())
	}
	return j, st, nil
}
