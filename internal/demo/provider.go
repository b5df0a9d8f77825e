package demo

import (
	"crypto/rand"
	"log/slog"
	"net/http"

	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// loggedOutPath is where the end-session endpoint sends the browser when
// the client names no post-logout redirect.
const loggedOutPath = "/logged-out"

// newProviderHandler builds the demo identity provider for issuer:
// zitadel/oidc's OpenID provider over st, with the sign-in page.
//
// It is put together here rather than with the example's
// exampleop.SetupServer, which logs every request through slog's default
// logger, encrypts with a fixed key, and adds the device flow the demo
// does not need. The protocol is served by resourceServer, the library's
// LegacyServer that reads RFC 8707 resource indicators. The library itself
// logs, through slog's default logger, its routes at start (Info) and
// failed requests (Warn); cmd/dialtone-demo makes that logger the demo's.
func newProviderHandler(issuer string, st *opStorage, log *slog.Logger) (http.Handler, error) {
	config := &op.Config{
		CryptoKey:                newCryptoKey(),
		DefaultLogoutRedirectURI: loggedOutPath,
		CodeMethodS256:           true,
		GrantTypeRefreshToken:    true,
		SupportedUILocales:       []language.Tag{language.English},
	}
	p, err := op.NewProvider(config, st, op.StaticIssuer(issuer), op.WithAllowInsecure())
	if err != nil {
		return nil, err
	}
	endpoints := p.Endpoints()
	endpoints.DeviceAuthorization = nil // not served
	srv := resourceServer{op.NewLegacyServer(p, endpoints)}
	login := &loginPage{storage: st, callback: srv.AuthCallbackURL(), log: log}
	issuerCtx := op.NewIssuerInterceptor(p.IssuerFromRequest)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login/username", login.show)
	mux.Handle("POST /login/username", issuerCtx.HandlerFunc(login.submit))
	mux.HandleFunc("GET "+loggedOutPath, loggedOut)
	mux.Handle("/", op.RegisterLegacyServer(srv, op.AuthorizeCallbackHandler(p)))
	return logRequests(log, mux), nil
}

// newCryptoKey is the key that seals authorization codes and access
// tokens. Both live in memory only, so a new key at every start is right.
func newCryptoKey() [32]byte {
	var k [32]byte
	rand.Read(k[:]) // never fails (crypto/rand, Go 1.24+)
	return k
}

// logRequests logs each request's method and path at debug level. The
// query is left out: it carries codes and states.
func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.DebugContext(r.Context(), "demo: request", "method", r.Method, "path", r.URL.Path)
		next.ServeHTTP(w, r)
	})
}
