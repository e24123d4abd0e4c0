package apigw

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// DefaultCacheTTL is how long a discovered API is trusted before it is
// looked up again.
const DefaultCacheTTL = time.Hour

// Cache keeps what discovery found in a JSON file, so that starting wsops
// does not cost control-plane calls (about 10 a second per account) each
// time. An entry older than TTL is refreshed; when refreshing fails, the
// old entry is still offered, marked stale. A nil *Cache caches nothing.
type Cache struct {
	// Path is the file; DefaultCachePath when built by NewCache.
	Path string
	TTL  time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// DefaultCachePath is $XDG_CACHE_HOME/wsops/apigateway.json (os.UserCacheDir).
func DefaultCachePath() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "wsops", "apigateway.json"), nil
}

// NewCache is the cache at DefaultCachePath with DefaultCacheTTL; nil (no
// caching) when the machine has no cache directory.
func NewCache() *Cache {
	path, err := DefaultCachePath()
	if err != nil {
		return nil
	}
	return &Cache{Path: path, TTL: DefaultCacheTTL}
}

type cacheEntry struct {
	Found time.Time       `json:"found"`
	Value json.RawMessage `json:"value"`
}

func (c *Cache) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// get decodes the entry of key into v; fresh says whether it is younger
// than TTL. ok is false when there is none (or the file is unreadable: a
// cache never fails a command).
func (c *Cache) get(key string, v any) (fresh, ok bool) {
	if c == nil {
		return false, false
	}
	entries := c.load()
	e, found := entries[key]
	if !found || json.Unmarshal(e.Value, v) != nil {
		return false, false
	}
	return c.now().Sub(e.Found) < c.TTL, true
}

// put stores v under key, replacing the file atomically.
func (c *Cache) put(key string, v any) error {
	if c == nil {
		return nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	entries := c.load()
	entries[key] = cacheEntry{Found: c.now(), Value: raw}
	for k, e := range entries { // entries unused for a day are dropped
		if c.now().Sub(e.Found) > 24*time.Hour+c.TTL {
			delete(entries, k)
		}
	}
	body, err := json.MarshalIndent(entries, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(c.Path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(c.Path), ".apigateway-*.json")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(body)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), c.Path)
}

func (c *Cache) load() map[string]cacheEntry {
	entries := map[string]cacheEntry{}
	body, err := os.ReadFile(c.Path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return entries
	}
	if json.Unmarshal(body, &entries) != nil {
		return map[string]cacheEntry{}
	}
	return entries
}
