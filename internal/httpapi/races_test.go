package httpapi_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/sfnemu/asl"
	"github.com/ferrydev/ferry/internal/store"
)

// decisionRaceRuns is how many randomized races TestDecisionRaces runs on each
// store.
const decisionRaceRuns = 24

// TestDecisionRaces: approvals, rejections and cancels sent at once, in a random
// mix and order with random start delays, decisionRaceRuns times on each store.
// Every run, the final state, the recorded decisions, the closure, the task
// answers, the events and prod's history agree.
func TestDecisionRaces(t *testing.T) {
	for _, backend := range backends(t) {
		t.Run(backend, func(t *testing.T) {
			a := newAPIOn(t, backend)
			a.start("prod", a.release("base", "n00=model"), "ci")
			counts := map[promotion.State]int{}
			for run := range decisionRaceRuns {
				counts[a.decisionRace(run)]++
			}
			t.Logf("%s: %d runs: %d SUCCEEDED, %d REJECTED, %d CANCELLED", backend, decisionRaceRuns,
				counts[promotion.Succeeded], counts[promotion.Rejected], counts[promotion.Cancelled])
			if counts[promotion.Succeeded]+counts[promotion.Rejected]+counts[promotion.Cancelled] != decisionRaceRuns {
				t.Errorf("outcomes %v", counts)
			}
		})
	}
}

// raceActor is one request of a race: who sends what.
type raceActor struct {
	who, kind string // kind: approve, reject, cancel
	delay     time.Duration
	status    int
}

// decisionRace runs one race and returns how it ended.
func (a *api) decisionRace(run int) promotion.State {
	t := a.t
	t.Helper()
	rng := rand.New(rand.NewPCG(uint64(run), 11))
	min := 1 + rng.IntN(3)
	env := a.env("prod")
	env.Policy.MinApprovals = min
	if err := a.s.Store.SaveEnvironment(ctx, env); err != nil {
		t.Fatal(err)
	}
	before := a.record("prod")
	success, failures := a.sfn.success, a.sfn.failures
	// A release with one new node removes the one prod runs: it waits for approval.
	p := a.start("prod", a.release(fmt.Sprintf("race%02d", run), fmt.Sprintf("n%02d=model", run+1)), "ci")
	if p.State != promotion.AwaitingApproval {
		t.Fatalf("run %d: %s (%s), not awaiting approval", run, p.State, p.Error)
	}
	var actors []*raceActor
	for i, who := range rng.Perm(crowd)[:3+rng.IntN(10)] {
		kind := []string{"approve", "approve", "approve", "reject"}[rng.IntN(4)]
		if i == 0 && rng.IntN(2) == 0 {
			kind = "cancel"
		}
		actors = append(actors, &raceActor{who: fmt.Sprintf("a%02d", who+1), kind: kind})
	}
	if rng.IntN(3) == 0 {
		actors = append(actors, &raceActor{who: "admin", kind: "cancel"})
	}
	rng.Shuffle(len(actors), func(i, j int) { actors[i], actors[j] = actors[j], actors[i] })
	for _, ac := range actors {
		ac.delay = time.Duration(rng.IntN(3000)) * time.Microsecond
		if ac.kind == "cancel" && ac.who != "admin" {
			ac.who = "ci" // the requester
		}
	}
	var wg sync.WaitGroup
	for _, ac := range actors {
		wg.Go(func() {
			time.Sleep(ac.delay)
			path := "/api/promotions/" + p.ID + "/" + ac.kind
			if ac.kind == "cancel" {
				ac.status, _ = a.send("POST", path, ac.who, nil)
			} else {
				ac.status, _ = a.send("POST", path, ac.who, decision(p.PlanDigest, "race "+ac.kind))
			}
		})
	}
	wg.Wait()
	a.s.Emulator.Settle()

	got := a.promotion(p.ID)
	after := a.record("prod")
	ok := map[string]int{}
	for _, ac := range actors {
		switch ac.status {
		case http.StatusOK:
			ok[ac.kind]++
		case http.StatusGone:
		default:
			t.Errorf("run %d: %s's %s: status %d, want 200 or 410", run, ac.who, ac.kind, ac.status)
		}
	}
	rejections, counted := got.Decided(promotion.Reject), got.Counted()
	events := map[promotion.EventType]int{}
	for _, e := range got.Events {
		events[e.Type]++
	}
	fail := func(format string, args ...any) {
		t.Errorf("run %d (min %d, %d actors, ended %s, closed %v): %s", run, min, len(actors), got.State, got.Closed, fmt.Sprintf(format, args...))
	}
	if got.Closed == nil {
		fail("nothing closed the decision")
		return got.State
	}
	if ok["approve"] != got.ApprovalCount() || ok["reject"] != len(rejections) || events[promotion.EventApproved] != ok["approve"] ||
		events[promotion.EventRejected] != ok["reject"] {
		fail("%d approvals and %d rejections answered 200; %d and %d recorded; events %v", ok["approve"], ok["reject"],
			got.ApprovalCount(), len(rejections), events)
	}
	if e := a.env("prod"); e.Lock != nil {
		fail("prod is still locked by %s", e.Lock.Holder)
	}
	answered := [2]int{a.sfn.success - success, a.sfn.failures - failures}
	switch got.State {
	case promotion.Succeeded:
		entry := after.History[0]
		if got.Closed.How != promotion.ClosedApproved || len(counted) != min || len(counted) != got.ApprovalCount() || len(rejections) != 0 ||
			ok["cancel"] != 0 || answered != [2]int{1, 0} || after.Version != before.Version+1 || entry.PromotionID != p.ID ||
			entry.By != strings.Join(got.Decided(promotion.Approve), ", ") {
			fail("%d of %d counted, rejections %v, %d cancels, task answers %v, history %+v", len(counted), min, rejections, ok["cancel"], answered, entry)
		}
	case promotion.Rejected:
		if got.Closed.How != promotion.ClosedRejected || len(rejections) != 1 || rejections[0] != got.Closed.By || len(counted) >= min ||
			ok["cancel"] != 0 || answered != [2]int{0, 1} || after.Version != before.Version {
			fail("rejections %v, %d of %d counted, %d cancels, task answers %v, version %d", rejections, len(counted), min, ok["cancel"], answered, after.Version)
		}
	case promotion.Cancelled:
		exec, err := a.s.Emulator.Describe(got.Execution)
		if err != nil {
			t.Fatal(err)
		}
		if got.Closed.How != promotion.ClosedCancelled || ok["cancel"] != 1 || len(rejections) != 0 || len(counted) >= min ||
			answered != [2]int{0, 0} || after.Version != before.Version || exec.Status != asl.Aborted {
			fail("%d cancels, rejections %v, %d of %d counted, task answers %v, version %d, execution %s",
				ok["cancel"], rejections, len(counted), min, answered, after.Version, exec.Status)
		}
	default:
		fail("an unexpected end")
	}
	return got.State
}

