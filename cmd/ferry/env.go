package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ferrydev/ferry/internal/apiclient"
	"github.com/ferrydev/ferry/internal/httpapi/wire"
	"github.com/ferrydev/ferry/internal/policy"
)

const envUsage = `Usage: ferry env SUBCOMMAND [flags] NAME

  list                              every environment: version, release, lock, freeze
  show NAME                         an environment with its recent history and promotions
  create NAME --policy FILE [--ephemeral]
                                    create an environment (admins)
  policy NAME [--set FILE]          print the policy, or replace it from a JSON file (admins)
  extend NAME [--ttl 48h]           push an ephemeral environment's expiry out
  freeze NAME --reason R (--for 2h | --until RFC3339)
                                    refuse promotions until then (admins)
  unfreeze NAME                     end a freeze (admins)
  delete NAME                       delete an environment no promotion holds (admins)

Run "ferry env SUBCOMMAND -h" for its flags.
`

// runEnv dispatches ferry env's subcommands.
func runEnv(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, envUsage)
		return exitError
	}
	cmd, ok := envCommands()[args[0]]
	if !ok {
		if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
			fmt.Fprint(stdout, envUsage)
			return exitOK
		}
		fmt.Fprintf(stderr, "ferry env: unknown subcommand %q\n\n%s", args[0], envUsage)
		return exitError
	}
	cmd.name = "env " + cmd.name
	return runClient(ctx, cmd, args[1:], stdout, stderr)
}

// envCommands are ferry env's subcommands, by name.
func envCommands() map[string]clientCommand {
	return map[string]clientCommand{
		"list": envList(), "show": envShow(), "create": envCreate(), "policy": envPolicy(),
		"extend": envExtend(), "freeze": envFreeze(), "unfreeze": envUnfreeze(), "delete": envDelete(),
	}
}

func envList() clientCommand {
	var asJSON *bool
	return clientCommand{name: "list", nargs: 0, summary: "Lists every environment and what awaits approval.",
		flags: func(fs *flag.FlagSet) { asJSON = fs.Bool("json", false, "print the server's JSON") },
		run: func(ctx context.Context, c *apiclient.Client, _ []string, out io.Writer) (int, error) {
			return exitOK, board(ctx, c, *asJSON, out)
		}}
}

func envShow() clientCommand {
	return clientCommand{name: "show", args: "NAME", nargs: 1, summary: "Shows an environment, its policy, recent history and promotions, as JSON.",
		run: func(ctx context.Context, c *apiclient.Client, args []string, out io.Writer) (int, error) {
			v, err := c.Environment(ctx, args[0])
			if err != nil {
				return exitError, err
			}
			return exitOK, printJSON(out, v)
		}}
}

