// Package auditlog is wsops's audit log: one JSON line per mutation, a run's
// start line durable before its first call and its end line with the
// result after its last.
package auditlog

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"wsops/secret"
)

// Entry is one line of the audit log: who did what to how many, with
// what result. It never holds a payload, only its size and SHA-256. A run
// writes two lines with one Run id: its start (Phase "start"), durable
// before its first call, and its end (Phase "end") with the result. A
// refusal is one line with no phase.
type Entry struct {
	Time          time.Time      `json:"time"`
	Run           string         `json:"run,omitempty"`
	Phase         string         `json:"phase,omitempty"`
	Profile       string         `json:"profile"`
	Caller        string         `json:"caller"`
	Action        string         `json:"action"`
	Filter        string         `json:"filter"`
	Targets       int            `json:"targets"`
	Result        map[string]int `json:"result"`
	DurationMS    int64          `json:"duration_ms"`
	PayloadBytes  int            `json:"payload_bytes,omitempty"`
	PayloadSHA256 string         `json:"payload_sha256,omitempty"`
	Journal       string         `json:"journal,omitempty"`
	Error         string         `json:"error,omitempty"`
}

// ResultText is the entry's result counts in one line: "delivered 12, gone 1".
func (e Entry) ResultText() string {
	parts := make([]string, 0, len(e.Result))
	for _, k := range slices.Sorted(maps.Keys(e.Result)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, e.Result[k]))
	}
	return strings.Join(parts, ", ")
}

// Fingerprint sets the entry's payload size and SHA-256.
func (e *Entry) Fingerprint(payload []byte) {
	sum := sha256.Sum256(payload)
	e.PayloadBytes, e.PayloadSHA256 = len(payload), hex.EncodeToString(sum[:])
}

// Log appends entries to a JSON-lines file.
type Log struct{ path string }

// DefaultPath is $XDG_STATE_HOME/wsops/audit.jsonl, else
// ~/.local/state/wsops/audit.jsonl.
func DefaultPath() (string, error) {
	dir := os.Getenv("XDG_STATE_HOME")
	if !filepath.IsAbs(dir) { // the XDG spec: a relative path is invalid and ignored
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("audit log: no XDG_STATE_HOME and no home directory: %w", err)
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "wsops", "audit.jsonl"), nil
}

// New returns the log at path (created on the first Append).
func New(path string) *Log { return &Log{path: path} }

// Path is where the log lives.
func (a *Log) Path() string { return a.path }

// Start writes a run's start line and makes it durable.
func (a *Log) Start(e Entry) error {
	e.Phase = auditStart
	return a.write(e, true)
}

// End writes a run's end line.
func (a *Log) End(e Entry) error {
	e.Phase = auditEnd
	return a.write(e, false)
}

// Append writes one entry as one line, in one write; secrets that slipped
// into the error text are redacted.
func (a *Log) Append(e Entry) error { return a.write(e, false) }

// The phases of a run's lines.
const (
	auditStart = "start"
	auditEnd   = "end"
)

// NewRunID is a run's id in the audit log: random, 12 hex digits.
func NewRunID() string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

func (a *Log) write(e Entry, durable bool) error {
	e.Error = secret.Scrub(e.Error)
	line, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(a.path), 0o700); err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	f, err := os.OpenFile(a.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	_, err = f.Write(append(line, '\n'))
	if err == nil && durable {
		err = f.Sync()
	}
	if err = errors.Join(err, f.Close()); err != nil {
		return fmt.Errorf("audit log %s: %w", a.path, err)
	}
	return nil
}

// Tail returns the last n entries, oldest first (n ≤ 0: all). A run's end
// line stands for the run: its start line is left out; a start line with no
// end (a run still going, or killed) is kept. A line that is not an entry
// is skipped and counted in skipped.
func (a *Log) Tail(n int) (entries []Entry, skipped int, err error) {
	f, err := os.Open(a.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("audit log: %w", err)
	}
	defer f.Close()
	var folded []bool           // folded[i]: entries[i] is a start line its end stands for
	started := map[string]int{} // run → the index of its start line
	r := bufio.NewReader(f)
	for {
		line, rerr := r.ReadBytes('\n')
		var e Entry
		switch {
		case len(bytes.TrimSpace(line)) == 0:
		case json.Unmarshal(line, &e) != nil:
			skipped++ // not an entry (or one cut off), however long: skip it, keep the rest
		default:
			if i, ok := started[e.Run]; ok && e.Phase == auditEnd {
				folded[i] = true
			}
			if e.Phase == auditStart {
				started[e.Run] = len(entries)
			}
			entries, folded = append(entries, e), append(folded, false)
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return nil, skipped, fmt.Errorf("audit log: %w", rerr)
		}
	}
	kept := entries[:0]
	for i, e := range entries {
		if !folded[i] {
			kept = append(kept, e)
		}
	}
	if n > 0 && len(kept) > n {
		kept = kept[len(kept)-n:]
	}
	return kept, skipped, nil
}