// TestConcurrentStartsIntoOneEnvironment: 50 starts into prod at once; one is
// recorded and started, 49 are refused at once with 409 naming the holder, its
// state and since when.
func TestConcurrentStartsIntoOneEnvironment(t *testing.T) {
	for _, backend := range backends(t) {
		t.Run(backend, func(t *testing.T) {
			a := newAPIOn(t, backend)
			a.start("prod", a.release("v1", "orders=model"), "ci")
			v2 := a.release("v2", "orders=seed")
			const n = 50
			codes, bodies := make([]int, n), make([][]byte, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					codes[i], bodies[i] = a.send("POST", "/api/promotions", "ci", map[string]string{"environment": "prod", "release_id": v2})
				})
			}
			wg.Wait()
			a.s.Emulator.Settle()
			created, refused, winner := 0, 0, ""
			for i, c := range codes {
				switch c {
				case http.StatusCreated:
					created++
					var p promotion.Promotion
					if err := json.Unmarshal(bodies[i], &p); err != nil {
						t.Fatal(err)
					}
					winner = p.ID
				case http.StatusConflict:
					refused++
				default:
					t.Errorf("status %d: %s", c, bodies[i])
				}
			}
			if created != 1 || refused != n-1 {
				t.Fatalf("%d created, %d refused; want 1 and %d", created, refused, n-1)
			}
			for i, c := range codes {
				if c == http.StatusConflict && (!strings.Contains(string(bodies[i]), `is locked by promotion `+winner+` (`) ||
					!strings.Contains(string(bodies[i]), ") since 2026-11-01T10:00:00Z")) {
					t.Errorf("a refusal that does not name the holder, its state and since when: %s", bodies[i])
				}
			}
			list, _, err := a.s.Store.ListPromotions(ctx, "prod", store.Page{})
			if err != nil {
				t.Fatal(err)
			}
			if w := a.promotion(winner); len(list) != 2 || w.State != promotion.AwaitingApproval || a.env("prod").Lock.Holder != winner {
				t.Errorf("prod has %d promotions; the one started is %s; lock %+v", len(list), w.State, a.env("prod").Lock)
			}
			t.Logf("%s: %d created, %d refused with 409", backend, created, refused)
		})
	}
}
