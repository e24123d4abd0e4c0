package clientview

import (
	"strings"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"wsops/ui/styles"
)

// form is a column of labelled text fields with one focused.
type form struct {
	labels []string
	fields []textinput.Model
	focus  int
	width  int
}

// identityLabels are the new-client form's fields, in Identity's order.
var identityLabels = []string{"user", "app", "entity", "platform", "business", "token", "query", "headers", "ping", "reconnect"}

// fieldHints are the placeholders of the form's fields: hints in
// parentheses (and the Placeholder style), so that no hint is taken for a
// value, as "5s" was.
var fieldHints = map[string]string{
	"user":      "(empty: the profile's or the token's user)",
	"entity":    "(empty: the app's, by the preset's rule)",
	"business":  "(a merchant's business id; empty: none)",
	"token":     "(paste a token; empty: one minted (sandbox) or the profile's)",
	"query":     "(extra query parameters, e.g. k=v&k2=v2)",
	"headers":   "(extra headers, e.g. Origin: https://app.example; X-Api-Key: …)",
	"ping":      "(a ping interval, e.g. 5s; empty or 0: no pings)",
	"reconnect": "(yes or no; empty: no)",
}

// open shows the identity form prefilled with defaults.
func (f *form) open(d Identity, st styles.Styles) tea.Cmd {
	values := []string{d.User, d.App, d.EntityType, d.Platform, d.Business, d.Token, d.Query, d.Headers, d.Ping, d.Reconnect}
	return f.set(identityLabels, values, st)
}

// set replaces the fields.
func (f *form) set(labels, values []string, st styles.Styles) tea.Cmd {
	f.labels, f.fields, f.focus = labels, make([]textinput.Model, len(labels)), 0
	for i := range labels {
		in := textinput.New()
		in.Prompt = ""
		in.TextStyle, in.PlaceholderStyle = st.Input, st.Placeholder
		in.SetValue(values[i])
		in.Width = max(10, f.width-16)
		if labels[i] == "token" {
			in.EchoMode = textinput.EchoPassword // a pasted token is not shown
		}
		in.Placeholder = fieldHints[labels[i]]
		f.fields[i] = in
	}
	if len(f.fields) == 0 {
		return nil
	}
	return f.fields[0].Focus()
}

func (f *form) setWidth(w int) {
	f.width = w
	for i := range f.fields {
		f.fields[i].Width = max(10, w-16)
	}
}

// move focuses the field d away (wrapping).
func (f *form) move(d int) tea.Cmd {
	if len(f.fields) == 0 {
		return nil
	}
	f.fields[f.focus].Blur()
	f.focus = (f.focus + d + len(f.fields)) % len(f.fields)
	return f.fields[f.focus].Focus()
}

func (f *form) update(msg tea.Msg) tea.Cmd {
	if len(f.fields) == 0 {
		return nil
	}
	var cmd tea.Cmd
	f.fields[f.focus], cmd = f.fields[f.focus].Update(msg)
	return cmd
}

func (f form) values() []string {
	v := make([]string, len(f.fields))
	for i, in := range f.fields {
		v[i] = strings.TrimSpace(in.Value())
	}
	return v
}

// identity reads the identity form.
func (f form) identity() Identity {
	v := f.values()
	return Identity{User: v[0], App: v[1], EntityType: v[2], Platform: v[3], Business: v[4], Token: v[5], Query: v[6],
		Headers: v[7], Ping: v[8], Reconnect: v[9]}
}

func (f form) view(title string, st styles.Styles) string {
	var b strings.Builder
	b.WriteString(st.Title.Render(title) + "\n\n")
	for i, in := range f.fields {
		label := st.MatrixHeader.Render(padRight(f.labels[i], 12))
		if i == f.focus {
			label = st.Key.Render(padRight("> "+f.labels[i], 12))
		}
		b.WriteString(label + "  " + in.View() + "\n")
	}
	return b.String()
}

func padRight(s string, n int) string {
	if len(s) >= n {
		return s
	}
	return s + strings.Repeat(" ", n-len(s))
}
