// Package header renders the top of the console: the profile with its
// PRODUCTION and READ-ONLY badges, the endpoint, the fleet's counts with a
// sparkline, the API's own traffic from CloudWatch, and the app × entity
// type matrix with the cells that break the preset's app rule highlighted.
package header

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"

	"wsops/internal/spark"
	"wsops/metrics"
	"wsops/ops"
	"wsops/sanitize"
	"wsops/ui/styles"
)

// Info is everything the header shows. Strings come from config and records
// and are sanitized here.
type Info struct {
	Profile              string
	Production, ReadOnly bool // loud badges: " PRODUCTION ", " READ-ONLY "
	Endpoint             string
	Region               string
	Preset               string

	// Stale counts the rows a probe found gone, of Probed rows probed;
	// ProbedAt is when the last pass over the whole fleet ended (zero:
	// none yet); Probing says a pass runs, ProbeDone of ProbeTotal so far.
	Total, Stale, Probed, Problems int
	ProbedAt                       time.Time
	Probing                        bool
	ProbeDone, ProbeTotal          int

	// Cells is the live app × entity type count matrix.
	Cells map[ops.AppEntity]int
	// Breaks reports the cells that break the preset's app rule; those with
	// a count are highlighted and marked with `!`. Nil: no rule.
	Breaks func(ops.AppEntity) bool
	// Apps and Entities are the matrix's rows and columns, in order: the
	// rule's apps and entity types plus any seen. Empty: no matrix.
	Apps, Entities []string

	LastRefresh time.Time // zero: not refreshed yet
	Now         time.Time // for "refreshed 3s ago"; zero: time.Now()
	Scanning    bool
	Paused      bool   // auto-refresh paused by the operator
	Progress    string // shown after "scanning…", e.g. "12,400 rows"
	History     []int  // connection count over the session, for the sparkline
	// Failure says the last scan failed: with no refresh yet, the counts
	// line says the registry cannot be read instead of "connections 0";
	// after one, the refresh state says the last one failed.
	Failure string

	// Metrics is the API's own traffic from CloudWatch, for the strip under
	// the counts (nil: no strip); MetricsAt is when it was read. MetricsNA
	// says it could not be read: the strip only says "metrics: n/a".
	Metrics   *metrics.Report
	MetricsAt time.Time
	MetricsNA bool
}

// now is the header's clock: Now, else time.Now().
func (info Info) now() time.Time { return cmp.Or(info.Now, time.Now()) }

// sparkMax is the widest the sparkline gets; sparkMin the narrowest worth
// drawing.
const sparkMax, sparkMin = 40, 8

// View renders the header: a profile line, a counts line, the API's
// metrics strip when Metrics (or MetricsNA) is set and, when Apps and
// Entities are set, the matrix. Every line is exactly width cells. When the
// width runs short it drops the sparklines, then abbreviates, and cuts
// last; the badges go after everything else.
func View(info Info, width int, st styles.Styles) string {
	if width <= 0 {
		return ""
	}
	lines := []string{top(info, width, st), counts(info, width, st)}
	if s, ok := strip(info, width, st); ok {
		lines = append(lines, s)
	}
	return strings.Join(append(lines, matrix(info, width, st)...), "\n")
}

// top is the profile line: wsops, profile, badges, endpoint · region ·
// preset on the left, refresh state on the right.
func top(info Info, w int, st styles.Styles) string {
	sp := seg{text: " ", style: st.Header}
	var badges []seg
	if info.Production {
		badges = append(badges, sp, seg{" PRODUCTION ", st.Production})
	}
	if info.ReadOnly {
		badges = append(badges, sp, seg{" READ-ONLY ", st.ReadOnly})
	}
	profile := sanitize.Text(info.Profile)
	head := func(profile string) []seg {
		h := []seg{{"wsops", st.Title}}
		if profile != "" {
			h = append(h, sp, sp, seg{profile, st.BreadcrumbActive})
		}
		return append(h, badges...)
	}
	detail := func(endpoint string, withRest bool) []seg {
		var parts []string
		if endpoint != "" {
			parts = append(parts, endpoint)
		}
		if withRest {
			for _, s := range []string{info.Region, info.Preset} {
				if s = sanitize.Text(s); s != "" {
					parts = append(parts, s)
				}
			}
		}
		var out []seg
		for i, p := range parts {
			if i > 0 {
				out = append(out, seg{" · ", st.Muted})
			}
			out = append(out, seg{p, st.Breadcrumb})
		}
		return out
	}
	long, short := status(info)
	right := []seg{{long, st.Muted}}
	if info.Scanning {
		right[0].style = st.Key
	}
	endpoint := sanitize.Text(info.Endpoint)
	full := slices.Concat(head(profile), []seg{sp, sp})
	tries := [][2][]seg{
		{slices.Concat(full, detail(endpoint, true)), right},
	}
	if room := w - width(full) - width(detail("", true)) - 3 - 2 - width(right); endpoint != "" && room >= 12 {
		cutEndpoint := strings.TrimRight(sanitize.Cell(endpoint, room), " ")
		tries = append(tries, [2][]seg{slices.Concat(full, detail(cutEndpoint, true)), right})
	}
	tries = append(tries,
		[2][]seg{slices.Concat(full, detail("", true)), right},
		[2][]seg{head(profile), right},
		[2][]seg{head(profile), {{short, right[0].style}}},
	)
	for _, t := range tries {
		if s, ok := line(w, t[0], t[1], 2); ok {
			return s
		}
	}
	// Too narrow for it all: the badges first, then as much profile as fits.
	var last []seg
	if len(badges) > 0 {
		last = append(last, badges[1:]...)
		last = append(last, sp)
	}
	if room := w - width(last); room > 0 && profile != "" {
		last = append(last, seg{sanitize.Cell(profile, room), st.BreadcrumbActive})
	}
	return cut(w, last)
}

