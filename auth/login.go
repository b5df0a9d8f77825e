package auth

import (
	"dialtone/internal/idp"

	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/oauth2"
)

// LoginRequest is one interactive sign-in.
type LoginRequest struct {
	// idp.Provider is the identity provider to sign in with.
	Provider idp.Provider

	// Email is the address the agent typed. It is sent as login_hint and
	// the provider must sign in exactly this address.
	Email string

	// Prompt, when set, overrides the provider's prompt parameter, e.g.
	// "select_account" for "Use another account".
	Prompt string

	// Resources are resource indicators (RFC 8707) to ask the provider to
	// grant, such as the agent's phone line, so that a later Refresh can
	// ask for an access token for them. The code exchange asks for none:
	// its access token is for the provider's userinfo endpoint.
	Resources []string

	// OnBrowser, when set, is called once the loopback listener is ready and
	// the browser was asked to open url; err tells that it could not be
	// opened, and the agent should be shown url to copy. It is called from
	// another goroutine. url carries no secret that outlives this sign-in
	// (state and nonce are single-use, the PKCE verifier never leaves
	// Dialtone), but it should still not be logged.
	OnBrowser func(url string, err error)
}

// secrets are the single-use values that bind a sign-in to this process:
// state (CSRF, RFC 6749 §10.12), nonce (token replay, OpenID Connect Core
// §3.1.2.1) and the PKCE verifier (RFC 7636). Each has 256 bits of entropy.
type secrets struct {
	state, nonce, verifier string
}

func newSecrets() secrets {
	return secrets{state: random256(), nonce: random256(), verifier: oauth2.GenerateVerifier()}
}

func random256() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+).
	return base64.RawURLEncoding.EncodeToString(b)
}

// Login signs an agent in through the browser with the OpenID Connect
// authorization code flow, PKCE S256 and a loopback redirect (RFC 8252).
// It returns a verified session whose email is the typed one.
//
// Errors: *idp.ConfigError (the provider cannot work as configured),
// *idp.NetworkError (the provider is unreachable), *ProviderError (it refused),
// *VerificationError and *EmailError (the answer failed a check),
// *PortInUseError, ErrCancelled and ErrTimeout. Nothing is stored: the
// caller keeps the session (Session.Resolved has what a silent sign-in on
// the next launch needs).
func (c *Client) Login(ctx context.Context, req LoginRequest) (*Session, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, c.timeout, ErrTimeout)
	defer cancel()
	op, err := c.Resolve(ctx, req.Provider)
	if err != nil {
		return nil, classifyDone(ctx, err)
	}
	s, err := c.login(ctx, op, req)
	return s, classifyDone(ctx, err)
}

func (c *Client) login(ctx context.Context, op *Resolved, req LoginRequest) (*Session, error) {
	email, err := idp.NormalizeEmail(req.Email)
	if err != nil {
		return nil, err
	}
	sec := newSecrets()
	lb, err := listenLoopback(op.provider, callbackCheck{state: sec.state, issuer: op.disc.Issuer, issNeeded: op.disc.AuthorizationResponseIssParameterSupported})
	if err != nil {
		return nil, err
	}
	lb.log = c.log
	go lb.serve()
	defer lb.close()
	c.log.DebugContext(ctx, "waiting for the browser", "provider", op.provider.ID, "redirect_uri", lb.redirectURI)
	conf := op.oauth2Config(lb.redirectURI)
	authURL := withResources(conf.AuthCodeURL(sec.state, authParams(op, req, email, sec)...), req.Resources)
	c.log.DebugContext(ctx, "opening the sign-in page", "url", authURL)
	c.openBrowser(ctx, authURL, req.OnBrowser)
	cb, err := lb.wait(ctx)
	if err != nil {
		return nil, err
	}
	c.log.DebugContext(ctx, "the browser came back", "error", cb.err)
	s, err := c.complete(ctx, op, conf, cb, sec, email)
	cb.reply <- err
	return s, err
}

