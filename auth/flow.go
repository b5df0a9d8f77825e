package auth

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"golang.org/x/oauth2"

	"dialtone/internal/idp"
)

// CodeFlow is one authorization-code sign-in that a server runs on an
// agent's behalf: a broker that signs agents in at their organisation's
// identity provider as a confidential client (its redirect URI is its own
// https callback, its client secret is configured in Provider.ClientSecret).
// It has the same single-use secrets and goes through the same checks,
// provider profiles and email match as Login, which the desktop uses.
//
// Security duties of the caller: keep State, Nonce and Verifier on the
// server side only (never in a cookie or a page), find the flow again by
// State when the browser comes back, use each flow once and forget it
// after Redeem or after a few minutes, and never log any of the three.
type CodeFlow struct {
	// RedirectURI is where the identity provider sends the browser back;
	// it must be registered at the provider exactly.
	RedirectURI string
	// Email is the address the agent typed, normalised by NewCodeFlow. It
	// is sent as login_hint, and Redeem refuses a provider that signs in
	// any other address.
	Email string
	// State (CSRF, RFC 6749 §10.12), Nonce (ID token replay, OpenID
	// Connect Core §3.1.2.1) and Verifier (PKCE S256, RFC 7636) have 256
	// bits of entropy each.
	State, Nonce, Verifier string
	// Prompt, when set, overrides the provider's prompt parameter.
	Prompt string
}

// NewCodeFlow returns a flow for the typed email back to redirectURI, with
// fresh secrets. It returns an *idp.InvalidEmailError when email is not an
// email address.
func NewCodeFlow(redirectURI, email string) (CodeFlow, error) {
	addr, err := idp.NormalizeEmail(email)
	if err != nil {
		return CodeFlow{}, err
	}
	sec := newSecrets()
	return CodeFlow{RedirectURI: redirectURI, Email: addr, State: sec.state, Nonce: sec.nonce, Verifier: sec.verifier}, nil
}

func (f CodeFlow) secrets() secrets {
	return secrets{state: f.State, nonce: f.Nonce, verifier: f.Verifier}
}

// AuthCodeURL returns the address to send the agent's browser to for f at
// r: the authorization endpoint with f's state, nonce, PKCE S256 challenge,
// login_hint and the provider's auth_params, exactly as Login builds it.
// The address carries no secret that outlives the flow, but it should not
// be logged.
func (c *Client) AuthCodeURL(r *Resolved, f CodeFlow) string {
	req := LoginRequest{Provider: r.provider, Email: f.Email, Prompt: f.Prompt}
	return r.oauth2Config(f.RedirectURI).AuthCodeURL(f.State, authParams(r, req, f.Email, f.secrets())...)
}

// Redeem completes f with the query of the request the browser made to
// f.RedirectURI. It makes Login's checks in Login's order: the state
// (constant time) and the RFC 9207 iss; the provider's error, if it sent
// one; then the code exchange with the PKCE verifier, the client
// authenticated with Provider.ClientSecret by client_secret_basic, or
// client_secret_post when the provider advertises only that; the ID token
// (signature, iss, aud, azp, exp, iat, nbf, nonce, sub, and the provider
// type's rules); userinfo with the provider's method, whose sub must be the
// ID token's; and the email, which must be f.Email and not unverified.
//
// Errors are those of Login: *ProviderError, *VerificationError (Check
// "state" for a query that does not belong to f), *EmailError,
// *idp.ConfigError and *idp.NetworkError. The returned Session holds the
// provider's tokens: a server must keep them to itself (a broker never
// hands them to the desktop) and store the refresh token only encrypted.
func (c *Client) Redeem(ctx context.Context, r *Resolved, f CodeFlow, query url.Values) (*Session, error) {
	code, cbErr, ok := parseCallback(query, callbackCheck{state: f.State, issuer: r.disc.Issuer, issNeeded: r.disc.AuthorizationResponseIssParameterSupported})
	if !ok {
		return nil, &VerificationError{Check: "state", Err: errors.New("the redirect does not belong to this sign-in")}
	}
	conf := r.oauth2Config(f.RedirectURI)
	s, err := c.complete(ctx, r, conf, callback{code: code, err: cbErr}, f.secrets(), f.Email)
	if err != nil {
		return nil, fmt.Errorf("auth: could not complete the sign-in at %s: %w", r.provider.ID, err)
	}
	return s, nil
}

// ClientAuthMethod says how r's client authenticates at the token
// endpoint: "none" without a client secret, else "client_secret_basic",
// or "client_secret_post" when the provider advertises only that.
func (r *Resolved) ClientAuthMethod() string {
	switch {
	case r.provider.ClientSecret == "":
		return "none"
	case r.oauth2Config("").Endpoint.AuthStyle == oauth2.AuthStyleInHeader:
		return "client_secret_basic"
	}
	return "client_secret_post"
}
