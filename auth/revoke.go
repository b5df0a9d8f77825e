package auth

import (
	"context"
	"errors"
	"net/url"

	"dialtone/internal/idp"
)

// Revoke asks the provider to revoke the refresh token rt (RFC 7009 §2.1),
// authenticating the client as the token endpoint does. It reports whether
// the provider has a revocation endpoint and accepted the request; a
// provider without one yields false and no error.
func (c *Client) Revoke(ctx context.Context, r *Resolved, rt string) (bool, error) {
	if r.disc.RevocationEndpoint == "" {
		return false, nil
	}
	form := url.Values{"token": {rt}, "token_type_hint": {"refresh_token"}}
	req, err := r.clientRequest(ctx, r.disc.RevocationEndpoint, form)
	if err != nil {
		return false, err
	}
	_, err = idp.Do(c.hc, req, "revoke your session")
	var se *idp.StatusError
	if errors.As(err, &se) {
		return false, &ProviderError{Code: "revocation_failed", Description: se.Error()}
	}
	return err == nil, err
}

// EndSessionURL is the provider's end-session address for this client
// (OpenID Connect RP-Initiated Logout 1.0), to open in the browser so the
// provider's own session ends too; "" when the provider has none.
func (r *Resolved) EndSessionURL() string {
	if r.disc.EndSessionEndpoint == "" {
		return ""
	}
	u, err := url.Parse(r.disc.EndSessionEndpoint)
	if err != nil {
		return ""
	}
	q := u.Query()
	q.Set("client_id", r.provider.ClientID)
	u.RawQuery = q.Encode()
	return u.String()
}
