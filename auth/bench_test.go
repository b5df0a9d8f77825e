package auth

import (
	"dialtone/auth/authtest"
	"dialtone/internal/idp"

	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Benchmarks behind docs/benchmarks.md ("Sign-in and app"; .ci/bench runs them). Run with
//
//	go test ./auth -run '^$' -bench . -benchtime 2000x -count 5
//
// Both sides talk HTTP to the same provider on loopback (fakeOP) with its
// keys already fetched; only the work after the browser's callback is timed.

const benchRedirect = "http://127.0.0.1:1/callback"

// code gets a fresh authorization code from op for the PKCE verifier.
func benchCode(b *testing.B, op *authtest.FakeOP, conf *oauth2.Config, verifier, nonce string) string {
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("nonce", nonce)))
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		b.Fatalf("no code in %q", resp.Header.Get("Location"))
	}
	return loc.Query().Get("code")
}

// BenchmarkCallbackToSession is Dialtone's work from the callback to a
// session: exchange, ID token checks, userinfo, email match.
func BenchmarkCallbackToSession(b *testing.B) {
	op := authtest.NewFakeOP(b)
	c := newTestClient(&authtest.FollowBrowser{}, time.Minute)
	ctx := context.Background()
	o, err := c.Resolve(ctx, op.Provider())
	if err != nil {
		b.Fatal(err)
	}
	if err := o.keys.ensure(ctx); err != nil {
		b.Fatal(err)
	}
	conf := o.oauth2Config(benchRedirect)
	for b.Loop() {
		b.StopTimer()
		sec := newSecrets()
		code := benchCode(b, op, conf, sec.verifier, sec.nonce)
		b.StartTimer()
		if _, err := c.complete(ctx, o, conf, callback{code: code}, sec, "agent@acme.test"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBareExchangeVerify is the floor: x/oauth2's exchange and
// go-oidc's verification of the same provider, nothing else.
func BenchmarkBareExchangeVerify(b *testing.B) {
	op := authtest.NewFakeOP(b)
	ctx := oidc.ClientContext(context.Background(), idp.NewHTTPClient(0))
	provider, err := oidc.NewProvider(ctx, op.Issuer)
	if err != nil {
		b.Fatal(err)
	}
	verifier := provider.Verifier(&oidc.Config{ClientID: op.ClientID})
	conf := &oauth2.Config{ClientID: op.ClientID, RedirectURL: benchRedirect, Endpoint: provider.Endpoint(), Scopes: idp.DefaultScopes}
	conf.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	warm := func() { // fetch the keys once, as the Dialtone side does
		verifier := oauth2.GenerateVerifier()
		tok, err := conf.Exchange(ctx, benchCode(b, op, conf, verifier, "n"), oauth2.VerifierOption(verifier))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := provider.Verifier(&oidc.Config{ClientID: op.ClientID}).Verify(ctx, idTokenOf(tok)); err != nil {
			b.Fatal(err)
		}
	}
	warm()
	for b.Loop() {
		b.StopTimer()
		v := oauth2.GenerateVerifier()
		code := benchCode(b, op, conf, v, "n")
		b.StartTimer()
		tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(v))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := verifier.Verify(ctx, idTokenOf(tok)); err != nil {
			b.Fatal(err)
		}
	}
}
