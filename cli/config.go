package cli

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"wsops/config"
	"wsops/sanitize"
)

func newConfigCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "config",
		Short: "Print the resolved profile: endpoints, tables, attribute names, safety flags",
		Long: `Print the profile wsops would use, after the config file, the preset's schema
defaults, per-profile overrides and ${env:…} references are resolved. Tokens and
secrets are shown redacted.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			out, err := g.format()
			if err != nil {
				return err
			}
			p, err := g.loadProfile()
			if err != nil {
				return err
			}
			return printFields(g, out, p.Describe())
		},
	}
}

// printFields prints ordered key/value pairs: aligned lines, or one JSON
// object whose keys keep their order.
func printFields(g *globals, out format, fields []config.Field) error {
	if out == formatTable {
		width := 0
		for _, f := range fields {
			width = max(width, len(f.Key))
		}
		for _, f := range fields {
			if _, err := fmt.Fprintf(g.streams.Out, "%-*s  %s\n", width, f.Key, sanitize.Text(f.Value)); err != nil {
				return err
			}
		}
		return nil
	}
	var b bytes.Buffer
	b.WriteString("{")
	for i, f := range fields {
		if i > 0 {
			b.WriteString(",")
		}
		k, _ := json.Marshal(f.Key)
		v, _ := json.Marshal(f.Value)
		b.Write(sanitize.JSON(k))
		b.WriteString(":")
		b.Write(sanitize.JSON(v))
	}
	b.WriteString("}\n")
	_, err := g.streams.Out.Write(b.Bytes())
	return err
}