// complete turns the callback into a verified session: exchange the code,
// verify the ID token, read userinfo, match the email.
func (c *Client) complete(ctx context.Context, op *Resolved, conf *oauth2.Config, cb callback, sec secrets, email string) (*Session, error) {
	if cb.err != nil {
		return nil, scopeHint(op.provider, withTypedEmail(cb.err, email))
	}
	tok, err := c.exchange(ctx, conf, cb.code, sec.verifier)
	if err != nil {
		return nil, err
	}
	c.log.DebugContext(ctx, "code exchanged", "kind", tok.Type(), "expiry", tok.Expiry, "renewable", tok.RefreshToken != "")
	claims, err := c.verifyIDToken(ctx, op, idTokenOf(tok), sec.nonce)
	if err != nil {
		return nil, err
	}
	info, err := c.userinfo(ctx, op, tok.AccessToken, claims.Subject)
	if err != nil {
		return nil, err
	}
	got, err := matchEmail(email, emailClaims(op.provider), claims.All, info)
	if err != nil {
		return nil, err
	}
	c.log.DebugContext(ctx, "signed in", "issuer", claims.Issuer, "provider", op.provider.ID)
	return newSession(op, claims, info, got, tok), nil
}

// authParams are the authorization request's parameters beyond those of
// x/oauth2: PKCE S256 always, the nonce, login_hint, and the provider's
// own auth_params (which cannot override the security parameters).
func authParams(op *Resolved, req LoginRequest, email string, sec secrets) []oauth2.AuthCodeOption {
	p := op.provider
	opts := []oauth2.AuthCodeOption{
		oauth2.S256ChallengeOption(sec.verifier),
		oauth2.SetAuthURLParam("nonce", sec.nonce),
		oauth2.SetAuthURLParam("login_hint", email),
	}
	params := maps.Clone(idp.ProfileOf(p.Type).AuthParams)
	if params == nil {
		params = map[string]string{}
	}
	maps.Copy(params, p.AuthParams)
	for _, k := range slices.Sorted(maps.Keys(params)) {
		opts = append(opts, oauth2.SetAuthURLParam(k, params[k]))
	}
	if req.Prompt != "" {
		prompt := supportedPrompt(op.disc, req.Prompt)
		if params["prompt"] == "consent" && prompt != "consent" {
			prompt += " consent" // keep the consent that brings Google's refresh token
		}
		opts = append(opts, oauth2.SetAuthURLParam("prompt", prompt))
	}
	return opts
}

// supportedPrompt maps "select_account" to "login" for providers that
// advertise prompt values without it, so "Use another account" always
// leaves the browser's session at the provider.
func supportedPrompt(d *idp.Discovery, prompt string) string {
	if prompt != "select_account" || len(d.PromptValuesSupported) == 0 || slices.Contains(d.PromptValuesSupported, prompt) {
		return prompt
	}
	return "login"
}

// openBrowser asks the browser to open url without blocking the wait for
// the callback, and reports the outcome to onBrowser.
func (c *Client) openBrowser(ctx context.Context, url string, onBrowser func(string, error)) {
	go func() {
		err := c.browser.Open(ctx, url)
		if ctx.Err() != nil {
			return // the sign-in ended (done, cancelled or timed out) while the browser started
		}
		if err != nil {
			c.log.DebugContext(ctx, "could not open the browser", "err", err)
		}
		if onBrowser != nil {
			onBrowser(url, err)
		}
	}()
}

// exchange redeems the authorization code with the PKCE verifier.
//
// It does not name the sign-in's resources (RFC 8707) again: a provider
// that issues access tokens per resource, as oidc-provider does, would then
// give one its own userinfo endpoint refuses, and the sign-in needs
// userinfo. The line's token comes with the next refresh, which names them.
func (c *Client) exchange(ctx context.Context, conf *oauth2.Config, code, verifier string) (*oauth2.Token, error) {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, c.hc)
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, tokenError(conf.Endpoint.TokenURL, "exchange the sign-in code", err)
	}
	return tok, nil
}

