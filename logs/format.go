package logs

import (
	"fmt"
	"strings"

	"wsops/sanitize"
)

// TimeLayout is how a row shows a line's time (in the local zone).
const TimeLayout = "15:04:05.000"

// Row is l as one row of text, as `wsops logs` prints it and the console
// shows it: an access line as its request's head (time, route, status,
// connection, request id), any other line indented under it with its kind
// and its message, tabs as two spaces. Everything from the log is
// sanitized: the row is safe to write to a terminal.
func Row(l Line) string {
	ts := l.Time.Local().Format(TimeLayout)
	if l.Kind == KindAccess {
		return fmt.Sprintf("%s  %-16s %-4s %s  request %s", ts, sanitize.Text(orDash(l.Route)), sanitize.Text(orDash(l.Status)),
			sanitize.Text(orDash(l.ConnectionID)), sanitize.Text(orDash(l.RequestID)))
	}
	return fmt.Sprintf("  %s  %-9s %s", ts, l.Kind, Message(l))
}

// Message is l's message as one sanitized line, tabs as two spaces.
func Message(l Line) string {
	return sanitize.Text(strings.ReplaceAll(l.Message, "\t", "  "))
}

// DurationRow is the row under a request's head that gives its handler's
// duration ("handler 3.21 ms"), or "" when no REPORT line gives one.
func DurationRow(r Request) string {
	d := r.Duration()
	if d == "" {
		return ""
	}
	return strings.Repeat(" ", 14) + " handler " + sanitize.Text(d)
}

// RequestRows are r's rows, as a trail shows them: its head, its
// handler's duration (when known), then its other lines in time order.
func RequestRows(r Request) []string {
	rows := make([]string, 0, len(r.Lines)+2)
	rows = append(rows, Row(r.Access))
	if d := DurationRow(r); d != "" {
		rows = append(rows, d)
	}
	for _, l := range r.Lines {
		rows = append(rows, Row(l))
	}
	return rows
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
