package apiview

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"wsops/sanitize"
	"wsops/ui/styles"
)

// page builds the view's content, every line at most w cells. Everything
// from AWS passes through sanitize before it is added.
type page struct {
	w     int
	st    styles.Styles
	lines []string
}

// add appends styled lines as they are.
func (p *page) add(lines ...string) { p.lines = append(p.lines, lines...) }

// gap appends an empty line.
func (p *page) gap() { p.add("") }

// title appends a section's title and a muted note after it.
func (p *page) title(text, note string) {
	line := p.st.Title.Render(text)
	if note != "" {
		line += p.st.Muted.Render("  " + note)
	}
	p.add(ansi.Truncate(line, p.w, "…"))
}

// para appends text (sanitized here) wrapped to the width, every line
// indented by indent cells and styled with style.
func (p *page) para(indent int, text string, style lipgloss.Style) {
	pad := strings.Repeat(" ", indent)
	for _, l := range strings.Split(ansi.Wrap(sanitize.Text(text), max(8, p.w-indent), ""), "\n") {
		p.add(pad + style.Render(l))
	}
}

// field appends "  label  value": the label in a column of labelW cells,
// the value (sanitized here) wrapped under itself.
func (p *page) field(label string, labelW int, value string, style lipgloss.Style) {
	indent := 2 + labelW + 2
	lines := strings.Split(ansi.Wrap(sanitize.Text(value), max(8, p.w-indent), ""), "\n")
	for i, l := range lines {
		head := strings.Repeat(" ", indent)
		if i == 0 {
			head = "  " + p.st.Muted.Render(sanitize.Cell(label, labelW)) + "  "
		}
		p.add(head + style.Render(l))
	}
}

// failure says why service could not be read, then the error when it
// says more.
func (p *page) failure(service string, err error) {
	text, detail := explain(service, err)
	p.para(2, text, p.st.App)
	if detail {
		p.para(2, err.Error(), p.st.Muted)
	}
}

// render is the view's content at width w: the API, what to fix, its
// traffic beside the registry's count, then the stage's details and the
// routes, which a short terminal scrolls to.
func (m *Model) render(w int) string {
	p := &page{w: w, st: m.st}
	m.api(p)
	described := m.report != nil && m.err == nil
	if described {
		p.gap()
		m.warnings(p)
	}
	p.gap()
	m.traffic(p)
	if described {
		p.gap()
		m.stage(p)
		p.gap()
		m.routes(p)
	}
	return strings.Join(p.lines, "\n")
}

// api is the API's name, id, endpoint and route selection, or why it
// could not be read.
func (m *Model) api(p *page) {
	switch {
	case m.err != nil:
		p.add(p.st.Title.Render("API") + "  " + p.st.Error.Render("cannot be read"))
		p.failure("apigatewayv2", m.err)
		return
	case m.report == nil && m.loading:
		p.title("API", "reading it from apigatewayv2…")
		return
	case m.report == nil:
		p.title("API", "not read yet: r reads it")
		return
	}
	a := m.report.API
	p.title("API "+sanitize.Text(a.Name), sanitize.Text(a.ID))
	p.field("endpoint", 15, a.Endpoint, p.st.App)
	p.field("route selection", 15, a.RouteSelection, p.st.App)
}

// warnings lists what to fix, each with its fix.
func (m *Model) warnings(p *page) {
	ws := m.report.Warnings
	if len(ws) == 0 {
		p.title("Warnings", "none")
		return
	}
	p.title("Warnings ("+strconv.Itoa(len(ws))+")", "")
	for _, w := range ws {
		lines := strings.Split(ansi.Wrap(sanitize.Text(w.Message), max(8, p.w-4), ""), "\n")
		for i, l := range lines {
			head := "    "
			if i == 0 {
				head = "  " + p.st.Problem.Render("!") + " "
			}
			p.add(head + p.st.Problem.Render(l))
		}
		if fix := strings.TrimSpace(w.Fix); fix != "" {
			p.para(4, "fix: "+fix, p.st.Muted)
		}
	}
}

// stage is the profile's stage: its URLs and settings, default and per
// route, and its access log.
func (m *Model) stage(p *page) {
	st, ok := m.report.API.Stage(m.report.Stage)
	if !ok {
		p.title("Stage "+sanitize.Text(m.report.Stage), "the API has no such stage (see the warnings)")
		return
	}
	labelW := len("management")
	keys := st.RouteKeys()
	for _, k := range keys {
		labelW = max(labelW, sanitize.Width(sanitize.Text("route "+k)))
	}
	labelW = min(labelW, max(10, p.w/3))
	p.title("Stage "+sanitize.Text(st.Name), "")
	p.field("websocket", labelW, st.WebSocketURL, p.st.App)
	p.field("management", labelW, st.ManagementURL, p.st.App)
	p.field("settings", labelW, st.Defaults.Summary(), p.st.App)
	for _, k := range keys {
		p.field("route "+k, labelW, st.PerRoute[k].Summary(), p.st.App)
	}
	p.field("access log", labelW, st.AccessLog.Summary(), p.st.App)
}

// routes is the table of routes: key, integration type, and the Lambda
// function behind each (or the integration's URI).
func (m *Model) routes(p *page) {
	rs := m.report.API.Routes
	p.title("Routes ("+strconv.Itoa(len(rs))+")", "")
	keyW := len("ROUTE")
	for _, r := range rs {
		keyW = max(keyW, sanitize.Width(sanitize.Text(r.Key)))
	}
	const typeW = 12
	keyW = min(keyW, max(10, (p.w-4-typeW)/3))
	fnW := max(8, p.w-2-keyW-2-typeW-2)
	row := func(style lipgloss.Style, key, kind, fn string) {
		line := "  " + sanitize.Cell(key, keyW) + "  " + sanitize.Cell(kind, typeW) + "  " + strings.TrimRight(sanitize.Cell(fn, fnW), " ")
		p.add(style.Render(ansi.Truncate(line, p.w, "…")))
	}
	row(p.st.TableHeader, "ROUTE", "INTEGRATION", "LAMBDA FUNCTION (or URI)")
	for _, r := range rs {
		kind, fn := r.Behind()
		style := p.st.Row
		if r.Integration == nil {
			style = p.st.Problem
		}
		row(style, r.Key, kind, fn)
	}
}
