package sipregistrar

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// Config configures a Registrar. Issuer and Audience are required.
type Config struct {
	// Issuer is the identity provider whose tokens are accepted: the
	// authz_server of the challenge and the required "iss".
	Issuer string
	// Audience is the required "aud" of access tokens, for example the
	// registrar's own URI or an API identifier.
	Audience string
	// Realm is the challenge's realm. Empty means "dialtone".
	Realm string
	// KeySet verifies token signatures. Nil means the issuer's JWKS, found
	// through its discovery document when New runs.
	KeySet oidc.KeySet
	// Algorithms are the accepted signing algorithms. Empty means RS256
	// and ES256.
	Algorithms []string
	// Now is the registrar's clock for token expiry and bindings. Nil
	// means time.Now.
	Now func() time.Time
	// MinExpires, MaxExpires and DefaultExpires bound registrations. Zero
	// means 60 seconds, one hour and one hour. A binding never outlives
	// the token that made it.
	MinExpires, MaxExpires, DefaultExpires time.Duration
	// Authorize decides whether a verified token may register aor
	// ("sip:user@host"). Nil means its "email" claim must equal user@host.
	Authorize func(aor string, token *oidc.IDToken) error
	// Logger receives sipgo's logs and the registrar's own (never a
	// token). Nil discards them.
	Logger *slog.Logger
}

// Registrar is a running bearer-token registrar. Serve it on one or more
// listeners; Close stops it.
type Registrar struct {
	cfg      Config
	verifier *oidc.IDTokenVerifier
	ua       *sipgo.UserAgent
	srv      *sipgo.Server
	table    *table

	mu      sync.Mutex
	closers []io.Closer
}

// New builds a registrar. Without Config.KeySet it fetches the issuer's
// discovery document, bounded by ctx.
func New(ctx context.Context, cfg Config) (*Registrar, error) {
	if cfg.Issuer == "" || cfg.Audience == "" {
		return nil, errors.New("sipregistrar: Issuer and Audience are required")
	}
	cfg = withDefaults(cfg)
	keys, err := keySet(ctx, cfg)
	if err != nil {
		return nil, err
	}
	r := &Registrar{cfg: cfg, table: newTable()}
	r.verifier = oidc.NewVerifier(cfg.Issuer, keys, &oidc.Config{
		ClientID: cfg.Audience, SupportedSigningAlgs: cfg.Algorithms, Now: cfg.Now})
	if err := r.startSIP(); err != nil {
		return nil, err
	}
	return r, nil
}

func withDefaults(c Config) Config {
	c.Realm = cmp.Or(c.Realm, "dialtone")
	if len(c.Algorithms) == 0 {
		c.Algorithms = []string{oidc.RS256, oidc.ES256}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	c.MinExpires = cmp.Or(c.MinExpires, time.Minute)
	c.MaxExpires = cmp.Or(c.MaxExpires, time.Hour)
	c.DefaultExpires = cmp.Or(c.DefaultExpires, time.Hour)
	if c.Authorize == nil {
		c.Authorize = emailMatchesAOR
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// keySet returns the configured key set or the issuer's remote JWKS.
func keySet(ctx context.Context, cfg Config) (oidc.KeySet, error) {
	if cfg.KeySet != nil {
		return cfg.KeySet, nil
	}
	var meta struct {
		JWKSURI string `json:"jwks_uri"`
	}
	p, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err == nil {
		err = p.Claims(&meta)
	}
	if err != nil {
		return nil, fmt.Errorf("sipregistrar: could not read the discovery document of %s: %w", cfg.Issuer, err)
	}
	// The key set outlives New's ctx: it fetches keys as tokens arrive.
	return oidc.NewRemoteKeySet(context.WithoutCancel(ctx), meta.JWKSURI), nil
}

func (r *Registrar) startSIP() error {
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("Dialtone demo registrar"),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(r.cfg.Logger)),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(r.cfg.Logger)))
	if err != nil {
		return fmt.Errorf("sipregistrar: could not start SIP: %w", err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(r.cfg.Logger))
	if err != nil {
		_ = ua.Close()
		return fmt.Errorf("sipregistrar: could not start SIP: %w", err)
	}
	srv.OnRegister(r.onRegister)
	r.ua, r.srv = ua, srv
	return nil
}

// ServeUDP answers requests arriving on conn until Close. It returns the
// error that ended it.
func (r *Registrar) ServeUDP(conn net.PacketConn) error {
	r.track(conn)
	return r.srv.ServeUDP(conn)
}

// ServeTCP answers requests on connections accepted from ln until Close.
// It returns the error that ended it.
func (r *Registrar) ServeTCP(ln net.Listener) error {
	r.track(ln)
	return r.srv.ServeTCP(ln)
}

// ServeTLS answers requests on connections accepted from ln, which must
// be a TLS listener (tls.NewListener), until Close.
func (r *Registrar) ServeTLS(ln net.Listener) error {
	r.track(ln)
	return r.srv.ServeTLS(ln)
}

func (r *Registrar) track(c io.Closer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closers = append(r.closers, c)
}

// Close stops serving and closes the listeners and connections.
func (r *Registrar) Close() error {
	r.mu.Lock()
	closers := r.closers
	r.closers = nil
	r.mu.Unlock()
	for _, c := range closers {
		_ = c.Close()
	}
	return r.ua.Close()
}

// Bindings returns the contacts registered for aor ("sip:user@host") that
// have not expired.
func (r *Registrar) Bindings(aor string) []Binding {
	return r.table.bindings(aorKey(aor), r.cfg.Now())
}
