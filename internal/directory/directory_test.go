package directory_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"dialtone/internal/directory"
	"dialtone/internal/idp"
)

const dirGoodList = `{"email":"agent@acme.test","providers":[{"id":"acme-sso","type":"okta","issuer":"https://acme.okta.test","client_id":"0oa1","enforced":true}]}`

// dirServer serves one fixed answer on the lookup path and counts requests.
func dirServer(t *testing.T, status int, body string, header map[string]string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path != directory.Path {
			http.NotFound(w, r)
			return
		}
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestDirectoryLookup(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		body      string
		header    map[string]string
		wantIDs   []string
		wantNet   bool
		wantField string // *ConfigError field
	}{
		{name: "enforced provider", status: 200, body: dirGoodList, wantIDs: []string{"acme-sso"}},
		{name: "no providers", status: 200, body: `{"email":"agent@acme.test","providers":[]}`, wantIDs: []string{}},
		{name: "no email echoed", status: 200, body: `{"providers":[]}`, wantIDs: []string{}},
		{name: "server error", status: 503, body: `{"error":"unavailable"}`, wantNet: true},
		{name: "rate limited", status: 429, body: `{"error":"rate_limited","message":"slow down"}`, header: map[string]string{"Retry-After": "3"}, wantNet: true},
		{name: "wrong path", status: 404, body: `{"error":"not_found"}`, wantField: "directory_url"},
		{name: "unknown field", status: 200, body: `{"providers":[],"enabled":true}`, wantField: "enabled"},
		{name: "wrong type", status: 200, body: `{"providers":[{"id":"a","type":"oidc","issuer":"https://a.test","client_id":7}]}`, wantField: "providers.client_id"},
		{name: "invalid provider", status: 200, body: `{"providers":[{"id":"a","type":"oidc","issuer":"http://a.test","client_id":"c"}]}`, wantField: "providers[0].issuer"},
		{name: "answer for another email", status: 200, body: `{"email":"boss@acme.test","providers":[]}`, wantField: "email"},
		{name: "not JSON", status: 200, body: `<html>`, wantField: "(document)"},
		{name: "too large", status: 200, body: `{"providers":[],"account":"` + strings.Repeat("a", idp.MaxBodySize) + `"}`, wantField: "(document)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := dirServer(t, tt.status, tt.body, tt.header)
			d := &directory.Client{URL: srv.URL}
			list, err := d.Lookup(context.Background(), " Agent@ACME.test ")
			checkDirErr(t, err, tt.wantNet, tt.wantField)
			if err != nil || tt.wantNet || tt.wantField != "" {
				return
			}
			if list.Email != "agent@acme.test" {
				t.Errorf("Email = %q, want agent@acme.test", list.Email)
			}
			if got := providerIDs(list); strings.Join(got, ",") != strings.Join(tt.wantIDs, ",") || list.Providers == nil {
				t.Errorf("providers = %v (nil %t), want %v", got, list.Providers == nil, tt.wantIDs)
			}
		})
	}
}

func checkDirErr(t *testing.T, err error, wantNet bool, wantField string) {
	t.Helper()
	var netErr *idp.NetworkError
	var cfgErr *idp.ConfigError
	switch {
	case wantNet && !errors.As(err, &netErr):
		t.Fatalf("err = %v, want a *NetworkError", err)
	case wantField != "" && !errors.As(err, &cfgErr):
		t.Fatalf("err = %v, want a *ConfigError", err)
	case wantField != "" && cfgErr.Field != wantField:
		t.Fatalf("ConfigError.Field = %q, want %q (%v)", cfgErr.Field, wantField, err)
	case !wantNet && wantField == "" && err != nil:
		t.Fatalf("Lookup: %v", err)
	}
}

func providerIDs(l *idp.ProviderList) []string {
	ids := []string{}
	for _, p := range l.Providers {
		ids = append(ids, p.ID)
	}
	return ids
}

func TestDirectoryLookupAppliesDefaults(t *testing.T) {
	srv, _ := dirServer(t, 200, dirGoodList, nil)
	list, err := (&directory.Client{URL: srv.URL + "/"}).Lookup(context.Background(), "agent@acme.test")
	if err != nil {
		t.Fatal(err)
	}
	p := list.Providers[0]
	if p.Name != "Okta" || p.UserinfoMethod != "GET" || len(p.Scopes) == 0 || !p.Enforced {
		t.Errorf("provider = %+v, want defaults applied and enforced kept", p)
	}
}

