package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"wsops/apigw"
	"wsops/cloud"
	"wsops/config"
	"wsops/sanitize"
)

type discoverFlags struct {
	name, stage, writeProfile, preset string
}

func newDiscoverCmd(g *globals) *cobra.Command {
	var f discoverFlags
	cmd := &cobra.Command{
		Use:   "discover",
		Short: "List the WebSocket APIs of the profile's account and region, with their URLs",
		Long: `List the WebSocket APIs (apigatewayv2 GetApis, HTTP APIs left out) of the
profile's account and region: id, name, endpoint, route selection expression,
and for each stage the wss URL clients connect to and the management URL
(@connections) it implies — always the API's execute-api host, never a custom
domain.

--write-profile NAME adds a profile for the API --name picks (and its --stage,
default dev or its only stage) to the config file, after what is there
(comments included), with the region, aws_profile and endpoint overrides of the
profile discover ran under. The new profile finds its URLs from api and stage
at start. Needs the IAM action apigateway:GET.`,
		Example: `  wsops discover
  wsops discover --name this27-websocket-dev -o json
  wsops discover --profile wizz --name WizzUser-WebSocket-dev --write-profile wizz-dev`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runDiscover(cmd.Context(), g, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.name, "name", "", "only the API with this name (or id)")
	fl.StringVar(&f.stage, "stage", "", "with --write-profile: the stage of the new profile (default dev, or the API's only stage)")
	fl.StringVar(&f.writeProfile, "write-profile", "", "add a profile with this name for the API --name picks to the config file")
	fl.StringVar(&f.preset, "preset", "", "with --write-profile: the new profile's preset (default: the one whose routes the API has)")
	return cmd
}

func runDiscover(ctx context.Context, g *globals, f discoverFlags) error {
	out, err := g.format()
	if err != nil {
		return err
	}
	if f.writeProfile != "" && f.name == "" {
		return usageError(fmt.Errorf("--write-profile needs --name: which API the new profile is for"))
	}
	p, err := g.loadProfile()
	if err != nil {
		return err
	}
	c, err := cloud.NewControl(ctx, p)
	if err != nil {
		return failed(err)
	}
	g.opened = append(g.opened, c)
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	apis, err := apigw.List(ctx, c.APIGateway, f.name)
	if err != nil {
		return failed(err)
	}
	if f.writeProfile != "" {
		return writeDiscovered(ctx, g, p, c, apis, f)
	}
	if out != formatTable {
		if out == formatJSONL {
			for _, a := range apis {
				if err := writeJSON(g.streams.Out, a); err != nil {
					return err
				}
			}
			return nil
		}
		return writeJSON(g.streams.Out, apis)
	}
	if len(apis) == 0 {
		fmt.Fprintf(g.streams.Err, "wsops: no WebSocket API%s in %s\n", nameSuffix(f.name), p.Region)
		return nil
	}
	printAPIs(g.streams.Out, apis)
	return nil
}

func nameSuffix(name string) string {
	if name == "" {
		return ""
	}
	return fmt.Sprintf(" named %q", name)
}

// printAPIs prints each API and its stages' URLs.
func printAPIs(w io.Writer, apis []apigw.API) {
	for i, a := range apis {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s  %s\n  endpoint          %s\n  route selection   %s\n", sanitize.Text(a.ID), sanitize.Text(a.Name), sanitize.Text(a.Endpoint), sanitize.Text(a.RouteSelection))
		for _, s := range a.Stages {
			fmt.Fprintf(w, "  stage %-11s websocket  %s\n  %-17s management %s\n", sanitize.Text(s.Name), sanitize.Text(s.WebSocketURL), "", sanitize.Text(s.ManagementURL))
		}
		if len(a.Stages) == 0 {
			fmt.Fprintln(w, "  (no stage: the API is not deployed)")
		}
	}
}

// writeDiscovered adds the profile --write-profile names for the one API
// --name picked.
func writeDiscovered(ctx context.Context, g *globals, p *config.Profile, c *cloud.Clients, apis []apigw.API, f discoverFlags) error {
	if len(apis) != 1 {
		return failed(fmt.Errorf("--write-profile: %d WebSocket APIs%s; name exactly one (its id, when names repeat)", len(apis), nameSuffix(f.name)))
	}
	a := apis[0]
	stage := f.stage
	switch {
	case stage == "" && len(a.Stages) == 1:
		stage = a.Stages[0].Name
	case stage == "":
		stage = config.DefaultStage
	}
	if _, ok := a.Stage(stage); !ok {
		return failed(fmt.Errorf("--write-profile: API %s has no stage %q (its stages: %s); pick one with --stage", a.Name, stage, strings.Join(a.StageNames(), ", ")))
	}
	preset := f.preset
	if preset == "" {
		described, err := apigw.Describe(ctx, c.APIGateway, a.ID)
		if err != nil {
			return failed(err)
		}
		preset = presetOf(described)
	}
	keys := []config.KeyValue{{Key: "region", Value: p.Region}}
	if p.AWSProfile != "" {
		keys = append(keys, config.KeyValue{Key: "aws_profile", Value: p.AWSProfile})
	}
	if p.Sandbox {
		keys = append(keys, config.KeyValue{Key: "sandbox", Value: true})
	}
	keys = append(keys, config.KeyValue{Key: "api", Value: a.Name}, config.KeyValue{Key: "stage", Value: stage}, config.KeyValue{Key: "preset", Value: preset})
	if preset == "this27" && !p.Sandbox { // this27 keeps its registry in MongoDB, at $MONGO_URI as the service reads it
		keys = append(keys, config.KeyValue{Key: "registry", Value: config.RegistryMongoDB},
			config.KeyValue{Key: "mongodb_uri", Value: "${env:MONGO_URI}"})
	}
	for _, kv := range []config.KeyValue{{Key: "apigateway_url", Value: p.APIGatewayURL}, {Key: "cloudwatch_url", Value: p.CloudWatchURL}, {Key: "dynamodb_url", Value: p.DynamoDBURL}} {
		if kv.Value != "" {
			keys = append(keys, kv)
		}
	}
	path, _ := config.ResolvePath(g.configPath)
	if path == "" {
		return failed(fmt.Errorf("--write-profile: no config file path (set --config or $%s)", config.ConfigEnv))
	}
	np := config.NewProfile{Name: f.writeProfile, Keys: keys,
		Comment: fmt.Sprintf("added by `wsops discover --write-profile` on %s: API %s (%s), stage %s", time.Now().UTC().Format("2006-01-02"), a.Name, a.ID, stage)}
	if err := config.AppendProfile(path, np); err != nil {
		return usageError(err)
	}
	fmt.Fprintf(g.streams.Err, "wsops: added profile %s to %s (API %s, stage %s, preset %s); try: wsops --profile %s api\n",
		f.writeProfile, path, sanitize.Text(a.Name), sanitize.Text(stage), preset, f.writeProfile)
	return nil
}

// presetOf is this27 for an API whose routes are only $connect,
// $disconnect and $default (this27 routes every message through $default),
// else wizz, the default preset, whose apps use named routes.
func presetOf(a *apigw.API) string {
	this27 := config.APIOf("this27").Routes
	for _, r := range a.Routes {
		if !slices.Contains(this27, r.Key) {
			return config.DefaultPreset
		}
	}
	return "this27"
}
