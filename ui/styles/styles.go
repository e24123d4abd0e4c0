// Package styles holds every lipgloss style the console renders with, built
// from a small colour theme. Views take a Styles value and never create
// styles inline.
//
// The styles carry colours and text attributes only: no width, padding,
// margin or border. Components measure and fit plain text first and style it
// last, so a styled line is exactly as wide as its text.
package styles

import "github.com/charmbracelet/lipgloss"

// Theme is the console's palette. Each colour adapts to light and dark
// terminal backgrounds.
type Theme struct {
	Accent    lipgloss.AdaptiveColor // titles, the active breadcrumb, keys, marks
	Muted     lipgloss.AdaptiveColor // secondary text, empty states, vanished rows
	Text      lipgloss.AdaptiveColor // ordinary text
	Warn      lipgloss.AdaptiveColor // problems, the read-only badge
	Danger    lipgloss.AdaptiveColor // gone connections, errors, the production badge
	OK        lipgloss.AdaptiveColor // live connections, rows that appeared
	Highlight lipgloss.AdaptiveColor // the cursor row's background
	Border    lipgloss.AdaptiveColor // rules and frames
	Contrast  lipgloss.AdaptiveColor // text on Danger, Warn or Accent backgrounds
}

// DefaultTheme is the palette wsops ships with.
func DefaultTheme() Theme {
	return Theme{
		Accent:    lipgloss.AdaptiveColor{Light: "#5A4FCF", Dark: "#8B83FF"},
		Muted:     lipgloss.AdaptiveColor{Light: "#7A7A7A", Dark: "#7C7C7C"},
		Text:      lipgloss.AdaptiveColor{Light: "#1C1C1C", Dark: "#E2E2E2"},
		Warn:      lipgloss.AdaptiveColor{Light: "#A66A00", Dark: "#F2C14E"},
		Danger:    lipgloss.AdaptiveColor{Light: "#C0192C", Dark: "#FF5F5F"},
		OK:        lipgloss.AdaptiveColor{Light: "#1E7F45", Dark: "#5FD787"},
		Highlight: lipgloss.AdaptiveColor{Light: "#DCDAF5", Dark: "#34325A"},
		Border:    lipgloss.AdaptiveColor{Light: "#C6C6C6", Dark: "#444444"},
		Contrast:  lipgloss.AdaptiveColor{Light: "#FFFFFF", Dark: "#101010"},
	}
}

// Styles is every style the console uses. Build it with New or NewFor.
type Styles struct {
	App              lipgloss.Style // the console's base text
	Header           lipgloss.Style // plain text of the header lines
	Title            lipgloss.Style // the console's name, view titles
	Breadcrumb       lipgloss.Style // inactive breadcrumb parts
	BreadcrumbActive lipgloss.Style // the current view in the breadcrumb
	TableHeader      lipgloss.Style // a table's column titles
	Row              lipgloss.Style // an ordinary table row
	RowCursor        lipgloss.Style // the row under the cursor; sets no foreground, so a row's state colour shows through
	RowMarked        lipgloss.Style // a row marked for a bulk action
	RowAppeared      lipgloss.Style // a row new since the previous refresh
	RowVanished      lipgloss.Style // a row gone since the previous refresh
	Problem          lipgloss.Style // a record with problems
	Gone             lipgloss.Style // a record whose connection API Gateway no longer knows
	Live             lipgloss.Style // a record whose connection is confirmed live
	Production       lipgloss.Style // the PRODUCTION badge
	ReadOnly         lipgloss.Style // the READ-ONLY badge
	Muted            lipgloss.Style // secondary text
	Key              lipgloss.Style // a key in help and hints
	MatrixCell       lipgloss.Style // a count in the app × entity matrix
	MatrixBreak      lipgloss.Style // a matrix cell that breaks the preset's app rule
	MatrixHeader     lipgloss.Style // the matrix's app and entity labels
	Sparkline        lipgloss.Style // the connection-count sparkline
	StatusBar        lipgloss.Style // the bottom status line
	Error            lipgloss.Style // error messages
	Help             lipgloss.Style // help text
	Input            lipgloss.Style // text being typed (filter, command), and values in forms
	Placeholder      lipgloss.Style // a hint in an empty field: never taken for a value
}

// New builds the styles of theme t on lipgloss's default renderer, which
// detects the terminal's colour support.
func New(t Theme) Styles { return NewFor(lipgloss.DefaultRenderer(), t) }

// NewFor builds the styles of theme t on renderer r: tests pass a renderer
// with a fixed colour profile, an SSH server one per session.
func NewFor(r *lipgloss.Renderer, t Theme) Styles {
	s := r.NewStyle
	return Styles{
		App:              s().Foreground(t.Text),
		Header:           s().Foreground(t.Text),
		Title:            s().Bold(true).Foreground(t.Accent),
		Breadcrumb:       s().Foreground(t.Muted),
		BreadcrumbActive: s().Bold(true).Foreground(t.Accent),
		TableHeader:      s().Bold(true).Foreground(t.Accent),
		Row:              s().Foreground(t.Text),
		RowCursor:        s().Bold(true).Background(t.Highlight),
		RowMarked:        s().Bold(true).Foreground(t.Accent),
		RowAppeared:      s().Bold(true).Foreground(t.OK),
		RowVanished:      s().Faint(true).Foreground(t.Muted),
		Problem:          s().Foreground(t.Warn),
		Gone:             s().Foreground(t.Danger),
		Live:             s().Foreground(t.OK),
		Production:       s().Bold(true).Foreground(t.Contrast).Background(t.Danger),
		ReadOnly:         s().Bold(true).Foreground(t.Contrast).Background(t.Warn),
		Muted:            s().Foreground(t.Muted),
		Key:              s().Bold(true).Foreground(t.Accent),
		MatrixCell:       s().Foreground(t.Text),
		MatrixBreak:      s().Bold(true).Foreground(t.Contrast).Background(t.Danger),
		MatrixHeader:     s().Bold(true).Foreground(t.Muted),
		Sparkline:        s().Foreground(t.Accent),
		StatusBar:        s().Foreground(t.Muted),
		Error:            s().Bold(true).Foreground(t.Danger),
		Help:             s().Foreground(t.Muted),
		Input:            s().Foreground(t.Text),
		Placeholder:      s().Faint(true).Italic(true).Foreground(t.Muted),
	}
}
