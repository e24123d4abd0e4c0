package cli

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"wsops/data"
	"wsops/internal/testrig"
)

// typist is the operator at the keyboard: it answers reads with what it
// types, which the terminal echoes.
type typist struct {
	r    io.Reader
	echo io.Writer
}

func (t typist) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.echo.Write(p[:n])
	return n, err
}

// lines is what a terminal shows of out: \r returns to the start of the
// line, ESC [K erases from the cursor to its end, \n starts a new line.
func lines(out string) []string {
	var shown []string
	var line []rune
	col := 0
	for i := 0; i < len(out); {
		switch {
		case strings.HasPrefix(out[i:], "\x1b[K"):
			line, i = line[:col], i+3
		case out[i] == '\r':
			col, i = 0, i+1
		case out[i] == '\n':
			shown, line, col, i = append(shown, string(line)), nil, 0, i+1
		default:
			r, n := utf8.DecodeRuneInString(out[i:])
			if col < len(line) {
				line[col] = r
			} else {
				line = append(line, r)
			}
			col, i = col+1, i+n
		}
	}
	if len(line) > 0 {
		shown = append(shown, string(line))
	}
	return shown
}

func TestProgressLineIsErasedBeforeThePromptAndTheSummary(t *testing.T) {
	w, cfg := actionWorld(t)
	// A record whose connection is long gone, for prune to find.
	e := w.Sandbox.Endpoints()
	s := data.WizzSchema()
	_, err := testrig.DynamoClient(e.DynamoDBURL).PutItem(context.Background(), &dynamodb.PutItemInput{
		TableName: aws.String(s.Connections.Table.Name),
		Item: s.EncodeConnection(data.Connection{ID: "GoneGoneGone0A=", User: "u9", App: "drivers", EntityType: "driver",
			Platform: "ios", ConnectedAt: time.Now().Add(-time.Hour)}),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args            []string
		typed           string
		progress, final string // the progress line's prefix, the summary's
		prompt          string
	}{
		{args: []string{"send", "--user", "u1", "--data", `{"a":1}`, "--yes"}, progress: "send: ", final: "targets 2: delivered 2"},
		{args: []string{"prune"}, typed: "yes\n", progress: "prune: ", prompt: "Type yes to go ahead: yes", final: "checked 1 "},
	} {
		var screen testrig.LockedBuffer // one terminal's output: stdout and stderr, in order
		code := execute(context.Background(), append([]string{"--config", cfg}, tc.args...),
			Streams{In: typist{strings.NewReader(tc.typed), &screen}, Out: &screen, Err: &screen},
			func(g *globals) { g.terminal = func(any) bool { return true } })
		raw := screen.String()
		if code != 0 {
			t.Fatalf("%v: exit %d: %q", tc.args, code, raw)
		}
		last := strings.LastIndex(raw, tc.progress)
		summary := strings.Index(raw, tc.final)
		if last < 0 || summary < last {
			t.Fatalf("%v: want progress (%q) drawn, then the summary (%q): %q", tc.args, tc.progress, tc.final, raw)
		}
		if !strings.Contains(raw[last:summary], clearLine) {
			t.Errorf("%v: the last progress line is not erased before the summary: %q", tc.args, raw[last:])
		}
		shown := lines(raw)
		for _, l := range shown {
			if strings.Contains(l, tc.progress) {
				t.Errorf("%v: a progress line stays on the screen: %q\nscreen:\n%s", tc.args, l, strings.Join(shown, "\n"))
			}
		}
		if tc.prompt != "" && !containsLine(shown, tc.prompt) {
			t.Errorf("%v: no line %q on the screen (the prompt on a line of its own):\n%s", tc.args, tc.prompt, strings.Join(shown, "\n"))
		}
		if !strings.HasPrefix(shown[len(shown)-2], tc.final) && !strings.HasPrefix(shown[len(shown)-1], tc.final) {
			t.Errorf("%v: the summary is not on a line of its own:\n%s", tc.args, strings.Join(shown, "\n"))
		}
	}
}

func containsLine(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}
