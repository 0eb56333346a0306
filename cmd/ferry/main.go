// Command ferry is Ferry's command-line interface: offline plans of two releases,
// the whole system in one process (ferry local), and the client of a Ferry
// server's HTTP API (start, wait, status, approve, reject, cancel, rollback,
// history, env).
//
// Exit codes: 0 success; 1 an error (bad input, bad usage); 2 with
// "plan --detailed-exitcode" when the plan has changes; commands that wait for a
// promotion: 3 FAILED or ROLLED_BACK, 4 REJECTED, 5 EXPIRED, 6 CANCELLED.
//
// Text from a server or a release (names, kinds, column types, messages,
// comments, reasons, error messages) is printed escaped by internal/termsafe, so
// escape sequences and bidi controls show instead of acting; --json output is
// the server's JSON. The token's default is read from $FERRY_TOKEN when a command
// runs, not when its flags are declared, so -h never prints it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"

	"github.com/ferrydev/ferry/internal/promotion"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = ""

// Exit codes.
const (
	exitOK      = 0
	exitError   = 1
	exitChanges = 2
)

const usage = `ferry carries a release from one environment to the next with a reviewed plan.

Usage:
  ferry plan [flags] BASE NEW   show what promoting NEW over BASE would change
  ferry plan --env ENV (--release FILE | --source ENV)
                                the same against what ENV runs, on a server
  ferry local [flags]           run the whole of Ferry in this process

  ferry start --env ENV (--release FILE | --source ENV) [--wait]
                                start a promotion
  ferry wait ID                 wait until a promotion ends
  ferry status [ID]             a promotion, or what is live where and what awaits approval
  ferry approve ID [--comment C]
  ferry reject ID --comment C   decide on a promotion awaiting approval
  ferry cancel ID               cancel a promotion that has applied nothing
  ferry rollback ENV [--to VERSION] [--wait]
                                promote an earlier release of ENV again
  ferry history ENV             what ENV ran, newest first
  ferry env list|show|create|policy|extend|freeze|unfreeze|delete
                                environments and their policies

  ferry version                 print the version

Server commands talk to --server or $FERRY_SERVER with the token --token or
$FERRY_TOKEN.

Run "ferry COMMAND -h" for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line args and returns the exit code; ctx ends
// long-running commands.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitError
	}
	switch args[0] {
	case "plan":
		return runPlan(ctx, args[1:], stdout, stderr)
	case "local":
		return runLocal(ctx, args[1:], stdout, stderr)
	case "env":
		return runEnv(ctx, args[1:], stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "ferry %s (%s, %s/%s)\n", buildVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return exitOK
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	if cmd, ok := clientCommands()[args[0]]; ok {
		return runClient(ctx, cmd, args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "ferry: unknown command %q\n\n%s", args[0], usage)
	return exitError
}

// buildVersion is the version set at link time, else the module version go install
// recorded, else "dev".
func buildVersion() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}

// newFlagSet returns a command's flag set: errors go to stderr, and -h prints
// usage followed by the flags.
func newFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses a command's flags with parseArgs and returns the positional
// arguments; done says the command ends with code: after printing the usage for
// -h, or after the flag package reported an error.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) (positional []string, code int, done bool) {
	positional, err := parseArgs(fs, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(stdout)
		fs.Usage()
		return nil, exitOK, true
	case err != nil:
		return nil, exitError, true // the flag package has printed the error and usage
	}
	return positional, exitOK, false
}

// parseArgs parses flags that may come before, between or after the positional
// arguments, as users type them ("ferry plan a.yaml b.yaml --format json"), and
// returns the positional ones. Everything after "--" is positional.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// clientCommands are the commands that talk to a server, by name.
func clientCommands() map[string]clientCommand {
	return map[string]clientCommand{
		"start": startCommand(), "wait": waitCommand(), "status": statusCommand(),
		"approve": decideCommand(promotion.Approve), "reject": decideCommand(promotion.Reject),
		"cancel": cancelCommand(), "rollback": rollbackCommand(), "history": historyCommand(),
	}
}
