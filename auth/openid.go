package auth

import (
	"context"

	"golang.org/x/oauth2"
)

// openID is a provider made ready for use: its configuration from the
// provider list, its discovery document and its signing keys.
type openID struct {
	provider Provider
	disc     *Discovery
	keys     *keySet
	stale    bool // the discovery document came from a cache older than discoveryMaxAge
}

// resolve validates p, fetches its discovery document and prepares its key
// set. The keys are fetched on first use.
func (c *Client) resolve(ctx context.Context, p Provider) (*openID, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	disc, err := DiscoverProvider(ctx, c.hc, p)
	if err != nil {
		return nil, err
	}
	return &openID{provider: p, disc: disc, keys: newKeySet(c.hc, disc.JWKSURI, c.now)}, nil
}

// resolveCached is resolve that uses the discovery document and key set
// cached in meta, so a silent sign-in makes no request but the token
// request. A cached document still passes every check of FetchDiscovery;
// one older than discoveryMaxAge is used and marked stale, for the caller
// to refresh in the background.
func (c *Client) resolveCached(ctx context.Context, p Provider, meta *Metadata) (*openID, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	cached, ok := meta.Discovery[p.Issuer]
	if !ok || cached.Document.check(p) != nil {
		return c.resolve(ctx, p)
	}
	disc := cached.Document
	op := &openID{provider: p, disc: &disc, keys: newKeySet(c.hc, disc.JWKSURI, c.now)}
	op.keys.seed(cached.JWKS, cached.JWKSFetchedAt)
	op.stale = c.now().Sub(disc.FetchedAt) > discoveryMaxAge
	return op, nil
}

// oauth2Config is the x/oauth2 view of the provider for redirectURI. The
// client authenticates with "none" (a public client, RFC 8252 §8.4) unless
// a client secret is configured; then it uses client_secret_basic, or
// client_secret_post when only that is advertised.
func (o *openID) oauth2Config(redirectURI string) *oauth2.Config {
	style := oauth2.AuthStyleInParams
	if o.provider.ClientSecret != "" && o.disc.supportsAuthMethod("client_secret_basic") {
		style = oauth2.AuthStyleInHeader
	}
	return &oauth2.Config{
		ClientID:     o.provider.ClientID,
		ClientSecret: o.provider.ClientSecret,
		RedirectURL:  redirectURI,
		Scopes:       o.provider.Scopes,
		Endpoint: oauth2.Endpoint{
			AuthURL:   o.disc.AuthorizationEndpoint,
			TokenURL:  o.disc.TokenEndpoint,
			AuthStyle: style,
		},
	}
}
