package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ferrydev/ferry/internal/identity"
	"github.com/ferrydev/ferry/internal/local"
)

const localUsage = `Usage: ferry local [flags]

Runs the whole of Ferry in this process: the store (embedded, in --data, or
DynamoDB with --dynamodb-endpoint), the promotion pipeline, and a Step Functions
emulator with Ferry's state machine (its API under /sfn), the HTTP API (/api) and
the approval page (/). With --demo, an empty store gets dev, staging and prod with
policies and example releases, and a promotion waiting for approval in staging.

Who may sign in is read from --users (default DATA/users.json); when the file does
not exist it is written with fresh tokens: an admin, and with --demo the demo's
reviewers. The tokens are printed at start-up. Stop it with Ctrl-C.

With --oidc-issuer and --oidc-audience, people also sign in with the team's
OpenID provider, as in AWS: the page offers "Sign in with <issuer host>" (the
authorization code flow with PKCE, in the page; register ferry local's page URL,
such as http://127.0.0.1:8080/, as a redirect URI of a public client whose id is
the first --oidc-audience), and a bearer token that is not one of the users
file's is verified as a JWT exactly as API Gateway's JWT authorizer does: the
issuer's keys (JWKS), RSA signature, iss, aud (or client_id when there is no
aud), exp, nbf and iat. The caller is named by --oidc-subject-claim and its
groups by --oidc-groups-claim; the users file's admins (identities or
group:NAME) apply to them too. The users file's tokens keep working, for the
CLI and CI.

The Step Functions API answers only requests signed (AWS SigV4) with the access
key in DATA/sfn-credentials.json, made on the first start and printed at start-up
as environment variables the AWS SDKs and CLI read. Every route answers only
requests addressed to localhost, a loopback address or --addr's host. ferry local
listens on an address other machines reach (such as 0.0.0.0:8080) only with
--allow-remote: its traffic is plain HTTP.

Flags:
`

