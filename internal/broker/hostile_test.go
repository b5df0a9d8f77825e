package broker_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"dialtone/auth"
	"dialtone/auth/authtest"
	"dialtone/internal/broker/brokertest"
	"dialtone/internal/dirstore/dirstoretest"
	"dialtone/internal/idp"
	"dialtone/internal/problem"
)

// TestHostileUpstreamSameErrorAsDirect runs every hostile-provider case
// twice: the desktop signing in at the misbehaving provider directly, and
// through the broker with that provider upstream. The broker must refuse,
// and the desktop must show the same: the same kind of problem (so the
// same exit code and screen) and the same sentence for the agent. Only an
// unreachable upstream reads differently: the desktop did reach the broker,
// so it says the identity provider is having problems rather than that it
// could not reach it.
func TestHostileUpstreamSameErrorAsDirect(t *testing.T) {
	d := brokertest.Start(t, dirstoretest.Backends(t)[0].NewDSN(t), brokertest.Options(nil))
	for i, h := range authtest.HostileUpstreams {
		t.Run(h.Name, func(t *testing.T) {
			direct := authtest.NewFakeOP(t)
			h.Setup(direct)
			_, errDirect := desktopClient().Login(context.Background(), auth.LoginRequest{Provider: direct.Provider(), Email: "agent@acme.test"})

			upstream, up := fakeUpstream(t)
			h.Setup(upstream)
			account := "hostile" + string(rune('a'+i/26)) + string(rune('a'+i%26))
			d.AddBrokered(t, account, account+".test", "sso", up)
			email := "agent@" + account + ".test"
			if h.Name == "email mismatch" {
				upstream.Email = "boss@" + account + ".test"
				direct.Email = "boss@acme.test"
			} else {
				upstream.Email = email
			}
			_, errBrokered := desktopClient().Login(context.Background(), auth.LoginRequest{Provider: d.Entry(t, email, "sso"), Email: email})

			if errDirect == nil || errBrokered == nil {
				t.Fatalf("direct: %v, brokered: %v; want both refused", errDirect, errBrokered)
			}
			if kd, kb := problem.Classify(errDirect), problem.Classify(errBrokered); kd != kb {
				t.Fatalf("direct is %s (%v), brokered is %s (%v)", kd, errDirect, kb, errBrokered)
			}
			sd, sb := problem.Describe(errDirect), problem.Describe(errBrokered)
			sd = strings.ReplaceAll(sd, "acme.test", account+".test")
			if sd != sb && problem.Classify(errDirect) != problem.Unreachable {
				t.Errorf("the agent reads\n  direct:   %s\n  brokered: %s", sd, sb)
			}
		})
	}
}

func desktopClient() *auth.Client {
	return auth.NewClient(auth.Config{Browser: &authtest.FollowBrowser{}, Timeout: 20 * time.Second, HTTPClient: idp.NewHTTPClient(0)})
}
