// Package broker is the provider directory's OpenID provider for brokered
// sign-in (issue 14). For a provider in Brokered mode the desktop signs in
// at the broker exactly as at any provider — system browser, loopback
// redirect, PKCE, every check of docs/providers.md — and the broker signs
// the agent in at the organisation's identity provider ("upstream") as a
// confidential client, with the client secret the admin entered, which
// never leaves the directory.
//
// The protocol is zitadel/oidc's op package: authorization code with PKCE,
// discovery, JWKS, userinfo, revocation (RFC 7009), end session. This
// package is its storage (everything in the directory's database, so every
// replica is stateless), its signing keys (rotated, old ones published
// until their tokens expire), and the upstream step, which runs the
// desktop's own sign-in engine (auth.Client.Redeem): the same checks,
// provider profiles and email match, server side. Refresh tokens rotate;
// a spent one presented again ends its whole family. The broker ends a
// family when the agent signs out, when an admin disables the provider,
// switches it to Direct, changes its upstream or deletes it or the
// account, when the email no longer belongs to the account, when a spent
// token or code comes back, and when the upstream session ended, which it
// re-checks with the upstream refresh token it keeps sealed, at least every
// Options.Recheck. Whenever it ends a family for any reason but the
// upstream's, it revokes that upstream refresh token at the identity
// provider (RFC 7009): at once for a sign-out, in the background
// otherwise (RevokeUpstream, bounded in time). Every authorization
// response it sends the desktop carries its issuer (RFC 9207). Its
// endpoints are rate-limited per client address and its refresh grants
// per session, in the database (Limits), so that replicas share the
// budgets.
//
// It never imports anything of the desktop (keyring, browser, Fyne,
// session store), and never logs a token, code, state, nonce, verifier or
// secret.
package broker

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"

	"dialtone/auth"
	"dialtone/internal/dirstore"
	"dialtone/internal/idp"
	"dialtone/internal/ratelimit"
	"dialtone/internal/sealed"
)

// Defaults of Options' zero fields, and the lifetimes of what the broker
// issues.
const (
	DefaultClientID    = "dialtone"
	DefaultRecheck     = 4 * time.Hour
	DefaultKeyRotation = 30 * 24 * time.Hour

	AccessTokenLifetime  = 15 * time.Minute
	IDTokenLifetime      = time.Hour
	RefreshTokenLifetime = 30 * 24 * time.Hour
	// FlowLifetime bounds a sign-in from the desktop's authorization
	// request to the code's redemption.
	FlowLifetime = 10 * time.Minute
)

// RedirectPath is the path, under the issuer, of the redirect URI an admin
// registers at the upstream identity provider (Options.Issuer +
// RedirectPath).
const RedirectPath = "/idpresponse"

// UpstreamParam is the authorization request parameter that names the
// upstream provider: a brokered provider's entry in the provider list
// carries it in auth_params, with the provider's opaque reference.
const UpstreamParam = "identity_provider"

// IDPClaim is the claim of the broker's ID and access tokens that names the
// upstream provider (its ID in the account).
const IDPClaim = "idp"

// DB is the directory's database, as internal/dirstore opens it.
type DB interface {
	Read() *sql.DB
	Tx(ctx context.Context, f func(*sql.Tx) error) error
	Kind() dirstore.Kind
}