// tokenError classifies an error from the token endpoint.
func tokenError(tokenURL, op string, err error) error {
	var re *oauth2.RetrieveError
	var ue *url.Error
	switch {
	case errors.As(err, &ue):
		return &idp.NetworkError{Op: op, URL: tokenURL, Err: ue.Err}
	case !errors.As(err, &re):
		return &ProviderError{Code: "invalid_response", Description: "the token endpoint's answer is not a valid token response: " + err.Error()}
	}
	switch {
	case re.ErrorCode != "":
		return &ProviderError{Code: re.ErrorCode, Description: re.ErrorDescription, URI: re.ErrorURI}
	case re.Response != nil && idp.TemporaryStatus(re.Response.StatusCode):
		return &idp.NetworkError{Op: op, URL: tokenURL, Err: fmt.Errorf("server error %s", re.Response.Status)}
	case re.Response != nil:
		return &ProviderError{Code: "invalid_response", Description: "the token endpoint answered " + re.Response.Status}
	}
	return &idp.NetworkError{Op: op, URL: tokenURL, Err: errors.New("no response")}
}

func idTokenOf(tok *oauth2.Token) string {
	raw, _ := tok.Extra("id_token").(string)
	return raw
}

// classifyDone turns a failure caused by the end of ctx into ErrTimeout or
// ErrCancelled, whatever step noticed it.
func classifyDone(ctx context.Context, err error) error {
	if err == nil || ctx.Err() == nil {
		return err
	}
	if errors.Is(context.Cause(ctx), ErrTimeout) {
		return ErrTimeout
	}
	return fmt.Errorf("%w: %w", ErrCancelled, context.Cause(ctx))
}

func newSession(op *Resolved, claims *idClaims, info map[string]any, email string, tok *oauth2.Token) *Session {
	expiry := tok.Expiry
	if expiry.IsZero() {
		expiry = claims.Expiry
	}
	return &Session{
		Email:      email,
		Subject:    claims.Subject,
		Issuer:     claims.Issuer,
		ProviderID: op.provider.ID,
		Name:       displayName(claims.All, info),
		ExpiresAt:  expiry,
		token:      tok,
		resolved:   op,
		claims:     mergeClaims(claims.All, info),
	}
}

// mergeClaims overlays the ID token's claims on userinfo's.
func mergeClaims(idToken, info map[string]any) map[string]any {
	all := maps.Clone(info)
	if all == nil {
		all = map[string]any{}
	}
	maps.Copy(all, idToken)
	return all
}

func displayName(sources ...map[string]any) string {
	for _, m := range sources {
		if name, ok := m["name"].(string); ok && strings.TrimSpace(name) != "" {
			return strings.TrimSpace(name)
		}
		given, _ := m["given_name"].(string)
		family, _ := m["family_name"].(string)
		if full := strings.TrimSpace(given + " " + family); full != "" {
			return full
		}
	}
	return ""
}

// emailClaims are the claims the agent's email is read from: the
// configured one, or the type's list when it is the default ("email").
func emailClaims(p idp.Provider) []string {
	if list := idp.ProfileOf(p.Type).EmailClaims; p.EmailClaim == "email" && len(list) > 0 {
		return list
	}
	return []string{p.EmailClaim}
}

// scopeHint turns a provider's refusal of offline_access into advice: the
// providers that refuse it (Google, Salesforce) have their own type.
func scopeHint(p idp.Provider, err error) error {
	var pe *ProviderError
	if errors.As(err, &pe) && pe.Code == "invalid_scope" && slices.Contains(p.Scopes, "offline_access") {
		return &idp.ConfigError{Field: "type", Problem: "the provider refused the offline_access scope, as Google and Salesforce do: choose type google or salesforce", Err: err}
	}
	return err
}

// withResources adds a resource parameter for each of resources to the
// authorization URL (RFC 8707 §2.1 allows several).
func withResources(authURL string, resources []string) string {
	if len(resources) == 0 {
		return authURL
	}
	u, err := url.Parse(authURL)
	if err != nil {
		return authURL // AuthCodeURL made it from a checked endpoint
	}
	q := u.Query()
	for _, r := range resources {
		q.Add("resource", r)
	}
	u.RawQuery = q.Encode()
	return u.String()
}
