// Package local runs the whole of Ferry in one process, for ferry local and the
// system tests: the store (embedded, or DynamoDB), the pipeline's steps as
// in-process Lambda functions (built and logged as the Lambda functions are), the
// Step Functions emulator with Ferry's state machine, and one HTTP listener that
// serves the Step Functions API under /sfn, the HTTP API under /api and the
// approval page at /. The operations people and CI perform reach the emulator
// through the AWS SDK's Step Functions client, as they reach Step Functions in AWS.
//
// The Step Functions API answers only requests signed (SigV4, internal/sfnemu/sigv4)
// with the credentials the data directory keeps in sfn-credentials.json, made on
// its first start and readable by the owner only; the in-process client signs with
// them too. The whole listener answers only requests whose Host is a loopback name
// or the address it was told to listen on (DNS rebinding), and it listens on a
// non-loopback address only when Config.AllowRemote says so.
//
// People sign in with the users file's bearer tokens and, with Config.OIDC,
// with an OpenID provider's JWTs, verified as API Gateway's JWT authorizer does
// (identity.JWT).
//
// It also runs the cleanup (expired environments, stale locks) on a schedule,
// which also removes uploads older than a day, as the bucket's expiry rule does
// in AWS.
//
// Releases are uploaded as in AWS: POST /api/uploads answers a presigned URL,
// here ferry local's own PUT /uploads/{id} (package blobdir), signed with a key
// derived from the data directory's credentials and kept in the data
// directory's uploads/ until ingested.
//
// The listener bounds the size of request headers and how long a request may take
// to arrive and a connection may idle (server.go); the API adds its own bounds on
// bodies.
//
// A restart on the same data directory resumes every promotion where it stood:
// the emulator journals each transition (package stepfn), runs on every execution
// that was not waiting (calling again a step whose result it had not journaled;
// the steps are idempotent), and Start answers the approvals the store records as
// closed whose answer a crash kept from the execution (control.AnswerClosed).
// crash_test.go kills a ferry local process at every step boundary and checks
// this on both stores.
//
// The data directory is held through package datadir: locked while the system
// runs, and the store and journal files it has used must be there, not empty,
// and undamaged. Errors about them are one line naming the file or the process
// holding the directory, and say what to do in ferry local's terms (--data):
// ferry local is the one program that opens a data directory.
package local

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	ferry "github.com/ferrydev/ferry"
	"github.com/ferrydev/ferry/internal/blobdir"
	"github.com/ferrydev/ferry/internal/boltstore"
	"github.com/ferrydev/ferry/internal/control"
	"github.com/ferrydev/ferry/internal/datadir"
	"github.com/ferrydev/ferry/internal/dynamo"
	"github.com/ferrydev/ferry/internal/httpapi"
	"github.com/ferrydev/ferry/internal/identity"
	"github.com/ferrydev/ferry/internal/notify"
	"github.com/ferrydev/ferry/internal/pipeline"
	"github.com/ferrydev/ferry/internal/sfnemu/boltjournal"
	"github.com/ferrydev/ferry/internal/sfnemu/sigv4"
	"github.com/ferrydev/ferry/internal/sfnemu/stepfn"
	"github.com/ferrydev/ferry/internal/store"
	"github.com/ferrydev/ferry/site"
)

// Config says how to run.
type Config struct {
	// Addr is where to listen, such as 127.0.0.1:8080; port 0 picks a free one.
	Addr string
	// DataDir holds the embedded store and the emulator's journal.
	DataDir string
	// Data, when set, is the data directory already opened by the caller with
	// OpenDataDir, and DataDir is not used. Start takes it over: Close, or a
	// failed Start, lets go of it.
	Data *datadir.Dir
	// DynamoEndpoint, when set, puts the state in DynamoDB there (table Table)
	// instead of the embedded store.
	DynamoEndpoint, Table string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Tick is how often timers are checked (250ms when 0).
	Tick time.Duration
	// CleanupEvery is how often expired environments and stale locks are cleaned
	// up (a minute when 0).
	CleanupEvery time.Duration
	// Identity says who may sign in with which bearer token, and who is admin.
	Identity identity.Config
	// OIDC, when set, also lets people sign in with an OpenID provider: a
	// bearer token that is not one of Identity's is verified as a JWT as API
	// Gateway's JWT authorizer does, and the page offers the provider's sign-in
	// with the first audience as its client id. Identity's admins apply.
	OIDC *identity.JWTConfig
	// AllowRemote lets Addr be an address other machines reach (not loopback).
	AllowRemote bool
	Log         *slog.Logger

	// seams, set only by this package's tests, wraps what the system is built of.
	seams seams
}

// seams wrap the parts of a system at the boundaries where a process can die: the
// store, the emulator's journal, each step's function and the Step Functions
// client of the operations. The crash tests (crash_test.go) wrap them with
// decorators that kill the process at a chosen point; a nil field wraps nothing.
// Keeping the hooks here, unexported, leaves ferry local's binary and its flags
// without any fault injection.
type seams struct {
	store    func(store.Store) store.Store
	journal  func(stepfn.Journal) stepfn.Journal
	function func(name string, h stepfn.Handler) stepfn.Handler
	sfn      func(control.StepFunctions) control.StepFunctions
}

