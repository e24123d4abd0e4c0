package apiview

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"wsops/internal/human"
	"wsops/internal/spark"
	"wsops/sanitize"
)

// Columns of the traffic table.
const (
	seriesW = 20
	totalW  = 9
	lastW   = 10
	// maxSpark is the widest sparkline; under minSpark cells none is drawn.
	maxSpark, minSpark = 60, 8
)

// traffic is the API's own figures from CloudWatch, one line per series
// (total, newest value, sparkline), and beside them the registry's count
// of connections — which API Gateway does not publish.
func (m *Model) traffic(p *page) {
	ms := m.metrics
	note := "CloudWatch AWS/ApiGateway, the last hour per minute"
	if ms.Report != nil {
		note += ", read " + human.Age(m.c.Now().Sub(ms.At)) + " ago"
	}
	p.title("Traffic", note)
	sw := min(maxSpark, p.w-2-seriesW-1-totalW-1-lastW-2)
	row := func(series, total, last, rest string) string {
		line := "  " + sanitize.Cell(series, seriesW) + " " + pad(total, totalW) + " " + pad(last, lastW)
		if sw >= minSpark && rest != "" {
			line += "  " + rest
		}
		return ansi.Truncate(line, p.w, "…")
	}
	switch {
	case ms.Report != nil:
		if ms.Err != nil {
			p.para(2, "the last read failed (these figures are older): "+why("CloudWatch", ms.Err), p.st.Problem)
		}
		head := "OLDEST → NEWEST"
		if sw < minSpark {
			head = ""
		}
		p.add(p.st.TableHeader.Render(row("SERIES", "TOTAL", "LAST", head)))
		for _, s := range ms.Report.Series {
			p.add(row(s.ID, s.TotalText(), s.LastText(), p.st.Sparkline.Render(spark.Line(s.Values(), sw))))
		}
	case ms.Off:
		p.para(2, "none: CloudWatch keeps an API's figures by its id, and the profile does not name its API", p.st.Muted)
	case ms.Err != nil:
		p.failure("CloudWatch", ms.Err)
	default:
		p.para(2, "reading CloudWatch…", p.st.Muted)
	}
	reg := m.count()
	live, now := "-", "the registry has not been read yet"
	if reg.known {
		live, now = strconv.Itoa(reg.total), "connections now"
		if reg.stale > 0 {
			now += ", " + strconv.Itoa(reg.stale) + " found gone by a probe"
		}
	}
	line := "  " + sanitize.Cell("registry (wsops)", seriesW) + " " + pad("", totalW) + " " + pad(live, lastW) + "  "
	p.add(ansi.Truncate(p.st.Key.Render(line)+p.st.Muted.Render(now), p.w, "…"))
	p.para(4, "API Gateway publishes no gauge of live connections: this count is wsops's, from the registry", p.st.Muted)
}

// pad right-aligns s in w cells.
func pad(s string, w int) string {
	if n := sanitize.Width(s); n < w {
		return strings.Repeat(" ", w-n) + s
	}
	return s
}
