package broker_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"dialtone/auth"
	"dialtone/auth/authtest"
	"dialtone/internal/broker"
	"dialtone/internal/broker/brokertest"
	"dialtone/internal/dirserver"
	"dialtone/internal/dirstore/dirstoretest"
	"dialtone/internal/idp"
)

// clock is a settable clock for the broker's database times.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now()} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// brokerWith starts a directory with a FakeOP upstream for acme.test and
// returns it, the upstream and the desktop's entry.
func brokerWith(t *testing.T, opts dirserver.Options) (*brokertest.Directory, *authtest.FakeOP, idp.Provider) {
	t.Helper()
	op, up := fakeUpstream(t)
	d := brokertest.Start(t, dirstoretest.Backends(t)[0].NewDSN(t), opts)
	d.AddBrokered(t, "acme", "acme.test", "okta", up)
	return d, op, d.Entry(t, "agent@acme.test", "okta")
}

func login(t *testing.T, c *auth.Client, entry idp.Provider) *auth.Session {
	t.Helper()
	s, err := c.Login(context.Background(), auth.LoginRequest{Provider: entry, Email: "agent@acme.test"})
	if err != nil {
		t.Fatalf("Login through the broker: %v", err)
	}
	return s
}

// jwks fetches the broker's published keys.
func jwks(t *testing.T, issuer string) jose.JSONWebKeySet {
	t.Helper()
	resp, err := http.Get(issuer + "/keys")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	return set
}

// verifies reports whether a published key verifies jwt.
func verifies(t *testing.T, set jose.JSONWebKeySet, jwt string) bool {
	t.Helper()
	jws, err := jose.ParseSigned(jwt, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range set.Key(jws.Signatures[0].Header.KeyID) {
		if _, err := jws.Verify(k); err == nil {
			return true
		}
	}
	return false
}

func kid(t *testing.T, jwt string) string {
	t.Helper()
	jws, err := jose.ParseSigned(jwt, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	return jws.Signatures[0].Header.KeyID
}

// TestSigningKeyRotation: the next key is published before it signs, a
// token signed with the old key keeps verifying after the new one took
// over, and the old key goes once its tokens are long expired. The
// desktop's engine follows the rotation with one JWKS refetch.
func TestSigningKeyRotation(t *testing.T) {
	clk := newClock()
	opts := brokertest.Options(nil)
	opts.Now = clk.Now
	d, _, entry := brokerWith(t, opts)
	c := desktopClient()
	s := login(t, c, entry)
	first := kid(t, s.IDToken())
	if set := jwks(t, d.Issuer); len(set.Keys) != 1 {
		t.Fatalf("JWKS has %d keys before any rotation, want 1", len(set.Keys))
	}

	clk.advance(30*24*time.Hour - 4*time.Minute) // the next key is due: made, published, not signing
	s = refresh(t, c, s)
	if got := kid(t, s.IDToken()); got != first {
		t.Errorf("a key signed before its time: %s, want still %s", got, first)
	}
	if set := jwks(t, d.Issuer); len(set.Keys) != 2 {
		t.Fatalf("JWKS has %d keys once the next is made, want 2 (published ahead)", len(set.Keys))
	}
	old := s.IDToken()

	clk.advance(5 * time.Minute) // the next key signs
	s = refresh(t, c, s)
	if got := kid(t, s.IDToken()); got == first {
		t.Fatalf("the old key still signs after the rotation")
	}
	if !verifies(t, jwks(t, d.Issuer), old) {
		t.Error("a token signed before the rotation no longer verifies")
	}

	clk.advance(25 * time.Hour) // long after every token of the old key expired
	s = refresh(t, c, s)
	set := jwks(t, d.Issuer)
	if len(set.Keys) != 1 || verifies(t, set, old) {
		t.Errorf("JWKS still has %d keys a day after the rotation, want only the new one", len(set.Keys))
	}
	_ = s
}

func refresh(t *testing.T, c *auth.Client, s *auth.Session) *auth.Session {
	t.Helper()
	renewed, err := c.Refresh(context.Background(), s.Resolved(), s, s.RefreshToken())
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	return renewed
}

// TestUpstreamRecheck: when a check is due, a refresh renews the upstream
// session with the upstream refresh token the broker keeps; an upstream
// that ended the session ends the broker's; an upstream that cannot be
// reached answers 503 and keeps the session.
func TestUpstreamRecheck(t *testing.T) {
	clk := newClock()
	opts := brokertest.Options(nil)
	opts.Now, opts.BrokerRecheck = clk.Now, time.Hour
	_, op, entry := brokerWith(t, opts)
	c := desktopClient()
	s := login(t, c, entry)

	before := op.Count("/token")
	s = refresh(t, c, s)
	if op.Count("/token") != before {
		t.Fatal("a refresh before the check was due asked the upstream")
	}
	clk.advance(61 * time.Minute)
	s = refresh(t, c, s)
	if op.Count("/token") != before+1 {
		t.Fatalf("a due check made %d upstream token requests, want 1", op.Count("/token")-before)
	}

	clk.advance(61 * time.Minute)
	op.Token = func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) }
	_, err := c.Refresh(context.Background(), s.Resolved(), s, s.RefreshToken())
	var pe *auth.ProviderError
	var ne *idp.NetworkError
	if !errorsAs(err, &ne) && (!errorsAs(err, &pe) || pe.Code != "server_error") {
		t.Fatalf("refresh while the upstream is down = %v, want the broker's 503 (the desktop stays signed in, offline)", err)
	}
	op.Token = nil
	s = refresh(t, c, s) // the same token still works: nothing was spent

	clk.advance(61 * time.Minute)
	op.RevokeAll()
	if _, err := c.Refresh(context.Background(), s.Resolved(), s, s.RefreshToken()); !isInvalidGrant(err) {
		t.Fatalf("refresh after the upstream ended the session = %v, want invalid_grant", err)
	}
}

