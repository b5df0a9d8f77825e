package dirserver

import (
	"context"
	"dialtone/internal/directory"
	"dialtone/internal/dirstore/dirstoretest"
	"dialtone/internal/idp"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

type flags struct{ enabled, enforced bool }

func TestLookupEnableEnforceRules(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		tests := []struct {
			name         string
			providers    map[string]flags // id → flags, saved in id order
			wantIDs      []string
			wantEnforced []string
		}{
			{name: "none enabled", providers: map[string]flags{"a": {}, "b": {}}, wantIDs: []string{}},
			{name: "all enabled", providers: map[string]flags{"a": {true, false}, "b": {true, false}}, wantIDs: []string{"a", "b"}},
			{name: "one of two enabled", providers: map[string]flags{"a": {false, false}, "b": {true, false}}, wantIDs: []string{"b"}},
			{name: "enforced hides the others", providers: map[string]flags{"a": {true, false}, "b": {true, true}, "c": {true, false}}, wantIDs: []string{"b"}, wantEnforced: []string{"b"}},
			{name: "two enforced", providers: map[string]flags{"a": {true, true}, "b": {true, true}, "c": {true, false}}, wantIDs: []string{"a", "b"}, wantEnforced: []string{"a", "b"}},
			{name: "enforced but disabled counts for nothing", providers: map[string]flags{"a": {false, true}, "b": {true, false}}, wantIDs: []string{"b"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				d := newTestDirOn(t, b, Options{})
				d.mustAPI(t, 200, "PUT", "/admin/v1/accounts/acme", Account{Domains: []string{"acme.test"}})
				ids := slices.Sorted(mapsKeys(tt.providers))
				for _, id := range ids {
					f := tt.providers[id]
					d.mustAPI(t, 200, "PUT", "/admin/v1/accounts/acme/providers/"+id, ProviderInput{Type: "oidc", Issuer: "https://" + id + ".example.com", ClientID: "c-" + id, Enabled: f.enabled, Enforced: f.enforced})
				}
				list, err := (&directory.Client{URL: d.URL}).Lookup(context.Background(), "Agent@Acme.test")
				if err != nil {
					t.Fatalf("Lookup: %v", err)
				}
				gotIDs, gotEnforced := []string{}, []string(nil)
				for _, p := range list.Providers {
					gotIDs = append(gotIDs, p.ID)
					if p.Enforced {
						gotEnforced = append(gotEnforced, p.ID)
					}
				}
				if !slices.Equal(gotIDs, tt.wantIDs) || !slices.Equal(gotEnforced, tt.wantEnforced) {
					t.Errorf("providers %v enforced %v, want %v enforced %v", gotIDs, gotEnforced, tt.wantIDs, tt.wantEnforced)
				}
			})
		}
	})
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// TestLookupUnknownEmailLooksLikeKnown compares the answer for an email no
// account claims with the answer for an account that has no provider
// enabled: same status, same headers, same body but for the email. The
// server runs the same single SQL statement for both (see lookupSQL), so
// there is no extra query whose time would tell them apart.
func TestLookupUnknownEmailLooksLikeKnown(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		d := newTestDirOn(t, b, Options{})
		d.mustAPI(t, 200, "PUT", "/admin/v1/accounts/quiet", Account{Domains: []string{"quiet.test"}})
		d.mustAPI(t, 200, "PUT", "/admin/v1/accounts/quiet/providers/off", ProviderInput{Type: "okta", Issuer: "https://quiet.okta.test", ClientID: "x"})

		known, knownBody := d.lookupRaw(t, "agent@quiet.test", nil)
		unknown, unknownBody := d.lookupRaw(t, "agent@other.test", nil) // same length as the known one
		if known.StatusCode != 200 || unknown.StatusCode != 200 {
			t.Fatalf("status known %d unknown %d, want 200 both", known.StatusCode, unknown.StatusCode)
		}
		if k, u := headerNames(known.Header), headerNames(unknown.Header); !slices.Equal(k, u) {
			t.Errorf("header names differ:\nknown   %v\nunknown %v", k, u)
		}
		for _, h := range []string{"Content-Type", "Cache-Control", "Content-Length"} {
			if known.Header.Get(h) != unknown.Header.Get(h) {
				t.Errorf("%s: known %q, unknown %q", h, known.Header.Get(h), unknown.Header.Get(h))
			}
		}
		if got := strings.Replace(string(unknownBody), "other", "quiet", 1); got != string(knownBody) {
			t.Errorf("bodies differ beyond the email:\nknown   %s\nunknown %s", knownBody, unknownBody)
		}
	})
}

