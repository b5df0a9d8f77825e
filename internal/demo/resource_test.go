package demo_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"dialtone/internal/demo"

	"github.com/coreos/go-oidc/v3/oidc"
)

// TestTokensForTheLine: the demo provider's access tokens are JWTs that a
// resource server checks against the provider's published keys; they carry
// the email, and the line's resource in their audience when the request
// asked for it (RFC 8707): at the authorization request (for the code
// exchange's tokens) or at the refresh grant.
func TestTokensForTheLine(t *testing.T) {
	d := startDemo(t, freeOptions(t))
	m := newAgentMachine(t)
	s := signIn(t, d, m, acme, "acme-sso", acmeLine(t, d))
	with := refresh(t, d, m.refreshToken(t), demo.LineResource)
	without := refresh(t, d, with.RefreshToken)

	tests := []struct {
		name     string
		token    string
		resource bool
	}{
		{"code exchange after an authorization request for the line", s.AccessToken(), true},
		{"refresh grant for the line", with.AccessToken, true},
		{"refresh grant for nothing", without.AccessToken, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := verifyAtProvider(t, d, tt.token)
			if c.Email != acme || !slices.Contains(c.Audience, demo.ClientID) || slices.Contains(c.Audience, demo.LineResource) != tt.resource {
				t.Errorf("access token email %q, aud %q; want %s, and %s in the audience: %v", c.Email, c.Audience, acme, demo.LineResource, tt.resource)
			}
		})
	}
	t.Run("ID token", func(t *testing.T) {
		c := verifyAtProvider(t, d, with.IDToken)
		if c.AuthorizedParty != demo.ClientID || c.Email != "" {
			t.Errorf("ID token azp %q, email %q; want azp %s and no email (it is in userinfo)", c.AuthorizedParty, c.Email, demo.ClientID)
		}
	})
}

// TestProviderRefusesUnknownResources: a resource the demo provider does
// not know for the client is refused with invalid_target (RFC 8707 §2), at
// the authorization request and at the refresh grant, which then leaves
// the refresh token unspent.
func TestProviderRefusesUnknownResources(t *testing.T) {
	d := startDemo(t, freeOptions(t))
	m := newAgentMachine(t)
	signIn(t, d, m, acme, "acme-sso", acmeLine(t, d))
	rt := m.refreshToken(t)

	for _, res := range []string{"https://pbx.globex.test", "", demo.LineResource + "/"} {
		if got := refreshError(t, d, rt, demo.LineResource, res); got != "invalid_target" {
			t.Errorf("refresh with the resource %q: %q, want invalid_target", res, got)
		}
		if got := authorizeError(t, d, res); got != "invalid_target" {
			t.Errorf("authorization request with the resource %q: %q, want invalid_target", res, got)
		}
	}
	if got := refresh(t, d, rt, demo.LineResource, demo.LineResource); got.AccessToken == "" {
		t.Error("the refresh token did not work after the refused grants")
	}
}

// atClaims are the access token's claims the registrar reads.
type atClaims struct {
	Audience        []string
	Email           string `json:"email"`
	AuthorizedParty string `json:"azp"`
}

// verifyAtProvider checks tok as any resource server would, with go-oidc
// against the keys the provider publishes, and returns its claims.
func verifyAtProvider(t *testing.T, d *demo.Demo, tok string) atClaims {
	t.Helper()
	p, err := oidc.NewProvider(t.Context(), d.Issuer)
	if err != nil {
		t.Fatal(err)
	}
	v := p.Verifier(&oidc.Config{SkipClientIDCheck: true})
	verified, err := v.Verify(t.Context(), tok)
	if err != nil {
		t.Fatalf("the access token does not verify against the provider's keys: %v", err)
	}
	c := atClaims{Audience: verified.Audience}
	if err := verified.Claims(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

// grant is a token response.
type grant struct {
	AccessToken  string `json:"access_token"`
	IDToken      string `json:"id_token"`
	RefreshToken string `json:"refresh_token"`
	Error        string `json:"error"`
}

// refresh spends rt at the demo's token endpoint asking for resources,
// and returns the new tokens.
func refresh(t *testing.T, d *demo.Demo, rt string, resources ...string) grant {
	t.Helper()
	g := refreshGrantWith(t, d, rt, resources)
	if g.Error != "" || g.AccessToken == "" || g.RefreshToken == "" {
		t.Fatalf("refresh grant: error %q, access token %v, refresh token %v", g.Error, g.AccessToken != "", g.RefreshToken != "")
	}
	return g
}

// refreshError spends rt asking for resources and returns the OAuth error.
func refreshError(t *testing.T, d *demo.Demo, rt string, resources ...string) string {
	t.Helper()
	return refreshGrantWith(t, d, rt, resources).Error
}

func refreshGrantWith(t *testing.T, d *demo.Demo, rt string, resources []string) grant {
	t.Helper()
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {demo.ClientID}, "resource": resources}
	resp, err := http.PostForm(d.Issuer+"/oauth/token", form)
	if err != nil {
		t.Fatalf("token request: %v", err)
	}
	defer resp.Body.Close()
	var g grant
	if err := json.NewDecoder(resp.Body).Decode(&g); err != nil {
		t.Fatalf("token response: %v", err)
	}
	return g
}

// authorizeError sends the browser to the authorization endpoint asking
// for resource, and returns the error it redirects back to Dialtone with.
func authorizeError(t *testing.T, d *demo.Demo, resource string) string {
	t.Helper()
	q := url.Values{
		"client_id": {demo.ClientID}, "redirect_uri": {"http://127.0.0.1:1/callback"}, "response_type": {"code"},
		"scope": {"openid email"}, "state": {"s"}, "code_challenge": {strings.Repeat("a", 43)}, "code_challenge_method": {"S256"},
		"resource": {resource},
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(d.Issuer + "/authorize?" + q.Encode())
	if err != nil {
		t.Fatalf("authorization request: %v", err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		t.Fatalf("authorization request: %s, no redirect", resp.Status)
	}
	if !strings.HasPrefix(loc.String(), "http://127.0.0.1:1/callback?") {
		t.Fatalf("authorization request redirected to %s, not to Dialtone", loc.Redacted())
	}
	return loc.Query().Get("error")
}