// readPolicy reads a policy file (JSON), refusing unknown fields.
func readPolicy(path string) (policy.Policy, []byte, error) {
	var p policy.Policy
	data, err := os.ReadFile(path)
	if err != nil {
		return p, nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return p, nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, data, nil
}

func envCreate() clientCommand {
	var file *string
	var ephemeral *bool
	return clientCommand{name: "create", args: "NAME", nargs: 1, summary: "Creates an environment with the policy in a JSON file (admins).",
		flags: func(fs *flag.FlagSet) {
			file = fs.String("policy", "", "the policy, a JSON file (required)")
			ephemeral = fs.Bool("ephemeral", false, "the environment expires after the policy's ttl")
		},
		run: func(ctx context.Context, c *apiclient.Client, args []string, out io.Writer) (int, error) {
			if *file == "" {
				return exitError, fmt.Errorf("env create: give the policy with --policy FILE")
			}
			pol, _, err := readPolicy(*file)
			if err != nil {
				return exitError, err
			}
			e, err := c.PutEnvironment(ctx, args[0], wire.EnvironmentRequest{Policy: pol, Ephemeral: *ephemeral})
			if err != nil {
				return exitError, err
			}
			fmt.Fprintf(out, "environment %s: version %d, approval %s\n", safe(e.Name), e.Version, safe(string(e.Policy.WithDefaults().Approval)))
			return exitOK, nil
		}}
}

func envPolicy() clientCommand {
	var file *string
	return clientCommand{name: "policy", args: "NAME", nargs: 1, summary: "Prints an environment's policy, or replaces it (--set FILE, admins).",
		flags: func(fs *flag.FlagSet) { file = fs.String("set", "", "replace the policy with this JSON file") },
		run: func(ctx context.Context, c *apiclient.Client, args []string, out io.Writer) (int, error) {
			if *file == "" {
				p, err := c.Policy(ctx, args[0])
				if err != nil {
					return exitError, err
				}
				return exitOK, printJSON(out, p)
			}
			_, data, err := readPolicy(*file)
			if err != nil {
				return exitError, err
			}
			p, err := c.PutPolicy(ctx, args[0], data)
			if err != nil {
				return exitError, err
			}
			return exitOK, printJSON(out, p)
		}}
}

func envExtend() clientCommand {
	var ttl *time.Duration
	return clientCommand{name: "extend", args: "NAME", nargs: 1, summary: "Moves an ephemeral environment's expiry to now plus --ttl (default: its policy's ttl).",
		flags: func(fs *flag.FlagSet) { ttl = fs.Duration("ttl", 0, "time to live from now") },
		run: func(ctx context.Context, c *apiclient.Client, args []string, out io.Writer) (int, error) {
			e, err := c.Extend(ctx, args[0], *ttl)
			if err != nil {
				return exitError, err
			}
			fmt.Fprintf(out, "environment %s expires at %s\n", safe(e.Name), stamp(*e.ExpiresAt))
			return exitOK, nil
		}}
}

func envFreeze() clientCommand {
	var reason, until *string
	var forDur *time.Duration
	return clientCommand{name: "freeze", args: "NAME", nargs: 1, summary: "Freezes an environment: promotions into it are refused until the end time (admins).",
		flags: func(fs *flag.FlagSet) {
			reason = fs.String("reason", "", "why (required)")
			forDur = fs.Duration("for", 0, "how long from now")
			until = fs.String("until", "", "until when, RFC 3339 (such as 2026-12-01T09:00:00Z)")
		},
		run: func(ctx context.Context, c *apiclient.Client, args []string, out io.Writer) (int, error) {
			req := wire.FreezeRequest{Reason: *reason}
			switch {
			case *forDur > 0 && *until == "":
				req.Until = time.Now().Add(*forDur)
			case *forDur == 0 && *until != "":
				t, err := time.Parse(time.RFC3339, *until)
				if err != nil {
					return exitError, fmt.Errorf("--until: %w", err)
				}
				req.Until = t
			default:
				return exitError, fmt.Errorf("env freeze: give one of --for or --until")
			}
			e, err := c.Freeze(ctx, args[0], req)
			if err != nil {
				return exitError, err
			}
			fmt.Fprintf(out, "environment %s frozen by %s until %s: %s\n", safe(e.Name), safe(e.Freeze.Owner), stamp(e.Freeze.Until), safe(e.Freeze.Reason))
			return exitOK, nil
		}}
}

func envUnfreeze() clientCommand {
	return clientCommand{name: "unfreeze", args: "NAME", nargs: 1, summary: "Ends an environment's freeze (admins).",
		run: func(ctx context.Context, c *apiclient.Client, args []string, out io.Writer) (int, error) {
			e, err := c.Unfreeze(ctx, args[0])
			if err != nil {
				return exitError, err
			}
			fmt.Fprintf(out, "environment %s is not frozen\n", safe(e.Name))
			return exitOK, nil
		}}
}

func envDelete() clientCommand {
	return clientCommand{name: "delete", args: "NAME", nargs: 1, summary: "Deletes an environment and its history; its promotions stay (admins).",
		run: func(ctx context.Context, c *apiclient.Client, args []string, out io.Writer) (int, error) {
			if err := c.DeleteEnvironment(ctx, args[0]); err != nil {
				return exitError, err
			}
			fmt.Fprintf(out, "environment %s deleted\n", safe(args[0]))
			return exitOK, nil
		}}
}
