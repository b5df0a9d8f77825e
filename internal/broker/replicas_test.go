package broker_test

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"

	"dialtone/internal/broker/brokertest"
	"dialtone/internal/dirstore/dirstoretest"
)

// TestTwoReplicasShareSignIns runs two brokers on one PostgreSQL database
// behind a front that sends each step of a sign-in to a chosen replica:
// the authorization request to A, the upstream's callback to B, the code
// to A, the refresh to B, the keys and userinfo to B. Every step finds
// what the other replica stored: the replicas keep nothing in memory that
// a sign-in needs.
func TestTwoReplicasShareSignIns(t *testing.T) {
	dsn := dirstoretest.NewPostgres(t)
	front := brokertest.NewFront(t)
	opts := brokertest.Options(nil)
	opts.BrokerIssuer = front.URL + "/broker"
	a, b := brokertest.Start(t, dsn, opts), brokertest.Start(t, dsn, opts)
	front.SetBackends(a.URL, b.URL)
	var mu sync.Mutex
	tokens := 0
	front.Route = func(r *http.Request) string {
		switch r.URL.Path {
		case "/broker/authorize":
			return a.URL
		case "/broker/token":
			mu.Lock()
			defer mu.Unlock()
			if tokens++; tokens == 1 {
				return a.URL // the code
			}
			return b.URL // the refresh
		}
		return b.URL // the callback, discovery, keys, userinfo, lookup
	}
	_, up := fakeUpstream(t)
	a.AddBrokered(t, "acme", "acme.test", "okta", up)
	entry := b.Entry(t, "agent@acme.test", "okta")

	c := desktopClient()
	s, err := c.Login(context.Background(), loginRequest(entry))
	if err != nil {
		t.Fatalf("a sign-in split over two replicas: %v", err)
	}
	if _, err := c.Refresh(context.Background(), s.Resolved(), s, s.RefreshToken()); err != nil {
		t.Fatalf("the refresh on B of a session made on A and B: %v", err)
	}
	want := map[string][]string{
		a.URL: {"/broker/authorize", "/broker/token"},
		b.URL: {"/broker/idpresponse", "/broker/keys", "/broker/token"},
	}
	for backend, paths := range want {
		served := front.Served(backend)
		for _, p := range paths {
			if !slices.Contains(served, p) {
				t.Errorf("%s served %v, want %s among them", backend, served, p)
			}
		}
	}
}