func TestDirectoryRejectsBadEmailWithoutRequest(t *testing.T) {
	srv, hits := dirServer(t, 200, dirGoodList, nil)
	d := &directory.Client{URL: srv.URL}
	for _, email := range []string{"", "agent", "@acme.test", "agent@", "agent@acme", "Agent <agent@acme.test>", "a b@acme.test", "agent@-acme.test", "agent@acme..test", "agent@äcme.test"} {
		_, err := d.Lookup(context.Background(), email)
		var ie *idp.InvalidEmailError
		if !errors.As(err, &ie) {
			t.Errorf("Lookup(%q) err = %v, want *InvalidEmailError", email, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the directory got %d requests, want 0", n)
	}
}

func TestSplitEmail(t *testing.T) {
	tests := []struct{ in, addr, domain string }{
		{"agent@acme.test", "agent@acme.test", "acme.test"},
		{"  Agent.Smith+sip@Support.ACME.test ", "agent.smith+sip@support.acme.test", "support.acme.test"},
		{"o'brien@xn--bcher-kva.example", "o'brien@xn--bcher-kva.example", "xn--bcher-kva.example"},
	}
	for _, tt := range tests {
		addr, domain, err := idp.SplitEmail(tt.in)
		if err != nil || addr != tt.addr || domain != tt.domain {
			t.Errorf("SplitEmail(%q) = %q, %q, %v; want %q, %q", tt.in, addr, domain, err, tt.addr, tt.domain)
		}
	}
}

func TestDirectoryURLMustBeHTTPS(t *testing.T) {
	for _, u := range []string{"", "http://directory.example.com", "ftp://x.test", "directory.example.com", "https://"} {
		_, err := (&directory.Client{URL: u}).Lookup(context.Background(), "agent@acme.test")
		checkDirErr(t, err, false, "directory_url")
	}
}

func TestDirectoryTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	d := &directory.Client{URL: srv.URL, HTTPClient: &http.Client{Timeout: 50 * time.Millisecond}}
	_, err := d.Lookup(context.Background(), "agent@acme.test")
	checkDirErr(t, err, true, "")
}

func TestDirectoryLookupOrCached(t *testing.T) {
	srv, _ := dirServer(t, 200, dirGoodList, nil)
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	cache := &directory.MemoryCache{}
	d := &directory.Client{URL: srv.URL, Cache: cache, Now: func() time.Time { return at }}

	fresh, err := d.LookupOrCached(context.Background(), "agent@acme.test")
	if err != nil || fresh.Cached || len(fresh.List.Providers) != 1 {
		t.Fatalf("first lookup = %+v, %v; want one provider, not cached", fresh, err)
	}
	fresh.List.Providers[0].ID = "changed by the caller"
	srv.Close() // the directory goes down

	got, err := d.LookupOrCached(context.Background(), "AGENT@acme.test")
	if err != nil {
		t.Fatalf("LookupOrCached with the directory down: %v", err)
	}
	var netErr *idp.NetworkError
	if !got.Cached || !got.FetchedAt.Equal(at) || !errors.As(got.Err, &netErr) {
		t.Errorf("answer = Cached %t, FetchedAt %v, Err %v; want cached at %v with a *NetworkError", got.Cached, got.FetchedAt, got.Err, at)
	}
	if ids := providerIDs(got.List); len(ids) != 1 || ids[0] != "acme-sso" {
		t.Errorf("cached providers = %v, want [acme-sso]", ids)
	}
	if _, err := d.LookupOrCached(context.Background(), "other@acme.test"); !errors.As(err, &netErr) {
		t.Errorf("uncached email: err = %v, want a *NetworkError", err)
	}
}

func TestDirectoryLookupOrCachedKeepsConfigErrors(t *testing.T) {
	srv, _ := dirServer(t, 200, dirGoodList, nil)
	cache := &directory.MemoryCache{}
	d := &directory.Client{URL: srv.URL, Cache: cache}
	if _, err := d.LookupOrCached(context.Background(), "agent@acme.test"); err != nil {
		t.Fatal(err)
	}
	bad, _ := dirServer(t, 200, `{"providers":"none"}`, nil)
	d.URL = bad.URL
	_, err := d.LookupOrCached(context.Background(), "agent@acme.test")
	checkDirErr(t, err, false, "providers")
}

// webFingerClient returns a client that trusts srv and sends every
// connection to it, whatever host the URL names.
func webFingerClient(srv *httptest.Server) *http.Client {
	hc := srv.Client()
	tr := hc.Transport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
	}
	tr.TLSClientConfig = &tls.Config{RootCAs: tr.TLSClientConfig.RootCAs, ServerName: "example.com"}
	return &http.Client{Transport: tr, Timeout: 5 * time.Second}
}