func headerNames(h http.Header) []string {
	var names []string
	for k := range h {
		if k != "Date" && k != "Etag" {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	return names
}

func TestLookupUnknownEmailGetsDefaultList(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		d := newTestDirOn(t, b, Options{DefaultAccount: "default"})
		d.mustAPI(t, 200, "PUT", "/admin/v1/accounts/default", Account{})
		d.mustAPI(t, 200, "PUT", "/admin/v1/accounts/default/providers/google", ProviderInput{Type: "okta", Issuer: "https://dev-1.okta.com", ClientID: "g", Enabled: true})
		list, err := (&directory.Client{URL: d.URL}).Lookup(context.Background(), "agent@nowhere.test")
		if err != nil {
			t.Fatal(err)
		}
		if ids := idsOf(list); !slices.Equal(ids, []string{"google"}) {
			t.Errorf("providers = %v, want [google]", ids)
		}
	})
}

func idsOf(l *idp.ProviderList) []string {
	ids := []string{}
	for _, p := range l.Providers {
		ids = append(ids, p.ID)
	}
	return ids
}

// TestLookupNeverSendsAdminFields checks every key of the answer against
// the provider-list format.
func TestLookupNeverSendsAdminFields(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		d := newTestDirOn(t, b, Options{})
		if err := d.Seed(context.Background(), SeedOptions{ClientSecret: "installed-app-secret"}); err != nil {
			t.Fatal(err)
		}
		op := fakeOP(t, nil, "")
		d.mustAPI(t, 200, "PUT", "/admin/v1/accounts/globex/providers/tested", ProviderInput{Type: "oidc", Issuer: op.URL, ClientID: "c", Enabled: true})
		d.mustAPI(t, 200, "POST", "/admin/v1/accounts/globex/providers/tested/test", nil)

		allowedTop := []string{"email", "providers"}
		allowedProvider := []string{"id", "type", "name", "issuer", "client_id", "client_secret", "scopes", "userinfo_method", "email_claim", "auth_params", "redirect_host", "redirect_port", "enforced"}
		for _, email := range []string{"agent@acme.test", "agent@globex.test"} {
			_, body := d.lookupRaw(t, email, nil)
			var got struct {
				Providers []map[string]json.RawMessage `json:"providers"`
			}
			var top map[string]json.RawMessage
			if err := json.Unmarshal(body, &top); err != nil {
				t.Fatal(err)
			}
			json.Unmarshal(body, &got)
			for k := range top {
				if !slices.Contains(allowedTop, k) {
					t.Errorf("%s: top-level field %q is not in the provider-list format", email, k)
				}
			}
			for _, p := range got.Providers {
				for k := range p {
					if !slices.Contains(allowedProvider, k) {
						t.Errorf("%s: provider field %q is not in the provider-list format", email, k)
					}
				}
			}
		}
	})
}

func TestLookupETag(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		d := newTestDirOn(t, b, Options{})
		if err := d.Seed(context.Background(), SeedOptions{}); err != nil {
			t.Fatal(err)
		}
		first, _ := d.lookupRaw(t, "agent@globex.test", nil)
		etag := first.Header.Get("ETag")
		if etag == "" || first.Header.Get("Cache-Control") != LookupCacheControl {
			t.Fatalf("ETag %q Cache-Control %q, want an ETag and %q", etag, first.Header.Get("Cache-Control"), LookupCacheControl)
		}
		again, body := d.lookupRaw(t, "agent@globex.test", map[string]string{"If-None-Match": etag})
		if again.StatusCode != http.StatusNotModified || len(body) != 0 {
			t.Errorf("If-None-Match: status %d body %q, want 304 and no body", again.StatusCode, body)
		}
		d.mustAPI(t, 200, "PATCH", "/admin/v1/accounts/globex/providers/globex-sso", ProviderFlags{Enforced: ptr(true)})
		changed, _ := d.lookupRaw(t, "agent@globex.test", map[string]string{"If-None-Match": etag})
		if changed.StatusCode != 200 || changed.Header.Get("ETag") == etag {
			t.Errorf("after enforcing: status %d ETag %q, want 200 and a new ETag", changed.StatusCode, changed.Header.Get("ETag"))
		}
	})
}

func TestLookupRateLimit(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		clk := newClock()
		d := newTestDirOn(t, b, Options{RateLimit: 0.5, RateBurst: 2, Now: clk.Now})
		for i, want := range []int{200, 200, 429} {
			resp, body := d.lookupRaw(t, "agent@acme.test", nil)
			if resp.StatusCode != want {
				t.Fatalf("request %d: status %d, want %d", i+1, resp.StatusCode, want)
			}
			if want == 429 {
				var e apiError
				json.Unmarshal(body, &e)
				if e.Code != "rate_limited" || resp.Header.Get("Retry-After") != "2" {
					t.Errorf("429: error %q Retry-After %q, want rate_limited and 2", e.Code, resp.Header.Get("Retry-After"))
				}
			}
		}
		clk.Advance(1900 * time.Millisecond)
		if resp, _ := d.lookupRaw(t, "agent@acme.test", nil); resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "1" {
			t.Errorf("0.1 s before the wait is over: status %d Retry-After %q, want 429 and 1", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		clk.Advance(100 * time.Millisecond)
		if resp, _ := d.lookupRaw(t, "agent@acme.test", nil); resp.StatusCode != 200 {
			t.Errorf("after the wait: status %d, want 200", resp.StatusCode)
		}
		_, err := (&directory.Client{URL: d.URL}).Lookup(context.Background(), "agent@acme.test")
		var netErr *idp.NetworkError
		if !errors.As(err, &netErr) {
			t.Errorf("client on 429: err = %v, want a *NetworkError (temporary)", err)
		}
	})
}

