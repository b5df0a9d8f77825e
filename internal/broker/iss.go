package broker

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	httphelper "github.com/zitadel/oidc/v3/pkg/http"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// RFC 9207: every authorization response the broker sends to the
// desktop's redirect URI — a code, or an error — carries iss, the broker's
// issuer, and the discovery document promises it
// (authorization_response_iss_parameter_supported), so the desktop refuses
// a response without it or with another issuer's (a mix-up attack). The
// responses are made in four places, each adding iss:
//
//   - the code, in finishAgent, and op's own error redirects of an
//     authorization request whose redirect_uri it has validated (prompt,
//     scope, login_required, …): both encoded by issEncoder;
//   - the broker's own error redirects (refuse, relayToDesktop,
//     refuseAuthorize): toDesktop.
//
// Nothing else sends the browser to the desktop: the redirects to the
// upstream provider (Authorize) and to the admin page (finishAdmin) carry
// no iss, and op's login-UI callback, which would answer with a code of
// its own, is not served (noLoginUI).

// issEncoder is the encoder of authorization responses: it adds iss to
// whatever response it encodes. op uses the server's encoder (op.WithEncoder)
// only for the error redirects of authorization requests; finishAgent
// uses it for the code.
type issEncoder struct {
	httphelper.Encoder
	issuer string
}

// Encode implements httphelper.Encoder.
func (e issEncoder) Encode(src any, dst map[string][]string) error {
	if err := e.Encoder.Encode(src, dst); err != nil {
		return err
	}
	dst["iss"] = []string{e.issuer}
	return nil
}

// toDesktop returns the desktop's redirect URI with an authorization
// response's params and iss. The caller has validated redirectURI (op
// did, against the desktop's registration).
func (b *Broker) toDesktop(redirectURI string, params url.Values) string {
	params.Set("iss", b.opts.Issuer)
	return redirectWith(redirectURI, params)
}

// discovery is op's discovery document with RFC 9207's promise.
type discovery struct {
	*oidc.DiscoveryConfiguration
	AuthorizationResponseIssParameterSupported bool `json:"authorization_response_iss_parameter_supported"`
}

// Discovery serves op's discovery document with
// authorization_response_iss_parameter_supported: true (RFC 9207 §3).
func (s *server) Discovery(ctx context.Context, r *op.Request[struct{}]) (*op.Response, error) {
	resp, err := s.LegacyServer.Discovery(ctx, r)
	if err != nil {
		return nil, err
	}
	d, ok := resp.Data.(*oidc.DiscoveryConfiguration)
	if !ok {
		return nil, errors.New("broker: op's discovery document is not an *oidc.DiscoveryConfiguration")
	}
	resp.Data = discovery{DiscoveryConfiguration: d, AuthorizationResponseIssParameterSupported: true}
	return resp, nil
}

// noLoginUI answers op's login-UI callback (/authorize/callback): the
// broker has no login UI (Authorize goes straight to the upstream and
// finishAgent answers the desktop), so nothing may be answered there.
func noLoginUI(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
