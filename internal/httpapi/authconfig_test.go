package httpapi

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestAuthConfig checks what the page learns before sign-in, and that the CSP
// lets it reach the provider's origins and no others.
func TestAuthConfig(t *testing.T) {
	const strict = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
		"connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
	tests := []struct {
		name     string
		oidc     *OIDC
		wantBody string
		wantCSP  string
	}{
		{"tokens only", nil, `{"oidc":null}` + "\n", strict},
		{"provider on one origin", &OIDC{Issuer: "https://id.example/realms/ferry", ClientID: "ferry-page", TokenEndpoint: "https://id.example/realms/ferry/token"},
			`{"oidc":{"issuer":"https://id.example/realms/ferry","client_id":"ferry-page"}}` + "\n",
			"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
				"connect-src 'self' https://id.example; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"},
		{"token endpoint elsewhere (Cognito)", &OIDC{Issuer: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC", ClientID: "c",
			TokenEndpoint: "https://ferry.auth.eu-west-1.amazoncognito.com/oauth2/token"},
			`{"oidc":{"issuer":"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC","client_id":"c"}}` + "\n",
			"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
				"connect-src 'self' https://cognito-idp.eu-west-1.amazonaws.com https://ferry.auth.eu-west-1.amazoncognito.com; " +
				"font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"},
		{"token endpoint not known", &OIDC{Issuer: "http://127.0.0.1:9998", ClientID: "c"},
			`{"oidc":{"issuer":"http://127.0.0.1:9998","client_id":"c"}}` + "\n",
			"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
				"connect-src 'self' http://127.0.0.1:9998; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := (&Server{OIDC: tt.oidc}).Handler()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/auth/config", nil)) // no Authorization
			if rec.Code != http.StatusOK || rec.Body.String() != tt.wantBody {
				t.Errorf("GET /api/auth/config = %d %s, want %s", rec.Code, rec.Body, tt.wantBody)
			}
			if got := rec.Header().Get("Content-Security-Policy"); got != tt.wantCSP {
				t.Errorf("CSP %q\nwant %q", got, tt.wantCSP)
			}
			if rec.Header().Get("ETag") == "" {
				t.Error("the answer has no ETag")
			}
		})
	}
	if got := ContentSecurityPolicy(); got != strict {
		t.Errorf("ContentSecurityPolicy() = %q, want the strict policy", got)
	}
}
