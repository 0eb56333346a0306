package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/ferrydev/ferry/internal/apiclient"
	"github.com/ferrydev/ferry/internal/httpapi/wire"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/termsafe"
)

// Exit codes of the commands that wait for a promotion to end.
const (
	exitFailed    = 3 // FAILED or ROLLED_BACK
	exitRejected  = 4
	exitExpired   = 5
	exitCancelled = 6
)

const clientHelp = `
The server is --server or $FERRY_SERVER (default http://127.0.0.1:8080), the
bearer token --token or $FERRY_TOKEN (ferry local prints its tokens). In AWS, CI
may sign with its AWS credentials instead: --aws-iam (or FERRY_AUTH=aws-iam) with
the server's /ci address, https://ID.execute-api.REGION.amazonaws.com/ci.

Exit codes: 0 success (a promotion SUCCEEDED or had NO_CHANGES); 1 an error;
with --wait or ferry wait: 3 FAILED or ROLLED_BACK, 4 REJECTED, 5 EXPIRED,
6 CANCELLED.

Flags:
`

// clientCommand is a command that talks to a server: its flags, and what it does
// with the client and its positional arguments.
type clientCommand struct {
	name, args, summary string
	// nargs is how many positional arguments it takes; -1 for any.
	nargs int
	flags func(fs *flag.FlagSet)
	run   func(ctx context.Context, c *apiclient.Client, args []string, out io.Writer) (int, error)
}

// runClient parses a client command's flags and runs it.
func runClient(ctx context.Context, cmd clientCommand, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet(cmd.name, fmt.Sprintf("Usage: ferry %s [flags] %s\n\n%s\n%s", cmd.name, cmd.args, cmd.summary, clientHelp), stderr)
	conn := addConnectionFlags(fs)
	if cmd.flags != nil {
		cmd.flags(fs)
	}
	positional, code, done := parseFlags(fs, args, stdout)
	if done {
		return code
	}
	if cmd.nargs >= 0 && len(positional) != cmd.nargs {
		fmt.Fprintf(stderr, "ferry %s: expected %d argument(s), %s, got %d\n", cmd.name, cmd.nargs, cmd.args, len(positional))
		return exitError
	}
	c, err := conn.client(ctx)
	if err != nil {
		return fail(stderr, err)
	}
	code, err = cmd.run(ctx, c, positional, stdout)
	if err != nil {
		return fail(stderr, err)
	}
	return code
}

// connection is how a command reaches its server.
type connection struct {
	server, token *string
	awsIAM        *bool
}

// addConnectionFlags adds --server, --token and --aws-iam. The token's default is
// read from $FERRY_TOKEN only when the command runs, so that -h, which prints
// every flag's default, never shows it.
func addConnectionFlags(fs *flag.FlagSet) connection {
	return connection{
		server: fs.String("server", envOr("FERRY_SERVER", "http://127.0.0.1:8080"), "the Ferry server"),
		token:  fs.String("token", "", "the bearer token (default $FERRY_TOKEN)"),
		awsIAM: fs.Bool("aws-iam", os.Getenv("FERRY_AUTH") == "aws-iam", "sign requests with AWS credentials (SigV4) instead of a token"),
	}
}

// client builds the API client, loading AWS credentials when asked to sign.
func (c connection) client(ctx context.Context) (*apiclient.Client, error) {
	token := *c.token
	if token == "" {
		token = os.Getenv("FERRY_TOKEN")
	}
	client := apiclient.New(*c.server, token)
	if *c.awsIAM {
		awsCfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("loading AWS configuration: %w", err)
		}
		client.Sign = apiclient.SigV4(awsCfg.Credentials, awsCfg.Region)
	}
	return client, nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// exitFor maps a promotion's final state to the exit code.
func exitFor(s promotion.State) int {
	switch s {
	case promotion.Succeeded, promotion.NoChanges:
		return exitOK
	case promotion.Rejected:
		return exitRejected
	case promotion.Expired:
		return exitExpired
	case promotion.Cancelled:
		return exitCancelled
	}
	return exitFailed
}

// waitFor waits for a promotion to end, prints how it ended, and returns the
// exit code for it.
func waitFor(ctx context.Context, c *apiclient.Client, id string, timeout time.Duration, out io.Writer) (int, error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	v, err := c.Wait(ctx, id, pollInterval)
	if err != nil {
		return exitError, err
	}
	printPromotion(out, v)
	return exitFor(v.Promotion.State), nil
}

// pollInterval is how often waiting commands ask for news.
const pollInterval = 500 * time.Millisecond

// printPromotion writes a promotion as people read it, every value from the
// server escaped for the terminal (termsafe.Text).
func printPromotion(out io.Writer, v *wire.PromotionView) {
	p := v.Promotion
	fmt.Fprintf(out, "promotion %s: %s\n", safe(p.ID), safe(string(p.State)))
	label := v.Release.Name
	if label == "" {
		label = v.Release.ID
	}
	fmt.Fprintf(out, "  release    %s into %s (requested by %s via %s)\n", safe(label), safe(p.Target), safe(p.RequestedBy), safe(string(p.Via)))
	if p.Summary != nil {
		s := p.Summary
		fmt.Fprintf(out, "  plan       %d breaking, %d removed, %d non-breaking, %d added, %d metadata, %d indirect (digest %s)\n",
			s.Breaking, s.Removed, s.NonBreaking, s.Added, s.Metadata, s.Indirect, safe(p.PlanDigest))
	}
	if p.State == promotion.AwaitingApproval {
		fmt.Fprintf(out, "  approval   %d of %d from %s", p.ApprovalCount(), v.Approval.MinApprovals, safe(strings.Join(v.Approval.Approvers, ", ")))
		if v.Approval.ExpiresAt != nil {
			fmt.Fprintf(out, ", until %s", v.Approval.ExpiresAt.UTC().Format(time.RFC3339))
		}
		fmt.Fprintln(out)
	}
	for _, a := range p.Approvals {
		fmt.Fprintf(out, "  %-10s %s at %s %s\n", safe(string(a.Decision)), safe(a.Identity), a.At.UTC().Format(time.RFC3339), safe(a.Comment))
	}
	if p.Error != "" {
		fmt.Fprintf(out, "  error      %s\n", safe(p.Error))
	}
}

// safe is text from a server or a release made safe to print on a terminal:
// escape sequences and bidi controls are shown escaped, not obeyed. Every
// command that prints data passes it through safe; JSON output needs not (see
// internal/termsafe).
func safe(s string) string { return termsafe.Text(s) }

// printJSON writes v as indented JSON.
func printJSON(out io.Writer, v any) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// newTable starts aligned columns.
func newTable(out io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(out, 0, 4, 2, ' ', 0) }

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") }
