package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/ferrydev/ferry/internal/apiclient"
	"github.com/ferrydev/ferry/internal/httpapi/wire"
	"github.com/ferrydev/ferry/internal/loader"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/release"
)

// waitFlags are the flags of commands that may wait for the promotion they start.
type waitFlags struct {
	wait    *bool
	timeout *time.Duration
}

func addWaitFlags(fs *flag.FlagSet, w *waitFlags) {
	w.wait = fs.Bool("wait", false, "wait until the promotion ends; the exit code says how")
	w.timeout = fs.Duration("timeout", 0, "give up waiting after this long (0: no limit)")
}

// started prints a started promotion once it is planned, and waits for it to end
// when asked.
func started(ctx context.Context, c *apiclient.Client, p *promotion.Promotion, w waitFlags, out io.Writer) (int, error) {
	if p.State.Final() { // a start of an id whose promotion is over: the server started nothing
		ended := ""
		if p.FinishedAt != nil {
			ended = " at " + stamp(*p.FinishedAt)
		}
		fmt.Fprintf(out, "promotion %s already ran: it ended %s%s, and nothing was started; choose a new --id to promote again\n  %s/#/promotions/%s\n",
			safe(p.ID), p.State, ended, c.Server, safe(p.ID))
	} else {
		fmt.Fprintf(out, "promotion %s started: %s into %s\n  %s/#/promotions/%s\n", safe(p.ID), safe(p.ReleaseID), safe(p.Target), c.Server, safe(p.ID))
	}
	if *w.wait {
		return waitFor(ctx, c, p.ID, *w.timeout, out)
	}
	planCtx, cancel := context.WithTimeout(ctx, planTimeout)
	defer cancel()
	v, err := c.WaitWhile(planCtx, p.ID, promotion.Planning, pollInterval)
	if err != nil {
		return exitError, err
	}
	printPromotion(out, v)
	if v.Promotion.State.Final() {
		return exitFor(v.Promotion.State), nil
	}
	return exitOK, nil
}

// planTimeout bounds how long ferry start waits for the plan.
const planTimeout = 2 * time.Minute

func startCommand() clientCommand {
	var env, file, source, id, inputFormat *string
	var w waitFlags
	return clientCommand{name: "start", args: "", nargs: 0,
		summary: "Starts a promotion of a release file (native, dbt manifest or directory) or of what\nanother environment runs (--source) into --env.",
		flags: func(fs *flag.FlagSet) {
			env = fs.String("env", "", "the environment to promote into (required)")
			file = fs.String("release", "", "the release to promote: a release file, a dbt manifest.json or a directory")
			source = fs.String("source", "", "promote what this environment runs instead")
			id = fs.String("id", "", "the promotion's id: starting it again while it runs is a no-op, once it is over starts nothing and exits as it ended; made up when empty")
			inputFormat = fs.String("input-format", "auto", "how to read --release: auto, native, dbt or dir")
			addWaitFlags(fs, &w)
		},
		run: func(ctx context.Context, c *apiclient.Client, _ []string, out io.Writer) (int, error) {
			if *env == "" || (*file == "") == (*source == "") {
				return exitError, fmt.Errorf("start: give --env and one of --release FILE or --source ENV")
			}
			req := wire.StartRequest{ID: *id, Environment: *env, Source: *source, Via: promotion.ViaCLI}
			if *file != "" {
				f, err := loader.ParseFormat(*inputFormat)
				if err != nil {
					return exitError, err
				}
				r, err := loader.Load(*file, f)
				if err != nil {
					return exitError, err
				}
				h, err := c.PutRelease(ctx, release.Canonical(r))
				if err != nil {
					return exitError, fmt.Errorf("uploading %s: %w", *file, err)
				}
				req.ReleaseID = h.ID
			}
			p, err := c.Start(ctx, req)
			if err != nil {
				return exitError, err
			}
			return started(ctx, c, p, w, out)
		}}
}

func waitCommand() clientCommand {
	var timeout *time.Duration
	return clientCommand{name: "wait", args: "ID", nargs: 1, summary: "Waits until a promotion ends; the exit code says how.",
		flags: func(fs *flag.FlagSet) { timeout = fs.Duration("timeout", 0, "give up after this long (0: no limit)") },
		run: func(ctx context.Context, c *apiclient.Client, args []string, out io.Writer) (int, error) {
			return waitFor(ctx, c, args[0], *timeout, out)
		}}
}

func statusCommand() clientCommand {
	var asJSON *bool
	return clientCommand{name: "status", args: "[ID]", nargs: -1,
		summary: "Shows a promotion, or without ID what is live where and what awaits approval.",
		flags:   func(fs *flag.FlagSet) { asJSON = fs.Bool("json", false, "print the server's JSON") },
		run: func(ctx context.Context, c *apiclient.Client, args []string, out io.Writer) (int, error) {
			switch len(args) {
			case 0:
				return exitOK, board(ctx, c, *asJSON, out)
			case 1:
				v, err := c.Promotion(ctx, args[0])
				if err != nil {
					return exitError, err
				}
				if *asJSON {
					if v.Plan != nil {
						// The view has the plan's first pages; print all of it.
						whole, err := c.CompletePlan(ctx, args[0], v.Plan)
						if err != nil {
							return exitError, err
						}
						v.Plan.Changes, v.Plan.Indirect, v.Plan.NextChanges, v.Plan.NextIndirect = whole.Changes, whole.Indirect, 0, 0
					}
					return exitOK, printJSON(out, v)
				}
				printPromotion(out, v)
				return exitOK, nil
			}
			return exitError, fmt.Errorf("status: expected at most one promotion id")
		}}
}

