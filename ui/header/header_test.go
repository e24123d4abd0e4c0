package header

import (
	"io"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"wsops/data"
	"wsops/ui/styles"
)

func testStyles(p termenv.Profile) styles.Styles {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(p)
	r.SetHasDarkBackground(true)
	return styles.NewFor(r, styles.DefaultTheme())
}

var now = time.Date(2025, 11, 21, 14, 30, 0, 0, time.UTC)

// wizz is the WizzUser fleet during the incident: order-receiver records
// written with entityType customer.
func wizz() Info {
	rule := map[string]string{"drivers": "driver", "customers": "customer", "order-receiver": "merchant"}
	hist := make([]int, 60)
	for i := range hist {
		hist[i] = 11_800 + int(600*math.Sin(float64(i)/6)) + 10*i
	}
	return Info{
		Profile: "wizz-merchants-prod", Production: true, ReadOnly: true,
		Endpoint: "wss://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/dev", Region: "us-east-1", Preset: "wizz",
		Total: 12_400, Stale: 31, Probed: 12_380, Problems: 212, ProbedAt: now.Add(-12 * time.Second),
		Cells: map[data.AppEntity]int{
			{App: "drivers", EntityType: "driver"}:          3_950,
			{App: "customers", EntityType: "customer"}:      6_020,
			{App: "order-receiver", EntityType: "merchant"}: 2_218,
			{App: "order-receiver", EntityType: "customer"}: 212,
		},
		Breaks: func(c data.AppEntity) bool {
			want, ok := rule[c.App]
			return ok && want != c.EntityType
		},
		Apps:        []string{"drivers", "customers", "order-receiver"},
		Entities:    []string{"driver", "customer", "merchant"},
		LastRefresh: now.Add(-3 * time.Second), Now: now,
		History: hist,
	}
}

var sgr = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// checkLines asserts every line is exactly w cells and carries no escape
// sequence but SGR.
func checkLines(t *testing.T, view string, w int) []string {
	t.Helper()
	if w <= 0 {
		if view != "" {
			t.Fatalf("width %d: %q", w, view)
		}
		return nil
	}
	lines := strings.Split(view, "\n")
	for i, l := range lines {
		if got := lipgloss.Width(l); got != w {
			t.Fatalf("width %d: line %d is %d cells: %q", w, i, got, l)
		}
		if strings.ContainsAny(sgr.ReplaceAllString(l, ""), "\x1b\x07\x00\r\u009b\u202e") {
			t.Fatalf("width %d: line %d carries a raw control character: %q", w, i, l)
		}
	}
	return lines
}

func TestEveryLineHasTheWidth(t *testing.T) {
	hostile := wizz()
	hostile.Profile = "\x1b]0;pwned\x07prod\u202e"
	hostile.Endpoint = "wss://x\x1b[2J.example/dev"
	hostile.Apps = append(hostile.Apps, "\x1b]52;c;Zm9v\x07", "山田アプリ")
	hostile.Entities = append(hostile.Entities, "e\u0301ntite\u0301", "\x9b31m")
	hostile.Cells[data.AppEntity{App: "山田アプリ", EntityType: "\x9b31m"}] = 7
	scanning := wizz()
	scanning.Scanning, scanning.Progress = true, "12,400 rows"
	bare := Info{}
	infos := map[string]Info{"wizz": wizz(), "hostile": hostile, "scanning": scanning, "bare": bare}
	for _, p := range []termenv.Profile{termenv.Ascii, termenv.TrueColor} {
		st := testStyles(p)
		for name, info := range infos {
			for w := 0; w <= 180; w++ {
				lines := checkLines(t, View(info, w, st), w)
				if w > 0 && len(lines) != 2+len(info.Apps)+min(1, len(info.Apps)) {
					t.Fatalf("%s at %d: %d lines", name, w, len(lines))
				}
			}
		}
	}
}

func TestBadgesSurviveNarrowWidths(t *testing.T) {
	st := testStyles(termenv.Ascii)
	info := wizz()
	info.Profile = strings.Repeat("very-long-profile-name-", 5)
	for w := 24; w <= 180; w++ {
		top := strings.Split(View(info, w, st), "\n")[0]
		if !strings.Contains(top, " PRODUCTION ") || !strings.Contains(top, " READ-ONLY ") {
			t.Fatalf("width %d lost a badge: %q", w, top)
		}
	}
	info.ReadOnly = false
	for w := 12; w <= 180; w++ {
		if top := strings.Split(View(info, w, st), "\n")[0]; !strings.Contains(top, " PRODUCTION ") {
			t.Fatalf("width %d lost the production badge: %q", w, top)
		}
	}
}

