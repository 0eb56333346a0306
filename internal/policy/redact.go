package policy

import (
	"net/url"
	"strings"
	"unicode"
)

// Redacted returns a copy of p without its secrets, for everyone but admins.
//
// Secrets are the notification webhooks' URLs (or secret references to them)
// and the deploy hook's URL, whose
// path and query are the credential of many services (a Slack webhook's path is
// its secret), and the deploy hook's secret reference, which says where the
// signing secret is kept. A URL keeps its scheme and host, with "/…" for what was
// taken ("https://hooks.slack.com/…"); a secret reference keeps its kind
// ("env:…"). Smoke check URLs are the service's own endpoints and stay whole.
func (p Policy) Redacted() Policy {
	if p.DeployHook != nil {
		hook := *p.DeployHook
		hook.URL = RedactURL(hook.URL)
		hook.SecretRef = redactRef(hook.SecretRef)
		p.DeployHook = &hook
	}
	if p.Notify != nil {
		notify := make([]Webhook, len(p.Notify))
		for i, w := range p.Notify {
			if IsSecretRef(w.URL) {
				notify[i] = Webhook{URL: redactRef(w.URL)}
				continue
			}
			notify[i] = Webhook{URL: RedactURL(w.URL)}
		}
		p.Notify = notify
	}
	return p
}

// RedactURL reduces a URL to its scheme and host, with "/…" when anything else
// (credentials, path, query, fragment) was there; what does not parse as an
// absolute URL becomes "…".
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		if raw == "" {
			return ""
		}
		return "…"
	}
	kept := u.Scheme + "://" + u.Host
	if raw != kept && raw != kept+"/" {
		kept += "/…"
	}
	return kept
}

// redactRef keeps a secret reference's kind, the part before the first colon.
func redactRef(ref string) string {
	if ref == "" {
		return ""
	}
	if kind, _, ok := strings.Cut(ref, ":"); ok {
		return kind + ":…"
	}
	return "…"
}

// RedactText reduces every http(s) URL in s to its scheme and host (see
// RedactURL); a URL runs to a space, a quote or an angle bracket, so that one
// in JSON whose query holds an escaped "&" (\u0026) is redacted whole.
// It is for text recorded before policy changes were written without secrets
// (see Diff).
func RedactText(s string) string {
	var b strings.Builder
	for {
		i := urlStart(s)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		end := strings.IndexFunc(s[i:], func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune(`"'<>`, r) })
		if end < 0 {
			end = len(s) - i
		}
		b.WriteString(s[:i])
		b.WriteString(RedactURL(s[i : i+end]))
		s = s[i+end:]
	}
}

// urlStart is where the first "http://" or "https://" in s starts, or -1.
func urlStart(s string) int {
	i, j := strings.Index(s, "http://"), strings.Index(s, "https://")
	if i < 0 || (j >= 0 && j < i) {
		return j
	}
	return i
}