// status is the refresh state, long and abbreviated.
func status(info Info) (long, short string) {
	if info.Scanning {
		p := sanitize.Text(info.Progress)
		switch {
		case p == "":
			return "scanning…", "scanning…"
		case strings.HasPrefix(p, "scanning"):
			return p, "scanning…"
		}
		return "scanning… " + p, "scanning…"
	}
	switch {
	case info.Failure != "" && info.LastRefresh.IsZero():
		return "cannot read", "failed"
	case info.LastRefresh.IsZero():
		return "not refreshed yet", "-"
	}
	a := ago(info.now().Sub(info.LastRefresh))
	if info.Failure != "" {
		return "refresh failed · refreshed " + a + " ago", "failed"
	}
	if info.Paused {
		return "paused · refreshed " + a + " ago", "paused"
	}
	return "refreshed " + a + " ago", a + " ago"
}

// counts is the counts line, with the sparkline on the right; while the
// registry has never been read, what went wrong.
func counts(info Info, w int, st styles.Styles) string {
	if info.Failure != "" && info.LastRefresh.IsZero() {
		return cut(w, []seg{{"cannot read the registry: ", st.Error}, {sanitize.Text(info.Failure), st.Error}})
	}
	num := func(n int, alert lipgloss.Style) seg {
		if n > 0 {
			return seg{thousands(n), alert}
		}
		return seg{thousands(n), st.Header}
	}
	build := func(conns, problems, coverage string, gap string) []seg {
		out := []seg{{conns + " ", st.Muted}, {thousands(info.Total), st.Header}, {gap, st.Header},
			{"stale ", st.Muted}, num(info.Stale, st.Gone)}
		out = append(out, seg{coverage, st.Muted})
		return append(out, seg{gap, st.Header}, seg{problems + " ", st.Muted}, num(info.Problems, st.Problem))
	}
	full := build("connections", "problems", coverage(info, false), "   ")
	short := build("conns", "prob", coverage(info, true), "  ")
	if sw := min(len(info.History), sparkMax, w-width(full)-3); len(info.History) > 1 && sw >= sparkMin {
		spark := []seg{{spark.Range(info.History, sw), st.Sparkline}}
		if s, ok := line(w, full, spark, 3); ok {
			return s
		}
	}
	if s, ok := line(w, full, nil, 0); ok {
		return s
	}
	return cut(w, short)
}

// coverage says after the stale count how much of the fleet it covers:
// " of 300 probed 12s ago", " (probing 120/310)", " (not probed yet)"; short,
// "/300", " …120/310", " ?".
func coverage(info Info, short bool) string {
	now := info.now()
	switch {
	case info.Probing && short:
		return fmt.Sprintf(" …%s/%s", thousands(info.ProbeDone), thousands(info.ProbeTotal))
	case info.Probing:
		return fmt.Sprintf(" (probing %s/%s)", thousands(info.ProbeDone), thousands(info.ProbeTotal))
	case info.ProbedAt.IsZero() && short:
		return " ?"
	case info.ProbedAt.IsZero():
		return " (not probed yet)"
	case short:
		return "/" + thousands(info.Probed)
	}
	return fmt.Sprintf(" of %s probed %s ago", thousands(info.Probed), ago(now.Sub(info.ProbedAt)))
}

// ago is a short duration: 3s, 5m, 2h10m, 3d.
func ago(d time.Duration) string {
	d = max(0, d)
	switch {
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + "s"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	case d < 48*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return strconv.Itoa(h) + "h"
		}
		return strconv.Itoa(h) + "h" + strconv.Itoa(m) + "m"
	}
	return strconv.Itoa(int(d/(24*time.Hour))) + "d"
}

// thousands formats n with comma separators: 12,400.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
