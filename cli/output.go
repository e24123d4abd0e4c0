package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"wsops/internal/human"
	"wsops/sanitize"
)

// format is an output format of -o.
type format string

const (
	formatTable format = "table"
	formatJSON  format = "json"
	formatJSONL format = "jsonl"
)

func (g *globals) format() (format, error) {
	switch f := format(g.output); f {
	case formatTable, formatJSON, formatJSONL:
		return f, nil
	}
	return "", usageError(fmt.Errorf("-o %q: want table, json or jsonl", g.output))
}

// rowWriter prints records as they arrive, in the chosen format, without
// holding them: json streams one array, jsonl one object per line, table one
// aligned line per record.
type rowWriter struct {
	w      *bufio.Writer
	format format
	cols   []column
	// fit cuts cells to their column's width (with "…"), for a terminal.
	// Otherwise (a pipe, a file) every value is printed whole: a script or
	// a log needs the whole id, and a cell wider than its column pushes the
	// rest of its line to the right.
	fit bool
	n   int
}

// column is a table column; width 0 means the rest of the line.
type column struct {
	title string
	width int
}

// newRowWriter prints to out; table cells are cut to fit only when out is a
// terminal (g.terminal).
func (g *globals) newRowWriter(out io.Writer, f format, cols []column) *rowWriter {
	return &rowWriter{w: bufio.NewWriterSize(out, 64<<10), format: f, cols: cols, fit: g.terminal(out)}
}

// write prints one record: v for json/jsonl, cells for table. It returns the
// first write error (a closed pipe, say), so a stream can stop early.
func (r *rowWriter) write(v any, cells ...string) error {
	first := r.n == 0
	r.n++
	switch r.format {
	case formatJSON, formatJSONL:
		b, err := marshal(v)
		if err != nil {
			return err
		}
		b = sanitize.JSON(b)
		switch {
		case r.format == formatJSONL:
			b = append(b, '\n')
		case first:
			r.w.WriteString("[\n")
		default:
			r.w.WriteString(",\n")
		}
		_, err = r.w.Write(b)
		return err
	}
	if first {
		titles := make([]string, len(r.cols))
		for i, c := range r.cols {
			titles[i] = c.title
		}
		r.line(titles)
	}
	return r.line(cells)
}

// jsonAppender is a record that writes its own JSON, as json.Marshal would.
type jsonAppender interface {
	appendJSON(b []byte) ([]byte, error)
}

// marshal is json.Marshal, or v's own appendJSON when it has one.
func marshal(v any) ([]byte, error) {
	if a, ok := v.(jsonAppender); ok {
		return a.appendJSON(make([]byte, 0, 512))
	}
	return json.Marshal(v)
}

func (r *rowWriter) line(cells []string) error {
	parts := make([]string, len(cells))
	for i, cell := range cells {
		parts[i] = sanitize.Text(cell)
		if width := r.width(i); width > 0 && (r.fit || sanitize.Width(parts[i]) <= width) {
			parts[i] = sanitize.Cell(parts[i], width) // cut or padded to the column
		}
	}
	_, err := r.w.WriteString(strings.TrimRight(strings.Join(parts, "  "), " ") + "\n")
	return err
}

// width is column i's width; 0 for the last column, which takes the rest.
func (r *rowWriter) width(i int) int {
	if i < len(r.cols) {
		return r.cols[i].width
	}
	return 0
}

// writeJSON prints v as one line of JSON, with the characters a terminal
// would act on escaped (sanitize.JSON): records can hold them.
func writeJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(sanitize.JSON(b), '\n'))
	return err
}

// close ends the output (the closing bracket of a json array, even an empty one).
func (r *rowWriter) close() error {
	if r.format == formatJSON {
		if r.n == 0 {
			r.w.WriteString("[")
		}
		r.w.WriteString("\n]\n")
	}
	return r.w.Flush()
}

// list runs a listing command: it connects, streams rows through each into
// one writer in the chosen format, and maps the outcome to an exit code. A
// listing cut short (Ctrl-C, a deadline) is not complete, and fails.
func (g *globals) list(ctx context.Context, cols []column, each func(context.Context, *env, *rowWriter) error) error {
	out, err := g.format()
	if err != nil {
		return err
	}
	e, err := g.connect(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w := g.newRowWriter(g.streams.Out, out, cols)
	listErr := each(ctx, e, w)
	if listErr == nil {
		listErr = ctx.Err()
	}
	if err := w.close(); err != nil && listErr == nil {
		listErr = err
	}
	if listErr != nil {
		return failed(listErr)
	}
	return nil
}

// rfc3339 formats t for JSON output; nil for the zero time.
func rfc3339(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339Nano)
	return &s
}

// age is a short human duration since t ("42s", "5m", "3h", "2d"), "-" for zero.
func age(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return human.Age(now.Sub(t))
}

// nonNil turns a nil slice into an empty one so JSON shows [] and not null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
