// Package brokertest runs the provider directory with its broker on
// loopback, for tests: one or several replicas on one database, an account
// with a Brokered provider whose upstream is a test identity provider
// (auth/authtest), and the provider-list entry a desktop gets for it.
//
// Like net/http/httptest it is for tests only; everything it starts stops
// when the test ends.
//
// It must never import anything of the desktop but the directory client it
// checks the entry with: not the keyring, the session store, the browser or
// Fyne. Code that ships must never import it.
package brokertest

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"dialtone/internal/broker"
	"dialtone/internal/directory"
	"dialtone/internal/dirserver"
	"dialtone/internal/idp"
	"dialtone/internal/ratelimit"
	"dialtone/internal/sealed"
)

// AdminToken is the admin token of every Directory.
const AdminToken = "brokertest-admin-token-0123456789"

// Directory is a running directory with its broker.
type Directory struct {
	*dirserver.Server
	// URL is where this replica listens, http://127.0.0.1:PORT.
	URL string
	// Issuer is the broker's issuer: Options.BrokerIssuer, or URL +
	// "/broker".
	Issuer string

	hs *http.Server
}

// Options are dirserver.Options with a key made in the test when
// SecretKey is nil, the admin token AdminToken, and no rate limit (set
// RateLimit and BrokerLimits to test them).
func Options(key *sealed.Key) dirserver.Options {
	if key == nil {
		key = NewKey(nil)
	}
	off := broker.Limits{SignIn: ratelimit.Off, Token: ratelimit.Off, Session: ratelimit.Off,
		Metadata: ratelimit.Off, Userinfo: ratelimit.Off, EndSession: ratelimit.Off}
	return dirserver.Options{AdminToken: AdminToken, RateLimit: -1, BrokerLimits: off, SecretKey: key}
}

// NewKey returns a new sealing key; t may be nil.
func NewKey(t testing.TB) *sealed.Key {
	k, err := sealed.ParseKey(sealed.NewKeyText())
	if err != nil && t != nil {
		t.Fatal(err)
	}
	return k
}

// Start opens the directory on dsn and serves it on a free 127.0.0.1
// port. Without opts.BrokerIssuer the issuer is this replica's own URL +
// "/broker"; replicas behind one front all get the front's.
func Start(t testing.TB, dsn string, opts dirserver.Options) *Directory {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d := &Directory{URL: "http://" + ln.Addr().String()}
	if opts.BrokerIssuer == "" {
		opts.BrokerIssuer = d.URL + "/broker"
	}
	d.Issuer = opts.BrokerIssuer
	d.Server, err = dirserver.Open(context.Background(), dsn, opts)
	if err != nil {
		ln.Close()
		t.Fatalf("brokertest: could not open the directory: %v", err)
	}
	d.hs = &http.Server{Handler: d.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go d.hs.Serve(ln)
	t.Cleanup(d.Stop)
	return d
}

// Stop stops serving and closes the database; it may be called more than
// once.
func (d *Directory) Stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d.hs.Shutdown(ctx)
	d.Close()
}

// Upstream is the customer's identity provider a Brokered provider signs
// in at, as an admin enters it.
type Upstream struct {
	Type           string // empty means oidc
	Issuer         string
	ClientID       string
	ClientSecret   string
	UserinfoMethod string
	Scopes         []string
	AuthParams     map[string]string
}

// AddBrokered creates (or replaces) account with domain and an enabled
// Brokered provider id signing in at up.
func (d *Directory) AddBrokered(t testing.TB, account, domain, id string, up Upstream) {
	t.Helper()
	ctx := context.Background()
	if err := d.SaveAccount(ctx, &dirserver.Account{Name: account, Domains: []string{domain}}); err != nil {
		t.Fatalf("brokertest: could not save the account: %v", err)
	}
	typ := up.Type
	if typ == "" {
		typ = idp.TypeOIDC
	}
	secret := up.ClientSecret
	in := &dirserver.ProviderInput{
		Mode: dirserver.ModeBrokered, Type: typ, Name: strings.ToUpper(id[:1]) + id[1:], Issuer: up.Issuer, ClientID: up.ClientID,
		ClientSecret: &secret, UserinfoMethod: up.UserinfoMethod, Scopes: up.Scopes, AuthParams: up.AuthParams, Enabled: true,
	}
	if err := d.SaveProvider(ctx, account, id, in); err != nil {
		t.Fatalf("brokertest: could not save the provider: %v", err)
	}
}

// Entry returns the provider-list entry the directory's lookup gives a
// desktop for email's provider id.
func (d *Directory) Entry(t testing.TB, email, id string) idp.Provider {
	t.Helper()
	list, err := (&directory.Client{URL: d.URL}).Lookup(context.Background(), email)
	if err != nil {
		t.Fatalf("brokertest: lookup of %s: %v", email, err)
	}
	p, ok := list.Find(id)
	if !ok {
		t.Fatalf("brokertest: the lookup of %s has no provider %q: %+v", email, id, list)
	}
	return p
}
