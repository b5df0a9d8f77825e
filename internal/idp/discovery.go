package idp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Discovery is the part of an OpenID Provider's discovery document
// (OpenID Connect Discovery 1.0 §3) that Dialtone uses.
type Discovery struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	UserinfoEndpoint                  string   `json:"userinfo_endpoint,omitempty"`
	JWKSURI                           string   `json:"jwks_uri"`
	RevocationEndpoint                string   `json:"revocation_endpoint,omitempty"`
	EndSessionEndpoint                string   `json:"end_session_endpoint,omitempty"`
	ScopesSupported                   []string `json:"scopes_supported,omitempty"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported,omitempty"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported,omitempty"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported,omitempty"`
	PromptValuesSupported             []string `json:"prompt_values_supported,omitempty"`
	// AuthorizationResponseIssParameterSupported means the provider sends
	// "iss" on the redirect and Dialtone must check it (RFC 9207).
	AuthorizationResponseIssParameterSupported bool `json:"authorization_response_iss_parameter_supported,omitempty"`

	// FetchedAt is when Dialtone fetched the document (not part of it).
	FetchedAt time.Time `json:"fetched_at,omitzero"`
}

// FetchDiscovery fetches and checks the discovery document of issuer, which
// must already be normalised (see NormalizeIssuer). The body is read through
// MaxBodySize; redirects are not followed to another host. It returns a
// *NetworkError when the provider cannot be reached, and a *ConfigError when
// the document is malformed, names another issuer (the Problem says which
// issuer the admin should enter), lacks a required endpoint, uses http for a
// non-loopback issuer, or does not support PKCE S256.
func FetchDiscovery(ctx context.Context, hc *http.Client, issuer string) (*Discovery, error) {
	return fetchDiscovery(ctx, hc, Provider{Type: TypeOIDC, Issuer: issuer})
}

// DiscoverProvider is FetchDiscovery with the rules of p's type: an Entra
// ID multi-tenant issuer template or a Salesforce login host as the
// document's issuer is accepted for those types only.
func DiscoverProvider(ctx context.Context, hc *http.Client, p Provider) (*Discovery, error) {
	return fetchDiscovery(ctx, hc, p)
}

func fetchDiscovery(ctx context.Context, hc *http.Client, p Provider) (*Discovery, error) {
	issuer := p.Issuer
	wellKnown := issuer + wellKnownSuffix
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, wellKnown, nil)
	if err != nil {
		return nil, &ConfigError{Field: "issuer", Problem: "cannot build the discovery URL", Err: err}
	}
	req.Header.Set("Accept", "application/json")
	body, err := Do(hc, req, "fetch the discovery document")
	var se *StatusError
	if errors.As(err, &se) {
		return nil, &ConfigError{Field: "issuer", Problem: fmt.Sprintf("there is no discovery document at %s (%s): check the Discovery URL", wellKnown, se.Status)}
	}
	if err != nil {
		return nil, err
	}
	var d Discovery
	if err := json.Unmarshal(body, &d); err != nil {
		return nil, &ConfigError{Field: "issuer", Problem: "the discovery document at " + wellKnown + " is not valid JSON", Err: err}
	}
	if err := d.Check(p); err != nil {
		return nil, err
	}
	d.FetchedAt = time.Now()
	return &d, nil
}

// Check applies the checks of FetchDiscovery to a decoded document, with
// the issuer rules of p's type. A cached document must pass it again
// before it is used.
func (d *Discovery) Check(p Provider) error {
	issuer := p.Issuer
	accept := ProfileOf(p.Type).AcceptIssuer
	if d.Issuer != issuer && strings.TrimRight(d.Issuer, "/") != issuer && (accept == nil || !accept(issuer, d.Issuer)) {
		return &ConfigError{Field: "issuer", Problem: fmt.Sprintf("the provider says its issuer is %q, not %q: enter %q as the Discovery URL%s", d.Issuer, issuer, d.Issuer, issuerHint(p.Type, issuer, d.Issuer))}
	}
	endpoints := []struct {
		name, value string
		required    bool
	}{
		{"authorization_endpoint", d.AuthorizationEndpoint, true},
		{"token_endpoint", d.TokenEndpoint, true},
		{"jwks_uri", d.JWKSURI, true},
		{"userinfo_endpoint", d.UserinfoEndpoint, false},
		{"revocation_endpoint", d.RevocationEndpoint, false},
		{"end_session_endpoint", d.EndSessionEndpoint, false},
	}
	for _, e := range endpoints {
		if err := checkEndpoint(e.name, e.value, e.required); err != nil {
			return err
		}
	}
	if len(d.CodeChallengeMethodsSupported) > 0 && !slices.Contains(d.CodeChallengeMethodsSupported, "S256") {
		return &ConfigError{Field: "issuer", Problem: "the provider does not support PKCE with S256 (code_challenge_methods_supported), which Dialtone requires"}
	}
	return nil
}

func checkEndpoint(name, value string, required bool) error {
	if value == "" {
		if required {
			return &ConfigError{Field: "issuer", Problem: "the discovery document has no " + name}
		}
		return nil
	}
	u, err := parseURL(value)
	if err != nil {
		return &ConfigError{Field: "issuer", Problem: fmt.Sprintf("the discovery document's %s %q is not a URL", name, value)}
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && IsLoopbackHost(u.Hostname())) {
		return &ConfigError{Field: "issuer", Problem: fmt.Sprintf("the discovery document's %s %q must use https", name, value)}
	}
	return nil
}

// SupportsAuthMethod reports whether the token endpoint accepts method. An
// absent list means client_secret_basic only (Discovery 1.0 §3).
func (d *Discovery) SupportsAuthMethod(method string) bool {
	if len(d.TokenEndpointAuthMethodsSupported) == 0 {
		return method == "client_secret_basic"
	}
	return slices.Contains(d.TokenEndpointAuthMethodsSupported, method)
}

// SigningAlgs returns the asymmetric ID token signing algorithms the
// provider advertises, or RS256 when it lists none. "none" and the HMAC
// algorithms are never accepted: a public client has no secret to check an
// HMAC with, and accepting one invites algorithm confusion.
func (d *Discovery) SigningAlgs() []string {
	var algs []string
	for _, a := range d.IDTokenSigningAlgValuesSupported {
		if slices.Contains(AsymmetricAlgs, a) {
			algs = append(algs, a)
		}
	}
	if len(algs) == 0 {
		return []string{"RS256"}
	}
	return algs
}

// AsymmetricAlgs are the ID token signing algorithms Dialtone accepts.
var AsymmetricAlgs = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
