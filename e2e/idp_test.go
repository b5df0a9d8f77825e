package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"dialtone/auth/authtest"
	"dialtone/internal/keyring"
	"dialtone/internal/session"
)

// The people who sign in: both at acme.test, so the directory's acme account
// covers them.
var (
	agent = authtest.User{Subject: "agent-1", Email: "agent@acme.test", Password: "pw-agent-1", Name: "Ada Agent", EmailVerified: true}
	boss  = authtest.User{Subject: "boss-2", Email: "boss@acme.test", Password: "pw-boss-2", Name: "Bo Boss", EmailVerified: true}
)

// idpKind is one kind of real OpenID provider the scenarios run against.
type idpKind struct {
	name  string
	start func(t *testing.T) *authtest.Provider
	// authParams are the provider's auth_params in Dialtone's provider
	// list: oidc-provider issues refresh tokens only with prompt=consent.
	authParams map[string]string
}

var idps = []idpKind{
	{name: "zitadel", start: func(t *testing.T) *authtest.Provider {
		return authtest.StartZitadel(t, authtest.Options{Users: []authtest.User{agent, boss}})
	}},
	{name: "node", start: func(t *testing.T) *authtest.Provider {
		return authtest.StartNode(t, authtest.Options{Users: []authtest.User{agent, boss}})
	}, authParams: map[string]string{"prompt": "consent"}},
}

// entry is p as an entry of a provider list file, with extra fields.
func (i idpKind) entry(id string, p *authtest.Provider, extra map[string]any) map[string]any {
	e := map[string]any{"id": id, "type": "oidc", "name": "Acme " + id, "issuer": p.Issuer, "client_id": p.ClientID}
	if i.authParams != nil {
		e["auth_params"] = i.authParams
	}
	maps.Copy(e, extra)
	return e
}

// endpoints are the paths of a provider's endpoints, from its discovery
// document, for counting requests.
type endpoints struct {
	discovery, authorization, token, userinfo, jwks, revocation string
}

func (e endpoints) all() []string {
	return []string{e.discovery, e.authorization, e.token, e.userinfo, e.jwks, e.revocation}
}

// discover reads p's discovery document.
func discover(t *testing.T, p *authtest.Provider) endpoints {
	t.Helper()
	const wellKnown = "/.well-known/openid-configuration"
	var doc struct {
		Authorization string `json:"authorization_endpoint"`
		Token         string `json:"token_endpoint"`
		Userinfo      string `json:"userinfo_endpoint"`
		JWKS          string `json:"jwks_uri"`
		Revocation    string `json:"revocation_endpoint"`
	}
	body, status := get(t, p.Issuer+wellKnown)
	if err := json.Unmarshal(body, &doc); err != nil || status != http.StatusOK {
		t.Fatalf("discovery document of %s: %d, %v", p.Issuer, status, err)
	}
	return endpoints{wellKnown, path(doc.Authorization), path(doc.Token), path(doc.Userinfo), path(doc.JWKS), path(doc.Revocation)}
}

func path(s string) string {
	u, err := url.Parse(s)
	if err != nil || s == "" {
		return ""
	}
	return u.Path
}

// requests counts the requests that reached p on each of paths.
func requests(p *authtest.Provider, paths ...string) map[string]int {
	n := map[string]int{}
	for _, path := range paths {
		if path != "" && p.Requests(path) > 0 {
			n[path] = p.Requests(path)
		}
	}
	return n
}

func get(t *testing.T, url string) ([]byte, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) ([]byte, int) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	return body, resp.StatusCode
}

// refreshRefused checks that p's token endpoint refuses the refresh token
// rt with invalid_grant, as after a revocation.
func refreshRefused(t *testing.T, p *authtest.Provider, e endpoints, rt string) {
	t.Helper()
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {p.ClientID}}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.Issuer+e.token, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	body, status := do(t, req)
	var answer struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal(body, &answer); err != nil || status != http.StatusBadRequest || answer.Error != "invalid_grant" {
		t.Errorf("the provider answered the revoked refresh token with %d %q, want 400 invalid_grant", status, answer.Error)
	}
}

// storedToken returns the refresh token the keyring holds for u at p, and
// remembers it for the token scan.
func storedToken(t *testing.T, p *authtest.Provider, u authtest.User) string {
	t.Helper()
	rt, err := keyringGet(t, p, u)
	if err != nil {
		t.Fatalf("the keyring holds no refresh token for %s at %s: %v", u.Email, p.Issuer, err)
	}
	seen.add(rt, fmt.Sprintf("%s at %s", u.Email, p.Issuer))
	return rt
}

// noStoredToken checks that the keyring holds no refresh token for u at p.
func noStoredToken(t *testing.T, p *authtest.Provider, u authtest.User) {
	t.Helper()
	rt, err := keyringGet(t, p, u)
	if !errors.Is(err, keyring.ErrNoSecret) {
		t.Errorf("the keyring still holds a refresh token for %s (read error: %v)", u.Email, err)
	}
	if rt != "" {
		seen.add(rt, fmt.Sprintf("%s at %s", u.Email, p.Issuer))
	}
	if keys := keyringKeys(t); keys[session.SecretKey(p.Issuer, p.ClientID, u.Subject)] {
		t.Errorf("secret-tool still finds the keyring item of %s", u.Email)
	}
}

// keyringGet reads the refresh token of u at p from the keyring item.
func keyringGet(t *testing.T, p *authtest.Provider, u authtest.User) (string, error) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	item, err := (&keyring.Store{}).Get(ctx, session.SecretKey(p.Issuer, p.ClientID, u.Subject))
	if err != nil {
		return "", err
	}
	rt, issuer, err := session.StoredRefreshToken(item)
	if err == nil && issuer != p.Issuer {
		t.Errorf("the keyring item of %s names issuer %q, want %q", u.Email, issuer, p.Issuer)
	}
	return rt, err
}
