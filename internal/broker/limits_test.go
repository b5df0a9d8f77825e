package broker_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"dialtone/auth"
	"dialtone/internal/broker"
	"dialtone/internal/broker/brokertest"
	"dialtone/internal/dirserver"
	"dialtone/internal/dirstore/dirstoretest"
	"dialtone/internal/idp"
	"dialtone/internal/ratelimit"
)

// testClient lets a test speak from any client address over loopback.
func testClient(r *http.Request) string {
	if c := r.Header.Get("X-Test-Client"); c != "" {
		return c
	}
	return ratelimit.ClientAddr(r)
}

// limitedOptions are brokertest's options with limits and a clock.
func limitedOptions(limits broker.Limits, clk *clock) dirserver.Options {
	opts := brokertest.Options(nil)
	opts.BrokerLimits, opts.ClientAddr, opts.Now = limits, testClient, clk.Now
	return opts
}

// answer is an HTTP answer as a test looks at it; redirects are not
// followed.
type answer struct {
	status int
	header http.Header
	body   string
}

func send(t testing.TB, client, method, u string, form url.Values) answer {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("X-Test-Client", client)
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return answer{resp.StatusCode, resp.Header, string(data)}
}

// oauthError is the "error" of a token endpoint's JSON answer.
func (a answer) oauthError() string {
	var e struct{ Error string }
	json.Unmarshal([]byte(a.body), &e)
	return e.Error
}

func authorizeQuery(ref string) url.Values {
	return url.Values{"client_id": {broker.DefaultClientID}, "response_type": {"code"}, "scope": {"openid email"},
		"redirect_uri": {"http://127.0.0.1:1/callback"}, "state": {"state-0123456789"}, "nonce": {"n"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())}, "code_challenge_method": {"S256"},
		"login_hint": {"agent@acme.test"}, broker.UpstreamParam: {ref}}
}

// TestTwoReplicasShareTheSignInBudget sends authorization requests from
// one address alternately to two replicas on one PostgreSQL database:
// together they allow the address's one budget. The refusal goes back to
// the desktop as temporarily_unavailable with its state, or as a page
// without a redirect URI of the desktop; the identity provider's redirect
// back counts towards the same budget; and another address is not
// refused.
func TestTwoReplicasShareTheSignInBudget(t *testing.T) {
	dsn := dirstoretest.NewPostgres(t)
	clk := newClock()
	opts := limitedOptions(broker.Limits{SignIn: ratelimit.Policy{Burst: 4, Rate: 1.0 / 60}, Token: ratelimit.Off, Session: ratelimit.Off}, clk)
	a, b := brokertest.Start(t, dsn, opts), brokertest.Start(t, dsn, opts)
	_, up := fakeUpstream(t)
	a.AddBrokered(t, "acme", "acme.test", "okta", up)
	ref := a.Entry(t, "agent@acme.test", "okta").AuthParams[broker.UpstreamParam]
	const nat = "203.0.113.10"
	replicas := []*brokertest.Directory{a, b}
	for i := range 4 {
		got := send(t, nat, "GET", replicas[i%2].Issuer+"/authorize?"+authorizeQuery(ref).Encode(), nil)
		if got.status != http.StatusFound || !strings.HasPrefix(got.header.Get("Location"), up.Issuer) {
			t.Fatalf("sign-in %d within the budget: %d to %q, want a redirect upstream", i+1, got.status, got.header.Get("Location"))
		}
	}
	refused := send(t, nat, "GET", b.Issuer+"/authorize?"+authorizeQuery(ref).Encode(), nil)
	back, _ := url.Parse(refused.header.Get("Location"))
	if refused.status != http.StatusFound || back.Host != "127.0.0.1:1" || back.Query().Get("error") != "temporarily_unavailable" ||
		back.Query().Get("state") != "state-0123456789" || back.Query().Get("iss") != b.Issuer || refused.header.Get("Retry-After") != "60" {
		t.Errorf("the 5th sign-in over two replicas: %d to %q Retry-After %q; want the desktop told temporarily_unavailable with its state and iss, Retry-After 60",
			refused.status, refused.header.Get("Location"), refused.header.Get("Retry-After"))
	}
	noClient := send(t, nat, "GET", a.Issuer+"/authorize?state=x", nil)
	if noClient.status != http.StatusTooManyRequests || !strings.Contains(noClient.body, "Wait 60 seconds") {
		t.Errorf("a refused request without the desktop's redirect URI: %d %q, want a 429 page", noClient.status, noClient.body)
	}
	callback := send(t, nat, "GET", a.Issuer+"/idpresponse?state=s&code=c", nil)
	if callback.status != http.StatusTooManyRequests || !strings.Contains(callback.body, "reload this page") || callback.header.Get("Retry-After") == "" {
		t.Errorf("the IdP's redirect back from the address over its budget: %d %q, want 429 asking to reload", callback.status, callback.body)
	}
	other := send(t, "198.51.100.20", "GET", a.Issuer+"/authorize?"+authorizeQuery(ref).Encode(), nil)
	if other.status != http.StatusFound || !strings.HasPrefix(other.header.Get("Location"), up.Issuer) {
		t.Errorf("another address while the first is refused: %d to %q, want a redirect upstream", other.status, other.header.Get("Location"))
	}
	clk.advance(time.Minute)
	if again := send(t, nat, "GET", a.Issuer+"/authorize?"+authorizeQuery(ref).Encode(), nil); !strings.HasPrefix(again.header.Get("Location"), up.Issuer) {
		t.Errorf("after Retry-After: %d to %q, want a redirect upstream", again.status, again.header.Get("Location"))
	}
}

