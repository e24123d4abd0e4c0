package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// Version is wsops's version, set at build time with
// -ldflags "-X wsops/cli.Version=v1.2.3"; otherwise read from the build info.
var Version = ""

func newVersionCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print wsops's version",
		Long: `Print wsops's version, the commit it was built from (when the build recorded
one) and the Go version; wsops --version prints the same line. With -o json (or
jsonl): one object with version, commit, commit_time, modified and go_version.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			out, err := g.format()
			if err != nil {
				return err
			}
			b := readBuild()
			if out != formatTable {
				return writeJSON(g.streams.Out, b)
			}
			_, err = fmt.Fprintln(g.streams.Out, "wsops", b.text())
			return err
		},
	}
}

// build is what wsops knows of its own build.
type build struct {
	Version    string `json:"version"`
	Commit     string `json:"commit,omitempty"`      // vcs.revision, when the build recorded it
	CommitTime string `json:"commit_time,omitempty"` // vcs.time
	Modified   bool   `json:"modified,omitempty"`    // vcs.modified: built from a tree with uncommitted changes
	GoVersion  string `json:"go_version"`
}

// readBuild is Version (else the module's version) with what
// runtime/debug.ReadBuildInfo recorded.
func readBuild() build {
	b := build{Version: Version, GoVersion: runtime.Version()}
	info, ok := debug.ReadBuildInfo()
	if ok {
		if b.Version == "" {
			b.Version = info.Main.Version
		}
		b.GoVersion = info.GoVersion
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Commit = s.Value
			case "vcs.time":
				b.CommitTime = s.Value
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	if b.Version == "" {
		b.Version = "(unknown)"
	}
	return b
}

// text is the build in one line: "v1.2.3 0123456789ab go1.25.0", the commit
// cut to 12 characters and marked "+modified" for an uncommitted tree.
func (b build) text() string {
	parts := []string{b.Version}
	if c := b.Commit; c != "" {
		c = c[:min(12, len(c))]
		if b.Modified {
			c += "+modified"
		}
		parts = append(parts, c)
	}
	return strings.Join(append(parts, b.GoVersion), " ")
}

// version is the build in one line, as wsops version and --version print it.
func version() string { return readBuild().text() }