// TestSessionEndsWhenTheEmailLeavesTheAccount: an admin removes the
// agent's domain from the account; the next refresh is refused.
func TestSessionEndsWhenTheEmailLeavesTheAccount(t *testing.T) {
	d, _, entry := brokerWith(t, brokertest.Options(nil))
	c := desktopClient()
	s := login(t, c, entry)
	if err := d.SaveAccount(context.Background(), &dirserver.Account{Name: "acme", Domains: []string{"acme.example"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Refresh(context.Background(), s.Resolved(), s, s.RefreshToken()); !isInvalidGrant(err) {
		t.Fatalf("refresh after the domain left the account = %v, want invalid_grant", err)
	}
}

// TestCodeReplayEndsTheSession: the code, redeemed once, presented again
// with everything else right: refused, and the session it made ends, so
// the refresh token it gave is refused too (RFC 6749 §4.1.2).
func TestCodeReplayEndsTheSession(t *testing.T) {
	_, _, entry := brokerWith(t, brokertest.Options(nil))
	verifier := oauth2.GenerateVerifier()
	redirect := "http://127.0.0.1:1/callback"
	q := url.Values{"client_id": {entry.ClientID}, "response_type": {"code"}, "scope": {"openid email offline_access"},
		"redirect_uri": {redirect}, "state": {"state-0123456789"}, "nonce": {"nonce-0123456789"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"},
		"login_hint": {"agent@acme.test"}, broker.UpstreamParam: {entry.AuthParams[broker.UpstreamParam]}}
	var code string
	hc := &http.Client{CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Path == "/callback" {
			code = req.URL.Query().Get("code")
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := hc.Get(entry.Issuer + "/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if code == "" {
		t.Fatalf("no code came back (status %d)", resp.StatusCode)
	}
	redeem := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {entry.ClientID},
		"redirect_uri": {redirect}, "code_verifier": {verifier}}
	status, body := post(t, entry.Issuer+"/token", redeem)
	var tokens struct {
		RefreshToken string `json:"refresh_token"`
	}
	if json.Unmarshal(body, &tokens); status != http.StatusOK || tokens.RefreshToken == "" {
		t.Fatalf("the first redemption got %d, want 200 with a refresh token", status)
	}
	if status, body := post(t, entry.Issuer+"/token", redeem); status != http.StatusBadRequest || !strings.Contains(string(body), "invalid_grant") {
		t.Fatalf("the replayed code got %d %s, want 400 invalid_grant", status, body)
	}
	refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tokens.RefreshToken}, "client_id": {entry.ClientID}}
	if status, _ := post(t, entry.Issuer+"/token", refresh); status != http.StatusBadRequest {
		t.Errorf("the refresh token of the replayed code's session got %d, want 400", status)
	}
}

func post(t *testing.T, u string, form url.Values) (int, []byte) {
	t.Helper()
	resp, err := http.Post(u, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, body
}

func errorsAs[T error](err error, target *T) bool { return errors.As(err, target) }

// TestAuthorizeRefusals: requests the broker refuses before it goes
// upstream, each answered on the desktop's redirect (or as a page, without
// a valid redirect_uri).
func TestAuthorizeRefusals(t *testing.T) {
	d, op, entry := brokerWith(t, brokertest.Options(nil))
	if err := d.SaveAccount(context.Background(), &dirserver.Account{Name: "globex", Domains: []string{"globex.test"}}); err != nil {
		t.Fatal(err)
	}
	ref := entry.AuthParams[broker.UpstreamParam]
	base := func() url.Values {
		return url.Values{"client_id": {entry.ClientID}, "response_type": {"code"}, "scope": {"openid email"},
			"redirect_uri": {"http://127.0.0.1:1/callback"}, "state": {"state-0123456789"}, "nonce": {"n"},
			"code_challenge": {oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())}, "code_challenge_method": {"S256"},
			"login_hint": {"agent@acme.test"}, broker.UpstreamParam: {ref}}
	}
	tests := []struct {
		name   string
		edit   func(q url.Values)
		error  string // the error on the redirect
		detail string // dialtone_detail, when relayed
	}{
		{"no identity_provider", func(q url.Values) { q.Del(broker.UpstreamParam) }, "invalid_request", ""},
		{"unknown identity_provider", func(q url.Values) { q.Set(broker.UpstreamParam, "not-a-ref") }, "access_denied", broker.UpstreamParam},
		{"no login_hint", func(q url.Values) { q.Del("login_hint") }, "invalid_request", ""},
		{"an email of another account", func(q url.Values) { q.Set("login_hint", "agent@globex.test") }, "access_denied", "login_hint"},
		{"an unknown email", func(q url.Values) { q.Set("login_hint", "agent@initech.test") }, "access_denied", "login_hint"},
		{"no PKCE", func(q url.Values) { q.Del("code_challenge"); q.Del("code_challenge_method") }, "invalid_request", ""},
		{"PKCE plain", func(q url.Values) { q.Set("code_challenge_method", "plain") }, "invalid_request", ""},
		{"prompt=none", func(q url.Values) { q.Set("prompt", "none") }, "login_required", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := base()
			tc.edit(q)
			back := authorize(t, entry.Issuer, q)
			if back.Get("error") != tc.error || back.Get("dialtone_detail") != tc.detail || back.Get("state") != "state-0123456789" {
				t.Errorf("the desktop got %v, want error %s (detail %q) with its state", back, tc.error, tc.detail)
			}
		})
	}
	if n := op.Count("/authorize"); n != 0 {
		t.Errorf("refused requests reached the upstream %d times", n)
	}
	t.Run("a redirect_uri not the desktop's", func(t *testing.T) {
		q := base()
		q.Set("redirect_uri", "https://evil.example/callback")
		resp, err := http.Get(entry.Issuer + "/authorize?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("status %d, want 400 and no redirect", resp.StatusCode)
		}
	})
}

// authorize sends an authorization request and returns the query the
// broker sends the browser back to the desktop with.
func authorize(t *testing.T, issuer string, q url.Values) url.Values {
	t.Helper()
	var back url.Values
	hc := &http.Client{CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Path == "/callback" {
			back = req.URL.Query()
		}
		return http.ErrUseLastResponse
	}}
	resp, err := hc.Get(issuer + "/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if back == nil {
		t.Fatalf("no redirect to the desktop (status %d)", resp.StatusCode)
	}
	return back
}
