package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"dialtone/internal/idp"
)

// Refresh spends the refresh token rt at r's token endpoint (RFC 6749 §6)
// and returns the renewed session of prev, the agent rt belongs to. When
// the answer carries an ID token it is verified as at sign-in, without a
// nonce, and must be about prev's subject (OpenID Connect Core §12.2); an
// answer without one is accepted. resources, when given, ask for an access
// token for those resource servers (RFC 8707 §2.2), such as the agent's
// phone line.
//
// The caller must store a rotated refresh token (Session.RefreshToken)
// before it reports success, and must never spend rt twice at once: at a
// provider with reuse detection that ends the whole session.
//
// Errors: *idp.NetworkError when the provider cannot be reached,
// *ProviderError when it refuses (invalid_grant: rt is dead),
// *VerificationError when the answer fails a check.
func (c *Client) Refresh(ctx context.Context, r *Resolved, prev *Session, rt string, resources ...string) (*Session, error) {
	tok, err := c.refreshGrant(ctx, r, rt, resources)
	if err != nil {
		return nil, err
	}
	c.log.DebugContext(ctx, "session refreshed", "expiry", tok.Expiry, "rotated", tok.RefreshToken != rt, "resources", len(resources))
	return c.checkRefreshed(ctx, r, prev, tok)
}

// refreshGrant spends rt at the token endpoint, authenticating the client
// as the code exchange does, and reads the answer through
// idp.MaxBodySize. A token response without a refresh token keeps rt
// (RFC 6749 §6: the provider did not rotate it).
func (c *Client) refreshGrant(ctx context.Context, r *Resolved, rt string, resources []string) (*oauth2.Token, error) {
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
	for _, res := range resources {
		form.Add("resource", res)
	}
	req, err := r.clientRequest(ctx, r.disc.TokenEndpoint, form)
	if err != nil {
		return nil, err
	}
	body, _, err := idp.DoResponse(c.hc, req, "renew your session")
	var se *idp.StatusError
	if errors.As(err, &se) {
		return nil, tokenErrorBody(se)
	}
	if err != nil {
		return nil, err
	}
	tok, err := parseTokenResponse(body, c.now())
	if err != nil {
		return nil, &ProviderError{Code: "invalid_response", Description: "the token endpoint's answer is not a valid token response: " + err.Error()}
	}
	if tok.RefreshToken == "" {
		tok.RefreshToken = rt
	}
	return tok, nil
}

// clientRequest is a POST of form to endpoint (the token or revocation
// endpoint) with the client's authentication: client_secret_basic when a
// secret is configured and the provider accepts it, else the client ID (and
// secret) in the form.
func (r *Resolved) clientRequest(ctx context.Context, endpoint string, form url.Values) (*http.Request, error) {
	p := r.provider
	basic := p.ClientSecret != "" && r.disc.SupportsAuthMethod("client_secret_basic")
	if !basic {
		form.Set("client_id", p.ClientID)
		if p.ClientSecret != "" {
			form.Set("client_secret", p.ClientSecret)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, &idp.ConfigError{Field: "issuer", Problem: "cannot build a request to " + endpoint, Err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if basic {
		req.SetBasicAuth(url.QueryEscape(p.ClientID), url.QueryEscape(p.ClientSecret))
	}
	return req, nil
}

// tokenResponse is a successful token response (RFC 6749 §5.1).
type tokenResponse struct {
	AccessToken  string          `json:"access_token"`
	TokenType    string          `json:"token_type"`
	RefreshToken string          `json:"refresh_token"`
	ExpiresIn    json.RawMessage `json:"expires_in"` // a number, or a number in a string (some providers)
	IDToken      string          `json:"id_token"`
	Scope        string          `json:"scope"`
}

// parseTokenResponse reads a token response into an *oauth2.Token with the
// ID token as its "id_token" extra.
func parseTokenResponse(body []byte, now time.Time) (*oauth2.Token, error) {
	var tr tokenResponse
	if err := json.Unmarshal(body, &tr); err != nil {
		return nil, err
	}
	if tr.AccessToken == "" {
		return nil, errors.New("no access_token")
	}
	tok := &oauth2.Token{AccessToken: tr.AccessToken, TokenType: tr.TokenType, RefreshToken: tr.RefreshToken}
	if secs, ok := expiresIn(tr.ExpiresIn); ok {
		tok.Expiry = now.Add(time.Duration(secs) * time.Second)
	}
	extra := map[string]any{"scope": tr.Scope}
	if tr.IDToken != "" {
		extra["id_token"] = tr.IDToken
	}
	return tok.WithExtra(extra), nil
}

// expiresIn reads expires_in as a number or a string holding one.
func expiresIn(raw json.RawMessage) (int64, bool) {
	s := strings.Trim(string(raw), `"`)
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}

// tokenErrorBody turns a 4xx answer of the token endpoint into a
// *ProviderError with its error code (RFC 6749 §5.2). 429 and 408 never
// get here: idp.Do makes them *idp.NetworkError, like 5xx.
func tokenErrorBody(se *idp.StatusError) error {
	var e struct {
		Code        string `json:"error"`
		Description string `json:"error_description"`
		URI         string `json:"error_uri"`
	}
	if err := json.Unmarshal(se.Body, &e); err != nil || e.Code == "" {
		return &ProviderError{Code: "invalid_response", Description: fmt.Sprintf("the token endpoint answered %s", se.Status)}
	}
	return &ProviderError{Code: e.Code, Description: e.Description, URI: e.URI}
}

// checkRefreshed verifies the ID token of a refresh response, if any, and
// builds the session.
func (c *Client) checkRefreshed(ctx context.Context, r *Resolved, prev *Session, tok *oauth2.Token) (*Session, error) {
	s := prev.renewed(r, tok)
	raw := idTokenOf(tok)
	if raw == "" {
		return s, nil
	}
	claims, err := c.verifyIDToken(ctx, r, raw, "")
	if err != nil {
		return nil, err
	}
	if claims.Subject != prev.Subject {
		return nil, &VerificationError{Check: "sub", Err: errors.New("the renewed ID token is for another user")}
	}
	if s.ExpiresAt.IsZero() {
		s.ExpiresAt = claims.Expiry
	}
	return s, nil
}