// Options configures a Broker. Issuer and Key are required.
type Options struct {
	// Issuer is the broker's issuer: the directory's public origin and
	// "/broker", such as https://directory.example.com/broker. It must be
	// https, or http on a loopback address. It is in every token and in
	// every brokered provider-list entry, so it must not change.
	Issuer string
	// Key seals the upstream client secrets, the signing keys and the
	// upstream refresh tokens in the database, and derives the key that
	// zitadel/oidc encrypts with. Every replica needs the same key.
	Key *sealed.Key
	// ClientID is the desktop's client ID at the broker. Empty means
	// DefaultClientID.
	ClientID string
	// DefaultAccount names the account that unknown emails belong to, as
	// the directory's lookup does (dirserver.Options.DefaultAccount).
	DefaultAccount string
	// Recheck is how often a session is checked at the upstream with the
	// upstream refresh token. Zero means DefaultRecheck. A session whose
	// upstream issued no refresh token ends when a check is due.
	Recheck time.Duration
	// KeyRotation is how long a signing key signs before the next takes
	// over. Zero means DefaultKeyRotation.
	KeyRotation time.Duration
	// HTTPClient talks to upstream identity providers. Nil means
	// idp.NewHTTPClient(0).
	HTTPClient *http.Client
	// AdminReturn is where an admin's browser goes back to after "Save
	// and authorise" (a path of the admin page). Nil means "/admin".
	AdminReturn func(account, provider string) string
	// Limiter counts the rate limits of the broker's endpoints in the
	// database (Limits). Nil turns them off.
	Limiter *ratelimit.Limiter
	// Limits are the budgets; a zero field means its default.
	Limits Limits
	// ClientAddr returns the key of a request's client address for the
	// limits. Nil means ratelimit.ClientAddr; behind a reverse proxy, the
	// directory passes its own (dirserver.Options.ClientAddr).
	ClientAddr func(*http.Request) string
	// Now is the clock of the database's times (sessions, keys, flows).
	// Nil means time.Now.
	Now func() time.Time
	// Logger receives errors. Nil discards them.
	Logger *slog.Logger
}

// Broker is the directory's OpenID provider. It is safe for concurrent
// use; several Brokers (replicas) may share one PostgreSQL database.
type Broker struct {
	opts     Options
	db       DB
	engine   *auth.Client
	provider *op.Provider
	handler  http.Handler
	keys     *keyCache
	// responses encodes authorization responses, with iss (RFC 9207).
	responses issEncoder
	// revoking counts the batches of RevokeUpstream in progress;
	// revokeSlots bounds their requests (revokeWorkers).
	revoking    sync.WaitGroup
	revokeSlots chan struct{}
}

// New returns a Broker on db. It creates no key until the first token
// needs one.
func New(db DB, opts Options) (*Broker, error) {
	opts, err := withDefaults(opts)
	if err != nil {
		return nil, err
	}
	b := &Broker{opts: opts, db: db, keys: newKeyCache(), revokeSlots: make(chan struct{}, revokeWorkers)}
	b.engine = auth.NewClient(auth.Config{HTTPClient: opts.HTTPClient, Logger: opts.Logger}) // token times are checked on the real clock
	if err := b.buildProvider(); err != nil {
		return nil, fmt.Errorf("broker: could not build the OpenID provider: %w", err)
	}
	return b, nil
}