// TestTokenEndpointAddressLimit spends an address's token budget with
// refresh tokens that do not exist: the next request, whatever it is, gets
// 429 temporarily_unavailable with Retry-After, which the desktop's engine
// reads as a temporary failure (it keeps the session); revocation counts
// too; another address is not refused.
func TestTokenEndpointAddressLimit(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		clk := newClock()
		_, up := fakeUpstream(t)
		d := brokertest.Start(t, b.NewDSN(t), limitedOptions(broker.Limits{SignIn: ratelimit.Off, Token: ratelimit.Policy{Burst: 3, Rate: 0.5}, Session: ratelimit.Off}, clk))
		d.AddBrokered(t, "acme", "acme.test", "okta", up)
		const nat = "203.0.113.10"
		junk := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"not-a-token"}, "client_id": {broker.DefaultClientID}}
		for i := range 2 {
			if got := send(t, nat, "POST", d.Issuer+"/token", junk); got.status != http.StatusBadRequest {
				t.Fatalf("request %d: %d %s, want 400", i+1, got.status, got.body)
			}
		}
		revoke := url.Values{"token": {"not-a-token"}, "client_id": {broker.DefaultClientID}}
		if got := send(t, nat, "POST", d.Issuer+"/revoke", revoke); got.status != http.StatusOK {
			t.Fatalf("revocation: %d %s, want 200", got.status, got.body)
		}
		refused := send(t, nat, "POST", d.Issuer+"/token", junk)
		if refused.status != http.StatusTooManyRequests || refused.oauthError() != "temporarily_unavailable" || refused.header.Get("Retry-After") != "2" {
			t.Errorf("over the budget: %d %s Retry-After %q, want 429 temporarily_unavailable and Retry-After 2", refused.status, refused.body, refused.header.Get("Retry-After"))
		}
		if got := send(t, "198.51.100.20", "POST", d.Issuer+"/token", junk); got.status != http.StatusBadRequest {
			t.Errorf("another address: %d, want 400 (its own budget)", got.status)
		}

		// The desktop's engine over the limit: a temporary problem.
		rt, err := d.Broker().SignedInForTest(context.Background(), "acme", "okta", "agent@acme.test")
		if err != nil {
			t.Fatal(err)
		}
		entry := d.Entry(t, "agent@acme.test", "okta")
		c := auth.NewClient(auth.Config{HTTPClient: &http.Client{Transport: headerTransport{"X-Test-Client": nat}}})
		r, err := c.Resolve(context.Background(), entry)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Refresh(context.Background(), r, &auth.Session{Email: "agent@acme.test"}, rt)
		var ne *idp.NetworkError // a 429 is temporary (idp.Do): offline, the session kept
		if !errors.As(err, &ne) {
			t.Errorf("the desktop's refresh over the limit: %v, want an *idp.NetworkError (offline, the session kept)", err)
		}
		clk.advance(2 * time.Second)
		if got := send(t, nat, "POST", d.Issuer+"/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {broker.DefaultClientID}}); got.status != http.StatusOK {
			t.Errorf("after Retry-After, the token of the refused refresh: %d %s, want 200 (the refusal spent nothing)", got.status, got.body)
		}
	})
}

