package auth

import (
	"dialtone/auth/authtest"
	"dialtone/internal/idp"

	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The hostile-provider cases beyond TestLoginRefusesHostileAnswers: those
// that need timing, a second server, or a session in the cache.

func TestTokenEndpointThatHangsIsBounded(t *testing.T) {
	op := authtest.NewFakeOP(t)
	release := make(chan struct{})
	defer close(release)
	op.Token = func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}
	hc := idp.NewHTTPClient(0)
	hc.Timeout = 500 * time.Millisecond
	c := NewClient(Config{Browser: &authtest.FollowBrowser{}, Timeout: time.Minute, HTTPClient: hc})
	_, err := c.Login(t.Context(), LoginRequest{Provider: op.Provider(), Email: "agent@acme.test"})
	if !isNetwork(err) {
		t.Fatalf("Login against a hanging token endpoint = %v, want a *idp.NetworkError after the request timeout", err)
	}
}

func TestDiscoveryRedirectToAnotherHostRefused(t *testing.T) {
	op := authtest.NewFakeOP(t)
	// Same loopback address, another spelling: another host to an HTTP client.
	elsewhere := strings.Replace(op.Issuer, "127.0.0.1", "localhost", 1)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere+r.URL.Path, http.StatusFound)
	}))
	defer front.Close()
	p := idp.Provider{ID: "x", Type: idp.TypeOIDC, Issuer: front.URL, ClientID: op.ClientID}
	_, err := newTestClient(&authtest.FollowBrowser{}, 10*time.Second).Login(t.Context(), LoginRequest{Provider: p, Email: "agent@acme.test"})
	if !isConfig("issuer", "redirects to another host")(err) {
		t.Fatalf("Login through a redirecting discovery URL = %v, want a *idp.ConfigError", err)
	}
}
