package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"wsops/data"
	"wsops/ops"
)

// anyProblem is --problem given with no text: any problem matches.
const anyProblem = "*"

type connsFlags struct {
	sel     data.Select
	live    bool
	stale   bool
	problem string
}

func newConnsCmd(g *globals) *cobra.Command {
	var f connsFlags
	cmd := &cobra.Command{
		Use:   "conns",
		Short: "List connection records, streamed as the scan runs",
		Long: `List the records of the connections table. A --user is read from the user index
where the schema has one; --app, --entity and --platform filter on the server.
Malformed records are listed with their problems, never dropped; the problems
include what wsops repair would fix (an entity type against the app rule, a
merchant without its business-status subscription, the profile's [[repair]]
rules). --business finds a merchant's connections (wizz: businessId).
--live asks the management API (GetConnection) whether each connection is still
there; --stale keeps only those that are gone.`,
		Example: `  wsops conns --app order-receiver --problem
  wsops conns --business biz-091
  wsops conns --user u-123 --live -o json
  wsops conns --stale -o jsonl | jq -r .id`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runConns(cmd.Context(), g, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.sel.App, "app", "", "only this app")
	fl.StringVar(&f.sel.EntityType, "entity", "", "only this entity type")
	fl.StringVar(&f.sel.User, "user", "", "only this user (all apps)")
	fl.StringVar(&f.sel.Platform, "platform", "", "only this platform")
	fl.StringVar(&f.sel.BusinessID, "business", "", "only this business (wizz: businessId)")
	fl.BoolVar(&f.live, "live", false, "add each connection's live status from GetConnection")
	fl.BoolVar(&f.stale, "stale", false, "only records whose connection is gone (implies --live)")
	fl.StringVar(&f.problem, "problem", "", "only records with a problem; with =TEXT, a problem containing TEXT")
	fl.Lookup("problem").NoOptDefVal = anyProblem
	return cmd
}

// connJSON is one connection in -o json/jsonl (design.md § CLI). Listing
// fills item, which is written as the attributes; Attributes is what
// decoding such a line gives back.
type connJSON struct {
	ID          string         `json:"id"`
	User        string         `json:"user"`
	EntityType  string         `json:"entity_type"`
	App         string         `json:"app"`
	Platform    string         `json:"platform"`
	ConnectedAt *string        `json:"connected_at"`
	Problems    []string       `json:"problems"`
	Attributes  map[string]any `json:"attributes"`
	Live        *liveJSON      `json:"live,omitempty"`
	item        data.Item
}

// MarshalJSON writes c as appendJSON does.
func (c connJSON) MarshalJSON() ([]byte, error) { return c.appendJSON(nil) }

// appendJSON appends c's JSON: the fields above, with the attributes as
// data.PlainItem(item) (or Attributes when item is unset), byte for byte what
// encoding/json writes for them, without its reflection over a map per
// record: `wsops conns -o jsonl` spent a third of its CPU there.
func (c connJSON) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"id":`...)
	b = data.AppendJSONString(b, c.ID)
	for _, f := range []struct{ name, value string }{{"user", c.User}, {"entity_type", c.EntityType}, {"app", c.App}, {"platform", c.Platform}} {
		b = append(b, `,"`...)
		b = append(b, f.name...)
		b = append(b, `":`...)
		b = data.AppendJSONString(b, f.value)
	}
	b = append(b, `,"connected_at":`...)
	if c.ConnectedAt == nil {
		b = append(b, "null"...)
	} else {
		b = data.AppendJSONString(b, *c.ConnectedAt)
	}
	b = append(b, `,"problems":`...)
	if c.Problems == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, p := range c.Problems {
			if i > 0 {
				b = append(b, ',')
			}
			b = data.AppendJSONString(b, p)
		}
		b = append(b, ']')
	}
	b = append(b, `,"attributes":`...)
	if c.item == nil && c.Attributes != nil {
		attrs, err := json.Marshal(c.Attributes)
		if err != nil {
			return nil, err
		}
		b = append(b, attrs...)
	} else {
		b = data.AppendPlainJSON(b, c.item)
	}
	if c.Live != nil {
		live, err := json.Marshal(c.Live)
		if err != nil {
			return nil, err
		}
		b = append(b, `,"live":`...)
		b = append(b, live...)
	}
	return append(b, '}'), nil
}

// liveJSON is a connection's status from GetConnection.
type liveJSON struct {
	Status       string  `json:"status"` // connected, gone, or unknown (the probe failed)
	ConnectedAt  *string `json:"connected_at,omitempty"`
	LastActiveAt *string `json:"last_active_at,omitempty"`
	SourceIP     string  `json:"source_ip,omitempty"`
	UserAgent    string  `json:"user_agent,omitempty"`
	Error        string  `json:"error,omitempty"`
}