// TestLookupBurstDoesNotStarveAnother: an address that keeps looking up
// after its budget is spent is refused, and another address is not.
func TestLookupBurstDoesNotStarveAnother(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		d := newTestDirOn(t, b, Options{RateLimit: 1, RateBurst: 5, Now: newClock().Now, ClientAddr: testClientAddr})
		statuses := map[int]int{}
		for range 40 {
			resp, _ := d.lookupRaw(t, "agent@acme.test", map[string]string{"X-Test-Client": "192.0.2.66"})
			statuses[resp.StatusCode]++
		}
		if statuses[200] != 5 || statuses[429] != 35 {
			t.Errorf("40 lookups from one address: %v, want 5 × 200 and 35 × 429", statuses)
		}
		for i := range 5 {
			if resp, _ := d.lookupRaw(t, "agent@acme.test", map[string]string{"X-Test-Client": "192.0.2.67"}); resp.StatusCode != 200 {
				t.Errorf("lookup %d from another address: %d, want 200", i+1, resp.StatusCode)
			}
		}
	})
}

func TestLookupErrors(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		d := newTestDirOn(t, b, Options{})
		tests := []struct {
			method, path string
			status       int
			code         string
		}{
			{"GET", "/v1/sso/providers", 400, "invalid_email"},
			{"GET", "/v1/sso/providers?email=agent", 400, "invalid_email"},
			{"GET", "/v1/sso/providers?email=agent@localhost", 400, "invalid_email"},
			{"POST", "/v1/sso/providers?email=agent@acme.test", 405, "method_not_allowed"},
			{"GET", "/v1/nothing", 404, "not_found"},
			{"GET", "/admin/v1/nothing", 404, "not_found"},
			{"DELETE", "/admin/v1/accounts", 405, "method_not_allowed"},
		}
		for _, tt := range tests {
			var e apiError
			status := d.api(t, tt.method, tt.path, nil, &e)
			if status != tt.status || e.Code != tt.code || e.Message == "" {
				t.Errorf("%s %s = %d %+v, want %d %s with a message", tt.method, tt.path, status, e, tt.status, tt.code)
			}
		}
	})
}

func TestLookupPerUserOverride(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		d := newTestDirOn(t, b, Options{})
		if err := d.Seed(context.Background(), SeedOptions{}); err != nil {
			t.Fatal(err)
		}
		d.withHeader("If-Match", "*").mustAPI(t, 200, "PUT", "/admin/v1/accounts/acme", Account{Domains: []string{"acme.test"}, Users: []string{"Temp.Agent@Globex.test"}})
		dir := &directory.Client{URL: d.URL}
		for email, want := range map[string][]string{
			"temp.agent@globex.test":  {"acme-sso"},
			"other.agent@globex.test": {"globex-sso", "globex-contractors"},
		} {
			list, err := dir.Lookup(context.Background(), email)
			if err != nil {
				t.Fatal(err)
			}
			if got := idsOf(list); !slices.Equal(got, want) {
				t.Errorf("%s: providers %v, want %v", email, got, want)
			}
		}
	})
}

// TestLookupCachedWhenDirectoryIsDown runs the client's cache against the
// real service: the last good answer comes back marked cached.
func TestLookupCachedWhenDirectoryIsDown(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		d := newTestDirOn(t, b, Options{})
		if err := d.Seed(context.Background(), SeedOptions{}); err != nil {
			t.Fatal(err)
		}
		dir := &directory.Client{URL: d.URL, Cache: &directory.MemoryCache{}}
		if a, err := dir.LookupOrCached(context.Background(), "agent@acme.test"); err != nil || a.Cached {
			t.Fatalf("first lookup: %+v, %v", a, err)
		}
		d.http.Close()
		a, err := dir.LookupOrCached(context.Background(), "agent@acme.test")
		if err != nil || !a.Cached || !slices.Equal(idsOf(a.List), []string{"acme-sso"}) {
			t.Fatalf("with the directory down: %+v, %v; want the cached acme-sso", a, err)
		}
	})
}