// bars are the sparklines' block characters.
const bars = "▁▂▃▄▅▆▇█"

func TestNarrowingDropsSparklineFirst(t *testing.T) {
	st := testStyles(termenv.Ascii)
	info := wizz()
	hasSpark := func(w int) bool { return strings.ContainsAny(strings.Split(View(info, w, st), "\n")[1], bars) }
	hasFull := func(w int) bool { return strings.Contains(View(info, w, st), "connections 12,400") }
	if !hasSpark(120) || !hasFull(120) {
		t.Fatalf("120 wide: sparkline %v, full labels %v", hasSpark(120), hasFull(120))
	}
	for w := 1; w <= 180; w++ {
		if !hasSpark(w) && hasSpark(w+1) && !hasFull(w) {
			t.Fatalf("width %d: labels abbreviated while the sparkline still showed at %d", w, w+1)
		}
	}
	if hasSpark(75) || !hasFull(75) || hasFull(60) {
		t.Fatalf("75: sparkline %v, full %v; 60: full %v", hasSpark(75), hasFull(75), hasFull(60))
	}
}

func TestMatrixMarksBreaks(t *testing.T) {
	lines := strings.Split(View(wizz(), 120, testStyles(termenv.Ascii)), "\n")
	want := map[int]string{3: "3,950 ", 4: "6,020 ", 5: "212!"}
	for i, s := range want {
		if !strings.Contains(lines[i], s) {
			t.Errorf("line %d %q lacks %q", i, lines[i], s)
		}
	}
	if n := strings.Count(strings.Join(lines, "\n"), "!"); n != 2 { // the cell and the legend
		t.Errorf("%d `!` in the header, want 2:\n%s", n, strings.Join(lines, "\n"))
	}
	colour := View(wizz(), 120, testStyles(termenv.TrueColor))
	brk := testStyles(termenv.TrueColor).MatrixBreak.Render("212!")
	if !strings.Contains(colour, brk) {
		t.Errorf("the incident cell is not rendered with MatrixBreak (%q):\n%q", brk, colour)
	}
	info := wizz()
	info.Breaks = nil
	if v := View(info, 120, testStyles(termenv.Ascii)); strings.Contains(v, "!") {
		t.Errorf("no rule, yet a break is marked:\n%s", v)
	}
}

func TestStatus(t *testing.T) {
	for _, tc := range []struct {
		info        Info
		long, short string
	}{
		{Info{}, "not refreshed yet", "-"},
		{Info{LastRefresh: now.Add(-3 * time.Second), Now: now}, "refreshed 3s ago", "3s ago"},
		{Info{LastRefresh: now.Add(-3 * time.Hour), Now: now}, "refreshed 3h ago", "3h ago"},
		{Info{LastRefresh: now.Add(time.Second), Now: now}, "refreshed 0s ago", "0s ago"},
		{Info{Scanning: true}, "scanning…", "scanning…"},
		{Info{Scanning: true, Progress: "12,400 rows"}, "scanning… 12,400 rows", "scanning…"},
		{Info{Scanning: true, Progress: "scanning… 12,400 rows"}, "scanning… 12,400 rows", "scanning…"},
		{Info{Scanning: true, Progress: "\x1b[2J"}, `scanning… \x1b[2J`, "scanning…"},
	} {
		if l, s := status(tc.info); l != tc.long || s != tc.short {
			t.Errorf("status(%+v) = %q, %q; want %q, %q", tc.info, l, s, tc.long, tc.short)
		}
	}
}

func TestAgoAndThousands(t *testing.T) {
	for d, want := range map[time.Duration]string{
		-time.Second: "0s", 0: "0s", 59 * time.Second: "59s", 90 * time.Second: "1m",
		2*time.Hour + 10*time.Minute: "2h10m", 5 * time.Hour: "5h", 72 * time.Hour: "3d",
	} {
		if got := ago(d); got != want {
			t.Errorf("ago(%v) = %q, want %q", d, got, want)
		}
	}
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 12400: "12,400", -1234567: "-1,234,567", 100000: "100,000"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
