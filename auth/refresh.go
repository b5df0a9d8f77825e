package auth

import (
	"context"
	"errors"

	"golang.org/x/oauth2"
)

// Refresh spends the refresh token rt at r's token endpoint (RFC 6749 §6)
// and returns the renewed session of prev, the agent rt belongs to. When
// the answer carries an ID token it is verified as at sign-in, without a
// nonce, and must be about prev's subject (OpenID Connect Core §12.2); an
// answer without one is accepted.
//
// The caller must store a rotated refresh token (Session.RefreshToken)
// before it reports success, and must never spend rt twice at once: at a
// provider with reuse detection that ends the whole session.
//
// Errors: *idp.NetworkError when the provider cannot be reached,
// *ProviderError when it refuses (invalid_grant: rt is dead),
// *VerificationError when the answer fails a check.
func (c *Client) Refresh(ctx context.Context, r *Resolved, prev *Session, rt string) (*Session, error) {
	tok, err := c.refreshGrant(ctx, r, rt)
	if err != nil {
		return nil, err
	}
	c.log.DebugContext(ctx, "session refreshed", "expiry", tok.Expiry, "rotated", tok.RefreshToken != rt)
	return c.checkRefreshed(ctx, r, prev, tok)
}

// refreshGrant spends rt at the token endpoint.
func (c *Client) refreshGrant(ctx context.Context, r *Resolved, rt string) (*oauth2.Token, error) {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, c.hc)
	tok, err := r.oauth2Config("").TokenSource(ctx, &oauth2.Token{RefreshToken: rt}).Token()
	if err != nil {
		return nil, tokenError(r.disc.TokenEndpoint, "renew your session", err)
	}
	return tok, nil
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