// connColumns are the table columns of conns; LIVE only when probing.
func connColumns(live bool) []column {
	cols := []column{{"ID", 18}, {"USER", 20}, {"APP", 15}, {"ENTITY", 10}, {"PLATFORM", 8}, {"AGE", 5}}
	if live {
		cols = append(cols, column{"LIVE", 9})
	}
	return append(cols, column{"PROBLEMS", 0})
}

func runConns(ctx context.Context, g *globals, f connsFlags) error {
	probe := f.live || f.stale
	return g.list(ctx, connColumns(probe), func(ctx context.Context, e *env, w *rowWriter) error {
		return listConns(ctx, e, w, f, probe)
	})
}

func listConns(ctx context.Context, e *env, w *rowWriter, f connsFlags, probe bool) error {
	now := time.Now()
	print := func(c data.Connection, live *liveJSON) error {
		if f.stale && (live == nil || live.Status != "gone") {
			return nil
		}
		cells := []string{c.ID, c.User, c.App, c.EntityType, c.Platform, age(c.ConnectedAt, now)}
		if live != nil {
			cells = append(cells, live.Status)
		}
		return w.write(toConnJSON(c, live), append(cells, strings.Join(c.Problems, "; "))...)
	}
	o, err := newOps(e, headlessConfirmer{})
	if err != nil {
		return err
	}
	rows := matching(ctx, o.Connections(ctx, f.sel), f.problem)
	if probe {
		return probeEach(ctx, o, rows, print)
	}
	return eachRow(rows, func(c data.Connection) error { return print(c, nil) })
}

// row is one connection, or the error that ended the listing.
type row struct {
	conn data.Connection
	err  error
}

// matching flattens pages into rows that pass the --problem filter.
func matching(ctx context.Context, pages <-chan data.Page[data.Connection], problem string) <-chan row {
	out := make(chan row, 256)
	go func() {
		defer close(out)
		for pg := range pages {
			if pg.Err != nil {
				select {
				case out <- row{err: pg.Err}:
				case <-ctx.Done():
				}
				return
			}
			for _, c := range pg.Items {
				if !hasProblem(c.Problems, problem) {
					continue
				}
				select {
				case out <- row{conn: c}:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out
}

func hasProblem(problems []string, want string) bool {
	switch want {
	case "":
		return true
	case anyProblem:
		return len(problems) > 0
	}
	for _, p := range problems {
		if strings.Contains(p, want) {
			return true
		}
	}
	return false
}

func eachRow(rows <-chan row, fn func(data.Connection) error) error {
	for r := range rows {
		if r.err != nil {
			return r.err
		}
		if err := fn(r.conn); err != nil {
			return err
		}
	}
	return nil
}

// probeEach asks GetConnection about every row through ops' live read
// (rate-limited, concurrent) and prints each row with its live status as the
// answers arrive.
func probeEach(ctx context.Context, o *ops.Ops, rows <-chan row, print func(data.Connection, *liveJSON) error) error {
	var (
		mu      sync.Mutex
		waiting = map[string]data.Connection{}
		listErr error
	)
	ids := make(chan string)
	go func() {
		defer close(ids)
		for r := range rows {
			if r.err != nil {
				mu.Lock()
				listErr = r.err
				mu.Unlock()
				return
			}
			mu.Lock()
			waiting[r.conn.ID] = r.conn
			mu.Unlock()
			select {
			case ids <- r.conn.ID:
			case <-ctx.Done():
				return
			}
		}
	}()
	unknown := 0
	var stopped error
	for l := range o.Probe(ctx, ids, 0, false) {
		if l.Final {
			unknown += l.NotAttempted
			stopped = l.Err
			continue
		}
		if l.Status == ops.LiveUnknown {
			unknown++
		}
		mu.Lock()
		c := waiting[l.ID]
		delete(waiting, l.ID)
		mu.Unlock()
		if err := print(c, toLiveJSON(l)); err != nil {
			return err
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if listErr == nil && unknown > 0 {
		listErr = fmt.Errorf("the live status of %d connections is unknown (GetConnection failed or was not attempted)", unknown)
	}
	return errors.Join(listErr, stopped)
}

func toLiveJSON(l ops.Live) *liveJSON {
	switch l.Status {
	case ops.LiveConnected:
		return &liveJSON{
			Status: "connected", ConnectedAt: rfc3339(l.Info.ConnectedAt), LastActiveAt: rfc3339(l.Info.LastActiveAt),
			SourceIP: l.Info.SourceIP, UserAgent: l.Info.UserAgent,
		}
	case ops.LiveGone:
		return &liveJSON{Status: "gone"}
	}
	msg := "not answered"
	if l.Err != nil {
		msg = l.Err.Error()
	}
	return &liveJSON{Status: "unknown", Error: msg}
}

func toConnJSON(c data.Connection, live *liveJSON) connJSON {
	return connJSON{
		ID: c.ID, User: c.User, EntityType: c.EntityType, App: c.App, Platform: c.Platform,
		ConnectedAt: rfc3339(c.ConnectedAt), Problems: nonNil(c.Problems),
		item: c.Item, Live: live,
	}
}