func runLocal(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("local", localUsage, stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	data := fs.String("data", ".ferry", "directory for the embedded store and the emulator's journal")
	demo := fs.Bool("demo", false, "seed an empty store with demo environments and releases")
	endpoint := fs.String("dynamodb-endpoint", "", "keep the state in DynamoDB at this endpoint (such as DynamoDB Local) instead")
	table := fs.String("table", "ferry", "the DynamoDB table, with --dynamodb-endpoint")
	cleanupEvery := fs.Duration("cleanup-interval", time.Minute, "how often cleanup ends promotions whose execution is over and releases their locks, and deletes expired environments")
	users := fs.String("users", "", "the identity file: bearer tokens, users, groups and admins (default DATA/users.json)")
	remote := fs.Bool("allow-remote", false, "allow --addr to be an address other machines reach (not loopback)")
	issuer := fs.String("oidc-issuer", "", "the OpenID provider's issuer URL, to sign in with it (with --oidc-audience)")
	audience := fs.String("oidc-audience", "", "the audiences (client ids) a JWT may be for, comma-separated; the first is the page's client id")
	subjectClaim := fs.String("oidc-subject-claim", "", `the JWT claim naming the caller (default "email", then "sub")`)
	groupsClaim := fs.String("oidc-groups-claim", "", `the JWT claim listing the caller's groups (default "groups")`)
	positional, code, done := parseFlags(fs, args, stdout)
	if done {
		return code
	}
	if len(positional) > 0 {
		fmt.Fprintf(stderr, "ferry local: unexpected argument %q\n", positional[0])
		return exitError
	}
	if *cleanupEvery <= 0 {
		fmt.Fprintf(stderr, "ferry local: --cleanup-interval %s: give a positive duration, such as 30s or 1m\n", *cleanupEvery)
		return exitError
	}
	oidc, err := oidcConfig(*issuer, *audience, *subjectClaim, *groupsClaim)
	if err != nil {
		return failLocal(stderr, err)
	}
	if *users == "" {
		*users = filepath.Join(*data, "users.json")
	}
	// The data directory is locked before anything in it is read or written.
	dir, err := local.OpenDataDir(*data)
	if err != nil {
		return failLocal(stderr, err)
	}
	ids, err := identities(*users, *demo)
	if err != nil {
		dir.Close()
		return failLocal(stderr, err)
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	s, err := local.Start(ctx, local.Config{Addr: *addr, Data: dir, DynamoEndpoint: *endpoint, Table: *table,
		Identity: ids, OIDC: oidc, AllowRemote: *remote, CleanupEvery: *cleanupEvery, Log: log})
	if err != nil {
		return failLocal(stderr, err)
	}
	if *demo {
		if err := local.Seed(ctx, s); err != nil {
			s.Close()
			return failLocal(stderr, fmt.Errorf("seeding the demo: %w", err))
		}
	}
	where := "embedded store in " + abs(*data)
	if *endpoint != "" {
		where = fmt.Sprintf("DynamoDB table %s at %s", *table, *endpoint)
	}
	fmt.Fprintf(stdout, "Ferry is running (%s).\n", where)
	fmt.Fprintf(stdout, "Approval page: %s/\n", s.URL)
	fmt.Fprintf(stdout, "HTTP API:      %s/api  (export FERRY_SERVER=%s FERRY_TOKEN=<a token below>)\n", s.URL, s.URL)
	if s.Remote {
		fmt.Fprintf(stderr, "WARNING: ferry local listens on %s, which other machines may reach: its API, page and tokens travel as plain HTTP.\n", *addr)
	}
	fmt.Fprintf(stdout, "Step Functions API: %s  (requests signed with these credentials only)\n", s.SFNEndpoint)
	fmt.Fprintf(stdout, "  export AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1\n",
		s.SFNCredentials.AccessKeyID, s.SFNCredentials.SecretAccessKey)
	fmt.Fprintf(stdout, "  aws stepfunctions --endpoint-url %s list-executions --state-machine-arn %s\n", s.SFNEndpoint, s.StateMachineARN)
	if oidc != nil {
		fmt.Fprintf(stdout, "Sign in with the OpenID provider %s (client id %s, redirect URI %s/), or with a token below.\n",
			oidc.Issuer, oidc.Audiences[0], s.URL)
	}
	fmt.Fprintf(stdout, "Sign in with one of these tokens (from %s; admins: %s):\n%s", *users, strings.Join(ids.Admins, ", "), identity.Describe(ids))
	if *demo {
		fmt.Fprintln(stdout, "Demo: dev, staging and prod run v1.3.0; v1.4.0 went to dev and waits for approval in staging:")
		fmt.Fprintf(stdout, "  %s/#/promotions/demo-v1-4-0-staging  (ana or bo may approve)\n", s.URL)
	}
	fmt.Fprintln(stdout, "Press Ctrl-C to stop.")
	<-ctx.Done()
	fmt.Fprintln(stdout, "Stopping.")
	if err := s.Close(); err != nil {
		return failLocal(stderr, err)
	}
	return exitOK
}

// oidcConfig reads the --oidc-* flags: nil without an issuer.
func oidcConfig(issuer, audience, subjectClaim, groupsClaim string) (*identity.JWTConfig, error) {
	var audiences []string
	for _, a := range strings.Split(audience, ",") {
		if a = strings.TrimSpace(a); a != "" {
			audiences = append(audiences, a)
		}
	}
	switch {
	case issuer == "" && len(audiences) == 0 && subjectClaim == "" && groupsClaim == "":
		return nil, nil
	case issuer == "" || len(audiences) == 0:
		return nil, errors.New("--oidc-issuer and --oidc-audience go together: give the provider's issuer URL and the page's client id")
	}
	if u, err := url.Parse(issuer); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("--oidc-issuer %q: give the issuer's URL, such as https://id.example.com/realms/team", issuer)
	}
	return &identity.JWTConfig{Issuer: issuer, Audiences: audiences, SubjectClaim: subjectClaim, GroupsClaim: groupsClaim}, nil
}

// failLocal prints err as ferry local's one-line error and returns the exit
// code for it.
func failLocal(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "ferry local: %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
	return exitError
}

func abs(dir string) string {
	if a, err := filepath.Abs(dir); err == nil {
		return a
	}
	return dir
}

// identities reads the identity file, writing a fresh one first when there is
// none: an admin, with a new token. With demo, the demo's users are added
// when the file lacks them, so that a data directory first used without --demo
// still lets a newcomer sign in as the demo's reviewers.
func identities(path string, demo bool) (identity.Config, error) {
	cfg, err := identity.LoadConfig(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		cfg = identity.Config{Admins: []string{"group:admins"},
			Users: []identity.User{{Name: "admin", Groups: []string{"admins"}, Token: identity.NewToken()}}}
	case err != nil:
		return cfg, err
	case !demo || hasUsers(cfg, demoUsers):
		return cfg, nil
	}
	if demo {
		for _, u := range demoUsers {
			if !hasUsers(cfg, []identity.User{u}) {
				u.Token = identity.NewToken()
				cfg.Users = append(cfg.Users, u)
			}
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return cfg, err
	}
	return cfg, identity.WriteConfig(path, cfg)
}

// demoUsers are the demo's reviewers and CI, as its policies name them.
var demoUsers = []identity.User{
	{Name: "ana", Groups: []string{"reviewers"}},
	{Name: "bo", Groups: []string{"reviewers", "sre"}},
	{Name: "cy", Groups: []string{"sre"}},
	{Name: "ci"},
}

// hasUsers reports whether cfg names every one of users.
func hasUsers(cfg identity.Config, users []identity.User) bool {
	for _, u := range users {
		if !slices.ContainsFunc(cfg.Users, func(c identity.User) bool { return c.Name == u.Name }) {
			return false
		}
	}
	return true
}
