package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"

	"github.com/ferrydev/ferry/internal/local"
)

const localUsage = `Usage: ferry local [flags]

Runs the whole of Ferry in this process: the store (embedded, in --data, or
DynamoDB with --dynamodb-endpoint), the promotion pipeline, and a Step Functions
emulator with Ferry's state machine, whose API is served under /sfn. With --demo,
an empty store gets dev, staging and prod with policies and example releases, and
a promotion waiting for approval in staging. Stop it with Ctrl-C.

Flags:
`

func runLocal(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("local", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), localUsage)
		fs.PrintDefaults()
	}
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	data := fs.String("data", ".ferry", "directory for the embedded store and the emulator's journal")
	demo := fs.Bool("demo", false, "seed an empty store with demo environments and releases")
	endpoint := fs.String("dynamodb-endpoint", "", "keep the state in DynamoDB at this endpoint (such as DynamoDB Local) instead")
	table := fs.String("table", "ferry", "the DynamoDB table, with --dynamodb-endpoint")
	positional, err := parseArgs(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(stdout)
		fs.Usage()
		return exitOK
	}
	if err != nil {
		return exitError
	}
	if len(positional) > 0 {
		fmt.Fprintf(stderr, "ferry local: unexpected argument %q\n", positional[0])
		return exitError
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	s, err := local.Start(ctx, local.Config{Addr: *addr, DataDir: *data, DynamoEndpoint: *endpoint, Table: *table, Log: log})
	if err != nil {
		return fail(stderr, err)
	}
	if *demo {
		if err := local.Seed(ctx, s); err != nil {
			s.Close()
			return fail(stderr, fmt.Errorf("seeding the demo: %w", err))
		}
	}
	where := "embedded store in " + abs(*data)
	if *endpoint != "" {
		where = fmt.Sprintf("DynamoDB table %s at %s", *table, *endpoint)
	}
	fmt.Fprintf(stdout, "Ferry is running (%s).\n", where)
	fmt.Fprintf(stdout, "Step Functions API: %s\n", s.SFNEndpoint)
	fmt.Fprintf(stdout, "  aws stepfunctions --endpoint-url %s list-executions --state-machine-arn %s\n", s.SFNEndpoint, s.StateMachineARN)
	if *demo {
		fmt.Fprintln(stdout, "Demo: dev, staging and prod run v1.3.0; v1.4.0 went to dev and waits for approval in staging.")
	}
	fmt.Fprintln(stdout, "The HTTP API and the approval page are not part of ferry local yet. Press Ctrl-C to stop.")
	<-ctx.Done()
	fmt.Fprintln(stdout, "Stopping.")
	if err := s.Close(); err != nil {
		return fail(stderr, err)
	}
	return exitOK
}

func abs(dir string) string {
	if a, err := filepath.Abs(dir); err == nil {
		return a
	}
	return dir
}
