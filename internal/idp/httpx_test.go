package idp

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

// A busy provider, or a proxy rate-limiting in front of it, is temporary:
// Dialtone works offline and retries, and never tells the admin to check
// the Discovery URL or the agent to sign in again.
func TestBusyAnswersAreNetworkErrors(t *testing.T) {
	for _, code := range []int{http.StatusTooManyRequests, http.StatusRequestTimeout, http.StatusServiceUnavailable, http.StatusBadGateway} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "5")
			http.Error(w, "busy", code)
		}))
		_, err := DiscoverProvider(context.Background(), srv.Client(), Provider{Issuer: srv.URL, Type: "oidc"})
		var ne *NetworkError
		if !errors.As(err, &ne) {
			t.Errorf("discovery answered %d: error %T %v, want a *NetworkError", code, err, err)
		}
		srv.Close()
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }))
	defer srv.Close()
	_, err := DiscoverProvider(context.Background(), srv.Client(), Provider{Issuer: srv.URL, Type: "oidc"})
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Errorf("discovery answered 404: error %T %v, want a *ConfigError (check the Discovery URL)", err, err)
	}
}
