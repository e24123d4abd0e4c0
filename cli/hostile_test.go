package cli

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"wsops/data"
	"wsops/sanitize"
	"wsops/wsclient"
)

// hostileStrings are the texts a registry can hold that a terminal would act
// on, or that break column arithmetic.
var hostileStrings = map[string]string{
	"HOSTILEescape00=": "\x1b[2J\x1b]0;pwned\x07\x1b]52;c;ZXZpbA==\x07\x00nul\x7fdel\u009b31mc1",
	"HOSTILEwide0000=": "配達員ドライバー",
	"HOSTILErtl00000=": "\u202eevil\u2066שלום\u2069",
	"HOSTILEcombine0=": "e\u0301e\u0301e\u0301\u200d👩‍👩‍👧",
	"HOSTILEhuge0000=": strings.Repeat("x", 380<<10),
}

// hostileItems are connection records holding hostileStrings in userId and
// appId, plus every kind of DynamoDB value: sets, binary (invalid UTF-8),
// nulls, numbers of 38 digits, a map nested 30 deep.
func hostileItems() []data.Item {
	ms := fmt.Sprint(time.Now().UnixMilli())
	nested := types.AttributeValue(&types.AttributeValueMemberS{Value: "\x1b[5mbottom"})
	for range 30 {
		nested = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"\x1b[1mk": nested}}
	}
	var items []data.Item
	for id, s := range hostileStrings {
		items = append(items, data.Item{
			"connectionId": S(id), "userId": S(s), "appId": S(s[:min(len(s), 64)]), "entityType": S("driver"),
			"platform": S("ios"), "connectedAt": N(ms),
			"big":    N("12345678901234567890123456789012345678"),
			"tiny":   N("-1E-130"),
			"bin":    &types.AttributeValueMemberB{Value: []byte{0xff, 0x1b, '[', '2', 'J', 0x00}},
			"ss":     &types.AttributeValueMemberSS{Value: []string{"\x1b[31m", "a"}},
			"ns":     &types.AttributeValueMemberNS{Value: []string{"99999999999999999999999999999999999999", "1"}},
			"bs":     &types.AttributeValueMemberBS{Value: [][]byte{{0x07}}},
			"null":   &types.AttributeValueMemberNULL{Value: true},
			"nested": nested,
		})
	}
	return items
}

// exactJSON decodes s into v keeping numbers as written.
func exactJSON(s string, v any) error {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	return d.Decode(v)
}

// startsAtCell reports whether a column starts at cell at of line l: the
// runes before it fill exactly at cells and end with the two-space gap.
func startsAtCell(l string, at int) bool {
	cells := 0
	for i, r := range l {
		if cells == at {
			return strings.HasSuffix(l[:i], "  ")
		}
		if cells > at {
			return false
		}
		cells += sanitize.Width(string(r))
	}
	return false
}

// terminalSafe fails t when out holds anything a terminal would act on.
func terminalSafe(t *testing.T, what, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Errorf("%s is not valid UTF-8", what)
	}
	for i, r := range out {
		if r == '\n' {
			continue
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			t.Errorf("%s: raw %U at byte %d: %q", what, r, i, out[max(0, i-20):min(len(out), i+20)])
			return
		}
	}
}

