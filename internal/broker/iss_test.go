package broker_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"dialtone/auth"
	"dialtone/internal/broker"
	"dialtone/internal/broker/brokertest"
	"dialtone/internal/dirstore/dirstoretest"
)

// discoveryOf fetches the broker's discovery document.
func discoveryOf(t *testing.T, issuer string) map[string]any {
	t.Helper()
	resp, err := http.Get(issuer + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		t.Fatal(err)
	}
	return d
}

// toDesktop follows redirects from u until one goes to the desktop's
// loopback redirect URI (authorizeQuery's, port 1), and returns that
// redirect's query; it fails the test when the chain ends elsewhere.
func toDesktop(t *testing.T, u string) url.Values {
	t.Helper()
	var back *url.URL
	hc := &http.Client{CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		if r.URL.Host == "127.0.0.1:1" {
			back = r.URL
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := hc.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if back == nil {
		t.Fatalf("the authorization request to %s ended with %d at %s, not at the desktop's redirect URI", u, resp.StatusCode, resp.Request.URL)
	}
	return back.Query()
}

// TestAuthorizationResponsesCarryIss (RFC 9207): the broker's discovery
// promises iss in authorization responses, and every response it sends
// to the desktop's redirect URI carries iss = the discovery issuer — the
// code, the upstream's refusal relayed, a refusal of the broker's own,
// and op's own refusals (login_required, a prompt it refuses) — while
// the redirect to the upstream provider carries none.
func TestAuthorizationResponsesCarryIss(t *testing.T) {
	fake, up := fakeUpstream(t)
	d := brokertest.Start(t, dirstoretest.Backends(t)[0].NewDSN(t), brokertest.Options(nil))
	d.AddBrokered(t, "acme", "acme.test", "okta", up)
	ref := d.Entry(t, "agent@acme.test", "okta").AuthParams[broker.UpstreamParam]

	disc := discoveryOf(t, d.Issuer)
	if disc["issuer"] != d.Issuer || disc["authorization_response_iss_parameter_supported"] != true {
		t.Errorf("discovery: issuer %v, authorization_response_iss_parameter_supported %v; want %s and true",
			disc["issuer"], disc["authorization_response_iss_parameter_supported"], d.Issuer)
	}
	with := func(edit func(q url.Values)) string {
		q := authorizeQuery(ref)
		edit(q)
		return d.Issuer + "/authorize?" + q.Encode()
	}
	cases := []struct {
		name     string
		url      string
		upstream func(q url.Values) // the upstream's redirect back, edited
		want     string             // "code", or the error
	}{
		{"code", with(func(url.Values) {}), nil, "code"},
		{"the upstream refuses", with(func(url.Values) {}), func(q url.Values) {
			q.Del("code")
			q.Set("error", "access_denied")
		}, "access_denied"},
		{"unknown identity_provider (the broker's refusal)", with(func(q url.Values) { q.Set(broker.UpstreamParam, "no-such-ref") }), nil, "access_denied"},
		{"prompt=none (login_required)", with(func(q url.Values) { q.Set("prompt", "none") }), nil, "login_required"},
		{"prompt=none login (op's validation)", with(func(q url.Values) { q.Set("prompt", "none login") }), nil, "invalid_request"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake.Redirect = tc.upstream
			q := toDesktop(t, tc.url)
			switch {
			case q.Get("state") != "state-0123456789":
				t.Errorf("state %q", q.Get("state"))
			case tc.want == "code" && (q.Get("code") == "" || q.Has("error")):
				t.Errorf("got %v, want a code", q)
			case tc.want != "code" && q.Get("error") != tc.want:
				t.Errorf("error %q (%s), want %s", q.Get("error"), q.Get("error_description"), tc.want)
			}
			if got := q["iss"]; len(got) != 1 || got[0] != d.Issuer {
				t.Errorf("iss %q, want exactly [%s]", got, d.Issuer)
			}
		})
	}
	fake.Mu.Lock()
	defer fake.Mu.Unlock()
	if fake.LastReq == nil || fake.LastReq.Has("iss") {
		t.Errorf("the redirect to the upstream provider: %v, want one without iss", fake.LastReq)
	}
}

// TestDesktopChecksTheBrokersIss signs in through the broker with the
// desktop's engine behind a proxy: as the broker answers, the sign-in
// succeeds; when the proxy drops iss from the broker's answer or puts
// another issuer's there, the desktop refuses it (its RFC 9207 check,
// armed by the broker's discovery).
func TestDesktopChecksTheBrokersIss(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(q url.Values)
	}{
		{"as sent", nil},
		{"iss dropped", func(q url.Values) { q.Del("iss") }},
		{"another issuer", func(q url.Values) { q.Set("iss", "https://idp.attacker.test") }},
	}
	front := brokertest.NewFront(t)
	opts := brokertest.Options(nil)
	opts.BrokerIssuer = front.URL + "/broker"
	d := brokertest.Start(t, dirstoretest.Backends(t)[0].NewDSN(t), opts)
	front.SetBackends(d.URL)
	_, up := fakeUpstream(t)
	d.AddBrokered(t, "acme", "acme.test", "okta", up)
	entry := d.Entry(t, "agent@acme.test", "okta")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			front.ModifyResponse = func(resp *http.Response) error {
				if tc.tamper == nil || resp.Request.URL.Path != "/broker/idpresponse" {
					return nil
				}
				to, err := url.Parse(resp.Header.Get("Location"))
				if err != nil {
					return err
				}
				q := to.Query()
				tc.tamper(q)
				to.RawQuery = q.Encode()
				resp.Header.Set("Location", to.String())
				return nil
			}
			s, err := desktop().Login(context.Background(), loginRequest(entry))
			var ve *auth.VerificationError
			switch {
			case tc.tamper == nil && err != nil:
				t.Fatalf("a sign-in through the broker: %v", err)
			case tc.tamper == nil && s.Issuer != d.Issuer:
				t.Errorf("session issuer %q, want %q", s.Issuer, d.Issuer)
			case tc.tamper != nil && (!errors.As(err, &ve) || ve.Check != "iss"):
				t.Errorf("a sign-in whose iss was tampered with: %v, want the desktop's iss check to refuse it", err)
			case tc.tamper != nil && !strings.Contains(err.Error(), "iss"):
				t.Errorf("error %q does not name iss", err)
			}
		})
	}
}
