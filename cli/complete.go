package cli

import (
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"wsops/config"
	"wsops/data"
	"wsops/ops/repairplan"
)

// completer completes a flag's value (cobra's completion function).
type completer = func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective)

// printsNoRecords are the commands that ignore -o: the console, wsops token
// (the token alone) and cobra's own help and completion.
var printsNoRecords = map[string]bool{"wsops": true, "ui": true, "token": true, "help": true, "completion": true}

// registerCompletions teaches the shell completions (wsops completion
// bash|zsh|fish|powershell) the values of the flags wsops knows them for:
// --profile (the config's profiles), -o (the formats the command prints),
// --app and --entity (the profile's preset), --rule (the profile's repair
// rules) and --preset. Nothing is completed from a config that does not load.
func registerCompletions(root *cobra.Command, g *globals) {
	_ = root.RegisterFlagCompletionFunc("profile", g.completeProfiles)
	_ = root.RegisterFlagCompletionFunc("output", completeOutput)
	local := map[string]completer{
		"app":    g.completeApps,
		"entity": g.completeEntities,
		"rule":   g.completeRules,
		"preset": completePresets,
	}
	var walk func(*cobra.Command)
	walk = func(cmd *cobra.Command) {
		for name, complete := range local {
			if cmd.LocalNonPersistentFlags().Lookup(name) != nil {
				_ = cmd.RegisterFlagCompletionFunc(name, complete)
			}
		}
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// withPrefix returns the values that start with prefix, for the shell.
func withPrefix(prefix string, values ...string) ([]string, cobra.ShellCompDirective) {
	var out []string
	for _, v := range values {
		name, _, _ := strings.Cut(v, "\t") // "value\tdescription"
		if strings.HasPrefix(name, prefix) {
			out = append(out, v)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// none completes nothing (and no file names either).
func none() ([]string, cobra.ShellCompDirective) {
	return nil, cobra.ShellCompDirectiveNoFileComp
}

// completeProfiles completes --profile: the config file's profiles and the
// built-in sandbox one.
func (g *globals) completeProfiles(_ *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
	cfg, err := config.Load(g.configPath)
	if err != nil {
		cobra.CompDebugln("wsops: completing --profile: "+err.Error(), false)
		return none()
	}
	return withPrefix(prefix, cfg.Names()...)
}

// completeOutput completes -o with the formats of the command being typed.
func completeOutput(cmd *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
	if printsNoRecords[cmd.Name()] {
		return none()
	}
	return withPrefix(prefix,
		string(formatTable)+"\taligned columns for people",
		string(formatJSON)+"\tone JSON document",
		string(formatJSONL)+"\tone JSON object per line")
}

// completionProfile is the profile the command line names, loaded quietly
// (no warnings on the terminal while the shell completes); nil when it does
// not load.
func (g *globals) completionProfile() *config.Profile {
	cfg, err := config.Load(g.configPath)
	if err != nil {
		cobra.CompDebugln("wsops: completing: "+err.Error(), false)
		return nil
	}
	p, err := cfg.Profile(g.profile)
	if err != nil {
		cobra.CompDebugln("wsops: completing: "+err.Error(), false)
		return nil
	}
	return p
}

// completeApps completes --app with the apps of the profile's preset.
func (g *globals) completeApps(_ *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
	p := g.completionProfile()
	if p == nil {
		return none()
	}
	var apps []string
	for _, app := range slices.Sorted(maps.Keys(p.Schema.AppEntity)) {
		apps = append(apps, app+"\tentity type "+p.Schema.AppEntity[app])
	}
	return withPrefix(prefix, apps...)
}

// completeEntities completes --entity with the entity types of the
// profile's preset.
func (g *globals) completeEntities(_ *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
	p := g.completionProfile()
	if p == nil {
		return none()
	}
	return withPrefix(prefix, slices.Compact(slices.Sorted(maps.Values(p.Schema.AppEntity)))...)
}

// completeRules completes --rule with the repair rules of the profile: the
// built-in ones its preset supports and its own.
func (g *globals) completeRules(_ *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
	p := g.completionProfile()
	if p == nil {
		return none()
	}
	names, err := repairplan.RuleNames(p.Schema, p.Repair)
	if err != nil {
		cobra.CompDebugln("wsops: completing --rule: "+err.Error(), false)
		return none()
	}
	return withPrefix(prefix, names...)
}

// completePresets completes --preset with the schema presets.
func completePresets(_ *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
	return withPrefix(prefix, data.PresetNames()...)
}