// StateMachineName is the name of Ferry's state machine in the emulator.
const StateMachineName = "ferry-promotion"

// System is Ferry running in this process.
type System struct {
	Store           store.Store
	Pipeline        *pipeline.Pipeline
	Emulator        *stepfn.Emulator
	Control         *control.Service
	StateMachineARN string
	// URL is where the listener serves; SFNEndpoint the Step Functions API.
	URL, SFNEndpoint string
	// SFNCredentials are what requests to SFNEndpoint must be signed with.
	SFNCredentials Credentials
	// Remote says the listener is on an address other machines may reach.
	Remote bool
	// Uploads holds releases uploaded to presigned URLs, in the data
	// directory's uploads/ (see UploadsDir).
	Uploads *blobdir.Store

	dir      *datadir.Dir
	journal  *boltjournal.Journal
	listener net.Listener
	server   *http.Server
	cancel   context.CancelFunc
	done     chan struct{}
}

// Start boots the system and serves until Close.
func Start(ctx context.Context, cfg Config) (*System, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Tick == 0 {
		cfg.Tick = 250 * time.Millisecond
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.CleanupEvery == 0 {
		cfg.CleanupEvery = time.Minute
	}
	tokens, err := identity.NewTokens(cfg.Identity)
	if err != nil {
		return nil, fmt.Errorf("reading the identity config: %w", err)
	}
	var auth identity.Authenticator = tokens
	var signIn *httpapi.OIDC
	if cfg.OIDC != nil {
		jwt, err := identity.NewJWT(ctx, *cfg.OIDC)
		if err != nil {
			return nil, err
		}
		auth = identity.TokensThenJWT{Tokens: tokens, JWT: jwt}
		signIn = &httpapi.OIDC{Issuer: cfg.OIDC.Issuer, ClientID: cfg.OIDC.Audiences[0], TokenEndpoint: jwt.TokenEndpoint}
	}
	s := &System{done: make(chan struct{}), dir: cfg.Data}
	if err := s.build(ctx, cfg); err != nil {
		if s.Emulator != nil {
			s.Emulator.Settle()
		}
		_ = s.closeStores()
		if s.listener != nil {
			_ = s.listener.Close()
		}
		return nil, err
	}
	client := NewSFNClient(s.SFNEndpoint, s.SFNCredentials)
	var sfnClient control.StepFunctions = client
	if cfg.seams.sfn != nil {
		sfnClient = cfg.seams.sfn(sfnClient)
	}
	s.Control = &control.Service{Store: s.Store, Now: cfg.Now, SFN: sfnClient,
		StateMachineARN: s.StateMachineARN, Notifier: notify.New(), PageURL: s.URL, Admins: cfg.Identity.Admins, Blobs: s.Uploads}
	api := &httpapi.Server{Control: s.Control, Auth: auth, Site: site.Handler(), Log: cfg.Log, OIDC: signIn}
	signed := (&sigv4.Verifier{Service: "states", Keys: map[string]string{s.SFNCredentials.AccessKeyID: s.SFNCredentials.SecretAccessKey}}).
		Handler(s.Emulator.Handler())
	mux := http.NewServeMux()
	mux.Handle("POST /sfn", signed)
	mux.Handle("POST /sfn/{$}", signed)
	mux.Handle(blobdir.Prefix, s.Uploads.Handler())
	mux.Handle("/", api.Handler())
	s.server = newServer(newHostGuard(cfg.Addr).handler(mux))
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	go func() {
		defer close(s.done)
		go s.Emulator.Run(runCtx, cfg.Tick)
		go s.cleanupEvery(runCtx, cfg.CleanupEvery, cfg.Log)
		if err := s.server.Serve(s.listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			cfg.Log.Error("serving", "error", err)
		}
	}()
	s.answerClosed(ctx, cfg.Log)
	return s, nil
}

// dialable is where a client on this machine reaches a listener at addr: a
// loopback address in place of an unspecified one (0.0.0.0, ::), of the family
// the configured address asked for (net.Listen may listen on both for 0.0.0.0).
func dialable(addr net.Addr, configured string) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return addr.String()
	}
	loopback := "127.0.0.1"
	if host, _, _ := net.SplitHostPort(configured); strings.Contains(host, ":") {
		loopback = "::1"
	}
	return net.JoinHostPort(loopback, strconv.Itoa(tcp.Port))
}

