package wire

// AuthConfig is how the page signs people in (GET /api/auth/config, answered
// without sign-in).
type AuthConfig struct {
	// OIDC is the OpenID provider, or null when the page asks for a token
	// (ferry local without --oidc-issuer).
	OIDC *OIDCProvider `json:"oidc"`
}

// OIDCProvider is what the page's authorization code flow needs of the
// provider; the rest it reads from the issuer's discovery document.
type OIDCProvider struct {
	Issuer   string `json:"issuer"`
	ClientID string `json:"client_id"`
}
