package auth

import (
	"context"
	"encoding/json"
	"time"

	"golang.org/x/oauth2"

	"dialtone/internal/idp"
)

// DiscoveryMaxAge is how old a cached discovery document may be before
// Resolved.Stale says to refresh it (in the background: a stale document is
// still used).
const DiscoveryMaxAge = 24 * time.Hour

// Resolved is a provider made ready for use: its configuration from the
// provider list, its discovery document and its signing keys. Get one from
// Client.Resolve (which fetches the document) or Client.ResolveCached (which
// uses a Snapshot kept from an earlier run). It is safe for concurrent use.
type Resolved struct {
	provider idp.Provider
	disc     *idp.Discovery
	keys     *keySet
	stale    bool // the discovery document came from a snapshot older than DiscoveryMaxAge
}

// Snapshot is what a silent sign-in on the next launch needs to make no
// request but the token request: the discovery document (whose FetchedAt
// says when it was fetched) and the JSON Web Key Set as fetched from
// jwks_uri. It holds no secret. Whoever keeps it on disk must treat it as
// untrusted input: ResolveCached checks it again before use.
type Snapshot struct {
	Document      idp.Discovery   `json:"document"`
	JWKS          json.RawMessage `json:"jwks,omitempty"`
	JWKSFetchedAt time.Time       `json:"jwks_fetched_at,omitzero"`
}

// Resolve validates p, fetches its discovery document and prepares its key
// set. The keys are fetched on first use (or by FetchKeys).
func (c *Client) Resolve(ctx context.Context, p idp.Provider) (*Resolved, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	disc, err := idp.DiscoverProvider(ctx, c.hc, p)
	if err != nil {
		return nil, err
	}
	return &Resolved{provider: p, disc: disc, keys: newKeySet(c.hc, disc.JWKSURI, c.now)}, nil
}

// ResolveCached is Resolve from snap, making no request, when snap is a
// document for p's issuer that passes every check Resolve makes; otherwise
// (nil, or a document that fails a check) it is Resolve. A snapshot older
// than DiscoveryMaxAge is used and marked Stale.
func (c *Client) ResolveCached(ctx context.Context, p idp.Provider, snap *Snapshot) (*Resolved, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if snap == nil || snap.Document.Check(p) != nil {
		return c.Resolve(ctx, p)
	}
	disc := snap.Document
	r := &Resolved{provider: p, disc: &disc, keys: newKeySet(c.hc, disc.JWKSURI, c.now)}
	r.keys.seed(snap.JWKS, snap.JWKSFetchedAt)
	r.stale = c.now().Sub(disc.FetchedAt) > DiscoveryMaxAge
	return r, nil
}

// FetchKeys fetches the provider's key set unless it is already cached.
func (r *Resolved) FetchKeys(ctx context.Context) error { return r.keys.ensure(ctx) }

// Provider returns the provider configuration (an idp.Provider), with
// defaults applied.
func (r *Resolved) Provider() idp.Provider { return r.provider }

// Stale reports that the discovery document came from a snapshot older
// than DiscoveryMaxAge: the caller should Resolve again in the background.
func (r *Resolved) Stale() bool { return r.stale }

// Snapshot returns the discovery document and key set, for the next
// launch's ResolveCached.
func (r *Resolved) Snapshot() Snapshot {
	raw, at := r.keys.snapshot()
	return Snapshot{Document: *r.disc, JWKS: raw, JWKSFetchedAt: at}
}

// oauth2Config is the x/oauth2 view of the provider for redirectURI. The
// client authenticates with "none" (a public client, RFC 8252 §8.4) unless
// a client secret is configured; then it uses client_secret_basic, or
// client_secret_post when only that is advertised.
func (r *Resolved) oauth2Config(redirectURI string) *oauth2.Config {
	style := oauth2.AuthStyleInParams
	if r.provider.ClientSecret != "" && r.disc.SupportsAuthMethod("client_secret_basic") {
		style = oauth2.AuthStyleInHeader
	}
	return &oauth2.Config{
		ClientID:     r.provider.ClientID,
		ClientSecret: r.provider.ClientSecret,
		RedirectURL:  redirectURI,
		Scopes:       r.provider.Scopes,
		Endpoint: oauth2.Endpoint{
			AuthURL:   r.disc.AuthorizationEndpoint,
			TokenURL:  r.disc.TokenEndpoint,
			AuthStyle: style,
		},
	}
}