// build opens the stores, listens, and starts the emulator, which resumes what
// the journal says was running: the steps it resumes at once need the page's
// URL, so the listener comes first, after the stores (whose errors say more about
// a data directory in use than a busy port would).
func (s *System) build(ctx context.Context, cfg Config) error {
	loopback, err := loopbackOnly(ctx, cfg.Addr)
	if err != nil {
		return err
	}
	if s.Remote = !loopback; s.Remote && !cfg.AllowRemote {
		return fmt.Errorf("%s is not a loopback address: other machines could reach ferry local there; listen there only on purpose, with ferry local --allow-remote", cfg.Addr)
	}
	if s.dir == nil {
		if s.dir, err = OpenDataDir(cfg.DataDir); err != nil {
			return err
		}
	}
	if s.SFNCredentials, err = loadCredentials(s.dir.Path); err != nil {
		return err
	}
	if s.Store, err = openStore(ctx, cfg, s.dir); err != nil {
		return err
	}
	if cfg.seams.store != nil {
		s.Store = cfg.seams.store(s.Store)
	}
	if s.journal, err = openJournal(s.dir); err != nil {
		return err
	}
	used := []string{boltjournal.File}
	if cfg.DynamoEndpoint == "" {
		used = append(used, boltstore.FileName)
	}
	if err := s.dir.Record(used...); err != nil {
		return err
	}
	if s.listener, err = net.Listen("tcp", cfg.Addr); err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.Addr, err)
	}
	s.URL = "http://" + dialable(s.listener.Addr(), cfg.Addr)
	uploadBase := s.URL
	if s.Remote {
		// Other machines reach it by a name it does not know: the URL is a path
		// on the server the client called.
		uploadBase = ""
	}
	if s.Uploads, err = openUploads(s.dir.Path, uploadBase, s.SFNCredentials, cfg.Now); err != nil {
		return err
	}
	s.SFNEndpoint = s.URL + "/sfn"
	s.Pipeline = pipeline.New(s.Store, cfg.Now, s.URL)
	steps := s.Pipeline.Handlers(cfg.Log)
	s.Emulator = stepfn.New(functions(steps, cfg.seams.function))
	s.Emulator.Now = cfg.Now
	var journal stepfn.Journal = s.journal
	if cfg.seams.journal != nil {
		journal = cfg.seams.journal(journal)
	}
	if err := s.Emulator.Restore(journal); err != nil {
		return fmt.Errorf("restoring the Step Functions emulator: %w", err)
	}
	subs := map[string]string{}
	for fn := range steps {
		subs[stepName(fn)+"FunctionArn"] = functionARN(fn)
	}
	if s.StateMachineARN, _, err = s.Emulator.CreateStateMachine(StateMachineName, string(ferry.PromotionDefinition),
		"arn:aws:iam::123456789012:role/ferry-local", "STANDARD", subs); err != nil {
		return fmt.Errorf("creating the promotion state machine: %w", err)
	}
	return nil
}

// openStore opens the embedded store in dir, or DynamoDB when configured.
func openStore(ctx context.Context, cfg Config, dir *datadir.Dir) (store.Store, error) {
	if cfg.DynamoEndpoint == "" {
		return openEmbedded(dir)
	}
	client := dynamo.NewLocalClient(cfg.DynamoEndpoint)
	if err := dynamo.CreateTable(ctx, client, cfg.Table); err != nil {
		return nil, err
	}
	return dynamo.New(client, cfg.Table), nil
}

// functions registers the pipeline's steps as the Lambda functions the state
// machine calls, each wrapped by wrap when it is set.
func functions(steps map[string]pipeline.Handler, wrap func(string, stepfn.Handler) stepfn.Handler) stepfn.Functions {
	fns := stepfn.Functions{}
	for name, step := range steps {
		fns[name] = stepfn.Handle(step)
		if wrap != nil {
			fns[name] = wrap(name, fns[name])
		}
	}
	return fns
}

func stepName(fn string) string { return string(fn[0]-'a'+'A') + fn[1:] }

func functionARN(fn string) string { return "arn:aws:lambda:us-east-1:123456789012:function:" + fn }

// cleanupEvery runs the pipeline's cleanup on a schedule until ctx ends.
func (s *System) cleanupEvery(ctx context.Context, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			report, err := s.Control.Cleanup(ctx, s.Pipeline)
			pipeline.LogCleanup(ctx, log, report, err)
			if err := s.Uploads.Sweep(uploadExpiry); err != nil {
				log.WarnContext(ctx, "removing old uploads", "error", err)
			}
		}
	}
}

// answerClosed answers the approvals whose decision closed without the answer
// reaching the execution (a crash between the two) at start; a failure is
// logged, and the next cleanup tries again.
func (s *System) answerClosed(ctx context.Context, log *slog.Logger) {
	if n, err := s.Control.AnswerClosed(ctx, 0); err != nil {
		log.WarnContext(ctx, "answering closed approvals", "error", err)
	} else if n > 0 {
		log.InfoContext(ctx, "answered closed approvals", "promotions", n)
	}
}

// Close stops serving, lets running steps finish and closes the stores.
func (s *System) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := s.server.Shutdown(ctx)
	s.cancel()
	<-s.done
	s.Emulator.Settle()
	return errors.Join(err, s.closeStores())
}

// closeStores closes the stores and lets go of the data directory.
func (s *System) closeStores() error {
	var errs []error
	if s.journal != nil {
		errs = append(errs, s.journal.Close())
	}
	if s.Store != nil {
		errs = append(errs, s.Store.Close())
	}
	if s.dir != nil {
		errs = append(errs, s.dir.Close())
	}
	return errors.Join(errs...)
}
