package broker_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"dialtone/internal/dirserver"
	"dialtone/internal/dirstore/dirstoretest"
	"dialtone/internal/line"
	"dialtone/internal/line/linetest"
	"dialtone/internal/sipaddr"
	"dialtone/internal/sipregistrar"

	"dialtone/internal/broker/brokertest"
)

// TestBrokeredTokenRegistersTheLine: the access token the broker mints for a
// Brokered agent registers the account's line at a registrar that trusts
// the broker (its challenge names the broker as authz_server; it checks the
// JWT against the broker's published keys, iss, aud = the line's resource,
// exp, and the email against the address of record) — the registrar never
// sees the upstream identity provider.
func TestBrokeredTokenRegistersTheLine(t *testing.T) {
	const resource = "https://pbx.acme.test"
	_, up := fakeUpstream(t)
	d := brokertest.Start(t, dirstoretest.Backends(t)[0].NewDSN(t), brokertest.Options(nil))
	d.AddBrokered(t, "acme", "acme.test", "okta", up)
	if err := d.SaveAccount(context.Background(), &dirserver.Account{Name: "acme", Domains: []string{"acme.test"}, Line: &sipaddr.Config{Registrar: "sips:pbx.acme.test", Resource: resource}}); err != nil {
		t.Fatal(err)
	}
	s, err := desktop().Login(context.Background(), loginRequest(d.Entry(t, "agent@acme.test", "okta")))
	if err != nil {
		t.Fatal(err)
	}
	reg, port := linetest.StartRegistrar(t, sipregistrar.Config{Issuer: s.Issuer, Audience: resource}, 0)
	tokens := &linetest.Tokens{Mint: func(int) string { return s.AccessToken() }}
	l, err := line.New(sipaddr.Config{Registrar: fmt.Sprintf("sip:127.0.0.1:%d;transport=tcp", port), AOR: "sip:agent@acme.test"}, s.Issuer, tokens, line.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := l.Register(ctx)
	if err != nil || st.Status != line.StatusRegistered {
		t.Fatalf("Register with the broker's token = %v, %v; want registered", st.Status, err)
	}
	if b := reg.Bindings("sip:agent@acme.test"); len(b) != 1 {
		t.Errorf("bindings = %d, want 1", len(b))
	}
	if err := l.Unregister(ctx); err != nil {
		t.Errorf("Unregister: %v", err)
	}
}