// board prints every environment and the promotions awaiting approval.
func board(ctx context.Context, c *apiclient.Client, asJSON bool, out io.Writer) error {
	envs, err := c.Environments(ctx)
	if err != nil {
		return err
	}
	pending, err := c.Pending(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(out, map[string]any{"environments": envs, "pending": pending})
	}
	tw := newTable(out)
	fmt.Fprintln(tw, "ENVIRONMENT\tVERSION\tRELEASE\tSINCE\tLOCKED BY\tFROZEN UNTIL")
	for _, e := range envs {
		rel, since, lock, freeze := "-", "-", "-", "-"
		if e.Current != nil {
			rel, since = safe(short(e.Current.ReleaseID)), stamp(e.Current.At)
		}
		if e.Lock != nil {
			lock = safe(e.Lock.Holder)
		}
		if e.Freeze != nil {
			freeze = stamp(e.Freeze.Until)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", safe(e.Name), e.Version, rel, since, lock, freeze)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(out, "\n%d promotion(s) awaiting approval\n", len(pending))
	for _, p := range pending {
		fmt.Fprintf(out, "  %s into %s, requested by %s at %s\n", safe(p.ID), safe(p.Target), safe(p.RequestedBy), stamp(p.CreatedAt))
	}
	return nil
}

func short(id string) string {
	if len(id) > 19 {
		return id[:19]
	}
	return id
}

func decideCommand(d promotion.Decision) clientCommand {
	var comment *string
	name := string(d)
	return clientCommand{name: name, args: "ID", nargs: 1,
		summary: fmt.Sprintf("Records your %s of a promotion awaiting approval, bound to the plan it shows.", name),
		flags:   func(fs *flag.FlagSet) { comment = fs.String("comment", "", "why (required to reject)") },
		run: func(ctx context.Context, c *apiclient.Client, args []string, out io.Writer) (int, error) {
			if d == promotion.Reject && *comment == "" {
				return exitError, fmt.Errorf("reject: say why with --comment")
			}
			v, err := c.Promotion(ctx, args[0])
			if err != nil {
				return exitError, err
			}
			printPromotion(out, v)
			p, err := c.Decide(ctx, args[0], d, wire.DecisionRequest{Comment: *comment, PlanDigest: v.Promotion.PlanDigest})
			if err != nil {
				return exitError, err
			}
			fmt.Fprintf(out, "%s: %d of %d approval(s) recorded\n", safe(p.ID), p.ApprovalCount(), v.Approval.MinApprovals)
			return exitOK, nil
		}}
}

func cancelCommand() clientCommand {
	return clientCommand{name: "cancel", args: "ID", nargs: 1,
		summary: "Cancels a promotion that has not applied anything yet (its requester or an admin).",
		run: func(ctx context.Context, c *apiclient.Client, args []string, out io.Writer) (int, error) {
			p, err := c.Cancel(ctx, args[0])
			if err != nil {
				return exitError, err
			}
			fmt.Fprintf(out, "promotion %s: %s\n", safe(p.ID), safe(string(p.State)))
			return exitOK, nil
		}}
}

func rollbackCommand() clientCommand {
	var to *int64
	var w waitFlags
	return clientCommand{name: "rollback", args: "ENV", nargs: 1,
		summary: "Starts a promotion that puts ENV back on the release of an earlier version: planned,\nshown and approved like any other.",
		flags: func(fs *flag.FlagSet) {
			to = fs.Int64("to", 0, "the version whose release to go back to (default: the previous one)")
			addWaitFlags(fs, &w)
		},
		run: func(ctx context.Context, c *apiclient.Client, args []string, out io.Writer) (int, error) {
			p, err := c.Rollback(ctx, args[0], *to)
			if err != nil {
				return exitError, err
			}
			return started(ctx, c, p, w, out)
		}}
}

func historyCommand() clientCommand {
	var limit *int
	var asJSON *bool
	return clientCommand{name: "history", args: "ENV", nargs: 1, summary: "Shows what ENV ran, newest first: who shipped what, when, and why.",
		flags: func(fs *flag.FlagSet) {
			limit = fs.Int("limit", 20, "how many versions")
			asJSON = fs.Bool("json", false, "print the server's JSON")
		},
		run: func(ctx context.Context, c *apiclient.Client, args []string, out io.Writer) (int, error) {
			h, err := c.History(ctx, args[0], *limit, "")
			if err != nil {
				return exitError, err
			}
			if *asJSON {
				return exitOK, printJSON(out, h)
			}
			tw := newTable(out)
			fmt.Fprintln(tw, "VERSION\tAT\tKIND\tRELEASE\tBY\tPROMOTION\tREASON")
			for _, e := range h.History {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Version, stamp(e.At), safe(string(e.Kind)), safe(short(e.ReleaseID)), safe(e.By), safe(e.PromotionID), safe(e.Reason))
			}
			return exitOK, tw.Flush()
		}}
}
