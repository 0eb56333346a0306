package policy

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

const slackSecret = "T0001/B0002/XXXXsecretXXXX"

func secretPolicy() Policy {
	return Policy{
		Approval: Always,
		Smoke:    []SmokeCheck{{Name: "health", URL: "https://app.example/health?probe=1"}},
		DeployHook: &Hook{URL: "https://user:pw@deploy.example:8443/hooks/abc123?token=t0k",
			SecretRef: "env:FERRY_HOOK_SECRET"},
		Notify: []Webhook{{URL: "https://hooks.slack.com/services/" + slackSecret}, {URL: "https://chat.example"},
			{URL: "ssm:/ferry/" + slackSecret}},
	}
}

func TestRedacted(t *testing.T) {
	p := secretPolicy()
	before := secretPolicy()
	r := p.Redacted()
	if !reflect.DeepEqual(p, before) {
		t.Fatalf("Redacted changed the policy it was called on: %+v", p)
	}
	want := Hook{URL: "https://deploy.example:8443/…", SecretRef: "env:…"}
	if *r.DeployHook != want {
		t.Errorf("deploy hook = %+v, want %+v", *r.DeployHook, want)
	}
	if got := []Webhook{{URL: "https://hooks.slack.com/…"}, {URL: "https://chat.example"}, {URL: "ssm:…"}}; !slices.Equal(r.Notify, got) {
		t.Errorf("notify = %+v, want %+v", r.Notify, got)
	}
	if r.Smoke[0].URL != p.Smoke[0].URL {
		t.Errorf("a smoke URL was redacted: %s", r.Smoke[0].URL)
	}
	if (Policy{}).Redacted().DeployHook != nil {
		t.Error("a policy without a deploy hook got one")
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://hooks.slack.com/services/T/B/S": "https://hooks.slack.com/…",
		"https://hooks.example":                  "https://hooks.example",
		"https://hooks.example/":                 "https://hooks.example",
		"https://hooks.example?key=s":            "https://hooks.example/…",
		"https://u:p@hooks.example":              "https://hooks.example/…",
		"http://127.0.0.1:9/x#frag":              "http://127.0.0.1:9/…",
		"not a url":                              "…",
		"":                                       "",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactText(t *testing.T) {
	in := `policy: notify: [{"url":"https://hooks.slack.com/services/T/B/S"}] → unset; see http://wiki.example/a/b and https://x.example.`
	want := `policy: notify: [{"url":"https://hooks.slack.com/…"}] → unset; see http://wiki.example/… and https://x.example.`
	if got := RedactText(in); got != want {
		t.Errorf("RedactText = %q\nwant %q", got, want)
	}
	escaped := `notify: [{"url":"https://hooks.example/x?a=1\u0026token=s3cr3t"}]`
	if got := RedactText(escaped); got != `notify: [{"url":"https://hooks.example/…"}]` {
		t.Errorf("RedactText of a URL with an escaped & = %q", got)
	}
	if got := RedactText("no links"); got != "no links" {
		t.Errorf("RedactText changed text without links: %q", got)
	}
}

func TestDiffRecordsNoSecrets(t *testing.T) {
	old := secretPolicy()
	cur := secretPolicy()
	cur.Notify = []Webhook{{URL: "https://hooks.slack.com/services/T0001/B0002/rotated"}}
	cur.DeployHook = &Hook{URL: "https://deploy.example:8443/hooks/other", SecretRef: "env:OTHER"}
	cur.Smoke[0].URL = "https://app.example/ready"
	got := Diff(old, cur)
	want := []string{
		"deploy_hook: changed (its secrets are not recorded)",
		`notify: [{"url":"https://hooks.slack.com/…"},{"url":"https://chat.example"},{"url":"ssm:…"}] → [{"url":"https://hooks.slack.com/…"}]`,
		`smoke: [{"name":"health","url":"https://app.example/health?probe=1"}] → [{"name":"health","url":"https://app.example/ready"}]`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("Diff = %q\nwant %q", got, want)
	}
	for _, line := range got {
		for _, secret := range []string{slackSecret, "rotated", "abc123", "t0k", "pw@", "FERRY_HOOK_SECRET", "OTHER"} {
			if strings.Contains(line, secret) {
				t.Errorf("the diff records %q: %s", secret, line)
			}
		}
	}
}

func TestValidateDoesNotRepeatSecrets(t *testing.T) {
	for _, p := range []Policy{
		{Notify: []Webhook{{URL: "hooks.slack.com/services/" + slackSecret}}},
		{DeployHook: &Hook{URL: "http://deploy.example/hooks/" + slackSecret, SecretRef: "env:X"}},
		{DeployHook: &Hook{URL: "ftp://deploy.example/" + slackSecret, SecretRef: "env:X"}},
	} {
		err := p.Validate()
		if err == nil || strings.Contains(err.Error(), slackSecret) {
			t.Errorf("Validate() = %v: want an error without the URL", err)
		}
	}
	err := Policy{Smoke: []SmokeCheck{{Name: "h", URL: "/health"}}}.Validate()
	if err == nil || !strings.Contains(err.Error(), `"/health"`) {
		t.Errorf("a smoke URL, not a secret, is quoted: %v", err)
	}
}
