// Package journal is the file a journaled action writes: one JSON line
// with the plan (the header), then the targets' intents and outcomes and
// the run's events.
package journal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"wsops/internal/files"
	"wsops/ops/auditlog"
)

// A journal is a private file (0600 in a 0700 directory), never
// overwritten, and locked while a run writes it, so that two runs of one
// journal cannot interleave.
//
// An intent is durable before intent returns: its caller makes the effect
// only then. Intents are group-committed: whoever finds no sync under way
// writes every line waiting (outcomes included) and syncs them with one
// fsync, while the others wait for it, so one fsync covers a batch of calls.
// Outcome lines are written with the next commit or on close: a crash may
// lose the outcomes of the calls of the last moments, never an intent. A
// crash may leave the last line cut short; readers cut it off.

// ErrInUse means another run holds the journal.
var ErrInUse = errors.New("journal is in use by another run")

// ErrWrite marks a journal that cannot be written: the run stops before
// its next effect.
var ErrWrite = errors.New("the journal cannot be written")

// DefaultPath is where an action's journal goes when the caller has
// no better place: $XDG_STATE_HOME/wsops/journals/<action>-<time>.jsonl
// (~/.local/state when XDG_STATE_HOME is unset), the time in UTC to the
// millisecond.
func DefaultPath(action string, now time.Time) (string, error) {
	audit, err := auditlog.DefaultPath()
	if err != nil {
		return "", fmt.Errorf("journal: %w", err)
	}
	name := fmt.Sprintf("%s-%s.jsonl", action, now.UTC().Format("20060102T150405.000Z"))
	return filepath.Join(filepath.Dir(audit), "journals", name), nil
}

// Writer is what a journal writes to: an *os.File, or a test's stand-in.
type Writer interface {
	io.Writer
	Sync() error
	Close() error
}

// File is an open, locked journal being appended to.
type File struct {
	path string

	mu      sync.Mutex
	synced  *sync.Cond
	f       Writer
	pending []byte // lines not yet written to f
	lines   uint64 // lines appended so far
	durable uint64 // lines known to be on disk
	syncing bool
	err     error // the first write error: every later append returns it
}

// Create creates a new journal at path (its directory too) whose first
// line, durable before Create returns, is header, and locks it; an existing
// file is an error, never overwritten. The header is written and synced
// under a temporary name (path + ".partial") that is then linked to path, so
// a journal never exists without its header: a crash leaves at most the
// temporary file, which names no journal.
func Create(path string, header any) (*File, error) {
	line, err := json.Marshal(header)
	if err != nil {
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	tmp := path + ".partial"
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	fail := func(err error) (*File, error) {
		f.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := os.Link(tmp, path); err != nil { // fails on an existing journal
		return fail(err)
	}
	if err := errors.Join(os.Remove(tmp), syncDir(filepath.Dir(path))); err != nil { // the name survives a power loss too
		f.Close()
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	return New(path, f), nil
}

// syncDir makes the entries of directory dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}

// Open opens an existing journal for appending: it locks it, reads
// its complete lines, and cuts off a last line left incomplete by a crash.
func Open(path string) (*File, [][]byte, error) {
	if err := files.Regular(path); err != nil { // a FIFO would block the open forever
		return nil, nil, fmt.Errorf("journal: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("journal: %w", err)
	}
	fail := func(err error) (*File, [][]byte, error) {
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
	return New(path, f), lines, nil
}

// New is the journal at path written to f, which the caller has created
// and locked.
func New(path string, f Writer) *File {
	j := &File{path: path, f: f}
	j.synced = sync.NewCond(&j.mu)
	return j
}

// Intent appends v and returns once it is on disk (with every line before it).
func (j *File) Intent(v any) error { return j.append(v, true) }

// Record appends v; it reaches the disk with the next intent, or on close.
func (j *File) Record(v any) error { return j.append(v, false) }

func (j *File) append(v any, durable bool) error {
	line, err := json.Marshal(v)
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil {
		return j.err
	}
	if err != nil {
		return j.fail(err)
	}
	j.pending = append(append(j.pending, line...), '\n')
	j.lines++
	if durable {
		return j.commit(j.lines)
	}
	return nil
}

// commit returns once line n is durable: it syncs, or waits for the sync
// under way and then syncs what came after, whichever covers n. j.mu is held.
func (j *File) commit(n uint64) error {
	for j.durable < n && j.err == nil {
		if j.syncing {
			j.synced.Wait()
			continue
		}
		j.syncing = true
		batch, upto := j.pending, j.lines
		j.pending = nil
		j.mu.Unlock()
		_, err := j.f.Write(batch)
		if err == nil {
			err = j.f.Sync()
		}
		j.mu.Lock()
		j.syncing = false
		if err != nil {
			j.fail(err)
		} else {
			j.durable = upto
		}
		j.synced.Broadcast()
	}
	return j.err
}

// Sync makes every line appended so far durable.
func (j *File) Sync() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.commit(j.lines)
}

// Close syncs and closes the journal, which releases its lock.
func (j *File) Close() error {
	err := j.Sync()
	return errors.Join(err, j.f.Close())
}

// Path is where the journal is.
func (j *File) Path() string { return j.path }

// fail records the first write error; j.mu is held.
func (j *File) fail(err error) error {
	if j.err == nil {
		j.err = fmt.Errorf("writing journal %s: %w: %w", j.path, ErrWrite, err)
	}
	return j.err
}
