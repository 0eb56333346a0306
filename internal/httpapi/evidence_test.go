package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/httpapi/wire"
	"github.com/ferrydev/ferry/internal/promotion"
)

// TestEvidenceAndOutcome: the promotion view carries what the upstream shows of
// the release while it waits, and how it ended, with the release live now by
// name, once it is over.
func TestEvidenceAndOutcome(t *testing.T) {
	a := newAPI(t)
	a.start("prod", a.release("v1", "orders=model"), "ci")
	up := a.start("dev", a.release("v2", "orders=seed"), "ci")
	a.clock.Add(time.Minute)
	var p promotion.Promotion
	a.expect(http.StatusCreated, "POST", "/api/promotions", "ci", map[string]string{"environment": "prod", "source": "dev"}, &p)
	var view wire.PromotionView
	a.expect(http.StatusOK, "GET", "/api/promotions/"+p.ID, "ana", nil, &view)
	ev := view.Evidence
	if ev == nil || ev.Upstream != "dev" || !ev.Live || ev.PromotionID != up.ID || ev.PromotionState != promotion.Succeeded ||
		ev.Since == nil || ev.Smoke == nil || view.Outcome != nil {
		t.Fatalf("while it waits: evidence %+v, outcome %+v", ev, view.Outcome)
	}
	a.expect(http.StatusOK, "POST", "/api/promotions/"+p.ID+"/cancel", "ci", nil, nil)
	a.expect(http.StatusOK, "GET", "/api/promotions/"+p.ID, "ana", nil, &view)
	o := view.Outcome
	if o == nil || o.Headline != "Cancelled by ci before anything was applied." || o.By != "ci" || o.Applied {
		t.Fatalf("once cancelled: outcome %+v", o)
	}
	if l := o.Live; l == nil || l.Name != "v1" || l.Version != 1 || l.Environment != "prod" {
		t.Errorf("live now: %+v, want v1 as version 1 of prod", l)
	}
}
