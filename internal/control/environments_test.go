package control

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/policy"
)

// TestSecretsStayWithAdmins checks every read of an environment: admins see the
// policy's secrets, others the hosts only, and the change log holds none.
func TestSecretsStayWithAdmins(t *testing.T) {
	h := newHarness(t)
	admin := policy.Identity{Subject: "root", Groups: []string{"admins"}}
	ana := policy.Identity{Subject: "ana"}
	const slack = "https://hooks.slack.com/services/T1/B2/s3cr3t"
	pol := policy.Policy{Approval: policy.Never,
		DeployHook: &policy.Hook{URL: "https://deploy.example/hook/k3y", SecretRef: "env:HOOK_SECRET"},
		Notify:     []policy.Webhook{{URL: slack}}}
	_, _, err := h.svc.PutEnvironment(ctx, admin, "pr-1", EnvironmentRequest{Policy: pol, Ephemeral: true})
	h.must(err)
	pol.Notify = []policy.Webhook{{URL: slack + "-rotated"}}
	_, err = h.svc.SetPolicy(ctx, admin, "pr-1", pol)
	h.must(err)
	// A change recorded before the change log left secrets out.
	legacy := h.getEnv("pr-1")
	legacy.Record(environment.Change{At: h.now, By: "root", What: `policy: notify: unset → [{"url":"` + slack + `"}]`})
	h.must(h.store.SaveEnvironment(ctx, legacy))
	secrets := []string{"s3cr3t", "k3y", "HOOK_SECRET"}

	stored := h.getEnv("pr-1")
	for _, c := range stored.Changes[:len(stored.Changes)-1] {
		for _, s := range secrets {
			if strings.Contains(c.What, s) {
				t.Errorf("the change log records %q: %s", s, c.What)
			}
		}
	}

	reads := map[string]func(policy.Identity) any{
		"Environment": func(who policy.Identity) any {
			e, err := h.svc.Environment(ctx, who, "pr-1")
			h.must(err)
			return e
		},
		"Environments": func(who policy.Identity) any {
			e, err := h.svc.Environments(ctx, who)
			h.must(err)
			return e
		},
		"Overview": func(who policy.Identity) any {
			o, err := h.svc.Overview(ctx, who, "pr-1", 5, 5)
			h.must(err)
			return o
		},
		"Extend": func(who policy.Identity) any {
			e, err := h.svc.Extend(ctx, who, "pr-1", time.Hour)
			h.must(err)
			return e
		},
	}
	for name, read := range reads {
		seen := text(t, read(ana))
		for _, s := range secrets {
			if strings.Contains(seen, s) {
				t.Errorf("%s shows %q to a non-admin", name, s)
			}
		}
		for _, host := range []string{"https://hooks.slack.com/…", "https://deploy.example/…", "env:…"} {
			if !strings.Contains(seen, host) {
				t.Errorf("%s does not show %q to a non-admin", name, host)
			}
		}
		if whole := text(t, read(admin)); !strings.Contains(whole, slack+"-rotated") || !strings.Contains(whole, "k3y") || !strings.Contains(whole, "HOOK_SECRET") {
			t.Errorf("%s hides the secrets from an admin", name)
		}
	}
	if got := h.getEnv("pr-1").Policy.Notify[0].URL; got != slack+"-rotated" {
		t.Errorf("a read changed the stored policy: %s", got)
	}
}

func text(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(data), `\u0026`, "&")
}
