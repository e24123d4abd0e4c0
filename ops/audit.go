package ops

import (
	"bufio"
	"bytes"
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

// AuditEntry is one line of the audit log: who did what to how many, with
// what result. It never holds a payload, only its size and SHA-256.
type AuditEntry struct {
	Time          time.Time      `json:"time"`
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
func (e AuditEntry) ResultText() string {
	parts := make([]string, 0, len(e.Result))
	for _, k := range slices.Sorted(maps.Keys(e.Result)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, e.Result[k]))
	}
	return strings.Join(parts, ", ")
}

// Fingerprint sets the entry's payload size and SHA-256.
func (e *AuditEntry) Fingerprint(payload []byte) {
	sum := sha256.Sum256(payload)
	e.PayloadBytes, e.PayloadSHA256 = len(payload), hex.EncodeToString(sum[:])
}

// AuditLog appends entries to a JSON-lines file.
type AuditLog struct{ path string }

// DefaultAuditPath is $XDG_STATE_HOME/wsops/audit.jsonl, else
// ~/.local/state/wsops/audit.jsonl.
func DefaultAuditPath() (string, error) {
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

// NewAuditLog returns the log at path (created on the first Append).
func NewAuditLog(path string) *AuditLog { return &AuditLog{path: path} }

// Path is where the log lives.
func (a *AuditLog) Path() string { return a.path }

// Append writes one entry as one line, in one write; secrets that slipped
// into the error text are redacted.
func (a *AuditLog) Append(e AuditEntry) error {
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
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("audit log %s: %w", a.path, err)
	}
	return f.Close()
}

// Tail returns the last n entries, oldest first (n ≤ 0: all). A line that is
// not an entry is skipped and counted in skipped.
func (a *AuditLog) Tail(n int) (entries []AuditEntry, skipped int, err error) {
	f, err := os.Open(a.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("audit log: %w", err)
	}
	defer f.Close()
	r := bufio.NewReader(f)
	for {
		line, rerr := r.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			var e AuditEntry
			if json.Unmarshal(line, &e) != nil {
				skipped++ // not an entry (or one cut off), however long: skip it, keep the rest
			} else {
				entries = append(entries, e)
				if n > 0 && len(entries) > n {
					entries = entries[1:]
				}
			}
		}
		if rerr == io.EOF {
			return entries, skipped, nil
		}
		if rerr != nil {
			return entries, skipped, fmt.Errorf("audit log: %w", rerr)
		}
	}
}