func withDefaults(o Options) (Options, error) {
	issuer, err := idp.NormalizeIssuer(o.Issuer)
	switch {
	case o.Issuer == "":
		return o, errors.New("broker: no issuer")
	case err != nil || issuer != strings.TrimRight(o.Issuer, "/"):
		return o, fmt.Errorf("broker: the issuer %q is not an https URL (or http on loopback) without query: %v", o.Issuer, err)
	case o.Key == nil:
		return o, errors.New("broker: no key to seal secrets with")
	}
	o.Issuer = issuer
	if o.ClientID == "" {
		o.ClientID = DefaultClientID
	}
	if o.Recheck <= 0 {
		o.Recheck = DefaultRecheck
	}
	if o.KeyRotation <= 0 {
		o.KeyRotation = DefaultKeyRotation
	}
	if o.HTTPClient == nil {
		o.HTTPClient = idp.NewHTTPClient(0)
	}
	o.Limits = o.Limits.withDefaults()
	if o.ClientAddr == nil {
		o.ClientAddr = ratelimit.ClientAddr
	}
	if o.AdminReturn == nil {
		o.AdminReturn = func(string, string) string { return "/admin" }
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, nil
}

// endpoints are the broker's, relative to the issuer.
var endpoints = op.Endpoints{
	Authorization: op.NewEndpoint("authorize"),
	Token:         op.NewEndpoint("token"),
	Userinfo:      op.NewEndpoint("userinfo"),
	Revocation:    op.NewEndpoint("revoke"),
	EndSession:    op.NewEndpoint("end_session"),
	JwksURI:       op.NewEndpoint("keys"),
}

const signedOutPath = "/signed-out"

func (b *Broker) buildProvider() error {
	config := &op.Config{
		// op encrypts the authorization codes with it (stored and found
		// as hashes here, never decrypted) and would decrypt opaque access
		// tokens (the broker issues JWTs): replicas that derive it from
		// different first keys during a key rotation agree on everything.
		CryptoKey:                b.opts.Key.Derive("broker op crypto"),
		DefaultLogoutRedirectURI: b.opts.Issuer + signedOutPath,
		CodeMethodS256:           true,
		GrantTypeRefreshToken:    true,
		SupportedUILocales:       []language.Tag{language.English},
	}
	var opts []op.Option
	if strings.HasPrefix(b.opts.Issuer, "http://") {
		opts = append(opts, op.WithAllowInsecure()) // only on loopback: NormalizeIssuer refuses http elsewhere
	}
	p, err := op.NewProvider(config, &storage{b: b}, op.StaticIssuer(b.opts.Issuer), opts...)
	if err != nil {
		return err
	}
	b.provider = p
	b.responses = issEncoder{Encoder: p.Encoder(), issuer: b.opts.Issuer}
	srv := &server{LegacyServer: op.NewLegacyServer(p, endpoints), b: b}
	protocol := op.RegisterLegacyServer(srv, noLoginUI, op.WithServerCORSOptions(nil), op.WithEncoder(b.responses))
	issuerCtx := op.NewIssuerInterceptor(p.IssuerFromRequest)
	mux := http.NewServeMux()
	mux.Handle("GET "+RedirectPath, b.limitAddress(scopeSignIn, b.opts.Limits.SignIn, refuseCallback, issuerCtx.HandlerFunc(b.handleUpstreamCallback)))
	mux.HandleFunc("GET "+signedOutPath, signedOut)
	mux.Handle("/", b.limited(protocol))
	b.handler = noStore(mux)
	return nil
}

// Handler returns the broker's HTTP handler. Serve it at the issuer's path
// with that prefix stripped: http.StripPrefix("/broker", b.Handler()).
func (b *Broker) Handler() http.Handler { return b.handler }

// Issuer returns the broker's issuer.
func (b *Broker) Issuer() string { return b.opts.Issuer }

// ClientID returns the desktop's client ID at the broker.
func (b *Broker) ClientID() string { return b.opts.ClientID }

// RedirectURI returns the redirect URI an admin registers at an upstream
// identity provider for brokered sign-in: the same for every provider.
func (b *Broker) RedirectURI() string { return b.opts.Issuer + RedirectPath }

// Entry returns the provider-list entry of a brokered provider: type oidc,
// the broker as issuer, the desktop's client ID at the broker, and the
// provider's reference in auth_params. Nothing in it names the account or
// the upstream.
func (b *Broker) Entry(id, name, ref string) idp.Provider {
	return idp.Provider{
		ID: id, Type: idp.TypeOIDC, Name: name, Issuer: b.opts.Issuer, ClientID: b.opts.ClientID,
		AuthParams: map[string]string{UpstreamParam: ref},
	}
}

// noStore marks every answer of the broker uncacheable: they carry codes,
// tokens and per-sign-in redirects.
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/keys" && !strings.HasPrefix(r.URL.Path, "/.well-known/") {
			w.Header().Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

func signedOut(w http.ResponseWriter, r *http.Request) {
	renderMessage(w, http.StatusOK, "You are signed out", "You can close this tab.")
}

// now is the broker's clock.
func (b *Broker) now() time.Time { return b.opts.Now() }

// redirectWith adds params to the client's redirect URI, which op has
// validated against the client's registration.
func redirectWith(redirectURI string, params url.Values) string {
	u, err := url.Parse(redirectURI)
	if err != nil {
		return ""
	}
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	return u.String()
}