// headerTransport adds headers to every request.
type headerTransport map[string]string

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range h {
		r.Header.Set(k, v)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestSessionLimit renews one session more often than its budget: the
// refusal is 429 temporarily_unavailable with Retry-After, spends nothing
// and ends nothing, and after the wait the same token renews.
func TestSessionLimit(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		clk := newClock()
		_, up := fakeUpstream(t)
		d := brokertest.Start(t, b.NewDSN(t), limitedOptions(broker.Limits{SignIn: ratelimit.Off, Token: ratelimit.Off, Session: ratelimit.Policy{Burst: 2, Rate: 2.0 / 60}}, clk))
		d.AddBrokered(t, "acme", "acme.test", "okta", up)
		rt, err := d.Broker().SignedInForTest(context.Background(), "acme", "okta", "agent@acme.test")
		if err != nil {
			t.Fatal(err)
		}
		renew := func(client string) answer {
			got := send(t, client, "POST", d.Issuer+"/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {broker.DefaultClientID}})
			var tokens struct {
				RefreshToken string `json:"refresh_token"`
			}
			if json.Unmarshal([]byte(got.body), &tokens) == nil && tokens.RefreshToken != "" {
				rt = tokens.RefreshToken
			}
			return got
		}
		for i, client := range []string{"192.0.2.1", "192.0.2.2"} {
			if got := renew(client); got.status != http.StatusOK {
				t.Fatalf("renewal %d: %d %s", i+1, got.status, got.body)
			}
		}
		refused := renew("192.0.2.3") // another address: the budget is the session's
		if refused.status != http.StatusTooManyRequests || refused.oauthError() != "temporarily_unavailable" || refused.header.Get("Retry-After") != "30" {
			t.Fatalf("the 3rd renewal at once: %d %s Retry-After %q, want 429 temporarily_unavailable, Retry-After 30", refused.status, refused.body, refused.header.Get("Retry-After"))
		}
		clk.advance(29 * time.Second)
		if got := renew("192.0.2.1"); got.status != http.StatusTooManyRequests || got.header.Get("Retry-After") != "1" {
			t.Errorf("a second before the wait is over: %d Retry-After %q, want 429 and 1", got.status, got.header.Get("Retry-After"))
		}
		clk.advance(time.Second)
		if got := renew("192.0.2.1"); got.status != http.StatusOK {
			t.Errorf("after the wait, the token the refusals did not spend: %d %s, want 200", got.status, got.body)
		}
	})
}

// TestOtherEndpointsAddressLimits spends, endpoint by endpoint, an
// address's budget of the broker's other endpoints — discovery and keys
// (one budget), userinfo, end_session — and finds the next request
// refused with 429 and Retry-After, as JSON temporarily_unavailable for
// the programs' endpoints and as a page for the browser's; another address
// is not refused.
func TestOtherEndpointsAddressLimits(t *testing.T) {
	policy := ratelimit.Policy{Burst: 2, Rate: 0.5}
	cases := []struct {
		name   string
		limits broker.Limits
		paths  []string // within the budget, then the first again, refused
		page   bool     // refused with a page, not JSON
	}{
		{"discovery and keys", broker.Limits{Metadata: policy}, []string{"/.well-known/openid-configuration", "/keys"}, false},
		{"userinfo", broker.Limits{Userinfo: policy}, []string{"/userinfo", "/userinfo"}, false},
		{"end_session", broker.Limits{EndSession: policy}, []string{"/end_session", "/end_session"}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			limits := tc.limits
			for _, p := range []*ratelimit.Policy{&limits.SignIn, &limits.Token, &limits.Session, &limits.Metadata, &limits.Userinfo, &limits.EndSession} {
				if *p == (ratelimit.Policy{}) {
					*p = ratelimit.Off
				}
			}
			d := brokertest.Start(t, dirstoretest.Backends(t)[0].NewDSN(t), limitedOptions(limits, newClock()))
			const nat = "203.0.113.10"
			for _, p := range tc.paths {
				if got := send(t, nat, "GET", d.Issuer+p, nil); got.status == http.StatusTooManyRequests {
					t.Fatalf("%s within the budget: %d %s", p, got.status, got.body)
				}
			}
			refused := send(t, nat, "GET", d.Issuer+tc.paths[0], nil)
			if refused.status != http.StatusTooManyRequests || refused.header.Get("Retry-After") != "2" {
				t.Errorf("%s over the budget: %d Retry-After %q, want 429 and Retry-After 2", tc.paths[0], refused.status, refused.header.Get("Retry-After"))
			}
			switch {
			case tc.page && !strings.Contains(refused.body, "Wait 2 seconds"):
				t.Errorf("the refusal's page: %q", refused.body)
			case !tc.page && refused.oauthError() != "temporarily_unavailable":
				t.Errorf("the refusal: %s, want JSON temporarily_unavailable", refused.body)
			}
			if got := send(t, "198.51.100.20", "GET", d.Issuer+tc.paths[0], nil); got.status == http.StatusTooManyRequests {
				t.Errorf("another address: %d, want its own budget", got.status)
			}
		})
	}
}