func TestDirectoryWebFingerFallback(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		body       string
		wantIssuer string
	}{
		{name: "issuer published", status: 200, body: `{"subject":"acct:agent@example.com","links":[{"rel":"` + directory.IssuerRel + `","href":"https://login.example.com/"}]}`, wantIssuer: "https://login.example.com"},
		{name: "no issuer link", status: 200, body: `{"links":[{"rel":"self","href":"https://example.com"}]}`},
		{name: "not published", status: 404, body: ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var gotResource string
			srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotResource = r.URL.Query().Get("resource")
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			}))
			t.Cleanup(srv.Close)
			d := &directory.Client{HTTPClient: webFingerClient(srv), WebFinger: &directory.WebFinger{ClientID: "dialtone"}}
			list, err := d.Lookup(context.Background(), "agent@example.com")
			if err != nil {
				t.Fatal(err)
			}
			if gotResource != "acct:agent@example.com" {
				t.Errorf("resource = %q, want acct:agent@example.com", gotResource)
			}
			var issuer string
			if len(list.Providers) > 0 {
				issuer = list.Providers[0].Issuer
			}
			if issuer != tt.wantIssuer {
				t.Errorf("issuer = %q, want %q", issuer, tt.wantIssuer)
			}
		})
	}
}

func TestDirectoryWebFingerOnlyWhenDirectoryIsEmpty(t *testing.T) {
	var asked atomic.Bool
	wf := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { asked.Store(true) }))
	t.Cleanup(wf.Close)
	srv, _ := dirServer(t, 200, `{"email":"agent@example.com","providers":[{"id":"x","type":"oidc","issuer":"https://x.test","client_id":"c"}]}`, nil)
	d := &directory.Client{URL: srv.URL, WebFinger: &directory.WebFinger{ClientID: "dialtone"}}
	if _, err := d.Lookup(context.Background(), "agent@example.com"); err != nil {
		t.Fatal(err)
	}
	if asked.Load() {
		t.Error("WebFinger was asked although the directory answered a provider")
	}
}

// TestDirectoryStalledBodyIsUnreachable: a directory that sends its headers
// and part of the body and then stalls is unreachable (a *idp.NetworkError,
// exit 4), not a broken answer, so the cached answer is used as for any
// other network failure.
func TestDirectoryStalledBodyIsUnreachable(t *testing.T) {
	var stall atomic.Bool
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if !stall.Load() {
			fmt.Fprint(w, dirGoodList)
			return
		}
		w.WriteHeader(http.StatusOK)
		fmt.Fprint(w, dirGoodList[:20])
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	d := &directory.Client{URL: srv.URL, Cache: &directory.MemoryCache{}, HTTPClient: &http.Client{Timeout: 200 * time.Millisecond}}
	if _, err := d.LookupOrCached(context.Background(), "agent@acme.test"); err != nil {
		t.Fatal(err)
	}
	stall.Store(true)
	_, err := d.Lookup(context.Background(), "agent@acme.test")
	checkDirErr(t, err, true, "")
	got, err := d.LookupOrCached(context.Background(), "agent@acme.test")
	var netErr *idp.NetworkError
	if err != nil || !got.Cached || !errors.As(got.Err, &netErr) || len(got.List.Providers) != 1 {
		t.Errorf("LookupOrCached with a stalling directory = %+v, %v; want the cached answer and a *NetworkError", got, err)
	}
}
