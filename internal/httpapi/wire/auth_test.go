package wire

import (
	"encoding/json"
	"testing"
)

// TestAuthConfigFields pins the JSON form of the page's sign-in configuration.
func TestAuthConfigFields(t *testing.T) {
	for v, want := range map[*AuthConfig]string{
		{}: `{"oidc":null}`,
		{OIDC: &OIDCProvider{Issuer: "https://id.example", ClientID: "ferry"}}: `{"oidc":{"issuer":"https://id.example","client_id":"ferry"}}`,
	} {
		if data, err := json.Marshal(v); err != nil || string(data) != want {
			t.Errorf("JSON %s, %v; want %s", data, err, want)
		}
	}
}