// TestCallCentreBehindOneAddress: 300 agents behind one public address
// with the default limits start Dialtone at 08:00, ten at a time, each
// fetching discovery and keys, renewing its session and reading userinfo;
// they renew their access tokens 15 minutes later; one of them then
// restarts Dialtone ten times in a minute; and at the end of the shift
// all sign out in the browser at once (end_session). Nothing is refused.
func TestCallCentreBehindOneAddress(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		clk := newClock()
		_, up := fakeUpstream(t)
		d := brokertest.Start(t, b.NewDSN(t), limitedOptions(broker.Limits{}, clk))
		d.AddBrokered(t, "acme", "acme.test", "okta", up)
		const agents, atOnce, nat = 300, 10, "203.0.113.10"
		tokens := make([]string, agents)
		for i := range tokens {
			var err error
			if tokens[i], err = d.Broker().SignedInForTest(context.Background(), "acme", "okta", fmt.Sprintf("agent%d@acme.test", i)); err != nil {
				t.Fatal(err)
			}
		}
		hc := &http.Client{Transport: headerTransport{"X-Test-Client": nat}}
		all := func(round string, agent func(i int) error) {
			var wg sync.WaitGroup
			sem := make(chan struct{}, atOnce)
			for i := range tokens {
				wg.Go(func() {
					sem <- struct{}{}
					defer func() { <-sem }()
					if err := agent(i); err != nil {
						t.Errorf("%s, agent %d: %v", round, i, err)
					}
				})
			}
			wg.Wait()
		}
		all("08:00 start", func(i int) (err error) {
			tokens[i], err = launch(hc, d.Issuer, tokens[i])
			return err
		})
		clk.advance(15 * time.Minute)
		all("08:15 renewal", func(i int) (err error) {
			tokens[i], err = refreshOnce(hc, d.Issuer+"/token", tokens[i])
			return err
		})
		clk.advance(15 * time.Minute)
		for i := range 10 {
			next, err := refreshOnce(hc, d.Issuer+"/token", tokens[0])
			if err != nil {
				t.Fatalf("agent 0's restart %d in a minute: %v", i+1, err)
			}
			tokens[0] = next
			clk.advance(6 * time.Second)
		}
		all("17:00 sign-out", func(int) error { return get(hc, d.Issuer+"/end_session", "") })
	})
}

// launch is what a desktop without a fresh copy of the broker's metadata
// asks at its start: discovery, keys, a refresh grant (rt), userinfo with
// the new access token. It returns the next refresh token.
func launch(hc *http.Client, issuer, rt string) (string, error) {
	for _, p := range []string{"/.well-known/openid-configuration", "/keys"} {
		if err := get(hc, issuer+p, ""); err != nil {
			return "", err
		}
	}
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {broker.DefaultClientID}}
	resp, err := hc.Post(issuer+"/token", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var tokens struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&tokens); err != nil || tokens.RefreshToken == "" {
		return "", fmt.Errorf("token: %s", resp.Status)
	}
	return tokens.RefreshToken, get(hc, issuer+"/userinfo", tokens.AccessToken)
}

// get fails on any answer but 2xx and 3xx (redirects are not followed).
func get(hc *http.Client, u, bearer string) error {
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		return err
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	client := *hc
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 400 {
		return fmt.Errorf("%s: %s", u, resp.Status)
	}
	return nil
}
