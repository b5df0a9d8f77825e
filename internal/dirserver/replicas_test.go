package dirserver

import (
	"context"
	"dialtone/internal/directory"
	"dialtone/internal/dirstore/dirstoretest"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// TestTwoReplicasOnOnePostgres runs two servers on one PostgreSQL
// database, as two replicas behind a load balancer would: what one saves
// the other serves, an admin session made on one works on the other and
// ends on both when signed out on either, the back-off of the admin token
// is shared, and a stale write through one is refused after a write
// through the other.
func TestTwoReplicasOnOnePostgres(t *testing.T) {
	dsn := dirstoretest.NewPostgres(t)
	clk := newClock()
	opts := Options{Now: clk.Now, ClientAddr: testClientAddr}
	a, b := openTestDir(t, dsn, opts), openTestDir(t, dsn, opts)

	t.Run("saved on A, looked up on B", func(t *testing.T) {
		a.mustAPI(t, 200, "PUT", "/admin/v1/accounts/acme", Account{Domains: []string{"acme.test"}})
		a.mustAPI(t, 200, "PUT", "/admin/v1/accounts/acme/providers/acme-sso", ProviderInput{Type: "oidc", Issuer: "https://idp.example.com", ClientID: "c", Enabled: true})
		list, err := (&directory.Client{URL: b.URL}).Lookup(context.Background(), "agent@acme.test")
		if err != nil || len(list.Providers) != 1 || list.Providers[0].ID != "acme-sso" {
			t.Errorf("lookup on B = %+v, %v; want acme-sso", list, err)
		}
	})

	t.Run("session made on A, ended on B", func(t *testing.T) {
		onA := newPageClient(t, a)
		csrf := onA.signIn()
		onB := onA.copyCookies(b)
		if _, body := onB.get("/admin"); !signedIn(body) {
			t.Fatal("the session made on A does not open the page on B")
		}
		if status, _ := onB.post("/admin/logout", url.Values{"csrf": {csrf}}, b.URL); status != http.StatusOK {
			t.Fatalf("sign-out on B: %d", status)
		}
		if _, body := onA.copyCookies(a).get("/admin"); signedIn(body) {
			t.Error("after sign-out on B the session still opens the page on A")
		}
	})

	t.Run("back-off shared", func(t *testing.T) {
		const attacker = "192.0.2.1"
		for i := range 6 {
			a.tryToken(t, attacker, wrongToken+string(rune('a'+i)))
		}
		if status, retry := b.tryToken(t, attacker, testToken); status != http.StatusTooManyRequests || retry == "" {
			t.Errorf("B after 6 failures on A: %d Retry-After %q, want 429 with Retry-After", status, retry)
		}
		if status, _ := b.tryToken(t, "198.51.100.7", testToken); status != http.StatusOK {
			t.Errorf("B for another address: %d, want 200", status)
		}
	})

	t.Run("stale write across replicas", func(t *testing.T) {
		_, tag, _ := a.send(t, "GET", "/admin/v1/accounts/acme", nil, nil)
		if status, _, _ := b.send(t, "PUT", "/admin/v1/accounts/acme", Account{Title: "B's", Domains: []string{"acme.test"}}, map[string]string{"If-Match": tag}); status != 200 {
			t.Fatalf("PUT on B: %d", status)
		}
		if status, _, _ := a.send(t, "PUT", "/admin/v1/accounts/acme", Account{Title: "A's", Domains: []string{"acme.test"}}, map[string]string{"If-Match": tag}); status != http.StatusPreconditionFailed {
			t.Errorf("PUT on A with the ETag B replaced: %d, want 412", status)
		}
	})
}

// TestReplicasShareTheLookupLimit alternates one address's lookups between
// two servers on one PostgreSQL database: together they allow the one
// budget, and the refusal says how long to wait, whichever replica makes
// it.
func TestReplicasShareTheLookupLimit(t *testing.T) {
	dsn := dirstoretest.NewPostgres(t)
	clk := newClock()
	opts := Options{RateLimit: 2, RateBurst: 10, Now: clk.Now}
	replicas := []*testDir{openTestDir(t, dsn, opts), openTestDir(t, dsn, opts)}
	statuses := map[int]int{}
	var retry []string
	for i := range 30 {
		resp, _ := replicas[i%2].lookupRaw(t, "agent@acme.test", nil)
		statuses[resp.StatusCode]++
		if resp.StatusCode == http.StatusTooManyRequests {
			retry = append(retry, resp.Header.Get("Retry-After"))
		}
	}
	if statuses[200] != 10 || statuses[429] != 20 {
		t.Errorf("30 lookups over two replicas: %v, want 10 × 200 and 20 × 429 (one budget, not two)", statuses)
	}
	if len(retry) == 0 || retry[0] != "1" || retry[len(retry)-1] != "1" {
		t.Errorf("Retry-After of the refusals: %q, want 1 from either replica", retry)
	}
	clk.Advance(time.Second)
	for i, want := range []int{200, 200, 429} {
		if resp, _ := replicas[i%2].lookupRaw(t, "agent@acme.test", nil); resp.StatusCode != want {
			t.Errorf("a second later, lookup %d: %d, want %d (2 a second between both)", i+1, resp.StatusCode, want)
		}
	}
}
