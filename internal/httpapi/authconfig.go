package httpapi

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/ferrydev/ferry/internal/httpapi/wire"
)

// OIDC is the OpenID provider the page signs people in with.
type OIDC struct {
	Issuer   string
	ClientID string
	// TokenEndpoint is the provider's token endpoint, from its discovery
	// document, when the server could read it at start. The page fetches the
	// discovery document from the issuer and posts the sign-in's code to the
	// token endpoint, so both origins join 'self' in the CSP's connect-src.
	TokenEndpoint string
}

// connectSources are the origins the page fetches from to sign in.
func (o *OIDC) connectSources() []string {
	if o == nil {
		return nil
	}
	var out []string
	for _, u := range []string{o.Issuer, o.TokenEndpoint} {
		if p, err := url.Parse(u); err == nil && p.Host != "" && (p.Scheme == "https" || p.Scheme == "http") {
			if origin := p.Scheme + "://" + p.Host; !slices.Contains(out, origin) {
				out = append(out, origin)
			}
		}
	}
	return out
}

// authConfig tells the page how people sign in. It needs no identity: the page
// asks before anyone has signed in.
func (s *Server) authConfig(w http.ResponseWriter, _ *http.Request) {
	var cfg wire.AuthConfig
	if s.OIDC != nil {
		cfg.OIDC = &wire.OIDCProvider{Issuer: s.OIDC.Issuer, ClientID: s.OIDC.ClientID}
	}
	_ = writeJSON(w, http.StatusOK, cfg)
}