func TestHostileRecordsTableAndJSON(t *testing.T) {
	f := newRegistryFixture(t, "")
	f.put(t, f.schema.Connections.Table.Name, hostileItems()...)

	// On a terminal, cells are cut to their columns (in a pipe they are whole).
	table, errOut, code := runOnTerminal(t, "--config", f.config, "conns")
	if code != 0 {
		t.Fatalf("conns: exit %d: %s", code, errOut)
	}
	terminalSafe(t, "table", table)
	lines := strings.Split(strings.TrimSuffix(table, "\n"), "\n")
	if len(lines) != 1+len(hostileStrings) {
		t.Fatalf("%d lines, want a header and %d rows:\n%.2000s", len(lines), len(hostileStrings), table)
	}
	// Aligned: every column starts at the same cell on every line.
	header := lines[0]
	for _, title := range []string{"USER", "APP", "ENTITY"} {
		at := strings.Index(header, title)
		if at < 0 {
			t.Fatalf("no %s column in %q", title, header)
		}
		for _, l := range lines[1:] {
			if !startsAtCell(l, at) {
				t.Errorf("column %s does not start at cell %d in %.160q", title, at, l)
			}
		}
	}
	for _, l := range lines {
		if sanitize.Width(l) > 400 {
			t.Errorf("a %d-cell line: wide values must be cut in the table", sanitize.Width(l))
		}
	}

	for _, format := range []string{"json", "jsonl"} {
		out, errOut, code := run(t, "--config", f.config, "conns", "-o", format)
		if code != 0 {
			t.Fatalf("-o %s: exit %d: %s", format, code, errOut)
		}
		terminalSafe(t, "-o "+format, out)
		var rows []map[string]any
		if format == "json" {
			if err := exactJSON(out, &rows); err != nil {
				t.Fatalf("-o json is not JSON: %v", err)
			}
		} else {
			for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
				var row map[string]any
				if err := exactJSON(l, &row); err != nil {
					t.Fatalf("-o jsonl line is not JSON: %v", err)
				}
				rows = append(rows, row)
			}
		}
		if len(rows) != len(hostileStrings) {
			t.Fatalf("-o %s: %d rows, want %d", format, len(rows), len(hostileStrings))
		}
		for _, row := range rows {
			id := row["id"].(string)
			if row["user"] != hostileStrings[id] {
				t.Errorf("-o %s: %s user is %.60q, want the stored value exactly", format, id, row["user"])
			}
			attrs := row["attributes"].(map[string]any)
			if fmt.Sprint(attrs["big"]) != "12345678901234567890123456789012345678" {
				t.Errorf("-o %s: 38-digit number became %v", format, attrs["big"])
			}
			depth := 0
			for v := attrs["nested"]; ; depth++ {
				m, ok := v.(map[string]any)
				if !ok {
					break
				}
				v = m["\x1b[1mk"]
			}
			if depth != 30 {
				t.Errorf("-o %s: nested map %d deep, want 30", format, depth)
			}
		}
	}
}

// The ids a send or logout lists (gone, failed, unknown) come from the
// registry: one that retitles and clears the terminal is printed escaped.
func TestListedIDsAreSanitized(t *testing.T) {
	var b strings.Builder
	listIDs(&b, "gone", []string{"\x1b]0;KEYTITLE\x07\x1b[2J", "ok-id\u009b31m"})
	terminalSafe(t, "listIDs", b.String())
	if !strings.Contains(b.String(), `\x1b]0;KEYTITLE\x07\x1b[2J`) {
		t.Errorf("the hostile id is not shown escaped: %q", b.String())
	}
}

// A frame's data in -o jsonl keeps C1 and bidi controls escaped (encoding/json
// leaves them raw), and decodes to the same text.
func TestConnectJSONLFramesAreTerminalSafe(t *testing.T) {
	var b strings.Builder
	fw := newFrameWriter(&b, formatJSONL)
	data := "csi\u009b31m bidi\u202eevil"
	if err := fw.frame(wsclient.Event{Kind: wsclient.KindFrame, Dir: wsclient.In, Data: []byte(data), Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	terminalSafe(t, "connect -o jsonl", b.String())
	var f struct{ Data string }
	if err := json.Unmarshal([]byte(b.String()), &f); err != nil || f.Data != data {
		t.Errorf("the frame decodes to %q (%v), want %q", f.Data, err, data)
	}
}

// A FIFO or a device named as a config, a payload or a journal is refused at
// once: it would block the read forever, or never end.
func TestFIFOsAndDevicesAreRefused(t *testing.T) {
	_, cfg := actionWorld(t)
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--config", fifo, "conns"},
		{"--config", "/dev/zero", "conns"},
		{"--config", cfg, "send", "--user", "u1", "--data", "@/dev/zero", "--yes"},
		{"--config", cfg, "send", "--user", "u1", "--data", "@" + fifo, "--yes"},
		{"--config", cfg, "send", "--resume", fifo},
		{"--config", cfg, "prune", "--undo", fifo, "--yes"},
	} {
		_, errOut, code := run(t, args...)
		if code == ExitOK || !strings.Contains(errOut, "not a regular file") {
			t.Errorf("%v: exit %d, %q; want a refusal saying it is not a regular file", args, code, errOut)
		}
	}
}
