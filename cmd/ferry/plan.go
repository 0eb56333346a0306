package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ferrydev/ferry/internal/apiclient"
	"github.com/ferrydev/ferry/internal/loader"
	"github.com/ferrydev/ferry/internal/plan"
	"github.com/ferrydev/ferry/internal/planfmt"
	"github.com/ferrydev/ferry/internal/release"
)

const planUsage = `Usage: ferry plan [flags] BASE NEW
       ferry plan [flags] --env ENV (--release FILE | --source ENV)

Shows what promoting release NEW over release BASE would change, node by node:
ADDED, REMOVED, BREAKING, NON_BREAKING, METADATA, and what downstream of a
breaking change must be rebuilt. BASE and NEW are each a Ferry release file
(JSON or YAML), a dbt manifest.json, or a directory of files.

With --env, a Ferry server (--server or $FERRY_SERVER, token --token or
$FERRY_TOKEN) plans --release, or what --source runs, against what ENV runs now;
nothing is started.

Exit codes: 0 success; 1 error; 2 changes present (with --detailed-exitcode).

Flags:
`

func runPlan(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("plan", planUsage, stderr)
	format := fs.String("format", "text", "output format: text, json or markdown")
	inputFormat := fs.String("input-format", "auto", "how to read BASE and NEW: auto, native, dbt or dir")
	color := fs.String("color", "auto", "colour text output: auto (on a terminal, unless NO_COLOR is set), always or never")
	detailed := fs.Bool("detailed-exitcode", false, "exit 2 when the plan has changes, 0 when it has none")
	env := fs.String("env", "", "plan against what this environment runs, on a server")
	file := fs.String("release", "", "with --env: the release to plan (file, dbt manifest or directory)")
	source := fs.String("source", "", "with --env: plan what this environment runs instead")
	conn := addConnectionFlags(fs)
	positional, code, done := parseFlags(fs, args, stdout)
	if done {
		return code
	}
	outFormat, err := planfmt.ParseFormat(*format)
	if err != nil {
		return fail(stderr, err)
	}
	inFormat, err := loader.ParseFormat(*inputFormat)
	if err != nil {
		return fail(stderr, err)
	}
	useColor, err := colorWanted(*color, stdout)
	if err != nil {
		return fail(stderr, err)
	}
	var p *plan.Plan
	var opts planfmt.Options
	if *env != "" {
		if len(positional) > 0 || (*file == "") == (*source == "") {
			return fail(stderr, errors.New("plan --env: give one of --release FILE or --source ENV, and no BASE NEW"))
		}
		var c *apiclient.Client
		if c, err = conn.client(ctx); err == nil {
			p, opts, err = serverPlan(ctx, c, *env, *file, *source, inFormat)
		}
	} else {
		if len(positional) != 2 {
			fmt.Fprintf(stderr, "ferry plan: expected 2 arguments, BASE and NEW, got %d\n", len(positional))
			fs.Usage()
			return exitError
		}
		p, opts, err = offlinePlan(positional[0], positional[1], inFormat)
	}
	if err != nil {
		return fail(stderr, err)
	}
	opts.Color = useColor

	if err := planfmt.Write(stdout, outFormat, p, opts); err != nil {
		return fail(stderr, fmt.Errorf("writing the plan: %w", err))
	}
	if *detailed && p.Summary.Changed() > 0 {
		return exitChanges
	}
	return exitOK
}

// offlinePlan plans two release files.
func offlinePlan(basePath, newPath string, f loader.Format) (*plan.Plan, planfmt.Options, error) {
	releases, err := loader.LoadAll(f, basePath, newPath)
	if err != nil {
		return nil, planfmt.Options{}, err
	}
	base, candidate := releases[0], releases[1]
	p, err := plan.Compute(plan.Input{Base: base, Candidate: candidate})
	if err != nil {
		return nil, planfmt.Options{}, err
	}
	return p, planfmt.Options{Base: label(basePath, base, p.BaseRelease), Candidate: label(newPath, candidate, p.Release)}, nil
}

// serverPlan asks a server to plan a release file, or what source runs, against
// what env runs.
func serverPlan(ctx context.Context, c *apiclient.Client, env, file, source string, f loader.Format) (*plan.Plan, planfmt.Options, error) {
	var releaseID string
	candidate := "what " + source + " runs"
	if file != "" {
		r, err := loader.Load(file, f)
		if err != nil {
			return nil, planfmt.Options{}, err
		}
		h, err := c.PutRelease(ctx, release.Canonical(r))
		if err != nil {
			return nil, planfmt.Options{}, fmt.Errorf("uploading %s: %w", file, err)
		}
		releaseID, candidate = h.ID, label(file, r, h.ID)
	}
	p, err := c.Preview(ctx, env, releaseID, source)
	if err != nil {
		return nil, planfmt.Options{}, err
	}
	return p, planfmt.Options{Base: fmt.Sprintf("%s at version %d", env, p.BaseVersion), Candidate: candidate}, nil
}

// label names a release for people: its path and its name or short id.
func label(path string, r *release.Release, id string) string {
	return fmt.Sprintf("%s (%s)", path, r.Label(id))
}

// fail prints err as one line and returns the error exit code. A server's error
// can quote data (a freeze's reason, a name), so it is escaped like data.
func fail(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "ferry: %s\n", safe(strings.ReplaceAll(err.Error(), "\n", " ")))
	return exitError
}

// colorWanted decides whether text output gets ANSI colours.
func colorWanted(mode string, out io.Writer) (bool, error) {
	switch mode {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto":
		if os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
			return false, nil
		}
		f, ok := out.(*os.File)
		if !ok {
			return false, nil
		}
		info, err := f.Stat()
		return err == nil && info.Mode()&os.ModeCharDevice != 0, nil
	}
	return false, fmt.Errorf("unknown --color %q: use auto, always or never", mode)
}
