package broker_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"dialtone/internal/broker"
	"dialtone/internal/broker/brokertest"
	"dialtone/internal/dirserver"
	"dialtone/internal/dirstore"
	"dialtone/internal/dirstore/dirstoretest"
	"dialtone/internal/sealed"
)

func parseKey(t *testing.T, text string) *sealed.Key {
	t.Helper()
	k, err := sealed.ParseKey(text)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// pendingSignIn is an agent's sign-in through the broker that has gone
// upstream and not come back yet.
type pendingSignIn struct {
	upstream string // the upstream authorization URL the browser is at
	verifier string
}

// startSignIn sends the desktop's authorization request through the
// front and stops at the upstream's login page.
func startSignIn(t *testing.T, issuer, ref string) pendingSignIn {
	t.Helper()
	p := pendingSignIn{verifier: oauth2.GenerateVerifier()}
	q := authorizeQuery(ref)
	q.Set("code_challenge", oauth2.S256ChallengeFromVerifier(p.verifier))
	got := send(t, "192.0.2.1", "GET", issuer+"/authorize?"+q.Encode(), nil)
	if got.status != http.StatusFound {
		t.Fatalf("authorize: %d %s", got.status, got.body)
	}
	p.upstream = got.header.Get("Location")
	return p
}

// finish signs in at the upstream (FakeOP needs no form), lets the
// broker's replica of the moment complete the flow, and redeems the code.
func (p pendingSignIn) finish(t *testing.T, issuer string) {
	t.Helper()
	var back url.Values
	hc := &http.Client{CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Path == "/callback" {
			back = req.URL.Query()
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := hc.Get(p.upstream)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if back.Get("code") == "" {
		t.Fatalf("the sign-in came back to the desktop with %v (status %d), want a code", back, resp.StatusCode)
	}
	got := send(t, "192.0.2.1", "POST", issuer+"/token", url.Values{"grant_type": {"authorization_code"}, "code": {back.Get("code")},
		"redirect_uri": {"http://127.0.0.1:1/callback"}, "client_id": {broker.DefaultClientID}, "code_verifier": {p.verifier}})
	if got.status != http.StatusOK || !strings.Contains(got.body, "id_token") {
		t.Fatalf("the code of the sign-in: %d %s", got.status, got.body)
	}
}

// sealedValues returns every sealed value in the database.
func sealedValues(t *testing.T, dsn string) []string {
	t.Helper()
	db, err := dirstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var out []string
	for _, q := range []string{
		"SELECT secret_sealed FROM providers WHERE secret_sealed <> ''",
		"SELECT private_sealed FROM broker_keys",
		"SELECT upstream_sealed FROM broker_sessions WHERE upstream_sealed <> ''",
		"SELECT flow_sealed FROM broker_flows",
	} {
		rows, err := db.Read().Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			out = append(out, v)
		}
		rows.Close()
	}
	return out
}

// TestKeyRotation rotates the directory's secret key as docs/directory-api.md
// tells an operator to, with replicas serving throughout, and checks that
// nothing sealed under the old key is lost: a provider's client secret, a
// signing key, an agent's session with its upstream refresh token, and a
// sign-in in progress all work under the new key alone after the re-seal
// pass; a sign-in started on a replica that already seals with the new
// key finishes on one that does not yet; and the retired key opens
// nothing that is stored.
func TestKeyRotation(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		ctx := context.Background()
		dsn := b.NewDSN(t)
		oldText, newText := sealed.NewKeyText(), sealed.NewKeyText()
		oldKey, newKey := parseKey(t, oldText), parseKey(t, newText)
		clk := newClock()
		front := brokertest.NewFront(t)
		var current string
		front.Route = func(*http.Request) string { return current }
		replica := func(keyText string) *brokertest.Directory {
			opts := brokertest.Options(parseKey(t, keyText))
			opts.BrokerIssuer, opts.Now, opts.BrokerRecheck = front.URL+"/broker", clk.Now, time.Hour
			d := brokertest.Start(t, dsn, opts)
			current = d.URL
			return d
		}
		issuer := front.URL + "/broker"

		// Before: the old key alone.
		before := replica(oldText)
		op, up := fakeUpstream(t)
		before.AddBrokered(t, "acme", "acme.test", "okta", up)
		entry := before.Entry(t, "agent@acme.test", "okta")
		ref := entry.AuthParams[broker.UpstreamParam]
		c := desktopClient()
		s := login(t, c, entry)
		inFlight := startSignIn(t, issuer, ref)

		// Roll-out, step 1: every replica learns the new key; the old one
		// still seals.
		before.Stop()
		learnt := replica(oldText + "\n" + newText)
		s = refresh(t, c, s)

		// Step 2: replicas seal with the new key, one by one. A sign-in
		// started on one that already does finishes on one that does not
		// yet.
		switched := replica(newText + "\n" + oldText)
		crossing := startSignIn(t, issuer, ref)
		current = learnt.URL
		crossing.finish(t, issuer)
		learnt.Stop()
		current = switched.URL
		underNew := startSignIn(t, issuer, ref) // left in progress, already under the new key

		// Step 3: the re-seal pass, while the replica serves; a second pass
		// finds nothing left to do.
		report, err := dirserver.ResealSecrets(ctx, dsn, parseKey(t, newText+"\n"+oldText))
		if err != nil || !report.Done() || report.Key != newKey.ID() {
			t.Fatalf("ResealSecrets = %+v, %v; want done under the new key", report, err)
		}
		for _, col := range report.Columns {
			if col.Resealed == 0 {
				t.Errorf("the pass re-sealed no %s; the test should have some under the old key", col.What)
			}
		}
		if flows := report.Columns[3]; flows.Resealed != 1 || flows.Current != 1 {
			t.Errorf("sign-ins in progress: %+v, want the one under the old key re-sealed and the one under the new key left", flows)
		}
		again, err := dirserver.ResealSecrets(ctx, dsn, parseKey(t, newText+"\n"+oldText))
		if err != nil || !again.Done() {
			t.Fatalf("second pass = %+v, %v", again, err)
		}
		for _, col := range again.Columns {
			if col.Resealed != 0 {
				t.Errorf("the second pass re-sealed %d %s, want 0", col.Resealed, col.What)
			}
		}
		values := sealedValues(t, dsn)
		for _, v := range values {
			if !strings.HasPrefix(v, "v2."+newKey.ID()+".") {
				t.Errorf("after the pass a value is sealed under %.11s…, want key %s", v, newKey.ID())
			}
			if _, err := oldKey.Open(v, "any"); err == nil || !strings.Contains(err.Error(), newKey.ID()) {
				t.Errorf("the old key alone on a re-sealed value: %v, want refused for naming another key", err)
			}
		}

		// Step 4: the old key is retired. Everything sealed under it before
		// still works.
		switched.Stop()
		retired := replica(newText)
		inFlight.finish(t, issuer)
		underNew.finish(t, issuer)
		clk.advance(2 * time.Hour) // an upstream re-check is due: the sealed upstream refresh token and client secret
		upstreamTokens := op.Count("/token")
		refresh(t, c, s)
		if op.Count("/token") != upstreamTokens+1 {
			t.Errorf("the refresh after two hours made %d upstream token requests, want the re-check's 1", op.Count("/token")-upstreamTokens)
		}
		login(t, c, retired.Entry(t, "agent@acme.test", "okta")) // a new sign-in: the client secret opens
		if len(values) < 4 {
			t.Errorf("only %d sealed values were stored; the test meant a secret, a signing key, a session and flows", len(values))
		}
	})
}
