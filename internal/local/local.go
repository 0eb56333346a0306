// Package local runs the whole of Ferry in one process, for ferry local and the
// system tests: the store (embedded, or DynamoDB), the pipeline's steps as
// in-process Lambda functions (built and logged as the Lambda functions are), the
// Step Functions emulator with Ferry's state machine, and one HTTP listener that
// serves the Step Functions API under /sfn, the HTTP API under /api and the
// approval page at /. The operations people and CI perform reach the emulator
// through the AWS SDK's Step Functions client, as they reach Step Functions in AWS.
//
// It also runs the cleanup (expired environments, stale locks) on a schedule.
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
	"time"

	ferry "github.com/ferrydev/ferry"
	"github.com/ferrydev/ferry/internal/boltstore"
	"github.com/ferrydev/ferry/internal/control"
	"github.com/ferrydev/ferry/internal/datadir"
	"github.com/ferrydev/ferry/internal/dynamo"
	"github.com/ferrydev/ferry/internal/httpapi"
	"github.com/ferrydev/ferry/internal/identity"
	"github.com/ferrydev/ferry/internal/notify"
	"github.com/ferrydev/ferry/internal/pipeline"
	"github.com/ferrydev/ferry/internal/sfnemu/asl"
	"github.com/ferrydev/ferry/internal/sfnemu/boltjournal"
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
	Log      *slog.Logger
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
	s := &System{done: make(chan struct{}), dir: cfg.Data}
	var err error
	if s.dir == nil {
		if s.dir, err = OpenDataDir(cfg.DataDir); err != nil {
			return nil, err
		}
	}
	if s.Store, err = openStore(ctx, cfg, s.dir); err != nil {
		s.dir.Close()
		return nil, err
	}
	s.Pipeline = pipeline.New(s.Store, cfg.Now, "")
	steps := s.Pipeline.Handlers(cfg.Log)
	s.Emulator = stepfn.New(functions(steps))
	s.Emulator.Now = cfg.Now
	if s.journal, err = openJournal(s.dir); err != nil {
		s.Store.Close()
		s.dir.Close()
		return nil, err
	}
	used := []string{boltjournal.File}
	if cfg.DynamoEndpoint == "" {
		used = append(used, boltstore.FileName)
	}
	if err := s.dir.Record(used...); err != nil {
		s.closeStores()
		return nil, err
	}
	if err := s.Emulator.Restore(s.journal); err != nil {
		s.closeStores()
		return nil, fmt.Errorf("restoring the Step Functions emulator: %w", err)
	}
	subs := map[string]string{}
	for fn := range steps {
		subs[stepName(fn)+"FunctionArn"] = functionARN(fn)
	}
	if s.StateMachineARN, _, err = s.Emulator.CreateStateMachine(StateMachineName, string(ferry.PromotionDefinition),
		"arn:aws:iam::123456789012:role/ferry-local", "STANDARD", subs); err != nil {
		s.closeStores()
		return nil, fmt.Errorf("creating the promotion state machine: %w", err)
	}
	tokens, err := identity.NewTokens(cfg.Identity)
	if err != nil {
		s.closeStores()
		return nil, fmt.Errorf("reading the identity config: %w", err)
	}
	if s.listener, err = net.Listen("tcp", cfg.Addr); err != nil {
		s.closeStores()
		return nil, fmt.Errorf("listening on %s: %w", cfg.Addr, err)
	}
	s.URL = "http://" + s.listener.Addr().String()
	s.SFNEndpoint = s.URL + "/sfn"
	s.Pipeline.PageURL = s.URL
	s.Control = &control.Service{Store: s.Store, Now: cfg.Now, SFN: NewSFNClient(s.SFNEndpoint),
		StateMachineARN: s.StateMachineARN, Notifier: notify.New(), PageURL: s.URL, Admins: cfg.Identity.Admins}
	api := &httpapi.Server{Control: s.Control, Auth: tokens, Site: site.Handler(), Log: cfg.Log}
	mux := http.NewServeMux()
	mux.Handle("POST /sfn", s.Emulator.Handler())
	mux.Handle("/", api.Handler())
	s.server = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
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
	return s, nil
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
// machine calls.
func functions(steps map[string]pipeline.Handler) stepfn.Functions {
	fns := stepfn.Functions{}
	for name, step := range steps {
		fns[name] = stepfn.Handle(step)
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
			report, err := s.Pipeline.Cleanup(ctx, s.Alive)
			pipeline.LogCleanup(ctx, log, report, err)
		}
	}
}

// Alive reports whether the execution of a promotion still runs in the emulator.
func (s *System) Alive(_ context.Context, promotionID string) (bool, error) {
	e, err := s.Emulator.Describe(control.ExecutionARN(s.StateMachineARN, promotionID))
	if err != nil {
		return false, nil // no such execution: nothing runs it
	}
	return e.Status == asl.Running, nil
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
	return errors.Join(append(errs, s.Store.Close(), s.dir.Close())...)
}
