package demo

import (
	"context"
	"crypto"
	"log/slog"
	"net"

	"dialtone/internal/sipregistrar"

	"github.com/coreos/go-oidc/v3/oidc"
)

// DefaultRegistrarAddr is the demo registrar's address, for TCP and UDP:
// beside SIP's 5060, so that a SIP phone or server already on the computer
// keeps its port.
const DefaultRegistrarAddr = "127.0.0.1:5070"

// LineResource is the demo phone line's resource indicator (RFC 8707): the
// audience the demo registrar requires of access tokens, and the only
// resource Dialtone's client may ask the demo provider for.
const LineResource = "https://pbx.acme.test"

// registrarRealm is the realm of the registrar's Bearer challenge.
const registrarRealm = "Dialtone demo"

// startRegistrar serves the demo's phone registrar (internal/sipregistrar)
// on ls's SIP sockets: it takes access tokens of issuer for LineResource,
// checked against key, the provider's signing key, which the provider
// publishes in its JWKS. Holding the key, the registrar asks the provider
// nothing, so a launch of the app still makes one request there.
func startRegistrar(ctx context.Context, issuer string, key signingKey, ls *listeners, log *slog.Logger) (*sipregistrar.Registrar, error) {
	reg, err := sipregistrar.New(ctx, sipregistrar.Config{
		Issuer: issuer, Audience: LineResource, Realm: registrarRealm,
		KeySet:     &oidc.StaticKeySet{PublicKeys: []crypto.PublicKey{key.key.Public()}},
		Algorithms: []string{oidc.RS256},
		Logger:     log,
	})
	if err != nil {
		return nil, err
	}
	go reg.ServeTCP(ls.sipTCP) // returns when Close closes the listener
	go reg.ServeUDP(ls.sipUDP)
	return reg, nil
}

// registrarURI is the registrar's SIP URI over TCP, as the directory
// names it in Acme's line.
func registrarURI(ln net.Listener) string {
	return "sip:" + ln.Addr().String() + ";transport=tcp"
}
